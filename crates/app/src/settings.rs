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
fn write_private(path: &Path, text: &[u8]) -> Result<(), String> {
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
    fn settings_text(&self) -> Result<(bool, String), AppError> {
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
        let (_, errors) = form::validate(&self.config_file, &form, &text);
        Ok(self.settings_state(form, errors, false))
    }

    /// Validates the form with the configuration crate; changes nothing.
    pub fn check_settings(&self, form: SettingsForm) -> Result<SettingsState, AppError> {
        let (_, text) = self.settings_text()?;
        let (_, errors) = form::validate(&self.config_file, &form, &text);
        Ok(self.settings_state(form, errors, false))
    }

    /// Validates the form and writes the file only when it is valid: the form's keys are set in
    /// the file as it is, so its comments and other keys are kept.
    pub fn save_settings(&self, form: SettingsForm) -> Result<SettingsState, AppError> {
        let (_, existing) = self.settings_text()?;
        let (text, errors) = form::validate(&self.config_file, &form, &existing);
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
        let saved = app.save_settings(form).expect("saved");
        assert!(saved.saved && saved.exists, "{:?}", saved.errors);
        let s = app.settings(false).expect("valid file");
        assert_eq!(s.config.policy.limits.max_revoke_percent, 30);
    }
}
