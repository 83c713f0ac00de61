//! A demo sync that mails its report over STARTTLS with a login whose password is in a real
//! keyring (the kernel keyring), through a real SMTP server process: the mail says what happened
//! and carries the log, and the password appears in no log, report, audit line or mail.
#![allow(clippy::unwrap_used, missing_docs)]

use mail_parser::{MessageParser, MimeHeaders};
use rolesync_testkit::{files_under, run_rolesync, save_credential, SmtpServer, TestPki};
use std::path::Path;
use std::process::Output;

const SMTP_PASSWORD: &str = "Sm7p-Pa55word!-known-secret";

fn rolesync(home: &Path, service: &str, args: &[&str], stdin: Option<&str>) -> Output {
    run_rolesync(
        Path::new(env!("CARGO_BIN_EXE_rolesync")),
        home,
        service,
        args,
        stdin,
    )
}

#[test]
fn sync_mails_the_report_and_leaks_no_secret() {
    let pki = TestPki::new();
    let args: [std::ffi::OsString; 8] = [
        "--cert".into(),
        pki.path("server.pem").into_os_string(),
        "--key".into(),
        pki.path("server.key").into_os_string(),
        "--user".into(),
        "rolesync-mailer".into(),
        "--password".into(),
        SMTP_PASSWORD.into(),
    ];
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    let Some(server) = SmtpServer::start(&args) else {
        return;
    };

    let home = std::env::temp_dir().join(format!("rolesync-email-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    let service = format!("rolesync-test-email-{}", std::process::id());
    std::fs::write(
        home.join("rolesync.toml"),
        format!(
            "[email]\nserver = \"localhost\"\nport = {}\nsecurity = \"starttls\"\nfrom = \"RoleSync <rolesync@contoso.com>\"\nto = [\"admins@contoso.com\", \"secops@contoso.com\"]\nusername = \"rolesync-mailer\"\nca_file = \"{}\"\n",
            server.port,
            pki.path("ca.pem").display()
        ),
    )
    .unwrap();

    // A scheduled run with the SMTP password not saved: the mail fails at once, the sync does not.
    let out = rolesync(&home, &service, &["sync", "--demo", "--dry-run"], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("rolesync credentials set smtp"));
    assert!(server.received().is_empty());

    save_credential(
        Path::new(env!("CARGO_BIN_EXE_rolesync")),
        &home,
        &service,
        "smtp",
        "rolesync-mailer",
        SMTP_PASSWORD,
    );
    let list = rolesync(&home, &service, &["credentials", "list"], None);
    assert!(String::from_utf8_lossy(&list.stdout).contains("smtp       saved"));

    let out = rolesync(&home, &service, &["sync", "--demo", "--json"], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mail_step = v["report"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "email")
        .cloned()
        .unwrap();
    assert_eq!(mail_step["status"], "ok", "{mail_step}");

    let received = server.received();
    assert_eq!(received.len(), 1);
    let (raw, envelope) = &received[0];
    assert_eq!(envelope["login"], "rolesync-mailer");
    let m = MessageParser::default().parse(raw).unwrap();
    assert_eq!(m.subject(), Some("RoleSync: 4 granted, 3 revoked"));
    assert_eq!(m.to().unwrap().iter().count(), 2);
    let text = m.body_text(0).unwrap();
    assert!(
        text.contains("bob@contoso.com") && text.contains("Exchange Administrator"),
        "{text}"
    );
    assert!(m.body_html(0).unwrap().contains("oliver@contoso.com"));
    // This run's log lines, zipped (the hardening tests check that other runs' lines stay out).
    let log = m.attachments().next().unwrap();
    let name = log.attachment_name().unwrap();
    assert!(
        name.starts_with("rolesync-") && name.ends_with(".log.zip"),
        "{name}"
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(log.contents().to_vec())).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut zip.by_index(0).unwrap(), &mut text).unwrap();
    assert!(
        text.contains(v["report"]["runId"].as_str().unwrap()),
        "{text}"
    );

    // The saved report knows the mail went out.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(v["reportFile"].as_str().unwrap()).unwrap()).unwrap();
    assert!(report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["step"] == "email" && s["status"] == "ok"));

    // The secret is nowhere: not in RoleSync's files (logs, reports, audit, state), not in the mail.
    let mut looked = 0;
    for f in files_under(&home) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SMTP_PASSWORD),
            "the SMTP password is in {}",
            f.display()
        );
        looked += 1;
    }
    assert!(looked >= 5, "logs, report, audit and state were written");
    assert!(!String::from_utf8_lossy(raw).contains(SMTP_PASSWORD));
    for o in [&out.stdout, &out.stderr] {
        assert!(!String::from_utf8_lossy(o).contains(SMTP_PASSWORD));
    }

    let forget = rolesync(&home, &service, &["credentials", "forget", "smtp"], None);
    assert!(String::from_utf8_lossy(&forget.stdout).contains("forgotten"));
    std::fs::remove_dir_all(&home).ok();
}
