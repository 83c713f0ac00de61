//! The configuration of a command: the file (`--config` or the default location) loaded and
//! validated before any IO (demo runs need no file but use one when it exists); `config init`;
//! and the settings page's load, check and save, where the configuration crate edits the file.

use crate::{App, AppError};
use rolesync_config::form::{self, FieldError, SettingsForm};
use rolesync_config::schema::{Section, SECTIONS};
use rolesync_config::{Config, Paths};
use serde::Serialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// The configuration and folders for one command.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Default folders.
    pub paths: Paths,
    /// The configuration (defaults when no file exists in demo mode).
    pub config: Config,
    /// Whether the file exists.
    pub file_exists: bool,
}

impl Settings {
    /// The folder for logs, reports and the audit file.
    pub fn log_dir(&self) -> PathBuf {
        self.config
            .logging
            .folder
            .clone()
            .unwrap_or_else(|| self.paths.log_dir.clone())
    }
}

/// The settings page after loading, checking or saving.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettingsState {
    /// The file.
    pub file: String,
    /// Whether it exists.
    pub exists: bool,
    /// Every setting, with its kind, default and label: the page draws its fields from this.
    #[ts(type = "Array<Section>")]
    pub schema: &'static [Section],
    /// The values.
    pub form: SettingsForm,
    /// The configuration crate's messages; empty when valid.
    pub errors: Vec<FieldError>,
    /// Whether this call wrote the file.
    pub saved: bool,
}

/// What `config init` did.
#[derive(Debug, Clone)]
pub struct Initialized {
    /// The file written.
    pub file: PathBuf,
    /// The configuration or log places that others can change, each with its fix.
    pub warnings: Vec<String>,
}

/// Creates a file's folder and writes it whole or not at all, private (`rolesync_protect`); an
/// error says who may write there when access was denied.
pub(crate) fn write_private(path: &Path, text: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        rolesync_protect::create_dir_all(dir).map_err(|e| {
            let hint = rolesync_protect::denied_hint(&e);
            format!("cannot create {}: {e}{hint}", dir.display())
        })?;
    }
    rolesync_protect::write_atomic(path, text).map_err(|e| {
        let hint = rolesync_protect::denied_hint(&e);
        format!("cannot write {}: {e}{hint}", path.display())
    })
}

