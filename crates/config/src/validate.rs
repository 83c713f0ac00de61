//! Validation: turns the raw file into a [`Config`], collecting every problem with its position.

use crate::error::{ConfigError, ConfigErrors, Positions};
use crate::raw::{RawConfig, RawDirectory, RawEmail, RawEntra, S};
use crate::schema::{self, defaults, SECTIONS};
use crate::{
    Config, DirectoryConfig, DirectorySource, EmailConfig, EntraConfig, LdapBind, LdapSettings,
    LoggingConfig, Servers, SignIn, SmtpSecurity,
};
use rolesync_core::builtin::{builtin_by_id, builtin_by_name, builtin_roles, BuiltinRole};
use rolesync_core::ids::{Dn, ObjectGuid, RoleDefinitionId};
use rolesync_core::policy::{ExplicitMapping, GroupRef, OnDrift, Policy, RoleRef, ScopeRef};
use rolesync_core::tenant::AssignmentKind;
use std::ops::Range;
use std::path::{Path, PathBuf};
use url::Url;

struct Ctx<'a> {
    file: &'a Path,
    pos: Positions<'a>,
    errors: Vec<ConfigError>,
}

impl Ctx<'_> {
    fn err(
        &mut self,
        span: Option<Range<usize>>,
        key: &str,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) {
        let (line, column) = span.map_or((0, 0), |s| self.pos.at(s.start));
        self.errors.push(ConfigError {
            file: self.file.to_path_buf(),
            line,
            column,
            key: key.to_string(),
            message: message.into(),
            fix: fix.into(),
        });
    }

    fn required<'v, T>(
        &mut self,
        v: &'v Option<S<T>>,
        section: Range<usize>,
        key: &str,
        fix: &str,
    ) -> Option<&'v S<T>> {
        if v.is_none() {
            self.err(Some(section), key, "is missing", fix);
        }
        v.as_ref()
    }

    fn one_of<T: Copy>(&mut self, v: &S<String>, key: &str, choices: &[(&str, T)]) -> Option<T> {
        let given = v.get_ref().trim();
        if let Some((_, t)) = choices.iter().find(|(n, _)| n.eq_ignore_ascii_case(given)) {
            return Some(*t);
        }
        let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        let fix = match closest(given, &names) {
            Some(s) => format!("did you mean \"{s}\"? Valid values: {}", names.join(", ")),
            None => format!("valid values: {}", names.join(", ")),
        };
        self.err(
            Some(v.span()),
            key,
            format!("\"{given}\" is not a valid value"),
            fix,
        );
        None
    }
}

fn closest<'a>(given: &str, names: &[&'a str]) -> Option<&'a str> {
    names
        .iter()
        .map(|n| {
            (
                strsim::jaro_winkler(&given.to_ascii_lowercase(), &n.to_ascii_lowercase()),
                *n,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n)
}

fn looks_like_dn(s: &str) -> bool {
    !s.trim().is_empty()
        && s.split(',').all(|rdn| {
            rdn.split_once('=')
                .is_some_and(|(k, v)| !k.trim().is_empty() && !v.trim().is_empty())
        })
}

/// Parses and validates a configuration file's text.
pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigErrors> {
    let mut cx = Ctx {
        file,
        pos: Positions::new(text),
        errors: Vec::new(),
    };
    unknown_keys(&mut cx, text);
    hidden_characters(&mut cx, text);
    if !cx.errors.is_empty() {
        return Err(ConfigErrors(cx.errors));
    }
    let raw: RawConfig = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            match e.span().and_then(|sp| key_at(text, sp.start)) {
                // A value of the wrong type: name the key and what it takes.
                Some(key) if e.message().contains("invalid type") => {
                    let (kind, example) = expected(&key);
                    cx.err(
                        e.span(),
                        &key,
                        format!("must be {kind}{}", found_words(e.message())),
                        example,
                    );
                }
                _ => cx.err(
                    e.span(),
                    "(syntax)",
                    e.message().trim(),
                    "fix the TOML syntax at this position (strings in \"quotes\", numbers and true/false without)",
                ),
            }
            return Err(ConfigErrors(cx.errors));
        }
    };

    let directory = match &raw.directory {
        Some(d) => directory(&mut cx, d),
        // A domain-joined Windows machine needs no [directory] section: its own domain, found
        // in DNS, read as the account running RoleSync.
        None if cfg!(windows) => Some(DirectoryConfig::zero_configuration()),
        None => None,
    };
    let ou = raw
        .directory
        .as_ref()
        .and_then(|d| d.get_ref().ou.as_ref())
        .map(|o| Dn::new(o.get_ref()));
    let entra = raw.entra.as_ref().and_then(|e| entra(&mut cx, e));
    let policy = policy(&mut cx, &raw, ou);
    let run_deadline = run_deadline(&mut cx, &raw);
    let approval_expires = approval_expires(&mut cx, &raw);
    let logging = logging(&mut cx, &raw);
    let email = raw.email.as_ref().and_then(|e| email(&mut cx, e));
    let exposure = exposure(&mut cx, &raw);

    if cx.errors.is_empty() {
        Ok(Config {
            file: file.to_path_buf(),
            directory,
            entra,
            policy,
            logging,
            email,
            run_deadline,
            approval_expires,
            exposure,
        })
    } else {
        Err(ConfigErrors(cx.errors))
    }
}

