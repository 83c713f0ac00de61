//! Text that reaches a person or a file: secrets blanked out, control characters made visible.
//!
//! Every secret the process holds (a client secret, a PFX, LDAP, SMTP or account password) is
//! [`remember`]ed where the application hands it to an adapter; [`redact`] then replaces it — and
//! its URL-encoded and JSON-escaped forms, as a server that echoes a request shows them — with
//! `<redacted>`. The sinks call it once each: the log writer (file and console), the report before
//! it is written or mailed, and the application's error messages. So a token endpoint that reflects
//! the request, or a DC that quotes a bind, cannot carry a secret into a log, a report or a mail.
//!
//! [`visible`] shows control characters (an escape sequence in an AD name that would clear the
//! screen, a right-to-left override that reorders a line) as `\u{…}` instead of sending them to a
//! terminal or a mail's text part.

use std::borrow::Cow;
use std::sync::RwLock;

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// The shortest secret worth blanking (shorter strings would blank ordinary words).
const MIN_LEN: usize = 6;

/// Remembers a secret for [`redact`] (with its URL-encoded and JSON-escaped forms).
pub fn remember(secret: &str) {
    if secret.chars().count() < MIN_LEN {
        return;
    }
    let mut forms = vec![secret.to_owned()];
    let url: String = url_encode(secret);
    let json = serde_json::to_string(secret)
        .map(|s| s.trim_matches('"').to_owned())
        .unwrap_or_default();
    for f in [url, json] {
        if f.len() >= MIN_LEN && !forms.contains(&f) {
            forms.push(f);
        }
    }
    let mut all = SECRETS.write().unwrap_or_else(|e| e.into_inner());
    for f in forms {
        if !all.contains(&f) {
            all.push(f);
        }
    }
    // Longest first, so a secret that contains another is blanked whole.
    all.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `text` with every remembered secret replaced by `<redacted>`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let all = SECRETS.read().unwrap_or_else(|e| e.into_inner());
    if !all.iter().any(|s| text.contains(s.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_owned();
    for s in all.iter() {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "<redacted>");
        }
    }
    Cow::Owned(out)
}

/// Whether `c` must not reach a terminal or a mail as it is: C0 and C1 controls (line feeds and
/// tabs excepted), DEL, and the invisible or direction-changing marks (zero-width characters,
/// bidirectional embeddings, overrides and isolates, the byte-order mark).
pub fn is_hidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}')
}

/// `text` with hidden characters shown as `\u{…}`.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`redact`] then [`visible`]: what every human-facing line goes through.
pub fn clean(text: &str) -> String {
    visible(&redact(text)).into_owned()
}

/// Applies [`redact`] to every string inside a JSON value (a report before it is written).
pub fn redact_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => {
            if let Cow::Owned(r) = redact(s) {
                *s = r;
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(redact_json),
        serde_json::Value::Object(o) => o.values_mut().for_each(redact_json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_their_encoded_forms_are_blanked() {
        remember("s3cr3t+value/with=chars");
        let echoed =
            "AADSTS7000215: invalid client_secret=s3cr3t%2Bvalue%2Fwith%3Dchars in request";
        assert_eq!(
            redact(echoed),
            "AADSTS7000215: invalid client_secret=<redacted> in request"
        );
        assert_eq!(
            redact("plain s3cr3t+value/with=chars!"),
            "plain <redacted>!"
        );
        remember("abc"); // too short to blank
        assert_eq!(redact("abc"), "abc");
        let mut v = serde_json::json!({"a": ["x s3cr3t+value/with=chars"], "b": 1});
        redact_json(&mut v);
        assert_eq!(v["a"][0], "x <redacted>");
    }

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(
            visible("mallory\u{1b}[2J@contoso.com"),
            "mallory\\u{1b}[2J@contoso.com"
        );
        assert_eq!(
            visible("Exchange\u{202e}rotartsinimdA"),
            "Exchange\\u{202e}rotartsinimdA"
        );
        assert_eq!(visible("line one\nline\ttwo"), "line one\nline\ttwo");
        assert!(matches!(visible("plain"), Cow::Borrowed(_)));
    }
}
