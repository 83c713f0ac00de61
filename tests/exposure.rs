//! `rolesync exposure` through the binary, against a Samba AD DC of its own (127.0.0.5) with
//! delegations planted by Samba's tools (`rolesync_testkit::samba::delegations::plant`): the
//! human lines and `--json` name exactly the planted paths, exit 1 above the threshold and 0 with
//! `fail_at = "never"`; a trustee listed under `[exposure] expected` is left out; `check` shows
//! the same findings as ✗ lines (with the emulator as Entra ID). The bind password comes from the real keyring, as deployed.
#![allow(clippy::unwrap_used, missing_docs)]

use rolesync_entra_emulator::{EmulatorConfig, RunningEmulator, DEMO_APP_ID, DEMO_APP_SECRET};
use rolesync_testkit::samba::{dc::Dc, delegations, fixture};
use rolesync_testkit::{run_rolesync, save_credential};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

struct Env {
    home: PathBuf,
    service: String,
}

impl Env {
    fn run(&self, args: &[&str]) -> Output {
        run_rolesync(
            Path::new(env!("CARGO_BIN_EXE_rolesync")),
            &self.home,
            &self.service,
            args,
            None,
        )
    }
}

fn config(dc: &Dc, emu: &RunningEmulator, exposure: &str) -> String {
    format!(
        "[directory]\nurl = \"ldaps://{}\"\nca_file = \"{}\"\nbind = \"{}\"\nbase_dn = \"{}\"\nou = \"{}\"\n\n[entra]\ntenant = \"{}\"\nclient_id = \"{DEMO_APP_ID}\"\nsign_in = \"secret\"\nlogin_url = \"{}\"\ngraph_url = \"{}\"\nca_file = \"{}\"\n\n[[mappings]]\ngroup = \"{}\"\nrole = \"Security Reader\"\n\n[exposure]\n{exposure}\n",
        dc.addr,
        dc.ca_file().display(),
        fixture::ADMIN_UPN,
        fixture::BASE,
        fixture::ROLES_OU,
        emu.tenant_id(),
        emu.login_base_url(),
        emu.graph_base_url(),
        emu.ca_pem_path().unwrap().display(),
        fixture::EXTRA_GROUP,
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn exposure_lists_the_planted_paths_through_the_binary() {
    let Some(dc) = Dc::start("127.0.0.5") else {
        return;
    };
    delegations::plant(&dc);
    // `check` reads Entra ID too: the emulator's demo tenant over HTTPS.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let emu = rt
        .block_on(RunningEmulator::start(EmulatorConfig {
            tls: true,
            ..EmulatorConfig::default()
        }))
        .unwrap();
    let home = std::env::temp_dir().join(format!("rolesync-exposure-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    let env = Env {
        home: home.clone(),
        service: format!("rolesync-test-exposure-{}", std::process::id()),
    };
    save_credential(
        Path::new(env!("CARGO_BIN_EXE_rolesync")),
        &home,
        &env.service,
        "ldap",
        fixture::ADMIN_UPN,
        fixture::ADMIN_PASS,
    );
    save_credential(
        Path::new(env!("CARGO_BIN_EXE_rolesync")),
        &home,
        &env.service,
        "office365",
        DEMO_APP_ID,
        DEMO_APP_SECRET,
    );
    let file = home.join("rolesync.toml");
    std::fs::write(&file, config(&dc, &emu, "")).unwrap();

    // Human lines: who → which right → on which group → how it reaches the role.
    let out = env.run(&["exposure"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    for line in [
        "✗ [high] user ops-olga through Server Team ⊂ Tier1 Ops → full control (GenericAll) → on \"Global Administrator\"",
        "✗ [high] user mgr-mike → may write member as its manager (managedBy, \"Manager can update membership list\") → on \"Security Reader\"",
        "✗ [medium] user hd-ann through Helpdesk → may write member → on \"Mail Team\" (CN=Mail Team,OU=Staff,DC=contoso,DC=test) → reaches \"Exchange Administrator\" through Mail Team ⊂ Exchange Administrator",
        "✗ [medium] user own-oscar → owner (may change its permissions) → on \"Printer Wranglers\"",
        "· [low] nested group \"Mail Team\"",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(line)),
            "missing {line:?} in:\n{stdout}"
        );
    }
    let findings: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with('✗') || l.starts_with('·'))
        .collect();
    assert_eq!(findings.len(), 11, "{stdout}");
    for tier0 in ["Domain Admins", "user Administrator", "SYSTEM"] {
        assert!(
            !findings.iter().any(|l| l.contains(tier0)),
            "{tier0} reported:\n{stdout}"
        );
    }
    assert!(stdout.contains("left out as expected Tier 0: Domain Admins, Enterprise Admins"));
    assert!(
        !stdout.contains(fixture::ADMIN_PASS) && !text(&out.stderr).contains(fixture::ADMIN_PASS)
    );

    // --json: the same findings, for a SIEM.
    let out = env.run(&["exposure", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["fails"], true);
    assert_eq!(v["failAt"], "medium");
    let found: BTreeSet<(String, String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "canChange")
        .map(|f| {
            (
                f["principal"]["name"].as_str().unwrap().to_string(),
                f["right"].as_str().unwrap().to_string(),
                f["group"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String, String)> = [
        ("hd-ann", "writeMember", "Mail Team"),
        ("mgr-mike", "writeMember", "Security Reader"),
        ("ops-olga", "fullControl", "Global Administrator"),
        ("pg-paul", "fullControl", "Global Administrator"),
        (delegations::FOREIGN_SID, "writeMember", "Mail Team"),
        (
            delegations::UNKNOWN_SID,
            "writeMember",
            "Exchange Administrator",
        ),
        ("own-oscar", "owner", "Printer Wranglers"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(found, want);

    // check: the findings above the threshold are ✗ lines, and check exits 1.
    let out = env.run(&["check"]);
    let stdout = text(&out.stdout);
    let exposure_lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("✗ only Tier 0 can change who holds the roles"))
        .collect();
    assert_eq!(exposure_lines.len(), 7, "{stdout}");

    // A trustee whose control is intended, listed as expected, is left out; `never` never fails.
    std::fs::write(
        &file,
        config(&dc, &emu, "expected = [\"Domain Admins\", \"Enterprise Admins\", \"Administrators\", \"SYSTEM\", \"Domain Controllers\", \"Enterprise Domain Controllers\", \"Tier1 Ops\"]\nfail_at = \"never\""),
    )
    .unwrap();
    let out = env.run(&["exposure", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["fails"], false);
    let names: BTreeSet<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["principal"]["name"].as_str())
        .collect();
    assert!(
        !names.contains("ops-olga") && !names.contains("pg-paul"),
        "{names:?}"
    );
    assert!(names.contains("hd-ann"), "{names:?}");

    // Bad input: an unknown threshold is a configuration error naming the key, exit 2.
    std::fs::write(&file, config(&dc, &emu, "fail_at = \"severe\"")).unwrap();
    let out = env.run(&["exposure"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("exposure.fail_at") && err.contains("\"severe\""),
        "{err}"
    );

    let _ = env.run(&["credentials", "forget", "ldap"]);
    let _ = env.run(&["credentials", "forget", "office365"]);
    rt.block_on(emu.shutdown());
    let _ = std::fs::remove_dir_all(&home);
}