/// The dotted key (`safety.max_revokes`, `mappings[0].kind`) whose value is at byte `at`.
fn key_at(text: &str, at: usize) -> Option<String> {
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    let inside = |sp: Option<Range<usize>>| {
        sp.is_some_and(|sp| sp.start <= at && at < sp.end.max(sp.start + 1))
    };
    for (section, item) in doc.as_table().iter() {
        let rows: Vec<&toml_edit::Table> = match item {
            toml_edit::Item::Table(t) => vec![t],
            toml_edit::Item::ArrayOfTables(a) => a.iter().collect(),
            _ => Vec::new(),
        };
        for (i, t) in rows.iter().enumerate() {
            for (k, v) in t.iter() {
                if inside(v.span()) || inside(t.key(k).and_then(|x| x.span())) {
                    return Some(if matches!(item, toml_edit::Item::ArrayOfTables(_)) {
                        format!("{section}[{i}].{k}")
                    } else {
                        format!("{section}.{k}")
                    });
                }
            }
        }
    }
    None
}

/// What serde found instead (`invalid type: string "five", expected i64`), in words:
/// ` (found the text "five")`; empty when the message has another shape.
fn found_words(message: &str) -> String {
    let Some(found) = message.split_once("invalid type: ").map(|(_, rest)| {
        rest.split_once(", expected")
            .map_or(rest, |(f, _)| f)
            .trim()
    }) else {
        return String::new();
    };
    let words = if let Some(text) = found.strip_prefix("string ") {
        format!("the text {text}")
    } else if let Some(n) = found.strip_prefix("integer ") {
        format!("the number {n}")
    } else if let Some(b) = found.strip_prefix("boolean ") {
        b.to_owned()
    } else {
        found.to_owned()
    };
    format!(" (found {words})")
}

/// What a key takes, in words, and an example line.
fn expected(key: &str) -> (String, String) {
    let plain = key.split_once('[').map_or(key.to_owned(), |(s, rest)| {
        format!("{s}{}", rest.split_once(']').map_or("", |(_, k)| k))
    });
    let name = key.rsplit('.').next().unwrap_or(key);
    match schema::setting_at(&plain).map(|s| (s.kind, s.default)) {
        Some((schema::Kind::Number { min, max }, _)) => (
            format!("a whole number from {min} to {max}"),
            format!("write it without quotes, e.g. {name} = {}", min.max(1)),
        ),
        Some((schema::Kind::Flag, _)) => (
            "true or false".into(),
            format!("write {name} = true or {name} = false, without quotes"),
        ),
        Some((schema::Kind::List, _)) => (
            "a list".into(),
            format!("write {name} = [\"first\", \"second\"]"),
        ),
        Some((schema::Kind::Choice { choices }, _)) => (
            format!("one of {}", choices.join(", ")),
            format!(
                "write {name} = \"{}\"",
                choices.first().copied().unwrap_or("")
            ),
        ),
        Some((schema::Kind::Text, _)) | None => (
            "text".into(),
            format!("put the value in quotes, e.g. {name} = \"…\""),
        ),
    }
}

/// `safety.run_deadline_minutes`: 1 minute to a day.
fn run_deadline(cx: &mut Ctx<'_>, raw: &RawConfig) -> std::time::Duration {
    let minutes = match &raw.safety.run_deadline_minutes {
        None => defaults::RUN_DEADLINE_MINUTES,
        Some(v) => match u32::try_from(*v.get_ref())
            .ok()
            .filter(|n| (1..=1440).contains(n))
        {
            Some(n) => n,
            None => {
                cx.err(
                    Some(v.span()),
                    "safety.run_deadline_minutes",
                    format!("{} is outside 1..=1440", v.get_ref()),
                    format!(
                        "use a whole number of minutes from 1 to 1440 (default {})",
                        defaults::RUN_DEADLINE_MINUTES
                    ),
                );
                defaults::RUN_DEADLINE_MINUTES
            }
        },
    };
    std::time::Duration::from_secs(60 * u64::from(minutes))
}

/// `safety.approval_expires_hours`: 1 hour to 30 days.
fn approval_expires(cx: &mut Ctx<'_>, raw: &RawConfig) -> std::time::Duration {
    let hours = match &raw.safety.approval_expires_hours {
        None => defaults::APPROVAL_EXPIRES_HOURS,
        Some(v) => match u32::try_from(*v.get_ref())
            .ok()
            .filter(|n| (1..=720).contains(n))
        {
            Some(n) => n,
            None => {
                cx.err(
                    Some(v.span()),
                    "safety.approval_expires_hours",
                    format!("{} is outside 1..=720", v.get_ref()),
                    format!(
                        "use a whole number of hours from 1 to 720 (default {})",
                        defaults::APPROVAL_EXPIRES_HOURS
                    ),
                );
                defaults::APPROVAL_EXPIRES_HOURS
            }
        },
    };
    std::time::Duration::from_secs(3600 * u64::from(hours))
}

/// A role named in the configuration: a built-in role's display name (as Microsoft spells it)
/// or a role definition id; anything else is an error with the closest name.
fn role_name(cx: &mut Ctx<'_>, r: &S<String>, key: &str) -> Option<RoleRef> {
    let v = r.get_ref().trim();
    if is_guid(v) {
        return Some(RoleRef::Id(RoleDefinitionId::new(v.to_ascii_lowercase())));
    }
    if let Some(b) = builtin_by_name(v) {
        return Some(RoleRef::Name(b.name.to_string()));
    }
    let role_names: Vec<&str> = builtin_roles().map(|r| r.name).collect();
    let fix = match closest(v, &role_names) {
        Some(s) => {
            format!("did you mean \"{s}\"? For a custom role, give its role definition id (a GUID)")
        }
        None => {
            "use a built-in role's display name, or a custom role's definition id (a GUID)".into()
        }
    };
    cx.err(
        Some(r.span()),
        key,
        format!("there is no built-in role named \"{v}\""),
        fix,
    );
    None
}

