//! The demo tenant: the Entra ID + Graph emulator started in-process on a free loopback port,
//! loaded with the demo tenant's saved state (or its starting state), reached through the real
//! Graph client — with the demo app's client secret, or (the window's "Yes" to the MFA question)
//! with a real interactive sign-in (authorization code + PKCE) of the demo's public client, whose
//! "browser" follows the emulator's redirect for the demo administrator, so that the log says
//! what the window says. After a sync the emulator's state is saved, so demo runs build on each
//! other; `rolesync demo reset` starts over.

use crate::AppError;
use rolesync_entra::auth::{DeviceCodePrompt, Interaction};
use rolesync_entra::{ConnectOptions, EntraConfig, GraphTarget, Sensitive, SignIn, SystemBrowser};
use rolesync_entra_emulator::{
    EmulatorConfig, RunningEmulator, TenantFixture, DEMO_APP_ID, DEMO_APP_SECRET,
    DEMO_PUBLIC_CLIENT_ID,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The demo tenant's state file.
#[derive(Debug, Clone)]
pub struct DemoTenant {
    path: PathBuf,
}

/// A running demo tenant.
pub struct DemoSession {
    emulator: RunningEmulator,
    /// The Graph client signed in to it.
    pub target: Arc<GraphTarget>,
    path: PathBuf,
}

impl DemoTenant {
    /// The state file in `data_dir`.
    pub fn in_dir(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join("demo-tenant.json"),
        }
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Forgets the saved state; true when there was one.
    pub fn reset(&self) -> Result<bool, AppError> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(AppError::read(format!(
                "cannot remove {}: {e}",
                self.path.display()
            ))),
        }
    }

    fn fixture(&self) -> Result<TenantFixture, AppError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => TenantFixture::from_json(&text).map_err(|e| {
                AppError::read(format!("the demo tenant state {} is damaged ({e}); reset it with `rolesync demo reset`", self.path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(rolesync_entra_emulator::demo_tenant()),
            Err(e) => Err(AppError::read(format!("cannot read {}: {e}", self.path.display()))),
        }
    }

    /// Starts the emulator with the demo tenant on the current runtime and signs in to it with
    /// the demo app's secret, or `interactive`ly as the demo administrator.
    pub async fn start_as(&self, interactive: bool) -> Result<DemoSession, AppError> {
        let cfg = EmulatorConfig {
            tenant: self.fixture()?,
            ..EmulatorConfig::default()
        };
        let emulator = RunningEmulator::start(cfg)
            .await
            .map_err(|e| AppError::read(format!("the demo tenant did not start: {e}")))?;
        let url = |u: String| {
            url::Url::parse(&u).map_err(|e| AppError::read(format!("demo tenant URL {u}: {e}")))
        };
        let entra = EntraConfig {
            tenant: emulator.tenant_id(),
            client_id: if interactive {
                DEMO_PUBLIC_CLIENT_ID
            } else {
                DEMO_APP_ID
            }
            .to_string(),
            sign_in: if interactive {
                SignIn::Interactive
            } else {
                SignIn::Secret
            },
            certificate: None,
            certificate_thumbprint: None,
            username: None,
            login_url: url(emulator.login_base_url())?,
            graph_url: url(emulator.graph_base_url())?,
        };
        let (secret, interaction): (_, Arc<dyn Interaction>) = if interactive {
            (None, Arc::new(DemoBrowser))
        } else {
            (
                Some(Sensitive::new(DEMO_APP_SECRET.to_string())),
                Arc::new(SystemBrowser),
            )
        };
        let target =
            GraphTarget::from_config(&entra, secret, interaction, &ConnectOptions::default())
                .map_err(AppError::from)?;
        tracing::info!(login = %emulator.login_base_url(), graph = %emulator.graph_base_url(), "demo tenant started in-process");
        Ok(DemoSession {
            emulator,
            target: Arc::new(target),
            path: self.path.clone(),
        })
    }
}

impl DemoTenant {
    /// [`DemoTenant::start_as`] with the demo app's secret.
    pub async fn start(&self) -> Result<DemoSession, AppError> {
        self.start_as(false).await
    }
}

/// The demo's "browser": it follows the emulator's authorize redirect (the emulator signs its
/// demo administrator in) back to the loopback listener of the interactive sign-in.
struct DemoBrowser;

#[async_trait::async_trait]
impl Interaction for DemoBrowser {
    async fn open_browser(&self, url: &str) -> Result<(), String> {
        let http = rolesync_entra::http::http_client(None, std::time::Duration::from_secs(30))?;
        // The emulator signs the demo administrator in and redirects to the loopback listener.
        let resp = http.get(url).send().await.map_err(|e| e.to_string())?;
        let location = resp
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| format!("the demo tenant did not sign in (HTTP {})", resp.status()))?;
        // The sign-in listens for the redirect once this returns: follow it in the background.
        tokio::spawn(async move {
            if let Err(e) = http.get(&location).send().await {
                tracing::warn!("the demo's sign-in did not complete: {e}");
            }
        });
        Ok(())
    }

    fn show_device_code(&self, _prompt: &DeviceCodePrompt) {}
}

impl DemoSession {
    /// Saves the tenant's state (write a temporary file, then rename).
    pub fn save(&self) -> Result<(), AppError> {
        let io = |e: std::io::Error| {
            AppError::read(format!(
                "cannot save the demo tenant state {}: {e}",
                self.path.display()
            ))
        };
        if let Some(dir) = self.path.parent() {
            rolesync_protect::create_dir_all(dir).map_err(io)?;
        }
        let text = serde_json::to_string_pretty(&self.emulator.snapshot())
            .map_err(|e| AppError::read(e.to_string()))?;
        rolesync_protect::write_atomic(&self.path, text.as_bytes()).map_err(io)
    }

    /// Stops the emulator.
    pub async fn shutdown(self) {
        self.emulator.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rolesync_core::traits::RoleTarget;

    /// "Yes" in the demo is a real interactive sign-in of the demo's public client, and the
    /// target says so (the log's `run started` line names it).
    #[tokio::test(flavor = "multi_thread")]
    async fn the_demo_signs_in_interactively_when_asked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let session = DemoTenant::in_dir(dir.path())
            .start_as(true)
            .await
            .expect("started");
        assert!(
            session.target.describe().contains("interactive"),
            "{}",
            session.target.describe()
        );
        let lines = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            session.target.preflight(),
        )
        .await
        .expect("signed in in time");
        assert!(lines.iter().all(|l| l.ok), "{lines:?}");
        session.shutdown().await;
    }
}

/// What `demo reset` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReset {
    /// The state file.
    pub file: PathBuf,
    /// Whether there was a saved state to forget.
    pub existed: bool,
}

impl crate::App {
    /// `demo reset`: forgets the demo tenant's saved state, so that the next demo run starts
    /// from the beginning. A configuration file, when there is one, must be valid.
    pub fn reset_demo(&self) -> Result<DemoReset, AppError> {
        let s = self.settings(true)?;
        let tenant = DemoTenant::in_dir(&s.paths.data_dir);
        Ok(DemoReset {
            existed: tenant.reset()?,
            file: tenant.path().to_path_buf(),
        })
    }
}
