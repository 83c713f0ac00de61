//! Bad input gets a clear error naming what is wrong and how to fix it, and changes nothing
//! (issue 13, items 5, 6, 8, 10, 12): a configuration that is `/dev/zero`, 50 MB, mistyped or
//! carries an invisible character; one saved as UTF-16 by Notepad (accepted); an export that is
//! `/dev/zero`; a certificate or CA file that is not there; a reports folder that cannot be
//! written; a DC that refuses StartTLS.

use crate::support::*;
use std::io::Write as _;

/// The configuration errors' exit code.
const CONFIG: i32 = 2;

#[test]
fn a_configuration_that_never_ends_is_refused_unread() {
    let home = Home::new("dev-zero");
    let out = home.run(&["--config", "/dev/zero", "check"]);
    assert_eq!(out.code(), CONFIG, "{}", out.all());
    assert!(out.stderr().contains("/dev/zero"), "{}", out.stderr());
    assert!(
        out.stderr().contains("larger than 1 MiB"),
        "the limit is named: {}",
        out.stderr()
    );
}

#[test]
fn a_configuration_of_fifty_megabytes_is_refused_with_its_size() {
    let home = Home::new("fifty-mb");
    let path = home.path().join("rolesync.toml");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(directory_section().as_bytes()).unwrap();
    let pad = vec![b'#'; 1 << 20];
    for _ in 0..50 {
        f.write_all(&pad).unwrap();
    }
    drop(f);
    let out = home.run(&["config", "validate"]);
    assert_eq!(out.code(), CONFIG, "{}", out.all());
    assert!(out.stderr().contains("rolesync.toml"), "{}", out.stderr());
    assert!(
        out.stderr().contains("larger than 1 MiB"),
        "{}",
        out.stderr()
    );
    assert!(
        out.stderr().contains("rolesync config init"),
        "the fix is named: {}",
        out.stderr()
    );
}

#[test]
fn a_configuration_saved_as_utf16_by_notepad_is_read() {
    let emu = Emulator::start(&[]);
    let home = Home::new("utf16");
    let text = config_on(&emu.base, "");
    // "Unicode" in Notepad: UTF-16 LE with a byte-order mark, CRLF line ends.
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.replace('\n', "\r\n").encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(home.path().join("rolesync.toml"), bytes).unwrap();
    home.save_secret(rolesync_entra_emulator::DEMO_APP_SECRET);
    let out = home.run(&["plan"]);
    assert_eq!(out.code(), 0, "{}", out.all());
    assert!(
        emu.requests().iter().any(|r| r.api == "graph"),
        "the tenant was read"
    );
}

#[test]
fn a_value_of_the_wrong_type_names_the_key_and_what_it_takes() {
    let home = Home::new("type-error");
    let text = directory_section() + "[safety]\nmax_revokes = \"five\"\n";
    let line = text
        .lines()
        .position(|l| l.starts_with("max_revokes"))
        .unwrap()
        + 1;
    home.config(&text);
    let out = home.run(&["config", "validate"]);
    assert_eq!(out.code(), CONFIG, "{}", out.all());
    let err = out.stderr();
    assert!(err.contains("safety.max_revokes"), "{err}");
    assert!(err.contains("must be a whole number"), "{err}");
    assert!(err.contains("found the text \"five\""), "{err}");
    assert!(!err.contains("i64"), "no serde jargon: {err}");
    assert!(
        err.contains(&format!("rolesync.toml:{line}:")),
        "the line is named: {err}"
    );
}

#[test]
fn an_invisible_character_in_a_protected_account_is_an_error() {
    let home = Home::new("zero-width");
    home.config(
        &(directory_section() + "[safety]\nprotected = [\"breakglass\u{200b}@contoso.com\"]\n"),
    );
    let out = home.run(&["config", "validate"]);
    assert_eq!(out.code(), CONFIG, "{}", out.all());
    let err = out.stderr();
    assert!(err.contains("safety.protected[0]"), "{err}");
    assert!(err.contains("U+200B"), "{err}");
    assert!(
        !err.contains('\u{200b}'),
        "the error shows the character, not hides it: {err}"
    );
}

#[test]
fn an_export_that_never_ends_fails_the_read_and_changes_nothing() {
    let emu = Emulator::start(&[]);
    let home = demo_home("ldif-zero", &emu, "");
    home.config(&config_on(&emu.base, "").replace(DEMO_LDIF, "/dev/zero"));
    let out = home.run(&["sync"]);
    assert_eq!(out.code(), 4, "{}", out.all());
    assert!(out.stderr().contains("/dev/zero"), "{}", out.stderr());
    assert!(emu.committed_writes().is_empty(), "the tenant was changed");
}