/// Every text value with an invisible or direction-changing character (a zero-width space, a
/// right-to-left override): `"breakglass\u{200b}@contoso.com"` looks right and protects nobody,
/// a bidi override makes one group name read as another. Such a value is an error, with the
/// character named.
fn hidden_characters(cx: &mut Ctx<'_>, text: &str) {
    let Ok(doc) = toml_edit::ImDocument::parse(text) else {
        return;
    };
    fn walk(cx: &mut Ctx<'_>, key: &str, v: &toml_edit::Value) {
        match v {
            toml_edit::Value::String(s) => {
                if let Some(c) = s
                    .value()
                    .chars()
                    .find(|c| rolesync_core::redact::is_hidden(*c))
                {
                    cx.err(
                        s.span(),
                        key,
                        format!(
                            "contains an invisible or direction-changing character (U+{:04X}) that makes it read as something it is not",
                            c as u32
                        ),
                        "delete the value and type it again (do not paste it from a document or chat)",
                    );
                }
            }
            toml_edit::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(cx, &format!("{key}[{i}]"), x);
                }
            }
            toml_edit::Value::InlineTable(t) => {
                for (k, x) in t.iter() {
                    walk(cx, &format!("{key}.{k}"), x);
                }
            }
            _ => {}
        }
    }
    for (section, item) in doc.as_table().iter() {
        let rows: Vec<&toml_edit::Table> = match item {
            toml_edit::Item::Table(t) => vec![t],
            toml_edit::Item::ArrayOfTables(a) => a.iter().collect(),
            _ => Vec::new(),
        };
        let many = matches!(item, toml_edit::Item::ArrayOfTables(_));
        for (i, t) in rows.iter().enumerate() {
            for (k, x) in t.iter() {
                if let Some(v) = x.as_value() {
                    let key = if many {
                        format!("{section}[{i}].{k}")
                    } else {
                        format!("{section}.{k}")
                    };
                    walk(cx, &key, v);
                }
            }
        }
    }
}

/// Finds the sections and keys the schema does not know, and `[[mappings]]` rows without a
/// group, with their positions. A file that is not TOML is left to the parser's syntax error.
fn unknown_keys(cx: &mut Ctx<'_>, text: &str) {
    let Ok(doc) = toml_edit::ImDocument::parse(text) else {
        return;
    };
    let root = doc.as_table();
    let names: Vec<&str> = SECTIONS.iter().map(|s| s.name).collect();
    for (name, item) in root.iter() {
        let span = root.key(name).and_then(|k| k.span());
        let Some(section) = schema::section(name) else {
            unknown(cx, span, name, &names);
            continue;
        };
        let valid: Vec<&str> = section.settings.iter().map(|k| k.name).collect();
        let mut rows: Vec<(Span, Vec<(String, Span)>)> = Vec::new();
        match item {
            toml_edit::Item::Table(t) => rows.push((span.clone(), table_keys(t))),
            toml_edit::Item::ArrayOfTables(a) => {
                rows.extend(a.iter().map(|t| (t.span(), table_keys(t))))
            }
            toml_edit::Item::Value(toml_edit::Value::InlineTable(t)) => {
                rows.push((span.clone(), inline_keys(t)))
            }
            toml_edit::Item::Value(toml_edit::Value::Array(a)) => rows.extend(
                a.iter()
                    .filter_map(|v| v.as_inline_table())
                    .map(|t| (t.span(), inline_keys(t))),
            ),
            // A section of the wrong type: the parser names it.
            _ => {}
        }
        for (i, (row_span, keys)) in rows.iter().enumerate() {
            for (key, key_span) in keys {
                if !valid.contains(&key.as_str()) {
                    unknown(cx, key_span.clone(), key, &valid);
                }
            }
            if section.rows && !keys.iter().any(|(k, _)| k == "group") {
                cx.err(
                    row_span.clone().or(span.clone()),
                    &format!("{name}[{i}].group"),
                    "is missing",
                    "add the group's DN or its name in the OU (see config/rolesync.example.toml)",
                );
            }
        }
    }
}

/// Where something is in the file, when known.
type Span = Option<Range<usize>>;

fn table_keys(t: &toml_edit::Table) -> Vec<(String, Span)> {
    t.iter()
        .map(|(k, _)| (k.to_string(), t.key(k).and_then(|k| k.span())))
        .collect()
}

fn inline_keys(t: &toml_edit::InlineTable) -> Vec<(String, Span)> {
    t.iter()
        .map(|(k, _)| (k.to_string(), t.key(k).and_then(|k| k.span())))
        .collect()
}

fn unknown(cx: &mut Ctx<'_>, span: Span, key: &str, valid: &[&str]) {
    let fix = match closest(key, valid) {
        Some(s) => format!("did you mean `{s}`? Valid keys here: {}", valid.join(", ")),
        None => format!("remove it; valid keys here: {}", valid.join(", ")),
    };
    cx.err(span, key, "is not a known setting", fix);
}

/// The (word, value) table of a choice setting: the words come from the schema.
fn choices<T: Copy, const N: usize>(
    words: &'static [&'static str],
    values: [T; N],
) -> Vec<(&'static str, T)> {
    debug_assert_eq!(words.len(), N, "the schema's choices and the values differ");
    words.iter().copied().zip(values).collect()
}

