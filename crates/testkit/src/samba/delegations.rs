//! Delegations planted on a running test DC with Samba's own tools, for the exposure tests:
//! accounts and groups with `ldbadd`, a nested group outside the roles OU and `managedBy` with
//! `ldbmodify`, ACEs with `samba-tool dsacl set`, an owner with `ldbmodify` and the SD-flags
//! control (`sd_flags:1:1`, owner only). See [`plant`] for what is planted.

use super::dc::Dc;
use super::fixture;
use std::process::Command;

/// Where the planted accounts and groups live (outside the roles OU).
pub const STAFF: &str = "OU=Staff,DC=contoso,DC=test";
/// The password of every planted account.
pub const PASSWORD: &str = "Helpdesk-Test-Pw1!";
/// A SID no account of the domain has, given write-member on "Exchange Administrator".
pub const UNKNOWN_SID: &str = "S-1-5-21-1111-2222-3333-1001";
/// The SID of the foreign security principal planted in Helpdesk.
pub const FOREIGN_SID: &str = "S-1-5-21-4444-5555-6666-1001";

/// The DN of the foreign security principal planted in Helpdesk.
pub fn foreign_dn() -> String {
    format!(
        "CN={FOREIGN_SID},CN=ForeignSecurityPrincipals,{}",
        fixture::BASE
    )
}

/// The `member` attribute's schemaIDGUID.
pub const MEMBER: &str = "bf9679c0-0de6-11d0-a285-00aa003049e2";

/// The DN of a planted entry.
pub fn staff(cn: &str) -> String {
    format!("CN={cn},{STAFF}")
}