#[test]
fn a_certificate_file_that_is_not_there_is_named_with_its_setting() {
    let emu = Emulator::start(&[]);
    let home = Home::new("no-cert");
    let text = config_on(&emu.base, "")
        .replace("sign_in = \"secret\"", "sign_in = \"certificate\"")
        .replace(
            "graph_url",
            "certificate = \"C:\\\\ProgramData\\\\RoleSync\\\\missing.pfx\"\ngraph_url",
        );
    home.config(&text);
    let out = home.run(&["sync"]);
    assert_eq!(out.code(), CONFIG, "{}", out.all());
    assert!(
        out.stderr().contains("entra.certificate"),
        "{}",
        out.stderr()
    );
    assert!(out.stderr().contains("missing.pfx"), "{}", out.stderr());
    assert!(
        emu.requests().is_empty(),
        "something was sent before the file was checked"
    );
}

#[test]
fn a_reports_folder_that_cannot_be_written_stops_the_sync_before_it_reads() {
    let emu = Emulator::start(&[]);
    let home = demo_home("no-reports", &emu, "");
    // A file where the reports folder should be: no report can be written there (even by root).
    std::fs::create_dir_all(home.path().join("logs")).unwrap();
    std::fs::write(home.path().join("logs/reports"), b"").unwrap();
    let out = home.run(&["sync"]);
    assert_eq!(out.code(), CONFIG, "{}", out.all());
    assert!(out.stderr().contains("reports"), "{}", out.stderr());
    assert!(
        emu.requests().iter().all(|r| r.api != "graph"),
        "the tenant was read"
    );
}

/// An LDAP server that answers every StartTLS request with `protocolError` (2), as a DC without
/// a certificate for LDAP over TLS does, and counts the requests.
fn refusing_dc() -> (std::net::TcpListener, u16) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

fn serve_refusals(l: std::net::TcpListener) {
    use std::io::Read as _;
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            std::thread::spawn(move || {
                let mut buf = [0u8; 512];
                let Ok(n) = s.read(&mut buf) else { return };
                // LDAPMessage: 30 LL 02 01 <id> 77 … (extendedReq [APPLICATION 23]).
                if n < 6 || buf[0] != 0x30 || buf[2] != 0x02 || buf[3] != 0x01 {
                    return;
                }
                let id = buf[4];
                let diag = b"unsupported extended operation";
                // extendedResp [APPLICATION 24]: resultCode protocolError, matchedDN "", message.
                let mut resp = vec![0x0a, 0x01, 0x02, 0x04, 0x00, 0x04, diag.len() as u8];
                resp.extend_from_slice(diag);
                let mut op = vec![0x78, resp.len() as u8];
                op.extend(resp);
                let mut msg = vec![0x02, 0x01, id];
                msg.extend(op);
                let mut out = vec![0x30, msg.len() as u8];
                out.extend(msg);
                let _ = s.write_all(&out);
                let _ = s.read(&mut buf);
            });
        }
    });
}

#[test]
fn a_dc_that_refuses_starttls_is_named_with_the_fix() {
    let (listener, port) = refusing_dc();
    serve_refusals(listener);
    let emu = Emulator::start(&[]);
    let home = Home::new("starttls");
    let entra = config_on(&emu.base, "");
    let entra = &entra[entra.find("[entra]").unwrap()..];
    home.config(&format!(
        "[directory]\nurl = \"ldap://127.0.0.1:{port}\"\nstart_tls = true\nbind = \"svc-rolesync@contoso.com\"\nbase_dn = \"DC=contoso,DC=com\"\nou = {OU:?}\n\n[[mappings]]\ngroup = \"Security Reader\"\n\n{entra}"
    ));
    home.save_secret(rolesync_entra_emulator::DEMO_APP_SECRET);
    home.save("ldap", "svc-rolesync@contoso.com", "bind-password-9d2e");
    let out = home.run(&["check"]);
    // `check` exits 4 when a side cannot be read (README, exit codes).
    assert_eq!(out.code(), 4, "{}", out.all());
    let text = out.all();
    assert!(text.contains("refused StartTLS"), "{text}");
    assert!(text.contains("LDAP result 2"), "{text}");
    assert!(text.contains("use ldaps://"), "{text}");
    assert!(!text.contains("bind-password-9d2e"), "{text}");
}