fn directory(cx: &mut Ctx<'_>, d: &S<RawDirectory>) -> Option<DirectoryConfig> {
    let sec = d.span();
    let d = d.get_ref();
    let nested = d.nested.unwrap_or(defaults::NESTED);
    let ou = d.ou.as_ref().and_then(|ou| {
        if looks_like_dn(ou.get_ref()) {
            Some(Dn::new(ou.get_ref().trim()))
        } else {
            cx.err(
                Some(ou.span()),
                "directory.ou",
                format!("\"{}\" is not a distinguished name", ou.get_ref()),
                "write it as OU=…,DC=…,DC=…",
            );
            None
        }
    });
    if let Some(ldif) = &d.ldif {
        for (set, key) in [
            (d.url.is_some(), "directory.url"),
            (d.domain.is_some(), "directory.domain"),
        ] {
            if set {
                cx.err(
                    Some(ldif.span()),
                    "directory.ldif",
                    format!("is set together with {key}"),
                    "set one of them: url or domain for a live DC, ldif for an export",
                );
            }
        }
        cx.required(&d.ou, sec, "directory.ou", "set the OU holding the role groups, e.g. \"OU=Office 365 Roles Management,DC=contoso,DC=com\" (an export has no domain to take it from)");
        return Some(DirectoryConfig {
            source: DirectorySource::Ldif(PathBuf::from(ldif.get_ref())),
            nested,
            ou,
        });
    }
    let servers = servers(cx, d, sec.clone())?;
    let bind = match &d.bind {
        None => LdapBind::Integrated,
        Some(b) if b.get_ref().trim().eq_ignore_ascii_case(defaults::BIND) => LdapBind::Integrated,
        Some(b) if b.get_ref().trim().is_empty() => {
            cx.err(
                Some(b.span()),
                "directory.bind",
                "is empty",
                "write \"integrated\" (Kerberos as the account running RoleSync) or the bind account (UPN or DN)",
            );
            return None;
        }
        Some(b) => LdapBind::Account(b.get_ref().trim().to_string()),
    };
    if let Servers::Url(u) = &servers {
        if u.scheme() == "ldap" && !d.start_tls && bind == LdapBind::Integrated {
            cx.err(
                d.url.as_ref().map(|u| u.span()),
                "directory.url",
                "integrated sign-in over plain ldap:// is not supported",
                "use ldaps://, or set start_tls = true (Kerberos then runs inside TLS)",
            );
        } else if u.scheme() == "ldap" && !d.start_tls && !d.allow_insecure {
            cx.err(
                d.url.as_ref().map(|u| u.span()),
                "directory.url",
                "plain ldap:// would send the bind password unencrypted",
                "use ldaps://, or set start_tls = true, or (not recommended) allow_insecure = true",
            );
        }
        if u.scheme() == "ldaps" && d.start_tls {
            cx.err(
                d.url.as_ref().map(|u| u.span()),
                "directory.start_tls",
                "StartTLS cannot be used on an ldaps:// connection",
                "use ldap:// with start_tls = true, or ldaps:// without it",
            );
        }
    } else if d.allow_insecure {
        cx.err(
            Some(sec),
            "directory.allow_insecure",
            "is only for a fixed ldap:// url; discovered domain controllers are always read over TLS",
            "remove allow_insecure (use start_tls = true for StartTLS on port 389, the default is LDAPS on 636)",
        );
    }
    let base_dn = match &d.base_dn {
        None => None,
        Some(b) if looks_like_dn(b.get_ref()) => Some(b.get_ref().trim().to_string()),
        Some(b) => {
            cx.err(
                Some(b.span()),
                "directory.base_dn",
                format!("\"{}\" is not a distinguished name", b.get_ref()),
                "write it as DC=contoso,DC=com, or leave it out to use the domain's naming context",
            );
            return None;
        }
    };
    if let (Some(b), Some(ou), Some(raw)) = (&base_dn, &ou, &d.ou) {
        if !ou.is_within(&Dn::new(b)) {
            cx.err(
                Some(raw.span()),
                "directory.ou",
                format!("is not inside base_dn {b}"),
                "make ou a child of base_dn",
            );
        }
    }
    Some(DirectoryConfig {
        source: DirectorySource::Ldap(LdapSettings {
            servers,
            start_tls: d.start_tls,
            ca_file: d.ca_file.as_ref().map(|c| PathBuf::from(c.get_ref())),
            allow_insecure: d.allow_insecure,
            bind,
            base_dn,
        }),
        nested,
        ou,
    })
}

