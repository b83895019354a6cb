//! `WWW-Authenticate` challenges (RFC 9110 §11.6.1, RFC 6750 §3): scheme, parameters, token68.
//!
//! Hand-written rather than taken from a crate: the checks judge the exact syntax a server sent
//! (quoted or bare values, several challenges in one header, parameter names in any case), and
//! the grammar is small. Parameter names are lower-cased; values are unquoted and unescaped.

use serde_json::{json, Map, Value};

/// One challenge.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Challenge {
    /// The auth scheme as sent (`Bearer`).
    pub scheme: String,
    /// `name=value` parameters, names lower-cased, in order.
    pub params: Vec<(String, String)>,
    /// A token68 instead of parameters, if one was sent.
    pub token68: Option<String>,
}

impl Challenge {
    /// The value of parameter `name` (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the scheme is `Bearer` (case-insensitive, RFC 9110 §11.1).
    pub fn is_bearer(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("bearer")
    }

    /// The `scope` parameter split into its space-separated tokens (RFC 6750 §3), if present.
    pub fn scopes(&self) -> Option<Vec<&str>> {
        self.param("scope").map(|s| s.split_whitespace().collect())
    }

    /// As JSON for step documents: `{scheme, params: {name: value}, token68, scopes}` (`scopes`:
    /// the `scope` parameter's tokens, or null).
    pub fn to_json(&self) -> Value {
        let mut params = Map::new();
        for (k, v) in &self.params {
            params
                .entry(k.clone())
                .or_insert_with(|| Value::String(v.clone()));
        }
        json!({"scheme": self.scheme, "params": params, "token68": self.token68, "scopes": self.scopes()})
    }
}

/// Parses every challenge in one or more `WWW-Authenticate` values; unparsable tails are dropped.
pub fn parse_all<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<Challenge> {
    values.into_iter().flat_map(parse).collect()
}

/// Parses one header value into its challenges.
pub fn parse(value: &str) -> Vec<Challenge> {
    let mut p = Parser {
        s: value.as_bytes(),
        i: 0,
    };
    let mut out: Vec<Challenge> = Vec::new();
    loop {
        p.skip_list_separators();
        if p.done() {
            break;
        }
        let Some(scheme) = p.token() else { break };
        let mut ch = Challenge {
            scheme,
            ..Challenge::default()
        };
        p.skip_ws();
        // token68: a token-ish run followed by optional `=`s and then a comma or the end.
        let save = p.i;
        if let Some(t68) = p.token68() {
            p.skip_ws();
            if p.done() || p.peek() == Some(b',') {
                ch.token68 = Some(t68);
                out.push(ch);
                continue;
            }
        }
        p.i = save;
        // auth-params until a new challenge (a token not followed by `=`) starts.
        loop {
            p.skip_list_separators();
            let before = p.i;
            let Some(name) = p.token() else { break };
            p.skip_ws();
            if p.peek() != Some(b'=') {
                p.i = before; // a new scheme
                break;
            }
            p.i += 1;
            p.skip_ws();
            let value = if p.peek() == Some(b'"') {
                p.quoted()
            } else {
                p.token().unwrap_or_default()
            };
            ch.params.push((name.to_ascii_lowercase(), value));
            p.skip_ws();
            if p.peek() != Some(b',') {
                break;
            }
        }
        out.push(ch);
        p.skip_ws();
        if !p.done() && p.peek() != Some(b',') && !p.starts_token() {
            break;
        }
    }
    out
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn done(&self) -> bool {
        self.i >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    fn skip_list_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.i += 1;
        }
    }

    fn starts_token(&self) -> bool {
        self.peek().is_some_and(is_tchar)
    }

    fn token(&mut self) -> Option<String> {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn token68(&mut self) -> Option<String> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || b"-._~+/".contains(&c))
        {
            self.i += 1;
        }
        if self.i == start {
            return None;
        }
        while self.peek() == Some(b'=') {
            self.i += 1;
        }
        Some(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn quoted(&mut self) -> String {
        self.i += 1; // opening quote
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    if let Some(n) = self.peek() {
                        out.push(n);
                        self.i += 1;
                    }
                }
                _ => out.push(c),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// RFC 9110 §5.6.2 `tchar`.
fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_with_quoted_params() {
        let c = parse(
            r#"Bearer error="invalid_token", resource_metadata="http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp", scope="read write""#,
        );
        assert_eq!(c.len(), 1);
        assert!(c[0].is_bearer());
        assert_eq!(c[0].param("error"), Some("invalid_token"));
        assert_eq!(c[0].param("scope"), Some("read write"));
        assert_eq!(
            c[0].param("RESOURCE_METADATA"),
            Some("http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp")
        );
    }

    #[test]
    fn several_challenges_bare_values_and_escapes() {
        let c = parse(r#"Basic realm="a\"b", Bearer realm=x, error=invalid_token"#);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].scheme, "Basic");
        assert_eq!(c[0].param("realm"), Some("a\"b"));
        assert_eq!(c[1].param("realm"), Some("x"));
        assert_eq!(c[1].param("error"), Some("invalid_token"));
    }

    #[test]
    fn token68_and_bare_scheme() {
        let c = parse("Negotiate abc123==, Bearer");
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].token68.as_deref(), Some("abc123=="));
        assert_eq!(c[1].scheme, "Bearer");
        assert!(c[1].params.is_empty());
    }

    #[test]
    fn garbage_does_not_panic() {
        for s in [
            "",
            ",,,",
            "=",
            "\"",
            "Bearer =",
            "Bearer a=\"unterminated",
            "é",
        ] {
            let _ = parse(s);
        }
    }
}
