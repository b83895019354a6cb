//! A small HTML form extractor for the headless browser: every `<form>` with its method, action,
//! `<input>`s and `<button>`s.
//!
//! Hand-written on purpose: a login or consent page needs only forms and their fields, not a DOM;
//! a full HTML5 parser would be a large dependency for that. It tolerates what real pages do
//! (any tag case, single, double or no quotes, boolean attributes, entities in values, comments,
//! scripts) and never panics on any input.

/// One form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Form {
    /// `get` or `post` (lower-cased; default `get`).
    pub method: String,
    /// The `action` attribute as written (empty: the page's own URL).
    pub action: String,
    /// Inputs, in document order.
    pub inputs: Vec<Input>,
    /// Submit buttons (`<button>` and `<input type=submit>`) with a name, in order.
    pub buttons: Vec<(String, String)>,
}

/// One `<input>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Input {
    /// `name` (may be empty).
    pub name: String,
    /// `type`, lower-cased (default `text`).
    pub kind: String,
    /// `value` (entities decoded).
    pub value: String,
}

impl Form {
    /// Whether the form asks for a password.
    pub fn has_password(&self) -> bool {
        self.inputs.iter().any(|i| i.kind == "password")
    }

    /// The name of the first password input.
    pub fn password_field(&self) -> Option<&str> {
        self.inputs
            .iter()
            .find(|i| i.kind == "password" && !i.name.is_empty())
            .map(|i| i.name.as_str())
    }

    /// The name of the user-name input: `username`, else the first text or email input.
    pub fn username_field(&self) -> Option<&str> {
        let named = |n: &str| self.inputs.iter().find(|i| i.name.eq_ignore_ascii_case(n));
        named("username")
            .or_else(|| named("user"))
            .or_else(|| named("login"))
            .or_else(|| named("email"))
            .or_else(|| {
                self.inputs
                    .iter()
                    .find(|i| matches!(i.kind.as_str(), "text" | "email") && !i.name.is_empty())
            })
            .map(|i| i.name.as_str())
    }

    /// The fields a browser submits without user input: named inputs other than buttons,
    /// unchecked boxes and files (checkboxes and radios that are present count as checked only
    /// when they carry `checked`, which this extractor records by keeping them out otherwise).
    pub fn default_fields(&self) -> Vec<(String, String)> {
        self.inputs
            .iter()
            .filter(|i| {
                !i.name.is_empty()
                    && !matches!(
                        i.kind.as_str(),
                        "submit" | "button" | "reset" | "image" | "file"
                    )
            })
            .map(|i| (i.name.clone(), i.value.clone()))
            .collect()
    }
}