/// `directory.url` or `directory.domain` (or, on Windows, neither: the machine's domain).
fn servers(cx: &mut Ctx<'_>, d: &RawDirectory, sec: Range<usize>) -> Option<Servers> {
    if let (Some(_), Some(domain)) = (&d.url, &d.domain) {
        cx.err(
            Some(domain.span()),
            "directory.domain",
            "is set together with directory.url",
            "set one of them: domain to find the domain controllers in DNS, url for one fixed DC",
        );
        return None;
    }
    if let Some(domain) = &d.domain {
        let name = domain
            .get_ref()
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let valid = !name.is_empty()
            && name.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !valid {
            cx.err(
                Some(domain.span()),
                "directory.domain",
                format!("\"{}\" is not a DNS domain name", domain.get_ref()),
                "write the AD domain's DNS name, e.g. \"contoso.com\" (not a URL, not the NetBIOS name)",
            );
            return None;
        }
        return Some(Servers::Discover(Some(name)));
    }
    let Some(url) = &d.url else {
        if cfg!(windows) {
            return Some(Servers::Discover(None));
        }
        cx.err(
            Some(sec),
            "directory.domain",
            "is missing (and so is directory.url)",
            "set the AD domain, e.g. domain = \"contoso.com\" (its domain controllers are found in DNS), or url = \"ldaps://dc1.contoso.com\"",
        );
        return None;
    };
    match Url::parse(url.get_ref().trim()) {
        Ok(u)
            if u.host_str().is_some_and(|h| !h.is_empty())
                && matches!(u.scheme(), "ldap" | "ldaps") =>
        {
            Some(Servers::Url(u))
        }
        Ok(u) if !matches!(u.scheme(), "ldap" | "ldaps") => {
            cx.err(
                Some(url.span()),
                "directory.url",
                format!("the scheme \"{}\" is not LDAP", u.scheme()),
                "use ldaps://host (or ldap://host with start_tls = true)",
            );
            None
        }
        Ok(_) => {
            cx.err(
                Some(url.span()),
                "directory.url",
                "has no host",
                "write it as ldaps://dc1.contoso.com",
            );
            None
        }
        Err(e) => {
            cx.err(
                Some(url.span()),
                "directory.url",
                format!("\"{}\" is not a valid URL ({e})", url.get_ref()),
                "write it as ldaps://dc1.contoso.com",
            );
            None
        }
    }
}

fn is_guid(s: &str) -> bool {
    ObjectGuid::parse(s).is_ok()
}

/// `entra.login_url` and `entra.graph_url` (see [`crate::cloud`]): each error at its key's line.
fn endpoints(cx: &mut Ctx<'_>, e: &RawEntra) -> Option<(Url, Url)> {
    fn text(v: &Option<S<String>>) -> Option<&str> {
        v.as_ref().map(|v| v.get_ref().as_str())
    }
    match crate::cloud::endpoints(text(&e.login_url), text(&e.graph_url)) {
        Ok(pair) => Some(pair),
        Err(errs) => {
            for err in errs {
                let span = if err.key == "entra.login_url" {
                    &e.login_url
                } else {
                    &e.graph_url
                };
                cx.err(
                    span.as_ref().map(|s| s.span()),
                    err.key,
                    err.message,
                    err.fix,
                );
            }
            None
        }
    }
}

fn entra(cx: &mut Ctx<'_>, e: &S<RawEntra>) -> Option<EntraConfig> {
    let sec = e.span();
    let e = e.get_ref();
    let tenant = cx.required(&e.tenant, sec.clone(), "entra.tenant", "set the tenant id or a verified domain, e.g. \"contoso.onmicrosoft.com\"").and_then(|t| {
        let v = t.get_ref().trim();
        let domain_ok = v.contains('.') && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if is_guid(v) || domain_ok {
            Some(v.to_string())
        } else {
            cx.err(Some(t.span()), "entra.tenant", format!("\"{v}\" is neither a tenant id (GUID) nor a domain"), "use the Directory (tenant) ID from the Entra admin center, or contoso.onmicrosoft.com");
            None
        }
    });
    let client_id = cx
        .required(
            &e.client_id,
            sec.clone(),
            "entra.client_id",
            "set the Application (client) ID of RoleSync's app registration",
        )
        .and_then(|c| {
            if is_guid(c.get_ref()) {
                Some(c.get_ref().trim().to_ascii_lowercase())
            } else {
                cx.err(
                    Some(c.span()),
                    "entra.client_id",
                    format!("\"{}\" is not a GUID", c.get_ref()),
                    "copy the Application (client) ID from the app registration's overview page",
                );
                None
            }
        });
    let sign_in = cx
        .required(
            &e.sign_in,
            sec.clone(),
            "entra.sign_in",
            "set certificate, secret, interactive, device-code or password",
        )
        .and_then(|s| {
            cx.one_of(
                s,
                "entra.sign_in",
                &choices(
                    schema::SIGN_IN_MODES,
                    [
                        SignIn::Certificate,
                        SignIn::Secret,
                        SignIn::Interactive,
                        SignIn::DeviceCode,
                        SignIn::Password,
                    ],
                ),
            )
        });
    if sign_in == Some(SignIn::Certificate)
        && e.certificate.is_none()
        && e.certificate_thumbprint.is_none()
    {
        cx.err(
            Some(sec.clone()),
            "entra.certificate",
            "is missing; sign_in = \"certificate\" needs a certificate",
            "set certificate = \"path to .pem or .pfx\" (or certificate_thumbprint on Windows)",
        );
    }
    if sign_in == Some(SignIn::Password) && e.username.is_none() {
        cx.err(
            Some(sec),
            "entra.username",
            "is missing; sign_in = \"password\" needs the account",
            "set username = \"admin@contoso.com\"",
        );
    }
    if let Some(t) = &e.certificate_thumbprint {
        let v: String = t.get_ref().chars().filter(|c| !c.is_whitespace()).collect();
        if v.len() != 40 || !v.chars().all(|c| c.is_ascii_hexdigit()) {
            cx.err(
                Some(t.span()),
                "entra.certificate_thumbprint",
                "is not a SHA-1 thumbprint (40 hex digits)",
                "copy the Thumbprint from the certificate's details",
            );
        }
    }
    let urls = endpoints(cx, e);
    let mut bound = |v: &Option<S<i64>>, key: &str, max: i64, fix: String| {
        let v = v.as_ref()?;
        match u32::try_from(*v.get_ref())
            .ok()
            .filter(|n| (1..=max).contains(&i64::from(*n)))
        {
            Some(n) => Some(n),
            None => {
                cx.err(
                    Some(v.span()),
                    key,
                    format!("{} is outside 1..={max}", v.get_ref()),
                    fix,
                );
                None
            }
        }
    };
    let concurrent_reads = bound(
        &e.concurrent_reads,
        "entra.concurrent_reads",
        256,
        format!(
            "use a whole number from 1 to 256, or leave it out for the default ({})",
            defaults::CONCURRENT_READS
        ),
    );
    let concurrent_write_batches = bound(
        &e.concurrent_write_batches,
        "entra.concurrent_write_batches",
        150,
        format!(
            "use a whole number from 1 to 150 (150 batches of 20 = Microsoft's 3,000 writes per 150 s for one app), or leave it out for the default ({})",
            defaults::CONCURRENT_WRITE_BATCHES
        ),
    );
    Some(EntraConfig {
        tenant: tenant?,
        client_id: client_id?,
        sign_in: sign_in?,
        certificate: e.certificate.as_ref().map(|c| PathBuf::from(c.get_ref())),
        certificate_thumbprint: e
            .certificate_thumbprint
            .as_ref()
            .map(|t| t.get_ref().replace(' ', "").to_ascii_uppercase()),
        username: e.username.as_ref().map(|u| u.get_ref().trim().to_string()),
        interactive: e.interactive,
        login_url: urls.as_ref()?.0.clone(),
        graph_url: urls?.1,
        ca_file: e.ca_file.as_ref().map(|c| PathBuf::from(c.get_ref())),
        concurrent_reads,
        concurrent_write_batches,
    })
}