/// A path written for Windows (`C:\…`, `\\server\share`).
fn windows_path(p: &Path) -> bool {
    let s = p.to_string_lossy();
    let b = s.as_bytes();
    (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/'))
        || s.starts_with("\\\\")
}

/// What in a valid configuration cannot work on this machine: the example's placeholder client
/// id, files that are not here (a Windows path on another OS, a missing certificate or CA
/// file), the Windows certificate store elsewhere than on Windows. The settings page's Check
/// and Save and the setup report these next to their fields, like the validation's messages.
pub fn usable_here(cfg: &rolesync_config::Config) -> Vec<FieldError> {
    let mut out = Vec::new();
    let mut file = |key: &str, path: Option<&Path>, what: &str| {
        let Some(p) = path else { return };
        if !cfg!(windows) && windows_path(p) {
            out.push(FieldError {
                key: key.into(),
                message: format!(
                    "{} is a Windows path, and this machine is not Windows",
                    p.display()
                ),
                fix: format!("give the path of {what} on this machine"),
            });
        } else if !p.is_file() {
            out.push(FieldError {
                key: key.into(),
                message: format!("{} does not exist", p.display()),
                fix: format!("give the path of {what} on this machine"),
            });
        }
    };
    if let Some(d) = &cfg.directory {
        if let rolesync_config::DirectorySource::Ldap(l) = &d.source {
            file(
                "directory.ca_file",
                l.ca_file.as_deref(),
                "the DCs' CA certificate (PEM)",
            );
        }
    }
    if let Some(e) = &cfg.entra {
        if e.sign_in == rolesync_config::SignIn::Certificate {
            file(
                "entra.certificate",
                e.certificate.as_deref(),
                "the certificate file (.pem or .pfx; the setup makes one)",
            );
        }
        file(
            "entra.ca_file",
            e.ca_file.as_deref(),
            "the CA certificate (PEM)",
        );
    }
    if let Some(m) = &cfg.email {
        file(
            "email.ca_file",
            m.ca_file.as_deref(),
            "the SMTP server's CA certificate (PEM)",
        );
    }
    if let Some(e) = &cfg.entra {
        if e.client_id == "00000000-0000-0000-0000-000000000000" {
            out.push(FieldError {
                key: "entra.client_id".into(),
                message: "is the example's placeholder, not an app registration".into(),
                fix: "copy the Application (client) ID from the app registration's overview page (the setup shows how to register one)".into(),
            });
        }
        if !cfg!(windows)
            && e.sign_in == rolesync_config::SignIn::Certificate
            && e.certificate.is_none()
            && e.certificate_thumbprint.is_some()
        {
            out.push(FieldError {
                key: "entra.certificate_thumbprint".into(),
                message: "the Windows certificate store exists on Windows only".into(),
                fix: "set entra.certificate to a .pem or .pfx file instead".into(),
            });
        }
    }
    if let Some(f) = &cfg.logging.folder {
        if !cfg!(windows) && windows_path(f) {
            out.push(FieldError {
                key: "logging.folder".into(),
                message: format!(
                    "{} is a Windows path, and this machine is not Windows",
                    f.display()
                ),
                fix: "give a folder on this machine, or leave it empty for the default".into(),
            });
        }
    }
    out
}

/// Numbers left empty on the form that have a default: an empty field is a mistake to name,
/// not a silent default (or zero).
fn blank_numbers(form: &SettingsForm) -> Vec<FieldError> {
    use rolesync_config::form::FieldValue;
    use rolesync_config::schema::{DefaultValue, Kind};
    let mut out = Vec::new();
    for sec in SECTIONS.iter().filter(|s| !s.rows) {
        if sec.optional.is_some() && form.enabled.get(sec.name) != Some(&true) {
            continue;
        }
        for s in sec.settings {
            let key = format!("{}.{}", sec.name, s.name);
            if let (Kind::Number { min, max }, DefaultValue::Number(d), Some(FieldValue::Unset)) =
                (s.kind, s.default, form.get(&key))
            {
                out.push(FieldError {
                    key,
                    message: "is empty".into(),
                    fix: format!("enter a whole number from {min} to {max} (the default is {d})"),
                });
            }
        }
    }
    out
}

/// The configuration crate's messages for a form, then (when it is valid) [`usable_here`].
fn form_errors(file: &Path, form: &SettingsForm, existing: &str) -> (String, Vec<FieldError>) {
    let (text, mut errors) = form::validate(file, form, existing);
    if errors.is_empty() {
        if let Ok(cfg) = rolesync_config::parse(file, &text) {
            errors = usable_here(&cfg);
        }
    }
    errors.extend(blank_numbers(form));
    (text, errors)
}

impl App {
    /// Loads and validates the configuration. A missing file is an error unless `demo` (then the
    /// defaults are used).
    pub fn settings(&self, demo: bool) -> Result<Settings, AppError> {
        let file = &self.config_file;
        let text = match rolesync_config::read_config(file) {
            Ok(t) => t,
            Err(rolesync_config::ReadConfigError::NotFound(_)) => {
                if demo {
                    return Ok(Settings {
                        paths: self.paths.clone(),
                        config: Config::defaults(file.clone()),
                        file_exists: false,
                    });
                }
                return Err(AppError::config(format!(
                    "no configuration at {}: create one with `rolesync config init`{}, or try the built-in demo with `--demo`",
                    file.display(),
                    if self.config_given { " --config <that path>" } else { "" }
                )));
            }
            Err(e) => return Err(AppError::config(e.to_string())),
        };
        Ok(Settings {
            paths: self.paths.clone(),
            config: rolesync_config::parse(file, &text)?,
            file_exists: true,
        })
    }

    /// The log folder: the configured one, or the default when the configuration is missing or
    /// invalid.
    pub fn log_dir(&self, demo: bool) -> PathBuf {
        self.settings(demo)
            .map(|s| s.log_dir())
            .unwrap_or_else(|_| self.paths.log_dir.clone())
    }

    /// `config init`: writes the commented example to the configuration file (private); an
    /// existing file is replaced only with `force`. Says which places others can change.
    pub fn init_config(&self, force: bool) -> Result<Initialized, AppError> {
        let path = &self.config_file;
        if path.exists() && !force {
            return Err(AppError::config(format!(
                "{} exists already; edit it, or pass --force to replace it",
                path.display()
            )));
        }
        write_private(path, rolesync_config::EXAMPLE.as_bytes()).map_err(AppError::config)?;
        Ok(Initialized {
            file: path.clone(),
            warnings: rolesync_protect::exposures(path, &self.paths.log_dir)
                .iter()
                .map(ToString::to_string)
                .collect(),
        })
    }

    /// The configuration file's text and whether it exists (the commented example's text when
    /// there is no file yet, so a first save writes the example's comments around the values).
    pub(crate) fn settings_text(&self) -> Result<(bool, String), AppError> {
        match rolesync_config::read_config(&self.config_file) {
            Ok(t) => Ok((true, t)),
            Err(rolesync_config::ReadConfigError::NotFound(_)) => {
                Ok((false, rolesync_config::EXAMPLE.to_string()))
            }
            Err(e) => Err(AppError::config(e.to_string())),
        }
    }

    fn settings_state(
        &self,
        form: SettingsForm,
        errors: Vec<FieldError>,
        saved: bool,
    ) -> SettingsState {
        SettingsState {
            file: self.config_file.display().to_string(),
            exists: self.config_file.exists(),
            schema: SECTIONS,
            form,
            errors,
            saved,
        }
    }

    /// The settings page: the file's values (the commented example's when there is no file).
    pub fn load_settings(&self) -> Result<SettingsState, AppError> {
        let (_, text) = self.settings_text()?;
        let form = form::form_of(&text);
        let (_, errors) = form_errors(&self.config_file, &form, &text);
        Ok(self.settings_state(form, errors, false))
    }

    /// Validates the form with the configuration crate; changes nothing.
    pub fn check_settings(&self, form: SettingsForm) -> Result<SettingsState, AppError> {
        let (_, text) = self.settings_text()?;
        let (_, errors) = form_errors(&self.config_file, &form, &text);
        Ok(self.settings_state(form, errors, false))
    }

    /// Validates the form and writes the file only when it is valid: the form's keys are set in
    /// the file as it is, so its comments and other keys are kept.
    pub fn save_settings(&self, form: SettingsForm) -> Result<SettingsState, AppError> {
        let (_, existing) = self.settings_text()?;
        let (text, errors) = form_errors(&self.config_file, &form, &existing);
        let saved = errors.is_empty();
        if saved {
            write_private(&self.config_file, text.as_bytes()).map_err(AppError::io)?;
            tracing::info!(file = %self.config_file.display(), "configuration saved");
        }
        Ok(self.settings_state(form, errors, saved))
    }
}

#[cfg(test)]
mod tests {
    use crate::fakes::app_in;
    use crate::ErrorKind;
    use rolesync_config::form::FieldValue;

    #[test]
    fn a_missing_file_is_a_configuration_error_except_for_the_demo() {
        let (home, app) = app_in();
        let e = app.settings(false).expect_err("no file");
        assert_eq!(e.code, ErrorKind::Config);
        assert!(e.message.contains("rolesync config init"), "{e}");
        let demo = app.settings(true).expect("demo defaults");
        assert!(!demo.file_exists);
        assert_eq!(demo.log_dir(), home.path().join("logs"));
    }

    #[test]
    fn config_init_writes_the_example_once() {
        let (_home, app) = app_in();
        let file = app.init_config(false).expect("written").file;
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            rolesync_config::EXAMPLE
        );
        assert!(app.settings(false).expect("valid").file_exists);
        let again = app.init_config(false).expect_err("exists");
        assert_eq!(again.code, ErrorKind::Config);
        assert!(again.message.contains("--force"), "{again}");
        app.init_config(true).expect("replaced");
    }

    #[test]
    fn an_invalid_file_names_the_problem_with_the_configuration_kind() {
        let (_home, app) = app_in();
        std::fs::write(app.config_file(), "[safety]\nmax_revoke = 3\n").unwrap();
        let e = app.settings(false).expect_err("invalid");
        assert_eq!(e.code, ErrorKind::Config);
        assert!(e.message.contains("did you mean `max_revokes`"), "{e}");
        assert_eq!(app.log_dir(false), app.paths().log_dir);
    }

    #[test]
    fn the_settings_page_saves_only_a_valid_form() {
        let (_home, app) = app_in();
        let loaded = app.load_settings().expect("example values");
        assert!(!loaded.exists);
        assert!(!loaded.schema.is_empty());
        let mut form = loaded.form;
        form.set("safety.max_revoke_percent", FieldValue::Number(150));
        let refused = app.save_settings(form.clone()).expect("checked");
        assert!(!refused.saved && !refused.exists);
        assert!(refused
            .errors
            .iter()
            .any(|e| e.key == "safety.max_revoke_percent"));
        form.set("safety.max_revoke_percent", FieldValue::Number(30));
        // The example's placeholders are not an app registration, and its certificate path is
        // not on this machine (unless this is Windows and it happens to exist).
        let mut blank = form.clone();
        blank.set("safety.max_revokes", FieldValue::Unset);
        let refused = app.check_settings(blank).expect("checked");
        assert!(
            refused
                .errors
                .iter()
                .any(|e| e.key == "safety.max_revokes" && e.fix.contains("default is 10")),
            "{:?}",
            refused.errors
        );
        let placeholders = app.save_settings(form.clone()).expect("checked");
        assert!(!placeholders.saved);
        assert!(
            placeholders
                .errors
                .iter()
                .any(|e| e.key == "entra.client_id"),
            "{:?}",
            placeholders.errors
        );
        assert!(
            placeholders
                .errors
                .iter()
                .any(|e| e.key == "entra.certificate"),
            "{:?}",
            placeholders.errors
        );
        let cert = app.paths().data_dir.join("graph.pem");
        std::fs::create_dir_all(cert.parent().unwrap()).unwrap();
        std::fs::write(&cert, "a certificate").unwrap();
        form.set(
            "entra.client_id",
            FieldValue::Text("3f1b0c7e-2a4d-4e8f-9b6a-1c2d3e4f5a6b".into()),
        );
        form.set(
            "entra.certificate",
            FieldValue::Text(cert.display().to_string()),
        );
        let saved = app.save_settings(form).expect("saved");
        assert!(saved.saved && saved.exists, "{:?}", saved.errors);
        let s = app.settings(false).expect("valid file");
        assert_eq!(s.config.policy.limits.max_revoke_percent, 30);
    }
}
