//! No change reaches the tenant without an audit record (issue 13, item 1): a sync killed with
//! `kill -9` in the middle of applying leaves every change it sent on record as intended, and the
//! next sync records what the tenant shows for them; an audit file that cannot be written stops
//! a sync before it reads or changes anything (exit 2, the file named).

use crate::support::*;
use std::time::{Duration, Instant};

/// A tenant of the generated scenario (200 users, 100 changes), written for `--tenant`, with
/// the matching directory export and configuration.
fn scenario(home: &Home) -> (std::path::PathBuf, String) {
    let s = rolesync_bench::generate(&rolesync_bench::ScenarioSize {
        changes: 100,
        ..rolesync_bench::ScenarioSize::small(11)
    });
    let ldif = home.path().join("directory.ldif");
    let tenant = home.path().join("tenant.json");
    std::fs::write(&ldif, &s.ldif).unwrap();
    std::fs::write(&tenant, serde_json::to_string(&s.tenant).unwrap()).unwrap();
    let config = |base: &str| {
        rolesync_bench::config_toml(&s, ldif.to_str().unwrap(), base, base) + "max_revokes = 1000\n"
    };
    (tenant, config("BASE"))
}

#[test]
fn a_sync_killed_while_applying_leaves_every_change_it_sent_on_record() {
    let home = Home::new("kill");
    let (tenant, config) = scenario(&home);
    // Each Graph request (and each inside a $batch) waits 150 ms: the apply takes several
    // waves of batches, long enough to be killed in the middle.
    let emu = Emulator::start(&[
        "--tenant",
        tenant.to_str().unwrap(),
        "--latency-ms",
        "150",
        "--no-throttling",
    ]);
    home.config(&config.replace("BASE", &emu.base));
    home.save(
        "office365",
        rolesync_bench::APP_ID,
        rolesync_bench::APP_SECRET,
    );

    let mut child = home
        .command(&["sync"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it as soon as the first intent is on disk: changes are being sent right now.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !home.audit().iter().any(|l| l["result"] == "intended") {
        assert!(Instant::now() < deadline, "the sync never started applying");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sync ended before applying"
        );
        std::thread::yield_now();
    }
    std::process::Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    let _ = child.wait();

    // Every write the tenant took is on record as intended (written ahead).
    let audited = |l: &serde_json::Value| {
        (
            l["roleId"].as_str().unwrap_or("").to_ascii_lowercase(),
            l["principalId"].as_str().unwrap_or("").to_ascii_lowercase(),
        )
    };
    let intended: std::collections::HashSet<_> = home
        .audit()
        .iter()
        .filter(|l| l["result"] == "intended")
        .map(audited)
        .collect();
    let writes = emu.committed_writes();
    let unaudited: Vec<_> = writes
        .iter()
        .filter(|w| {
            let b = w.body.clone().unwrap_or_default();
            let key = (
                b["roleDefinitionId"]
                    .as_str()
                    .unwrap_or("")
                    .to_ascii_lowercase(),
                b["principalId"].as_str().unwrap_or("").to_ascii_lowercase(),
            );
            // A DELETE names the assignment only; its intent was recorded with the phase.
            w.method == "POST" && !intended.contains(&key)
        })
        .collect();
    assert!(
        unaudited.is_empty(),
        "changes applied without an audit record: {unaudited:?}"
    );
    eprintln!(
        "killed after {} committed write(s), {} intended",
        writes.len(),
        intended.len()
    );

    // The next sync records what the tenant shows for the killed run's intents, and converges.
    let again = home.run(&["sync"]);
    assert_eq!(again.code(), 0, "{}", again.all());
    assert!(
        again.all().contains("were never confirmed"),
        "{}",
        again.all()
    );
    let audit = home.audit();
    let reconciled = audit
        .iter()
        .filter(|l| l["result"] == "inEffect" || l["result"] == "notInEffect")
        .count();
    let open_before: usize = intended.len();
    assert!(
        reconciled > 0 && reconciled <= open_before,
        "{reconciled} of {open_before}"
    );
    assert!(
        std::fs::read_dir(home.path().join("logs/journal"))
            .unwrap()
            .next()
            .is_none(),
        "no journal left open"
    );
    let third = home.run(&["sync", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&third.stdout()).unwrap();
    assert_eq!(v["report"]["outcome"], "noChanges", "{}", third.all());
}

#[test]
fn an_audit_file_that_cannot_be_written_stops_the_sync_before_anything() {
    let emu = Emulator::start(&[]);
    let home = demo_home("audit-blocked", &emu, "");
    // audit.jsonl is a folder: it cannot be appended to (even by root).
    std::fs::create_dir_all(home.path().join("logs/audit.jsonl")).unwrap();
    let out = home.run(&["sync"]);
    assert_eq!(out.code(), 2, "{}", out.all());
    assert!(out.stderr().contains("audit.jsonl"), "{}", out.stderr());
    assert!(
        out.stderr().contains("nothing was read or changed"),
        "{}",
        out.stderr()
    );
    assert!(
        emu.requests().iter().all(|r| r.api != "graph"),
        "the tenant was read or written"
    );
}
