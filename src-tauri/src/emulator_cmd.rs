//! `rolesync emulator`: the local Entra ID + Microsoft Graph emulator as a standalone server, for
//! trying RoleSync (or another client) against a tenant of your own. It prints its login and Graph
//! base URLs (and the CA file with `--tls`) and serves until stopped by Ctrl-C or SIGTERM — also
//! when started in the background with its standard input closed — and removes its temporary
//! folder either way.

use crate::cli::{exit, EmulatorArgs};
use crate::failure::Failure;
use rolesync_entra_emulator::{
    EmulatorConfig, FaultConfig, RunningEmulator, TenantFixture, ThrottleConfig,
};
use std::time::Duration;

/// Runs the emulator until stopped.
pub fn run(args: EmulatorArgs) -> Result<u8, Failure> {
    let listen: std::net::SocketAddr = args.listen.parse().map_err(|_| {
        Failure::config(format!(
            "--listen {}: give a loopback address and port, e.g. 127.0.0.1:8400",
            args.listen
        ))
    })?;
    if !listen.ip().is_loopback() {
        return Err(Failure::config(format!(
            "--listen {listen}: the emulator serves loopback addresses only (127.0.0.1, ::1)"
        )));
    }
    let tenant = match &args.tenant {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| {
                Failure::config(format!(
                    "cannot read the tenant fixture {}: {e}",
                    p.display()
                ))
            })?;
            TenantFixture::from_json(&text).map_err(|e| {
                Failure::config(format!("{}: not a tenant fixture: {e}", p.display()))
            })?
        }
        None => rolesync_entra_emulator::demo_tenant(),
    };
    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err(Failure::config(
            "--fault-rate takes a share from 0 to 1, e.g. 0.2",
        ));
    }
    if !args.hostnames.is_empty() && !args.tls {
        return Err(Failure::config(
            "--hostname names the TLS certificate: add --tls",
        ));
    }
    let r = args.fault_rate / 5.0;
    let cfg = EmulatorConfig {
        listen,
        tls: args.tls,
        tenant,
        latency: Duration::from_millis(args.latency_ms),
        throttling: if args.no_throttling {
            ThrottleConfig::disabled()
        } else {
            ThrottleConfig::default()
        },
        faults: FaultConfig {
            seed: args.seed,
            rate_429: r,
            rate_500: r,
            rate_503: r,
            rate_504: r,
            rate_drop: r,
            ..FaultConfig::default()
        },
        tls_names: args.hostnames.clone(),
        record: args.record.clone(),
        ..EmulatorConfig::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::config(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async {
        let emu = RunningEmulator::start(cfg)
            .await
            .map_err(|e| Failure::config(format!("the emulator did not start: {e}")))?;
        println!("tenant     {}", emu.tenant_id());
        println!("login_url  {}", emu.login_base_url());
        println!("graph_url  {}", emu.graph_base_url());
        if let Some(ca) = emu.ca_pem_path() {
            println!("ca_file    {}", ca.display());
        }
        for h in &args.hostnames {
            println!("hostname   {h}");
        }
        println!("ready (Ctrl-C or SIGTERM to stop)");
        stop_signal().await;
        emu.shutdown().await;
        Ok::<_, Failure>(())
    })?;
    Ok(exit::OK)
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
