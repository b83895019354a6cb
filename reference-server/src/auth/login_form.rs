//! The HTML pages of the authorization endpoint. Their structure is part of the contract with
//! the harness's headless browser: exactly one `<form method="post" action="/authorize">`,
//! carrying every authorization request parameter and the anti-CSRF `request_id` as hidden
//! inputs; the login page adds `username` and `password` inputs, the consent page a
//! `<button name="decision" value="approve">` (and one to deny).

use super::scopes::ScopeSet;

/// Names the form itself uses; request parameters with these names are not echoed.
const RESERVED: [&str; 4] = ["request_id", "username", "password", "decision"];

/// `s` with the five HTML-special characters escaped.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{t}</title></head>\n\
         <body>\n<h1>{t}</h1>\n{body}</body>\n</html>\n",
        t = escape(title)
    )
}

fn hidden_inputs(request_id: &str, params: &[(String, String)]) -> String {
    let mut out = format!(
        "<input type=\"hidden\" name=\"request_id\" value=\"{}\">\n",
        escape(request_id)
    );
    for (k, v) in params
        .iter()
        .filter(|(k, _)| !RESERVED.contains(&k.as_str()))
    {
        out.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
            escape(k),
            escape(v)
        ));
    }
    out
}

/// The login page; `error` is shown above the form after a failed attempt.
pub(crate) fn login_page(
    request_id: &str,
    params: &[(String, String)],
    client: &str,
    error: Option<&str>,
) -> String {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>\n", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "<p>Sign in to authorize <strong>{client}</strong>.</p>\n{error}\
         <form method=\"post\" action=\"/authorize\">\n{hidden}\
         <label>Username <input name=\"username\" autocomplete=\"username\"></label>\n\
         <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\"></label>\n\
         <button type=\"submit\">Sign in</button>\n</form>\n",
        client = escape(client),
        hidden = hidden_inputs(request_id, params),
    );
    page("Sign in", &body)
}

/// The consent page shown after a successful login (without `--auto-approve`).
pub(crate) fn consent_page(
    request_id: &str,
    params: &[(String, String)],
    client: &str,
    user: &str,
    scope: &ScopeSet,
) -> String {
    let scope = if scope.is_empty() {
        "no scopes".to_string()
    } else {
        scope.to_string()
    };
    let body = format!(
        "<p>{user}, allow <strong>{client}</strong> access with scopes: {scope}?</p>\n\
         <form method=\"post\" action=\"/authorize\">\n{hidden}\
         <button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\n\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\n</form>\n",
        user = escape(user),
        client = escape(client),
        scope = escape(&scope),
        hidden = hidden_inputs(request_id, params),
    );
    page("Authorize access", &body)
}

/// An error page (no form).
pub(crate) fn error_page(message: &str) -> String {
    page(
        "Authorization error",
        &format!(
            "<p class=\"error\" role=\"alert\">{}</p>\n",
            escape(message)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Vec<(String, String)> {
        vec![
            ("client_id".into(), "c".into()),
            ("state".into(), "a\"><script>".into()),
            ("request_id".into(), "spoofed".into()),
        ]
    }

    #[test]
    fn login_form_has_the_contract_structure() {
        let html = login_page("rid", &params(), "Client <x>", Some("Invalid credentials"));
        assert_eq!(html.matches("<form").count(), 1);
        assert!(html.contains("<form method=\"post\" action=\"/authorize\">"));
        assert!(html.contains("<input name=\"username\""));
        assert!(html.contains("<input name=\"password\" type=\"password\""));
        assert!(html.contains("name=\"request_id\" value=\"rid\""));
        assert!(!html.contains("spoofed"));
        assert!(html.contains("name=\"state\" value=\"a&quot;&gt;&lt;script&gt;\""));
        assert!(!html.contains("<script>") && !html.contains("<x>"));
        assert!(html.contains("Invalid credentials"));
    }

    #[test]
    fn consent_form_has_the_approve_button() {
        let html = consent_page("rid2", &params(), "c", "alice", &ScopeSet::all());
        assert_eq!(html.matches("<form").count(), 1);
        assert!(html.contains("<button type=\"submit\" name=\"decision\" value=\"approve\">"));
        assert!(html.contains("name=\"request_id\" value=\"rid2\""));
        assert!(!html.contains("name=\"password\""));
        assert!(error_page("<b>").contains("&lt;b&gt;"));
    }
}
