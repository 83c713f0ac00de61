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

/// The header of a file the window writes from scratch.
const HEADER: &str = "# RoleSync configuration, written by the RoleSync window.\n# See `rolesync config init` for a commented example.\n";

/// The table `name` of the document, made a standard `[name]` table when missing (or when it
/// held something else).
fn section<'a>(doc: &'a mut toml_edit::DocumentMut, name: &str) -> &'a mut toml_edit::Table {
    let item = doc.entry(name).or_insert_with(toml_edit::table);
    if let Some(inline) = item.as_inline_table() {
        *item = toml_edit::Item::Table(inline.clone().into_table());
    }
    if !item.is_table() {
        *item = toml_edit::table();
    }
    item.as_table_mut().expect("made a table above")
}

/// Sets `key` to `v` (trimmed), or removes it when `v` is blank. An unchanged value is left as
/// it is, with its comments and formatting.
fn put(t: &mut toml_edit::Table, key: &str, v: &str) {
    let v = v.trim();
    if v.is_empty() {
        t.remove(key);
    } else if t.get(key).and_then(|i| i.as_str()) != Some(v) {
        t[key] = toml_edit::value(v);
    }
}

fn put_bool(t: &mut toml_edit::Table, key: &str, v: bool) {
    if t.get(key).and_then(|i| i.as_bool()) != Some(v) {
        t[key] = toml_edit::value(v);
    }
}

fn put_int(t: &mut toml_edit::Table, key: &str, v: i64) {
    if t.get(key).and_then(|i| i.as_integer()) != Some(v) {
        t[key] = toml_edit::value(v);
    }
}

/// Sets a list of strings, or removes it when no item is left.
fn put_list(t: &mut toml_edit::Table, key: &str, v: &[String]) {
    let items: Vec<&str> = v
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    let current: Option<Vec<&str>> = t
        .get(key)
        .and_then(|i| i.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect());
    if items.is_empty() {
        t.remove(key);
    } else if current.as_deref() != Some(items.as_slice()) {
        t[key] = toml_edit::value(toml_edit::Array::from_iter(items));
    }
}

/// `[[mappings]]` for the form's rows.
fn mappings_of(f: &SettingsForm) -> toml_edit::ArrayOfTables {
    let mut out = toml_edit::ArrayOfTables::new();
    for x in f
        .mappings
        .iter()
        .filter(|x| !x.group.trim().is_empty() || !x.role.trim().is_empty())
    {
        let mut t = toml_edit::Table::new();
        t["group"] = toml_edit::value(x.group.trim());
        put(&mut t, "role", &x.role);
        put(&mut t, "kind", &x.kind);
        if x.allow_empty {
            t["allow_empty"] = toml_edit::value(true);
        }
        out.push(t);
    }
    out
}

/// The configuration text for a form, written into `existing` (the file as it is now, or "" for
/// a new file): only the keys the form shows are set or removed; every other key, every comment
/// and the order of the file stay as they were.
pub fn toml_of(f: &SettingsForm, existing: &str) -> String {
    let mut doc: toml_edit::DocumentMut = existing.parse().unwrap_or_default();
    if doc.is_empty()
        && doc
            .decor()
            .prefix()
            .is_none_or(|p| p.as_str().is_none_or(str::is_empty))
    {
        doc.decor_mut().set_prefix(format!("{HEADER}\n"));
    }

    let d = section(&mut doc, "directory");
    put(d, "url", &f.directory_url);
    if f.directory_start_tls || d.contains_key("start_tls") {
        put_bool(d, "start_tls", f.directory_start_tls);
    }
    put(d, "bind", &f.directory_bind);
    put(d, "base_dn", &f.directory_base_dn);
    put(d, "ou", &f.directory_ou);
    put_bool(d, "nested", f.directory_nested);
    put(d, "ldif", &f.directory_ldif);

    let e = section(&mut doc, "entra");
    put(e, "tenant", &f.entra_tenant);
    put(e, "client_id", &f.entra_client_id);
    put(e, "sign_in", &f.entra_sign_in);
    put(e, "certificate", &f.entra_certificate);
    put(e, "username", &f.entra_username);

    let m = section(&mut doc, "mapping");
    put(m, "prefix", &f.mapping_prefix);
    put_bool(m, "match_by_upn", f.mapping_match_by_upn);
    put(m, "default_kind", &f.mapping_default_kind);

    // The rows are replaced only when they changed (their comments go with them then).
    if form_of(existing).mappings != f.mappings {
        let rows = mappings_of(f);
        if rows.is_empty() {
            doc.remove("mappings");
        } else {
            doc["mappings"] = toml_edit::Item::ArrayOfTables(rows);
        }
    }

    let s = section(&mut doc, "safety");
    put_int(s, "max_revokes", f.safety_max_revokes);
    put_int(s, "max_revoke_percent", f.safety_max_revoke_percent);
    put_list(s, "protected", &f.safety_protected);

    let l = section(&mut doc, "logging");
    put(l, "folder", &f.logging_folder);
    put(l, "level", &f.logging_level);

    if f.email_enabled {
        let em = section(&mut doc, "email");
        put(em, "server", &f.email_server);
        put_int(em, "port", f.email_port);
        put(em, "security", &f.email_security);
        put(em, "from", &f.email_from);
        put_list(em, "to", &f.email_to);
        put(em, "username", &f.email_username);
    } else {
        doc.remove("email");
    }
    doc.to_string()
}

