//! Microsoft's own clients — MSAL for Python, azure-identity and Microsoft's Graph SDK for Python,
//! pinned in `tests/msclients/requirements.txt` and installed by `scripts/install-deps.sh --test`
//! into `target/msclients-venv` — run their tests (`tests/msclients/`) against the emulator
//! serving as `login.microsoftonline.com` and `graph.microsoft.com` in a private network
//! namespace. Their requests are then checked against Microsoft's description of Graph v1.0 too.

use crate::contract::Contract;
use crate::support::*;
use rolesync_entra_emulator::{
    demo_tenant, DEMO_APP_CERT_PEM, DEMO_APP_ID, DEMO_APP_KEY_PEM, DEMO_APP_SECRET,
    DEMO_PUBLIC_CLIENT_ID,
};
use rolesync_testkit::in_ci;
use std::path::PathBuf;
use std::time::Duration;

fn venv_python() -> Option<PathBuf> {
    let venv = std::env::var_os("ROLESYNC_MSCLIENTS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/target/msclients-venv"
            ))
        });
    let python = venv.join("bin/python");
    python.exists().then_some(python)
}

/// The administrative unit the Graph SDK test scopes an assignment to.
const EUROPE_AU: &str = "a0000000-0000-4000-8000-0000000000e1";
#[test]
fn microsofts_clients_pass_against_the_emulator() {
    let Some(python) = venv_python() else {
        assert!(
            !in_ci(),
            "CI=true and no venv with Microsoft's clients: run scripts/install-deps.sh --test"
        );
        eprintln!("SKIPPED (not in CI): no target/msclients-venv (scripts/install-deps.sh --test makes it)");
        return;
    };
    let Some(ns) = microsoft_namespace("msclients") else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    // The demo tenant with one administrative unit, for the AU-scoped assignment test.
    let mut tenant = demo_tenant();
    tenant
        .administrative_units
        .push(rolesync_entra_emulator::FixtureAdministrativeUnit {
            id: EUROPE_AU.into(),
            display_name: "Europe".into(),
            members: Vec::new(),
        });
    // The app may read the directory audit log (the Graph SDK test lists it).
    for app in tenant
        .applications
        .iter_mut()
        .filter(|a| a.app_id == DEMO_APP_ID)
    {
        app.application_permissions
            .extend(["AuditLog.Read.All".into(), "Directory.Read.All".into()]);
    }
    let emu = Emulator::as_microsoft(&ns, &tenant, scratch.path());
    let cert = scratch.path().join("app-cert.pem");
    let key = scratch.path().join("app-key.pem");
    std::fs::write(&cert, DEMO_APP_CERT_PEM).unwrap();
    std::fs::write(&key, DEMO_APP_KEY_PEM).unwrap();
    let ca = emu.ca.clone().unwrap();
    let tests = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/msclients");
    let mut cmd = ns.command(&python);
    // The clock test goes last: it moves the emulator's clock.
    cmd.args([
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-W",
        "ignore::DeprecationWarning",
        "-rfE",
    ])
    .args(["test_msal.py", "test_graph_sdk.py", "test_clock.py"])
    .current_dir(tests)
    .env("EMU_TENANT", &emu.tenant)
    .env("EMU_CA", &ca)
    .env("REQUESTS_CA_BUNDLE", &ca)
    .env("SSL_CERT_FILE", &ca)
    .env("EMU_APP_ID", DEMO_APP_ID)
    .env("EMU_APP_SECRET", DEMO_APP_SECRET)
    .env("EMU_APP_CERT", &cert)
    .env("EMU_APP_KEY", &key)
    .env("EMU_PUBLIC_CLIENT_ID", DEMO_PUBLIC_CLIENT_ID)
    .env("EMU_USER", "alice@contoso.com")
    .env("EMU_AU_EUROPE", EUROPE_AU)
    .env("PYTHONDONTWRITEBYTECODE", "1");
    let out = run_with_limit(cmd, Duration::from_secs(300));
    let report = format!("{}{}", text(&out.stdout), text(&out.stderr));
    eprintln!("{report}");
    assert!(
        out.status.success(),
        "Microsoft's clients failed against the emulator"
    );
    assert!(report.contains(" passed"), "{report}");
    assert!(
        !report.contains("skipped"),
        "a client test was skipped: {report}"
    );
    let reqs = emu.requests();
    assert!(reqs
        .iter()
        .all(|r| r.host == LOGIN_HOST || r.host == GRAPH_HOST));
    // msgraph-core 1.5.2 (the SDK's batch support) writes a batch item's `dependsOn` as
    // `depends_on` — not the documented name (JSON batching page), so Graph ignores it. That is
    // the SDK's deviation, not the emulator's; everything else must be within the description.
    let contract = Contract::load();
    let graph: Vec<_> = reqs.iter().filter(|r| r.api == "graph").collect();
    let problems: Vec<String> = graph
        .iter()
        .flat_map(|r| contract.problems(r))
        .filter(|p| !p.contains("request property `depends_on`"))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    eprintln!(
        "the Graph SDK's {} Graph requests are within the v1.0 description",
        graph.len()
    );
}