fn kinds() -> Vec<(&'static str, AssignmentKind)> {
    choices(
        schema::ASSIGNMENT_KINDS,
        [AssignmentKind::Active, AssignmentKind::Eligible],
    )
}

fn policy(cx: &mut Ctx<'_>, raw: &RawConfig, ou: Option<Dn>) -> Policy {
    let mut p = Policy::for_ou(ou.unwrap_or_else(|| Dn::new(defaults::OU)));
    p.mapping.prefix = raw.mapping.prefix.clone().filter(|s| !s.is_empty());
    p.matching.by_upn = raw.mapping.match_by_upn;
    if let Some(k) = &raw.mapping.default_kind {
        p.mapping.default_kind = cx
            .one_of(k, "mapping.default_kind", &kinds())
            .unwrap_or_default();
    }
    let role_names: Vec<&str> = builtin_roles().map(|r| r.name).collect();
    for (i, m) in raw.mappings.iter().enumerate() {
        let key = |k: &str| format!("mappings[{i}].{k}");
        let mr = m.get_ref();
        let g = mr.group.get_ref().trim();
        let group = if g.contains('=') {
            if !looks_like_dn(g) {
                cx.err(
                    Some(mr.group.span()),
                    &key("group"),
                    format!("\"{g}\" is not a distinguished name"),
                    "write a DN (CN=…,OU=…,DC=…) or just the group's name in the OU",
                );
            }
            GroupRef::Dn(Dn::new(g))
        } else if g.is_empty() {
            cx.err(
                Some(mr.group.span()),
                &key("group"),
                "is empty",
                "write a group DN or a group name in the OU",
            );
            continue;
        } else {
            GroupRef::Name(g.to_string())
        };
        let scope = match &mr.scope {
            None => ScopeRef::Tenant,
            Some(v) => match parse_scope(v.get_ref()) {
                Ok(scope) => scope,
                Err(why) => {
                    cx.err(
                        Some(v.span()),
                        &key("scope"),
                        why,
                        "write scope = \"administrativeUnit:Europe\" (an administrative unit's display name or object id), or leave scope out for the whole tenant",
                    );
                    continue;
                }
            },
        };
        if p.mapping
            .explicit
            .iter()
            .any(|e| e.group.same_as(&group) && e.scope.same_as(&scope))
        {
            cx.err(
                Some(mr.group.span()),
                &key("group"),
                format!("group \"{g}\" is mapped twice at {}", scope.describe()),
                "keep one [[mappings]] entry per group and scope (a group may map to a role at several scopes, each with its own scope)",
            );
        }
        let role = mr.role.as_ref().and_then(|r| {
            let v = r.get_ref().trim();
            if is_guid(v) {
                Some(RoleRef::Id(RoleDefinitionId::new(v.to_ascii_lowercase())))
            } else if let Some(b) = builtin_by_name(v) {
                Some(RoleRef::Name(b.name.to_string()))
            } else {
                let fix = match closest(v, &role_names) {
                    Some(s) => format!("did you mean \"{s}\"? For a custom role, give its role definition id (a GUID)"),
                    None => "use a built-in role's display name, or a custom role's definition id (a GUID)".into(),
                };
                cx.err(Some(r.span()), &key("role"), format!("there is no built-in role named \"{v}\""), fix);
                None
            }
        });
        if mr.role.is_some() && role.is_none() {
            continue;
        }
        if !scope.is_tenant() {
            let builtin = match (&role, &group) {
                (Some(RoleRef::Name(n)), _) => builtin_by_name(n),
                (Some(RoleRef::Id(id)), _) => builtin_by_id(id.as_str()),
                // No role: the group's name (after the prefix) names it.
                (None, GroupRef::Name(n)) => {
                    builtin_by_name(strip_prefix(n, p.mapping.prefix.as_deref()))
                }
                (None, GroupRef::Dn(d)) => builtin_by_name(strip_prefix(
                    d.first_rdn_value(),
                    p.mapping.prefix.as_deref(),
                )),
            };
            if let Some(b) = builtin.filter(|b| !b.au_scopable()) {
                let span = mr.scope.as_ref().map(|v| v.span());
                cx.err(
                    span,
                    &key("scope"),
                    format!(
                        "role \"{}\" cannot be assigned with administrative-unit scope",
                        b.name
                    ),
                    format!(
                        "Microsoft allows administrative-unit scope for {} and for custom roles (\"Assign Microsoft Entra roles with administrative unit scope\"); assign \"{}\" tenant-wide (leave scope out) or map another role",
                        au_scopable_names(),
                        b.name
                    ),
                );
                continue;
            }
        }
        let kind = match &mr.kind {
            Some(k) => cx.one_of(k, &key("kind"), &kinds()).unwrap_or_default(),
            None => p.mapping.default_kind,
        };
        let manage = choices(schema::MANAGE, [false, true]);
        if let Some(m) = &mr.manage {
            if cx.one_of(m, &key("manage"), &manage) == Some(true) {
                p.mapping.owned_only.push(group.clone());
            }
        }
        p.mapping.explicit.push(ExplicitMapping {
            group,
            role,
            kind,
            allow_empty: mr.allow_empty,
            scope,
        });
    }
    if let Some(v) = &raw.safety.max_revokes {
        match u32::try_from(*v.get_ref()) {
            Ok(n) => p.limits.max_revokes = n,
            Err(_) => cx.err(
                Some(v.span()),
                "safety.max_revokes",
                format!("{} is not a count", v.get_ref()),
                format!("use a whole number ≥ 0 (default {})", defaults::MAX_REVOKES),
            ),
        }
    }
    if let Some(v) = &raw.safety.max_revoke_percent {
        match u32::try_from(*v.get_ref()).ok().filter(|n| *n <= 100) {
            Some(n) => p.limits.max_revoke_percent = n,
            None => cx.err(
                Some(v.span()),
                "safety.max_revoke_percent",
                format!("{} is not a percentage", v.get_ref()),
                format!(
                    "use a whole number from 0 to 100 (default {})",
                    defaults::MAX_REVOKE_PERCENT
                ),
            ),
        }
    }
    pim_options(cx, raw, &mut p);
    for (i, r) in raw.safety.require_approval.iter().enumerate() {
        if let Some(role) = role_name(cx, r, &format!("safety.require_approval[{i}]")) {
            p.require_approval.push(match role {
                RoleRef::Name(n) => n,
                RoleRef::Id(id) => id.to_string(),
            });
        }
    }
    if let Some(d) = &raw.safety.on_drift {
        let modes = choices(schema::ON_DRIFT, [OnDrift::Correct, OnDrift::Report]);
        p.on_drift = cx.one_of(d, "safety.on_drift", &modes).unwrap_or_default();
    }
    for (i, a) in raw.safety.protected.iter().enumerate() {
        let v = a.get_ref().trim();
        if v.is_empty() || (!v.contains('@') && !is_guid(v)) {
            cx.err(
                Some(a.span()),
                &format!("safety.protected[{i}]"),
                format!("\"{v}\" is neither a UPN nor an object id"),
                "write the account's UPN (breakglass@contoso.onmicrosoft.com) or its object id",
            );
        } else {
            p.protected.push(v.to_string());
        }
    }
    p
}

