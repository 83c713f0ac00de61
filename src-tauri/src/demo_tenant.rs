//! The demo tenant: the Entra ID + Graph emulator started in-process on a free loopback port,
//! loaded with the demo tenant's saved state (or its starting state), reached through the real
//! Graph client with the demo app's client secret. After a sync the emulator's state is saved, so
//! demo runs build on each other; `rolesync demo reset` starts over.

use crate::failure::Failure;
use rolesync_entra::{ConnectOptions, GraphTarget, Sensitive, SystemBrowser};
use rolesync_entra_emulator::{
    EmulatorConfig, RunningEmulator, TenantFixture, DEMO_APP_ID, DEMO_APP_SECRET,
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
    pub fn reset(&self) -> Result<bool, Failure> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Failure::read(format!(
                "cannot remove {}: {e}",
                self.path.display()
            ))),
        }
    }

    fn fixture(&self) -> Result<TenantFixture, Failure> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => TenantFixture::from_json(&text).map_err(|e| {
                Failure::read(format!("the demo tenant state {} is damaged ({e}); reset it with `rolesync demo reset`", self.path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(rolesync_entra_emulator::demo_tenant()),
            Err(e) => Err(Failure::read(format!("cannot read {}: {e}", self.path.display()))),
        }
    }

    /// Starts the emulator with the demo tenant on the current runtime and signs in to it.
    pub async fn start(&self) -> Result<DemoSession, Failure> {
        let cfg = EmulatorConfig {
            tenant: self.fixture()?,
            ..EmulatorConfig::default()
        };
        let emulator = RunningEmulator::start(cfg)
            .await
            .map_err(|e| Failure::read(format!("the demo tenant did not start: {e}")))?;
        let url = |u: String| {
            url::Url::parse(&u).map_err(|e| Failure::read(format!("demo tenant URL {u}: {e}")))
        };
        let entra = rolesync_config::EntraConfig {
            tenant: emulator.tenant_id(),
            client_id: DEMO_APP_ID.to_string(),
            sign_in: rolesync_config::SignIn::Secret,
            certificate: None,
            certificate_thumbprint: None,
            username: None,
            login_url: url(emulator.login_base_url())?,
            graph_url: url(emulator.graph_base_url())?,
            ca_file: None,
            concurrent_reads: None,
            concurrent_write_batches: None,
        };
        let target = GraphTarget::from_config(
            &entra,
            Some(Sensitive::new(DEMO_APP_SECRET.to_string())),
            Arc::new(SystemBrowser),
            &ConnectOptions::default(),
        )
        .map_err(|e| Failure::read(e.message))?;
        tracing::info!(login = %emulator.login_base_url(), graph = %emulator.graph_base_url(), "demo tenant started in-process");
        Ok(DemoSession {
            emulator,
            target: Arc::new(target),
            path: self.path.clone(),
        })
    }
}

impl DemoSession {
    /// Saves the tenant's state (write a temporary file, then rename).
    pub fn save(&self) -> Result<(), Failure> {
        let io = |e: std::io::Error| {
            Failure::read(format!(
                "cannot save the demo tenant state {}: {e}",
                self.path.display()
            ))
        };
        if let Some(dir) = self.path.parent() {
            rolesync_protect::create_dir_all(dir).map_err(io)?;
        }
        let text = serde_json::to_string_pretty(&self.emulator.snapshot())
            .map_err(|e| Failure::read(e.to_string()))?;
        rolesync_protect::write_atomic(&self.path, text.as_bytes()).map_err(io)
    }

    /// Stops the emulator.
    pub async fn shutdown(self) {
        self.emulator.shutdown().await;
    }
}
