//! The settings form and the configuration file: the file's values into a form of every key in
//! the [schema](crate::schema), the form written back into the file as it is (with `toml_edit`:
//! only the form's keys are set or removed, every comment, every other key and the order stay),
//! and the validation of the result by [`crate::parse`], the function every command runs, so the
//! settings page shows exactly the messages the commands would.

use crate::schema::{DefaultValue, Kind, Section, Setting, SECTIONS};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use toml::{Table, Value};

/// One setting's value in the form.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// A flag.
    Flag(bool),
    /// A number.
    Number(#[cfg_attr(feature = "ts", ts(type = "number"))] i64),
    /// A text or a choice; empty means "not set".
    Text(String),
    /// A list of texts.
    List(Vec<String>),
    /// A number that is not set.
    Unset,
}

/// One row of an array of tables (`[[mappings]]`), by key.
pub type Row = BTreeMap<String, FieldValue>;

/// The settings page: every key of the schema with its value in the file (or its default).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsForm {
    /// The keys of the tables, dotted (`safety.max_revokes`).
    pub values: BTreeMap<String, FieldValue>,
    /// Whether each optional section (`email`) is in the file.
    pub enabled: BTreeMap<String, bool>,
    /// The rows of each array of tables (`mappings`).
    pub rows: BTreeMap<String, Vec<Row>>,
}

impl SettingsForm {
    /// The value of a dotted key.
    pub fn get(&self, key: &str) -> Option<&FieldValue> {
        self.values.get(key)
    }

    /// Sets a dotted key.
    pub fn set(&mut self, key: &str, value: FieldValue) {
        self.values.insert(key.to_string(), value);
    }
}

/// A validation message for one key.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The dotted key (`safety.max_revoke_percent`, `mappings[0].role`).
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

fn value_of(s: &Setting, v: Option<&Value>) -> FieldValue {
    match s.kind {
        Kind::Flag => FieldValue::Flag(v.and_then(Value::as_bool).unwrap_or(match s.default {
            DefaultValue::Flag(b) => b,
            _ => false,
        })),
        Kind::Number { .. } => match (v.and_then(Value::as_integer), s.default) {
            (Some(n), _) | (None, DefaultValue::Number(n)) => FieldValue::Number(n),
            _ => FieldValue::Unset,
        },
        Kind::List => FieldValue::List(
            v.and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        ),
        Kind::Text | Kind::Choice { .. } => {
            FieldValue::Text(v.and_then(Value::as_str).unwrap_or_default().to_string())
        }
    }
}

fn row_of(section: &Section, t: &Table) -> Row {
    section
        .settings
        .iter()
        .map(|s| (s.name.to_string(), value_of(s, t.get(s.name))))
        .collect()
}

/// The form for a configuration text (a file that does not parse as TOML gives the defaults).
pub fn form_of(config_text: &str) -> SettingsForm {
    let root: Table = config_text.parse().unwrap_or_default();
    let mut form = SettingsForm::default();
    for section in SECTIONS {
        let item = root.get(section.name);
        if section.rows {
            let rows = item
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_table)
                        .map(|t| row_of(section, t))
                        .collect()
                })
                .unwrap_or_default();
            form.rows.insert(section.name.to_string(), rows);
            continue;
        }
        if section.optional.is_some() {
            form.enabled
                .insert(section.name.to_string(), item.is_some());
        }
        let table = item.and_then(Value::as_table);
        for s in section.settings {
            form.values.insert(
                format!("{}.{}", section.name, s.name),
                value_of(s, table.and_then(|t| t.get(s.name))),
            );
        }
    }
    form
}

/// The header of a file the window writes from scratch.
const HEADER: &str = "# RoleSync configuration, written by the RoleSync window.\n# See `rolesync config init` for a commented example.\n";

/// The table `name` of the document, made a standard `[name]` table when missing (or when it
/// held something else).
fn table<'a>(doc: &'a mut toml_edit::DocumentMut, name: &str) -> &'a mut toml_edit::Table {
    let item = doc.entry(name).or_insert_with(toml_edit::table);
    if let Some(inline) = item.as_inline_table() {
        *item = toml_edit::Item::Table(inline.clone().into_table());
    }
    if !item.is_table() {
        *item = toml_edit::table();
    }
    item.as_table_mut().expect("made a table above")
}