/// `[[mappings]] scope`: `tenant` (or `/`), or `administrativeUnit:<display name or id>`.
fn parse_scope(text: &str) -> Result<ScopeRef, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("tenant") || t == "/" {
        return Ok(ScopeRef::Tenant);
    }
    let Some((kind, unit)) = t.split_once(':') else {
        return Err(format!("\"{t}\" is not a scope"));
    };
    if !kind.trim().eq_ignore_ascii_case("administrativeUnit") {
        return Err(format!(
            "\"{}\" is not a kind of scope RoleSync knows (only administrativeUnit)",
            kind.trim()
        ));
    }
    let unit = unit.trim();
    if unit.is_empty() {
        return Err("names no administrative unit".into());
    }
    Ok(ScopeRef::AdministrativeUnit(unit.to_string()))
}

/// A group name without the configured prefix (when it has it).
fn strip_prefix<'a>(name: &'a str, prefix: Option<&str>) -> &'a str {
    rolesync_core::mapping::strip_prefix(name, prefix).unwrap_or(name)
}

/// The built-in roles Microsoft lets be scoped to an administrative unit, in words.
fn au_scopable_names() -> String {
    let names: Vec<&str> = builtin_roles()
        .filter(BuiltinRole::au_scopable)
        .map(|r| r.name)
        .collect();
    names.join(", ")
}

/// `[pim]`: the renewal window (1–365 days, default 14) and an optional duration in ISO 8601
/// days or hours, longer than the window (else every run would renew every assignment).
fn pim_options(cx: &mut Ctx<'_>, raw: &RawConfig, p: &mut Policy) {
    if let Some(v) = &raw.pim.renew_within_days {
        match u32::try_from(*v.get_ref())
            .ok()
            .filter(|n| (1..=365).contains(n))
        {
            Some(n) => p.pim.renew_within_days = n,
            None => cx.err(
                Some(v.span()),
                "pim.renew_within_days",
                format!("{} is not a number of days from 1 to 365", v.get_ref()),
                "use a whole number of days from 1 to 365 (default 14)",
            ),
        }
    }
    if let Some(v) = &raw.pim.duration {
        let text = v.get_ref().trim();
        match rolesync_core::pim::PimDuration::parse(text) {
            None => cx.err(
                Some(v.span()),
                "pim.duration",
                format!("\"{text}\" is not a duration RoleSync understands"),
                "write it in ISO 8601 days or hours as PIM does, e.g. \"P90D\" for 90 days or \"PT12H\" for 12 hours (years and months have no fixed length)",
            ),
            Some(d) if d.seconds() <= i64::from(p.pim.renew_within_days) * 86_400 => cx.err(
                Some(v.span()),
                "pim.duration",
                format!(
                    "{} is not longer than the renewal window of {} days, so every run would renew every assignment",
                    d.words(),
                    p.pim.renew_within_days
                ),
                "make pim.duration longer than pim.renew_within_days, or leave it out to use the longest the role's PIM settings allow",
            ),
            Some(d) => p.pim.duration = Some(d),
        }
    }
}