fn ldb(dc: &Dc, tool: &str, ldif: &str, controls: &[&str]) {
    let path = dc.dir.join(format!("plant-{}.ldif", std::process::id()));
    std::fs::write(&path, ldif).unwrap();
    let mut c = Command::new(tool);
    c.arg("-H")
        .arg(dc.dir.join("private/sam.ldb"))
        .arg(format!("--configfile={}", dc.conf().display()));
    for ctl in controls {
        c.arg(format!("--controls={ctl}"));
    }
    let out = c.arg(&path).output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{tool} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Adds an ACE with `samba-tool dsacl set`.
fn dsacl(dc: &Dc, object: &str, sddl: &str) {
    let out = Command::new("samba-tool")
        .args(["dsacl", "set"])
        .arg("-H")
        .arg(dc.dir.join("private/sam.ldb"))
        .arg(format!("--configfile={}", dc.conf().display()))
        .arg(format!("--objectdn={object}"))
        .arg(format!("--sddl={sddl}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "samba-tool dsacl set on {object} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `objectSid` of an entry, as text.
pub fn sid_of(dc: &Dc, dn: &str) -> String {
    let out = dc.ldbsearch(&format!("(distinguishedName={dn})"), &["objectSid"]);
    out.lines()
        .find_map(|l| l.strip_prefix("objectSid: "))
        .unwrap_or_else(|| panic!("no objectSid for {dn}: {out}"))
        .trim()
        .to_string()
}

fn user_ldif(sam: &str) -> String {
    use base64::Engine;
    let pw: Vec<u8> = format!("\"{PASSWORD}\"")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    format!(
        "dn: {}\nobjectClass: user\nsAMAccountName: {sam}\nuserPrincipalName: {sam}@contoso.test\nuserAccountControl: 512\nunicodePwd:: {}\n\n",
        staff(sam),
        base64::engine::general_purpose::STANDARD.encode(pw)
    )
}

fn group_ldif(cn: &str, members: &[String]) -> String {
    let mut s = format!(
        "dn: {}\nobjectClass: group\nsAMAccountName: {cn}\n",
        staff(cn)
    );
    for m in members {
        s.push_str(&format!("member: {m}\n"));
    }
    s.push('\n');
    s
}

/// Plants the delegations:
/// - the group Helpdesk (hd-ann, and a foreign security principal) may write `member` of "Mail Team", a group in OU=Staff nested
///   into the "Exchange Administrator" role group;
/// - own-oscar owns the "Printer Wranglers" role group;
/// - "Tier1 Ops", a group holding the group "Server Team" (ops-olga, and pg-paul by his primary
///   group), has GenericAll on the "Global Administrator" role group;
/// - mgr-mike is `managedBy` of "Security Reader" with "Manager can update membership list"
///   (the write-member ACE AD's dialog adds for the manager);
/// - a SID the domain does not know may write `member` of "Exchange Administrator";
/// - hd-ann is denied reading the permissions of "Printer Wranglers" (READ_CONTROL).
pub fn plant(dc: &Dc) {
    let mut add = String::new();
    for u in ["hd-ann", "ops-olga", "pg-paul", "mgr-mike", "own-oscar"] {
        add.push_str(&user_ldif(u));
    }
    add.push_str(&group_ldif("Helpdesk", &[staff("hd-ann")]));
    add.push_str(&group_ldif("Mail Team", &[fixture::user_dn("erin")]));
    add.push_str(&group_ldif(
        "Server Team",
        &[staff("ops-olga"), staff("pg-paul")],
    ));
    add.push_str(&group_ldif("Tier1 Ops", &[staff("Server Team")]));
    ldb(dc, "ldbadd", &add, &[]);
    let modify = format!(
        "dn: {}\nchangetype: modify\nadd: member\nmember: {}\n\ndn: {}\nchangetype: modify\nreplace: managedBy\nmanagedBy: {}\n\n",
        fixture::role("Exchange Administrator"),
        staff("Mail Team"),
        fixture::EXTRA_GROUP,
        staff("mgr-mike"),
    );
    ldb(dc, "ldbmodify", &modify, &[]);
    // pg-paul belongs to Server Team by his primary group only (no `member` value after this).
    let server_team = sid_of(dc, &staff("Server Team"));
    let rid = server_team.rsplit('-').next().unwrap();
    ldb(
        dc,
        "ldbmodify",
        &format!(
            "dn: {}\nchangetype: modify\nreplace: primaryGroupID\nprimaryGroupID: {rid}\n\n",
            staff("pg-paul")
        ),
        &[],
    );
    // An account of a trusted forest, as AD represents it: a foreign security principal, which
    // Samba creates when a member is added by a SID of another domain.
    ldb(
        dc,
        "ldbmodify",
        &format!(
            "dn: {}\nchangetype: modify\nadd: member\nmember: <SID={FOREIGN_SID}>\n\n",
            staff("Helpdesk"),
        ),
        &[],
    );
    let helpdesk = sid_of(dc, &staff("Helpdesk"));
    dsacl(
        dc,
        &staff("Mail Team"),
        &format!("(OA;;WP;{MEMBER};;{helpdesk})"),
    );
    let tier1 = sid_of(dc, &staff("Tier1 Ops"));
    dsacl(
        dc,
        &fixture::role("Global Administrator"),
        &format!("(A;;GA;;;{tier1})"),
    );
    let mike = sid_of(dc, &staff("mgr-mike"));
    dsacl(
        dc,
        fixture::EXTRA_GROUP,
        &format!("(OA;;WP;{MEMBER};;{mike})"),
    );
    dsacl(
        dc,
        &fixture::role("Exchange Administrator"),
        &format!("(OA;;WP;{MEMBER};;{UNKNOWN_SID})"),
    );
    let ann = sid_of(dc, &staff("hd-ann"));
    dsacl(
        dc,
        &fixture::role("Printer Wranglers"),
        &format!("(D;;RC;;;{ann})"),
    );
    // The owner alone (SD flags 1 = OWNER_SECURITY_INFORMATION).
    let oscar = sid_of(dc, &staff("own-oscar"));
    ldb(
        dc,
        "ldbmodify",
        &format!(
            "dn: {}\nchangetype: modify\nreplace: nTSecurityDescriptor\nnTSecurityDescriptor: O:{oscar}\n\n",
            fixture::role("Printer Wranglers")
        ),
        &["sd_flags:1:1"],
    );
}