/// The configuration crate's messages for a form written into `existing` (see [`toml_of`]);
/// empty when the result is valid.
pub fn validate(file: &Path, f: &SettingsForm, existing: &str) -> (String, Vec<FieldError>) {
    let text = toml_of(f, existing);
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

    fn file() -> &'static Path {
        Path::new("rolesync.toml")
    }

    #[test]
    fn the_example_round_trips_and_is_valid() {
        let form = form_of(rolesync_config::EXAMPLE);
        // The example leads with DNS discovery (`domain`, a key this form leaves as it is) and
        // integrated sign-in.
        assert_eq!(form.directory_url, "");
        assert_eq!(form.directory_bind, "integrated");
        assert_eq!(form.safety_max_revoke_percent, 25);
        let (text, errors) = validate(file(), &form, rolesync_config::EXAMPLE);
        assert!(errors.is_empty(), "{errors:?}");
        // Nothing changed in the form: nothing changes in the file.
        assert_eq!(text, rolesync_config::EXAMPLE);
        assert_eq!(form_of(&toml_of(&form, "")), form);
    }

    #[test]
    fn saving_keeps_comments_and_the_keys_the_form_does_not_show() {
        let existing = rolesync_config::EXAMPLE.replace(
            "nested = true\n",
            "nested = true\nca_file = \"C:\\\\certs\\\\contoso-ca.pem\" # our CA\n",
        );
        assert_ne!(
            existing,
            rolesync_config::EXAMPLE,
            "the example changed: fix the test"
        );
        let mut form = form_of(&existing);
        form.directory_ou = "OU=Cloud Roles,DC=contoso,DC=com".into();
        form.entra_username = String::new();
        form.safety_max_revokes = 3;
        let (text, errors) = validate(file(), &form, &existing);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            text.contains("ca_file = \"C:\\\\certs\\\\contoso-ca.pem\" # our CA"),
            "{text}"
        );
        assert!(text.contains("ou = \"OU=Cloud Roles,DC=contoso,DC=com\""));
        assert!(text.contains("max_revokes = 3"));
        // Every comment line of the file is still there, in order.
        let comments = |t: &str| -> Vec<String> {
            t.lines()
                .filter(|l| l.trim_start().starts_with('#'))
                .map(str::to_owned)
                .collect()
        };
        assert_eq!(comments(&text), comments(&existing));
        let cfg = rolesync_config::parse(file(), &text).expect("valid");
        match cfg.directory.map(|d| d.source) {
            Some(rolesync_config::DirectorySource::Ldap(l)) => {
                assert_eq!(
                    l.ca_file.as_deref(),
                    Some(Path::new("C:\\certs\\contoso-ca.pem"))
                )
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(form_of(&text), form);
    }

    #[test]
    fn blank_fields_remove_their_keys_and_email_off_removes_the_section() {
        let mut form = form_of(rolesync_config::EXAMPLE);
        form.email_enabled = true;
        form.email_server = "smtp.contoso.com".into();
        form.email_from = "rolesync@contoso.com".into();
        form.email_to = vec!["it@contoso.com".into(), " ".into()];
        let on = toml_of(&form, rolesync_config::EXAMPLE);
        assert!(
            on.contains("[email]") && on.contains("to = [\"it@contoso.com\"]"),
            "{on}"
        );
        form.email_enabled = false;
        form.mapping_prefix = "  ".into();
        let off = toml_of(&form, &on);
        let root: Table = off.parse().unwrap();
        assert!(root.get("email").is_none(), "{off}");
        assert!(root["mapping"].get("prefix").is_none(), "{off}");
    }

    #[test]
    fn a_new_file_gets_a_header_and_only_changed_mappings_are_rewritten() {
        let mut form = form_of(rolesync_config::EXAMPLE);
        form.mappings = vec![MappingForm {
            group: "Helpdesk Admins".into(),
            role: "Helpdesk Administrator".into(),
            kind: String::new(),
            allow_empty: true,
        }];
        let fresh = toml_of(&form, "");
        assert!(fresh.starts_with("# RoleSync configuration, written by the RoleSync window."));
        let root: Table = fresh.parse().unwrap();
        let rows = root["mappings"].as_array().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["group"].as_str(), Some("Helpdesk Admins"));
        assert_eq!(rows[0]["allow_empty"].as_bool(), Some(true));
        // An admin's comment among the rows survives a save that leaves them alone...
        let commented = fresh.replace("[[mappings]]", "# approved by the CAB\n[[mappings]]");
        assert_ne!(commented, fresh);
        assert_eq!(toml_of(&form, &commented), commented);
        // ...and the rows are rewritten when they change.
        form.mappings[0].role = "Security Reader".into();
        let changed: Table = toml_of(&form, &commented).parse().unwrap();
        assert_eq!(
            changed["mappings"].as_array().unwrap()[0]["role"].as_str(),
            Some("Security Reader")
        );
    }

    #[test]
    fn errors_name_the_key() {
        let mut form = form_of(rolesync_config::EXAMPLE);
        form.safety_max_revoke_percent = 150;
        let (_, errors) = validate(file(), &form, rolesync_config::EXAMPLE);
        assert!(
            errors.iter().any(|e| e.key == "safety.max_revoke_percent"),
            "{errors:?}"
        );
    }
}