/// Sets `key` of `t` to the form's value. Blank texts, empty lists and unset numbers remove the
/// key; a flag or number that is absent and equal to its default stays absent; an unchanged value
/// is left as it is, with its comments and formatting; a value of the wrong kind changes nothing.
fn put(t: &mut toml_edit::Table, s: &Setting, v: &FieldValue) {
    let key = s.name;
    let current = t.get(key);
    match (s.kind, v) {
        (Kind::Text | Kind::Choice { .. }, FieldValue::Text(text)) => {
            let text = text.trim();
            if text.is_empty() {
                t.remove(key);
            } else if current.and_then(|i| i.as_str()) != Some(text) {
                t[key] = toml_edit::value(text);
            }
        }
        (Kind::Flag, FieldValue::Flag(b)) => {
            let default = matches!(s.default, DefaultValue::Flag(d) if d == *b);
            let now = current.and_then(|i| i.as_bool());
            if now != Some(*b) && !(now.is_none() && default) {
                t[key] = toml_edit::value(*b);
            }
        }
        (Kind::Number { .. }, FieldValue::Number(n)) => {
            let default = matches!(s.default, DefaultValue::Number(d) if d == *n);
            let now = current.and_then(|i| i.as_integer());
            if now != Some(*n) && !(now.is_none() && default) {
                t[key] = toml_edit::value(*n);
            }
        }
        (Kind::Number { .. }, FieldValue::Unset) => {
            t.remove(key);
        }
        (Kind::List, FieldValue::List(items)) => {
            let items: Vec<&str> = items
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect();
            let now: Option<Vec<&str>> = current
                .and_then(|i| i.as_array())
                .map(|a| a.iter().filter_map(|x| x.as_str()).collect());
            if items.is_empty() {
                t.remove(key);
            } else if now.as_deref() != Some(items.as_slice()) {
                t[key] = toml_edit::value(toml_edit::Array::from_iter(items));
            }
        }
        _ => {}
    }
}

/// Whether a row holds anything: a row whose texts are all blank is dropped.
fn filled(row: &Row) -> bool {
    row.values()
        .any(|v| matches!(v, FieldValue::Text(t) if !t.trim().is_empty()))
}

/// The rows of `section` as `[[name]]` tables.
fn rows_of(section: &Section, rows: &[Row]) -> toml_edit::ArrayOfTables {
    let mut out = toml_edit::ArrayOfTables::new();
    for row in rows.iter().filter(|r| filled(r)) {
        let mut t = toml_edit::Table::new();
        for s in section.settings {
            if let Some(v) = row.get(s.name) {
                put(&mut t, s, v);
            }
        }
        out.push(t);
    }
    out
}

/// The configuration text for a form, written into `existing` (the file as it is now, or "" for
/// a new file): only the schema's keys are set or removed; every other key, every comment and
/// the order of the file stay as they were.
pub fn write_form(f: &SettingsForm, existing: &str) -> String {
    let mut doc: toml_edit::DocumentMut = existing.parse().unwrap_or_default();
    if doc.is_empty()
        && doc
            .decor()
            .prefix()
            .is_none_or(|p| p.as_str().is_none_or(str::is_empty))
    {
        doc.decor_mut().set_prefix(format!("{HEADER}\n"));
    }
    let before = form_of(existing);
    for section in SECTIONS {
        if section.rows {
            // The rows are replaced only when they changed (their comments go with them then).
            let (Some(rows), old) = (f.rows.get(section.name), before.rows.get(section.name))
            else {
                continue;
            };
            if Some(rows) == old {
                continue;
            }
            let rows = rows_of(section, rows);
            if rows.is_empty() {
                doc.remove(section.name);
            } else {
                doc[section.name] = toml_edit::Item::ArrayOfTables(rows);
            }
            continue;
        }
        if section.optional.is_some() {
            match f.enabled.get(section.name) {
                Some(false) => {
                    doc.remove(section.name);
                    continue;
                }
                // Not on the form: the section stays as it is (absent or not).
                None if !doc.contains_key(section.name) => continue,
                _ => {}
            }
        }
        let t = table(&mut doc, section.name);
        for s in section.settings {
            if let Some(v) = f.values.get(&format!("{}.{}", section.name, s.name)) {
                put(t, s, v);
            }
        }
    }
    doc.to_string()
}