/// `[exposure]`: the expected Tier-0 trustees (names, DNs or SIDs; default the built-in list)
/// and the severity at which `rolesync exposure` fails (`never`: it does not).
fn exposure(cx: &mut Ctx<'_>, raw: &RawConfig) -> crate::ExposureConfig {
    use rolesync_core::exposure::Severity;
    let mut out = crate::ExposureConfig::default();
    if let Some(list) = &raw.exposure.expected {
        out.expected.clear();
        for (i, e) in list.iter().enumerate() {
            let v = e.get_ref().trim();
            if v.is_empty() {
                cx.err(
                    Some(e.span()),
                    &format!("exposure.expected[{i}]"),
                    "an empty entry",
                    "write a group or account name (Domain Admins), a DN or a SID, or remove the entry",
                );
            } else {
                out.expected.push(v.to_string());
            }
        }
    }
    if let Some(v) = &raw.exposure.fail_at {
        if let Some(t) = cx.one_of(
            v,
            "exposure.fail_at",
            &[
                ("low", Some(Severity::Low)),
                ("medium", Some(Severity::Medium)),
                ("high", Some(Severity::High)),
                ("never", None),
            ],
        ) {
            out.fail_at = t;
        }
    }
    out
}

fn logging(cx: &mut Ctx<'_>, raw: &RawConfig) -> LoggingConfig {
    let level = match &raw.logging.level {
        Some(l) => cx
            .one_of(
                l,
                "logging.level",
                &choices(
                    schema::LOG_LEVELS,
                    ["error", "warn", "info", "debug", "trace"],
                ),
            )
            .unwrap_or(defaults::LOGGING_LEVEL),
        None => defaults::LOGGING_LEVEL,
    };
    LoggingConfig {
        folder: raw
            .logging
            .folder
            .as_ref()
            .map(|f| PathBuf::from(f.get_ref())),
        level: level.to_string(),
    }
}

fn is_address(s: &str) -> bool {
    let s = s.trim();
    let addr = match (s.rfind('<'), s.ends_with('>')) {
        (Some(i), true) => &s[i + 1..s.len() - 1],
        _ => s,
    };
    matches!(addr.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.') && !addr.contains(char::is_whitespace) && !d.contains('@'))
}

fn email(cx: &mut Ctx<'_>, e: &S<RawEmail>) -> Option<EmailConfig> {
    let sec = e.span();
    let e = e.get_ref();
    let server = cx
        .required(
            &e.server,
            sec.clone(),
            "email.server",
            "set the SMTP server, e.g. \"smtp.office365.com\"",
        )
        .map(|s| s.get_ref().trim().to_string());
    let securities = choices(
        schema::SMTP_SECURITIES,
        [
            SmtpSecurity::StartTls,
            SmtpSecurity::Tls,
            SmtpSecurity::None,
        ],
    );
    let security = match &e.security {
        Some(s) => cx.one_of(s, "email.security", &securities),
        None => securities
            .iter()
            .find(|(w, _)| *w == defaults::SMTP_SECURITY)
            .map(|(_, s)| *s),
    };
    let port = match &e.port {
        Some(p) => match u16::try_from(*p.get_ref()).ok().filter(|n| *n > 0) {
            Some(n) => Some(n),
            None => {
                cx.err(
                    Some(p.span()),
                    "email.port",
                    format!("{} is not a TCP port", p.get_ref()),
                    "use 587 (STARTTLS), 465 (TLS) or 25",
                );
                None
            }
        },
        None => security.and_then(|s| {
            securities
                .iter()
                .find(|(_, x)| *x == s)
                .map(|(w, _)| defaults::smtp_port(w))
        }),
    };
    let from = cx
        .required(&e.from, sec.clone(), "email.from", "set the sender address")
        .and_then(|f| {
            if is_address(f.get_ref()) {
                Some(f.get_ref().trim().to_string())
            } else {
                cx.err(
                    Some(f.span()),
                    "email.from",
                    format!("\"{}\" is not an email address", f.get_ref()),
                    "write it as rolesync@contoso.com or \"RoleSync <rolesync@contoso.com>\"",
                );
                None
            }
        });
    if e.to.is_empty() {
        cx.err(
            Some(sec),
            "email.to",
            "has no recipients",
            "set to = [\"it-admins@contoso.com\"]",
        );
    }
    let mut to = Vec::new();
    for (i, t) in e.to.iter().enumerate() {
        if is_address(t.get_ref()) {
            to.push(t.get_ref().trim().to_string());
        } else {
            cx.err(
                Some(t.span()),
                &format!("email.to[{i}]"),
                format!("\"{}\" is not an email address", t.get_ref()),
                "write it as name@contoso.com",
            );
        }
    }
    Some(EmailConfig {
        server: server?,
        port: port?,
        security: security?,
        from: from?,
        to,
        username: e.username.as_ref().map(|u| u.get_ref().trim().to_string()),
        ca_file: e.ca_file.as_ref().map(|c| PathBuf::from(c.get_ref())),
    })
}
