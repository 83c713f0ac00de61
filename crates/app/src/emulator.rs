//! `rolesync emulator`: the local Entra ID + Microsoft Graph emulator as a standalone server, for
//! trying RoleSync (or another client) against a tenant of your own. The options are checked
//! (loopback only, a readable fixture, a fault share from 0 to 1, `--hostname` only with TLS),
//! the emulator starts, the caller is told its URLs, and it serves until stopped by Ctrl-C or
//! SIGTERM — also when started in the background with its standard input closed — and removes
//! its temporary folder either way.

use crate::AppError;
use rolesync_entra_emulator::{
    EmulatorConfig, FaultConfig, RunningEmulator, TenantFixture, ThrottleConfig,
};
use std::path::PathBuf;
use std::time::Duration;

/// How to serve.
#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    /// Loopback address and port (`127.0.0.1:0` picks a free port).
    pub listen: String,
    /// A tenant fixture (JSON); the demo tenant when `None`.
    pub tenant: Option<PathBuf>,
    /// Serve HTTPS with a generated CA.
    pub tls: bool,
    /// Latency added to every Graph request, in milliseconds.
    pub latency_ms: u64,
    /// Share of Graph requests that fail, 0 to 1.
    pub fault_rate: f64,
    /// Seed for the injected faults.
    pub seed: u64,
    /// Turn Microsoft's throttling limits off.
    pub no_throttling: bool,
    /// Divides the throttling windows (1: Microsoft's); see
    /// [`ThrottleConfig::time_scale`].
    pub time_scale: f64,
    /// With `tls`: further DNS names for the server certificate.
    pub hostnames: Vec<String>,
    /// Append one JSON line per request served to this file.
    pub record: Option<PathBuf>,
}

/// Where the running emulator answers.
#[derive(Debug, Clone)]
pub struct Serving {
    /// The tenant id.
    pub tenant: String,
    /// The identity platform base URL (`login_url`).
    pub login_url: String,
    /// The Graph base URL (`graph_url`).
    pub graph_url: String,
    /// The generated CA (PEM) with `tls`.
    pub ca_file: Option<PathBuf>,
    /// The further names of the TLS certificate.
    pub hostnames: Vec<String>,
}

fn tenant(path: &Option<PathBuf>) -> Result<TenantFixture, AppError> {
    let Some(p) = path else {
        return Ok(rolesync_entra_emulator::demo_tenant());
    };
    let text = std::fs::read_to_string(p).map_err(|e| {
        AppError::config(format!(
            "cannot read the tenant fixture {}: {e}",
            p.display()
        ))
    })?;
    TenantFixture::from_json(&text)
        .map_err(|e| AppError::config(format!("{}: not a tenant fixture: {e}", p.display())))
}

/// The emulator's configuration for these options; a bad option is a usage error.
pub fn config(o: &EmulatorOptions) -> Result<EmulatorConfig, AppError> {
    let listen: std::net::SocketAddr = o.listen.parse().map_err(|_| {
        AppError::config(format!(
            "--listen {}: give a loopback address and port, e.g. 127.0.0.1:8400",
            o.listen
        ))
    })?;
    if !listen.ip().is_loopback() {
        return Err(AppError::config(format!(
            "--listen {listen}: the emulator serves loopback addresses only (127.0.0.1, ::1)"
        )));
    }
    let tenant = tenant(&o.tenant)?;
    if !(0.0..=1.0).contains(&o.fault_rate) {
        return Err(AppError::config(
            "--fault-rate takes a share from 0 to 1, e.g. 0.2",
        ));
    }
    if !o.hostnames.is_empty() && !o.tls {
        return Err(AppError::config(
            "--hostname names the TLS certificate: add --tls",
        ));
    }
    if !(o.time_scale.is_finite() && o.time_scale >= 1.0) {
        return Err(AppError::config(format!(
            "--time-scale {}: give a factor of 1 or more, e.g. 10 (3,000 writes per 15 s)",
            o.time_scale
        )));
    }
    let r = o.fault_rate / 5.0;
    Ok(EmulatorConfig {
        listen,
        tls: o.tls,
        tenant,
        latency: Duration::from_millis(o.latency_ms),
        throttling: if o.no_throttling {
            ThrottleConfig::disabled()
        } else {
            ThrottleConfig::time_scaled(o.time_scale)
        },
        faults: FaultConfig {
            seed: o.seed,
            rate_429: r,
            rate_500: r,
            rate_503: r,
            rate_504: r,
            rate_drop: r,
            ..FaultConfig::default()
        },
        tls_names: o.hostnames.clone(),
        record: o.record.clone(),
        ..EmulatorConfig::default()
    })
}

/// Waits for Ctrl-C, or SIGTERM on Unix (what `kill PID`, systemd and a script's cleanup send).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! { _ = tokio::signal::ctrl_c() => {}, _ = term.recv() => {} }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Serves until stopped; `ready` is told where, once the emulator answers.
pub fn serve(options: &EmulatorOptions, ready: impl FnOnce(&Serving)) -> Result<(), AppError> {
    let cfg = config(options)?;
    let rt = crate::run::runtime().map_err(|e| AppError::config(e.message))?;
    rt.block_on(async {
        let emu = RunningEmulator::start(cfg)
            .await
            .map_err(|e| AppError::config(format!("the emulator did not start: {e}")))?;
        ready(&Serving {
            tenant: emu.tenant_id(),
            login_url: emu.login_base_url(),
            graph_url: emu.graph_base_url(),
            ca_file: emu.ca_pem_path().map(|p| p.to_path_buf()),
            hostnames: options.hostnames.clone(),
        });
        stop_signal().await;
        emu.shutdown().await;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(listen: &str, fault_rate: f64) -> EmulatorOptions {
        EmulatorOptions {
            listen: listen.into(),
            tenant: None,
            tls: false,
            latency_ms: 0,
            fault_rate,
            seed: 1,
            no_throttling: false,
            time_scale: 1.0,
            hostnames: Vec::new(),
            record: None,
        }
    }

    #[test]
    fn only_loopback_and_a_share_of_faults_are_accepted() {
        let c = config(&options("127.0.0.1:0", 0.5)).expect("valid");
        assert!((c.faults.rate_429 - 0.1).abs() < 1e-9);
        for (listen, rate, words) in [
            ("0.0.0.0:8400", 0.0, "loopback addresses only"),
            ("localhost", 0.0, "give a loopback address and port"),
            ("127.0.0.1:0", 1.5, "from 0 to 1"),
        ] {
            let e = config(&options(listen, rate)).expect_err(listen);
            assert_eq!(e.code, crate::ErrorKind::Config);
            assert!(e.message.contains(words), "{e}");
        }
        let mut fast = options("127.0.0.1:0", 0.0);
        fast.time_scale = 10.0;
        assert_eq!(config(&fast).expect("valid").throttling.time_scale, 10.0);
        for bad in [0.0, 0.5, f64::NAN] {
            fast.time_scale = bad;
            let e = config(&fast).expect_err("a factor below 1");
            assert!(e.message.contains("--time-scale"), "{e}");
        }
        let mut named = options("127.0.0.1:0", 0.0);
        named.hostnames = vec!["graph.microsoft.com".into()];
        let e = config(&named).expect_err("a name without TLS");
        assert!(e.message.contains("add --tls"), "{e}");
        named.tls = true;
        assert_eq!(
            config(&named).expect("valid").tls_names,
            ["graph.microsoft.com"]
        );
    }
}