/// The configuration crate's messages for a form written into `existing` (see [`write_form`]),
/// with the text; no messages when the result is valid.
pub fn validate(file: &Path, f: &SettingsForm, existing: &str) -> (String, Vec<FieldError>) {
    let text = write_form(f, existing);
    let errors = match crate::parse(file, &text) {
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
    use crate::EXAMPLE;

    fn file() -> &'static Path {
        Path::new("rolesync.toml")
    }

    fn text(v: &str) -> FieldValue {
        FieldValue::Text(v.into())
    }

    fn mapping(group: &str, role: &str, allow_empty: bool) -> Row {
        [
            ("group", text(group)),
            ("role", text(role)),
            ("kind", text("")),
            ("allow_empty", FieldValue::Flag(allow_empty)),
            ("manage", text("")),
            ("scope", text("")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    #[test]
    fn every_key_of_the_schema_is_in_the_form() {
        let form = form_of("");
        for s in SECTIONS {
            if s.rows {
                assert!(form.rows.contains_key(s.name), "{}", s.name);
                continue;
            }
            for k in s.settings {
                let key = format!("{}.{}", s.name, k.name);
                assert!(form.values.contains_key(&key), "{key} is not in the form");
            }
        }
    }

    #[test]
    fn the_example_round_trips_and_is_valid() {
        let form = form_of(EXAMPLE);
        // The example leads with DNS discovery and integrated sign-in.
        assert_eq!(form.get("directory.domain"), Some(&text("contoso.com")));
        assert_eq!(form.get("directory.bind"), Some(&text("integrated")));
        assert_eq!(form.get("directory.url"), Some(&text("")));
        assert_eq!(
            form.get("safety.max_revoke_percent"),
            Some(&FieldValue::Number(25))
        );
        let (text, errors) = validate(file(), &form, EXAMPLE);
        assert!(errors.is_empty(), "{errors:?}");
        // Nothing changed in the form: nothing changes in the file.
        assert_eq!(text, EXAMPLE);
        assert_eq!(form_of(&write_form(&form, "")), form);
    }

    #[test]
    fn saving_keeps_comments_and_the_keys_the_form_does_not_change() {
        let existing = EXAMPLE.replace(
            "nested = true\n",
            "nested = true\nca_file = \"C:\\\\certs\\\\contoso-ca.pem\" # our CA\n",
        );
        assert_ne!(existing, EXAMPLE, "the example changed: fix the test");
        let mut form = form_of(&existing);
        form.set("directory.ou", text("OU=Cloud Roles,DC=contoso,DC=com"));
        form.set("entra.username", text(""));
        form.set("safety.max_revokes", FieldValue::Number(3));
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
        let cfg = crate::parse(file(), &text).expect("valid");
        match cfg.directory.map(|d| d.source) {
            Some(crate::DirectorySource::Ldap(l)) => {
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
        let mut form = form_of(EXAMPLE);
        form.enabled.insert("email".into(), true);
        form.set("email.server", text("smtp.contoso.com"));
        form.set("email.from", text("rolesync@contoso.com"));
        form.set(
            "email.to",
            FieldValue::List(vec!["it@contoso.com".into(), " ".into()]),
        );
        let on = write_form(&form, EXAMPLE);
        assert!(
            on.contains("[email]") && on.contains("to = [\"it@contoso.com\"]"),
            "{on}"
        );
        form.enabled.insert("email".into(), false);
        form.set("mapping.prefix", text("  "));
        let off = write_form(&form, &on);
        let root: Table = off.parse().unwrap();
        assert!(root.get("email").is_none(), "{off}");
        assert!(root["mapping"].get("prefix").is_none(), "{off}");
    }

    #[test]
    fn defaults_stay_implicit_and_an_unset_number_is_removed() {
        let mut form = form_of("");
        assert_eq!(
            form.get("safety.max_revokes"),
            Some(&FieldValue::Number(10))
        );
        assert_eq!(form.get("email.port"), Some(&FieldValue::Unset));
        form.set("directory.url", text("ldaps://dc1.contoso.com"));
        let written = write_form(&form, "");
        assert!(!written.contains("max_revokes"), "{written}");
        assert!(!written.contains("nested"), "{written}");
        form.set("safety.max_revokes", FieldValue::Unset);
        let removed = write_form(&form, "[safety]\nmax_revokes = 4\n");
        assert!(!removed.contains("max_revokes"), "{removed}");
    }

    #[test]
    fn a_new_file_gets_a_header_and_only_changed_mappings_are_rewritten() {
        let mut form = form_of(EXAMPLE);
        form.rows.insert(
            "mappings".into(),
            vec![mapping("Helpdesk Admins", "Helpdesk Administrator", true)],
        );
        let fresh = write_form(&form, "");
        assert!(fresh.starts_with("# RoleSync configuration, written by the RoleSync window."));
        let root: Table = fresh.parse().unwrap();
        let rows = root["mappings"].as_array().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["group"].as_str(), Some("Helpdesk Admins"));
        assert_eq!(rows[0]["allow_empty"].as_bool(), Some(true));
        // An admin's comment among the rows survives a save that leaves them alone...
        let commented = fresh.replace("[[mappings]]", "# approved by the CAB\n[[mappings]]");
        assert_ne!(commented, fresh);
        assert_eq!(write_form(&form, &commented), commented);
        // ...and the rows are rewritten when they change.
        form.rows.get_mut("mappings").unwrap()[0].insert("role".into(), text("Security Reader"));
        let changed: Table = write_form(&form, &commented).parse().unwrap();
        assert_eq!(
            changed["mappings"].as_array().unwrap()[0]["role"].as_str(),
            Some("Security Reader")
        );
    }

    #[test]
    fn errors_name_the_key() {
        let mut form = form_of(EXAMPLE);
        form.set("safety.max_revoke_percent", FieldValue::Number(150));
        let (_, errors) = validate(file(), &form, EXAMPLE);
        assert!(
            errors.iter().any(|e| e.key == "safety.max_revoke_percent"),
            "{errors:?}"
        );
    }
}
