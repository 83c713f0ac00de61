//! Names that are not what they seem (issue 13, items 5 and 6, and the PIM activation finding):
//! a protected account that is not in the tenant protects nobody — `check` says so and a sync
//! stops, even with `--force`; control characters in a name reach no terminal or log as such; a
//! group whose name only looks like a role's is flagged; a user who holds an active-mapped role
//! through a PIM activation is kept, not granted again on every run.

use crate::support::*;
use base64::Engine as _;

/// The demo export with `extra` entries appended and `member` lines added to a group.
fn demo_ldif_with(home: &Home, extra: &str, group_cn: &str, member_dn: &str) -> String {
    let demo = std::fs::read_to_string(DEMO_LDIF).unwrap();
    let header = format!("dn: CN={group_cn},{OU}\n");
    let at = demo.find(&header).expect("group in the demo export");
    let end = at + demo[at..].find("\n\n").unwrap();
    let text = format!(
        "{}\nmember: {member_dn}{}\n{extra}",
        &demo[..end],
        &demo[end..]
    );
    let path = home.path().join("directory.ldif");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_protected_account_that_is_not_in_the_tenant_stops_the_sync() {
    let emu = Emulator::start(&[]);
    let home = demo_home(
        "protected-missing",
        &emu,
        "\n[safety]\nprotected = [\"breakglass@contoso.com\", \"alice@contoso.com\"]\n",
    );
    let check = home.run(&["check"]);
    assert_eq!(check.code(), 1, "{}", check.all());
    assert!(
        check
            .stdout()
            .contains("every protected account is in the tenant"),
        "{}",
        check.stdout()
    );
    assert!(
        check.stdout().contains("not found: breakglass@contoso.com"),
        "{}",
        check.stdout()
    );
    assert!(
        !check
            .stdout()
            .contains("not found: breakglass@contoso.com, alice"),
        "alice is there"
    );

    for args in [&["sync", "--json"][..], &["sync", "--json", "--force"][..]] {
        let out = home.run(args);
        assert_eq!(out.code(), 3, "{args:?}: {}", out.all());
        let v: serde_json::Value = serde_json::from_str(&out.stdout()).unwrap();
        let stops = v["plan"]["stops"].as_array().unwrap();
        let stop = stops
            .iter()
            .find(|s| s["code"] == "protectedNotFound")
            .expect("the stop");
        assert_eq!(stop["overridable"], false);
        assert!(stop["message"]
            .as_str()
            .unwrap()
            .contains("breakglass@contoso.com"));
    }
    assert!(emu.committed_writes().is_empty(), "the tenant was changed");
}

#[test]
fn a_control_character_in_a_name_reaches_no_terminal_or_log() {
    let emu = Emulator::start(&[]);
    let home = demo_home("escape", &emu, "");
    // ESC [2J clears an admin's terminal; a user can set their own UPN suffix part in some
    // directories, and an export carries it base64-encoded.
    let upn = "mallory\u{1b}[2J@contoso.com";
    let entry = format!(
        "dn: CN=mallory,OU=Staff,DC=contoso,DC=com\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\ncn: mallory\nsAMAccountName: mallory\nuserPrincipalName:: {}\nobjectGUID:: qqqqqgAAAECAAAAAAAAAmQ==\nuserAccountControl: 512\n",
        base64::engine::general_purpose::STANDARD.encode(upn)
    );
    let ldif = demo_ldif_with(
        &home,
        &entry,
        "Security Reader",
        "CN=mallory,OU=Staff,DC=contoso,DC=com",
    );
    home.config(&config_on(&emu.base, "").replace(DEMO_LDIF, &ldif));
    for args in [&["plan"][..], &["sync", "--dry-run"][..]] {
        let out = home.run(args);
        assert_eq!(out.code(), 0, "{}", out.all());
        let all = out.all();
        assert!(!all.contains('\u{1b}'), "{args:?} printed an ESC");
        assert!(
            all.contains("mallory\\u{1b}[2J@contoso.com"),
            "{args:?}: {all}"
        );
    }
    let logs: String = rolesync_testkit::files_under(&home.path().join("logs"))
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "log"))
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let files = rolesync_testkit::files_under(&home.path().join("logs"));
    assert!(
        logs.contains("mallory"),
        "the log names the user: {files:?}\n{logs}"
    );
    assert!(!logs.contains('\u{1b}'), "the log holds an ESC");
}

#[test]
fn a_group_named_with_look_alike_letters_is_flagged() {
    let emu = Emulator::start(&[]);
    let home = demo_home("homoglyph", &emu, "");
    // "Security Reаder" with a Cyrillic а (U+0430): it reads as the role and maps to nothing.
    let name = "Security Re\u{430}der";
    let entry = format!(
        "dn:: {}\nobjectClass: top\nobjectClass: group\ncn:: {}\nobjectGUID:: u7u7uwAAAECAAAAAAAAAmQ==\nmember: CN=bob,OU=Staff,DC=contoso,DC=com\n",
        base64::engine::general_purpose::STANDARD.encode(format!("CN={name},{OU}")),
        base64::engine::general_purpose::STANDARD.encode(name),
    );
    let demo = std::fs::read_to_string(DEMO_LDIF).unwrap();
    let ldif = home.path().join("directory.ldif");
    std::fs::write(&ldif, format!("{demo}\n{entry}")).unwrap();
    home.config(&config_on(&emu.base, "").replace(DEMO_LDIF, ldif.to_str().unwrap()));
    let out = home.run(&["check"]);
    assert_eq!(out.code(), 1, "{}", out.all());
    let text = out.stdout();
    assert!(
        text.contains(&format!("group \"{name}\" has a plain name")),
        "{text}"
    );
    assert!(text.contains("reads as \"Security Reader\""), "{text}");
    assert!(text.contains("U+0430"), "{text}");
}

#[test]
fn a_pim_activation_under_an_active_mapping_is_kept_not_granted_again() {
    let emu = Emulator::start(&[]);
    let home = demo_home("activation", &emu, "");
    home.config(&config_on(&emu.base, "").replace("kind = \"eligible\"", "kind = \"active\""));
    let plan = |home: &Home| {
        let out = home.run(&["plan", "--json"]);
        assert_eq!(out.code(), 0, "{}", out.all());
        let v: serde_json::Value = serde_json::from_str(&out.stdout()).unwrap();
        let role = v["plan"]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["roleName"] == "Security Reader")
            .cloned()
            .unwrap();
        role
    };
    let users = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| {
                c["user"]
                    .as_str()
                    .unwrap_or_else(|| c.as_str().unwrap())
                    .to_owned()
            })
            .collect()
    };
    // Henry holds Security Reader through a PIM activation; Gina is only eligible.
    let before = plan(&home);
    assert!(
        !users(&before["grants"]).contains(&"henry@contoso.com".to_owned()),
        "{before}"
    );
    assert!(
        users(&before["unchanged"]).contains(&"henry@contoso.com".to_owned()),
        "{before}"
    );
    assert!(
        users(&before["grants"]).contains(&"gina@contoso.com".to_owned()),
        "{before}"
    );

    let sync = home.run(&["sync"]);
    assert_eq!(sync.code(), 0, "{}", sync.all());
    let after = plan(&home);
    assert!(
        users(&after["grants"]).is_empty(),
        "granted again on the next run: {after}"
    );
}
