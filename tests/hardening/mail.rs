//! The report mail (issue 13, items 4 and 10): it attaches this run's log lines only — zipped, so
//! a busy day's log cannot make the mail too large for the server — and carries no secret.

use crate::support::*;
use mail_parser::MimeHeaders as _;
use std::io::Read as _;

#[test]
fn the_mail_attaches_this_runs_log_only_zipped() {
    let Some(smtp) = rolesync_testkit::SmtpServer::start(&[]) else {
        return;
    };
    let emu = Emulator::start(&[]);
    let email = format!(
        "\n[email]\nserver = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nfrom = \"rolesync@contoso.com\"\nto = [\"it@contoso.com\"]\n",
        smtp.port
    );
    let home = demo_home("mail-log", &emu, &email);
    let mut runs = Vec::new();
    for _ in 0..2 {
        let out = home.run(&["sync", "--json"]);
        assert_eq!(out.code(), 0, "{}", out.all());
        let v: serde_json::Value = serde_json::from_str(&out.stdout()).unwrap();
        runs.push(v["report"]["runId"].as_str().unwrap().to_owned());
    }
    let mails = smtp.received();
    assert_eq!(mails.len(), 2);
    let second = mail_parser::MessageParser::default()
        .parse(&mails[1].0)
        .unwrap();
    let attachment = second.attachments().next().expect("an attachment");
    let name = attachment.attachment_name().unwrap_or_default().to_owned();
    assert!(name.ends_with(".zip"), "{name}");
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(attachment.contents().to_vec())).unwrap();
    assert_eq!(zip.len(), 1);
    let mut log = String::new();
    zip.by_index(0).unwrap().read_to_string(&mut log).unwrap();
    assert!(log.contains(&runs[1]), "the second run's lines: {log}");
    assert!(
        !log.contains(&runs[0]),
        "the first run's lines are in the second mail"
    );
    // Both runs are in the day's log file on disk.
    let day: String = rolesync_testkit::files_under(&home.path().join("logs"))
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "log"))
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert!(day.contains(&runs[0]) && day.contains(&runs[1]));
    assert!(
        !String::from_utf8_lossy(&mails[1].0).contains(rolesync_entra_emulator::DEMO_APP_SECRET),
        "the secret is in the mail"
    );
}
