//! The settings page's form and the configuration file: the file's values into the form, the
//! form into TOML, and the configuration crate's validation of that TOML (the same
//! `rolesync_config::parse` every command runs), so the page shows exactly the core's messages.

use super::types::{FieldError, MappingForm, SettingsForm};
use std::path::Path;
use toml::{Table, Value};

fn text(t: Option<&Table>, key: &str) -> String {
    t.and_then(|t| t.get(key))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn flag(t: Option<&Table>, key: &str, default: bool) -> bool {
    t.and_then(|t| t.get(key))
        .and_then(Value::as_bool)
        .unwrap_or(default)
}

fn number(t: Option<&Table>, key: &str, default: i64) -> i64 {
    t.and_then(|t| t.get(key))
        .and_then(Value::as_integer)
        .unwrap_or(default)
}

fn list(t: Option<&Table>, key: &str) -> Vec<String> {
    t.and_then(|t| t.get(key))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The form for a configuration text (a file that does not parse as TOML gives the defaults).
pub fn form_of(config_text: &str) -> SettingsForm {
    let root: Table = config_text.parse().unwrap_or_default();
    let section = |k: &str| root.get(k).and_then(Value::as_table);
    let (d, e, m, s, l, em) = (
        section("directory"),
        section("entra"),
        section("mapping"),
        section("safety"),
        section("logging"),
        section("email"),
    );
    let mappings = root
        .get("mappings")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_table)
                .map(|t| MappingForm {
                    group: text(Some(t), "group"),
                    role: text(Some(t), "role"),
                    kind: text(Some(t), "kind"),
                    allow_empty: flag(Some(t), "allow_empty", false),
                })
                .collect()
        })
        .unwrap_or_default();
    SettingsForm {
        directory_url: text(d, "url"),
        directory_bind: text(d, "bind"),
        directory_base_dn: text(d, "base_dn"),
        directory_ou: text(d, "ou"),
        directory_nested: flag(d, "nested", true),
        directory_start_tls: flag(d, "start_tls", false),
        directory_ldif: text(d, "ldif"),
        entra_tenant: text(e, "tenant"),
        entra_client_id: text(e, "client_id"),
        entra_sign_in: text(e, "sign_in"),
        entra_certificate: text(e, "certificate"),
        entra_username: text(e, "username"),
        mapping_prefix: text(m, "prefix"),
        mapping_match_by_upn: flag(m, "match_by_upn", false),
        mapping_default_kind: text(m, "default_kind"),
        mappings,
        safety_max_revokes: number(s, "max_revokes", 10),
        safety_max_revoke_percent: number(s, "max_revoke_percent", 25),
        safety_protected: list(s, "protected"),
        email_enabled: em.is_some(),
        email_server: text(em, "server"),
        email_port: number(em, "port", 587),
        email_security: text(em, "security"),
        email_from: text(em, "from"),
        email_to: list(em, "to"),
        email_username: text(em, "username"),
        logging_level: text(l, "level"),
        logging_folder: text(l, "folder"),
    }
}

fn put(t: &mut Table, key: &str, v: &str) {
    if !v.trim().is_empty() {
        t.insert(key.into(), Value::String(v.trim().to_string()));
    }
}

fn put_list(t: &mut Table, key: &str, v: &[String]) {
    let items: Vec<Value> = v
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| Value::String(s.to_string()))
        .collect();
    if !items.is_empty() {
        t.insert(key.into(), Value::Array(items));
    }
}

