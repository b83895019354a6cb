//! Request parameters of the OAuth endpoints: `application/x-www-form-urlencoded` bodies and
//! query strings, kept as ordered pairs so that a repeated parameter can be refused
//! (RFC 6749 §3.1, §3.2: parameters MUST NOT be included more than once), plus the
//! percent-decoding of HTTP Basic client credentials (RFC 6749 §2.3.1).

use url::form_urlencoded;

/// Ordered request parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// Parameters of a query string or form body.
    pub fn parse(input: &[u8]) -> Self {
        Self(
            form_urlencoded::parse(input)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The single value of `name`; `Err` if it is repeated. An empty value counts as absent.
    pub fn one(&self, name: &str) -> Result<Option<&str>, String> {
        let mut found = self.0.iter().filter(|(k, _)| k == name);
        let first = found.next();
        if found.next().is_some() {
            return Err(format!("parameter `{name}` is repeated"));
        }
        Ok(first.map(|(_, v)| v.as_str()).filter(|v| !v.is_empty()))
    }

    /// Every value of `name` (for `resource`, which RFC 8707 lets repeat).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first parameter that appears more than once, other than those in `except`.
    pub fn repeated(&self, except: &[&str]) -> Option<&str> {
        self.0.iter().enumerate().find_map(|(i, (k, _))| {
            let again = self.0[i + 1..].iter().any(|(k2, _)| k2 == k);
            (again && !except.contains(&k.as_str())).then_some(k.as_str())
        })
    }

    /// The pairs, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

/// Percent-decodes one `application/x-www-form-urlencoded` value (`+` is a space); an invalid
/// escape is kept literally.
pub(crate) fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_detected() {
        let p = Params::parse(b"a=1&b=2&a=3&e=&r=x&r=y");
        assert!(p.one("a").is_err());
        assert_eq!(p.one("b"), Ok(Some("2")));
        assert_eq!(p.one("e"), Ok(None));
        assert_eq!(p.one("zz"), Ok(None));
        assert_eq!(p.all("r"), vec!["x", "y"]);
        assert_eq!(p.repeated(&[]), Some("a"));
        assert_eq!(p.repeated(&["a"]), Some("r"));
        assert_eq!(p.repeated(&["a", "r"]), None);
    }

    #[test]
    fn decodes_basic_credentials() {
        assert_eq!(form_decode("a%3Ab+c"), "a:b c");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz%4"), "%zz%4");
        assert_eq!(form_decode("plain"), "plain");
    }
}