/// Every form in `html`.
pub fn parse_forms(html: &str) -> Vec<Form> {
    let mut forms = Vec::new();
    let mut current: Option<Form> = None;
    for tag in tags(html) {
        match tag.name.as_str() {
            "form" if !tag.closing => {
                if let Some(f) = current.take() {
                    forms.push(f);
                }
                current = Some(Form {
                    method: tag
                        .attr("method")
                        .map(str::to_ascii_lowercase)
                        .unwrap_or_else(|| "get".into()),
                    action: tag.attr("action").unwrap_or_default().to_string(),
                    ..Form::default()
                });
            }
            "form" => {
                if let Some(f) = current.take() {
                    forms.push(f);
                }
            }
            "input" if !tag.closing => {
                let Some(f) = current.as_mut() else { continue };
                let kind = tag
                    .attr("type")
                    .map(str::to_ascii_lowercase)
                    .unwrap_or_else(|| "text".into());
                let name = tag.attr("name").unwrap_or_default().to_string();
                let value = tag.attr("value").unwrap_or_default().to_string();
                if matches!(kind.as_str(), "checkbox" | "radio") && tag.attr("checked").is_none() {
                    continue;
                }
                if kind == "submit" && !name.is_empty() {
                    f.buttons.push((name.clone(), value.clone()));
                }
                f.inputs.push(Input { name, kind, value });
            }
            "button" if !tag.closing => {
                let Some(f) = current.as_mut() else { continue };
                let kind = tag.attr("type").map(str::to_ascii_lowercase);
                if matches!(kind.as_deref(), None | Some("submit")) {
                    if let Some(name) = tag.attr("name") {
                        f.buttons.push((
                            name.to_string(),
                            tag.attr("value").unwrap_or_default().to_string(),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(f) = current {
        forms.push(f);
    }
    forms
}

struct Tag {
    name: String,
    closing: bool,
    attrs: Vec<(String, Option<String>)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    }
}

/// The tags of a document, skipping comments and the bodies of `script`/`style`.
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        if html[i..].starts_with("<!--") {
            i = html[i + 4..].find("-->").map_or(b.len(), |e| i + 4 + e + 3);
            continue;
        }
        let (tag, end) = read_tag(b, i + 1);
        i = end;
        if let Some(t) = tag {
            if !t.closing && (t.name == "script" || t.name == "style") {
                let close = format!("</{}", t.name);
                let lower = html[i..].to_ascii_lowercase();
                i = lower.find(&close).map_or(b.len(), |e| i + e);
            }
            out.push(t);
        }
    }
    out
}

/// Reads a tag starting after `<`; returns it (if it is one) and where parsing resumes.
fn read_tag(b: &[u8], mut i: usize) -> (Option<Tag>, usize) {
    let closing = b.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let start = i;
    while i < b.len() && b[i].is_ascii_alphanumeric() {
        i += 1;
    }
    if i == start {
        return (None, start);
    }
    let name = String::from_utf8_lossy(&b[start..i]).to_ascii_lowercase();
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        if b[i] == b'>' {
            i += 1;
            break;
        }
        let ks = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !b"=>/".contains(&b[i]) {
            i += 1;
        }
        if i == ks {
            i += 1; // a stray character; skip it
            continue;
        }
        let key = String::from_utf8_lossy(&b[ks..i]).to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            attrs.push((key, None));
            continue;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let value = match b.get(i) {
            Some(&q) if q == b'"' || q == b'\'' => {
                let vs = i + 1;
                let ve = b[vs..]
                    .iter()
                    .position(|&c| c == q)
                    .map_or(b.len(), |p| vs + p);
                i = (ve + 1).min(b.len());
                &b[vs..ve]
            }
            _ => {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                &b[vs..i]
            }
        };
        attrs.push((key, Some(decode_entities(&String::from_utf8_lossy(value)))));
    }
    (
        Some(Tag {
            name,
            closing,
            attrs,
        }),
        i,
    )
}

/// Decodes the character references an attribute value may hold: the five XML ones, `&nbsp;`
/// and numeric references. Unknown references stay as written.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let Some(semi) = rest.bytes().take(12).position(|c| c == b';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let ent = &rest[1..semi];
        let decoded = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => ent
                .strip_prefix("#x")
                .or_else(|| ent.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGIN: &str = r#"<!doctype html><html><body>
<!-- <form action="/fake"> -->
<script>var s = "<form action='/evil'>";</script>
<FORM Method="POST" action="/authorize">
  <input type="hidden" name="client_id" value="abc">
  <input type=hidden name='redirect_uri' value="http://127.0.0.1:9/cb?a=1&amp;b=2">
  <input name="username" autocomplete=username>
  <input name="password" type="password">
  <input type="checkbox" name="remember">
  <button type="submit">Sign in</button>
</FORM>
<form method="post" action="/authorize"><input type="hidden" name="request_id" value="r1">
<button name="decision" value="approve">Allow</button><button name="decision" value="deny">Deny</button></form>
</body></html>"#;

    #[test]
    fn extracts_forms_inputs_and_buttons() {
        let forms = parse_forms(LOGIN);
        assert_eq!(forms.len(), 2, "{forms:?}");
        let login = &forms[0];
        assert_eq!(
            (login.method.as_str(), login.action.as_str()),
            ("post", "/authorize")
        );
        assert!(login.has_password());
        assert_eq!(login.username_field(), Some("username"));
        assert_eq!(login.password_field(), Some("password"));
        let fields = login.default_fields();
        assert!(fields.contains(&(
            "redirect_uri".into(),
            "http://127.0.0.1:9/cb?a=1&b=2".into()
        )));
        assert!(
            !fields.iter().any(|(k, _)| k == "remember"),
            "unchecked box left out"
        );
        let consent = &forms[1];
        assert_eq!(
            consent.buttons,
            vec![
                ("decision".into(), "approve".into()),
                ("decision".into(), "deny".into())
            ]
        );
    }

    #[test]
    fn entities_and_garbage() {
        assert_eq!(
            decode_entities("a&amp;b&#39;c&#x41;&bogus;&"),
            "a&b'cA&bogus;&"
        );
        for s in [
            "<",
            "<form",
            "<form action=",
            "<input value='",
            "</",
            "<<>>",
            "<a b=\"",
            "&#xFFFFFFFF;",
            "&ééééééééé;",
        ] {
            let _ = parse_forms(s);
            let _ = decode_entities(s);
        }
    }
}