/// The TOML text for a form.
pub fn toml_of(f: &SettingsForm) -> String {
    let mut root = Table::new();
    let mut d = Table::new();
    put(&mut d, "url", &f.directory_url);
    if f.directory_start_tls {
        d.insert("start_tls".into(), Value::Boolean(true));
    }
    put(&mut d, "bind", &f.directory_bind);
    put(&mut d, "base_dn", &f.directory_base_dn);
    put(&mut d, "ou", &f.directory_ou);
    d.insert("nested".into(), Value::Boolean(f.directory_nested));
    put(&mut d, "ldif", &f.directory_ldif);
    root.insert("directory".into(), Value::Table(d));

    let mut e = Table::new();
    put(&mut e, "tenant", &f.entra_tenant);
    put(&mut e, "client_id", &f.entra_client_id);
    put(&mut e, "sign_in", &f.entra_sign_in);
    put(&mut e, "certificate", &f.entra_certificate);
    put(&mut e, "username", &f.entra_username);
    root.insert("entra".into(), Value::Table(e));

    let mut m = Table::new();
    put(&mut m, "prefix", &f.mapping_prefix);
    m.insert(
        "match_by_upn".into(),
        Value::Boolean(f.mapping_match_by_upn),
    );
    put(&mut m, "default_kind", &f.mapping_default_kind);
    root.insert("mapping".into(), Value::Table(m));

    let mappings: Vec<Value> = f
        .mappings
        .iter()
        .filter(|x| !x.group.trim().is_empty() || !x.role.trim().is_empty())
        .map(|x| {
            let mut t = Table::new();
            t.insert("group".into(), Value::String(x.group.trim().to_string()));
            put(&mut t, "role", &x.role);
            put(&mut t, "kind", &x.kind);
            if x.allow_empty {
                t.insert("allow_empty".into(), Value::Boolean(true));
            }
            Value::Table(t)
        })
        .collect();
    if !mappings.is_empty() {
        root.insert("mappings".into(), Value::Array(mappings));
    }

    let mut s = Table::new();
    s.insert("max_revokes".into(), Value::Integer(f.safety_max_revokes));
    s.insert(
        "max_revoke_percent".into(),
        Value::Integer(f.safety_max_revoke_percent),
    );
    put_list(&mut s, "protected", &f.safety_protected);
    root.insert("safety".into(), Value::Table(s));

    let mut l = Table::new();
    put(&mut l, "folder", &f.logging_folder);
    put(&mut l, "level", &f.logging_level);
    root.insert("logging".into(), Value::Table(l));

    if f.email_enabled {
        let mut em = Table::new();
        put(&mut em, "server", &f.email_server);
        em.insert("port".into(), Value::Integer(f.email_port));
        put(&mut em, "security", &f.email_security);
        put(&mut em, "from", &f.email_from);
        put_list(&mut em, "to", &f.email_to);
        put(&mut em, "username", &f.email_username);
        root.insert("email".into(), Value::Table(em));
    }
    format!(
        "# RoleSync configuration, written by the RoleSync window.\n# See `rolesync config init` for a commented example.\n\n{}",
        toml::to_string_pretty(&root).unwrap_or_default()
    )
}

/// The configuration crate's messages for a form; empty when the form is valid.
pub fn validate(file: &Path, f: &SettingsForm) -> (String, Vec<FieldError>) {
    let text = toml_of(f);
    let errors = match rolesync_config::parse(file, &text) {
        Ok(_) => Vec::new(),
        Err(errs) => errs
            .0
            .into_iter()
            .map(|e| FieldError {
                key: e.key,
                message: e.message,
                fix: e.fix,
            })
            .collect(),
    };
    (text, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_round_trips_and_is_valid() {
        let form = form_of(rolesync_config::EXAMPLE);
        assert_eq!(form.directory_url, "ldaps://dc1.contoso.com");
        assert_eq!(form.safety_max_revoke_percent, 25);
        let (_, errors) = validate(Path::new("rolesync.toml"), &form);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(form_of(&toml_of(&form)).directory_ou, form.directory_ou);
    }

    #[test]
    fn errors_name_the_key() {
        let mut form = form_of(rolesync_config::EXAMPLE);
        form.safety_max_revoke_percent = 150;
        let (_, errors) = validate(Path::new("rolesync.toml"), &form);
        assert!(
            errors.iter().any(|e| e.key == "safety.max_revoke_percent"),
            "{errors:?}"
        );
    }
}
