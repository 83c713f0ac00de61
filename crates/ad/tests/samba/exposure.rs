//! Exposure against a DC of its own (127.0.0.5, an address its certificate names and no other test
//! starts a DC on; the delegations planted here must not reach the
//! shared DC's tests): delegations set with Samba's own tools on the fixture — `samba-tool dsacl
//! set` for ACEs, `ldbmodify` with the SD-flags control for an owner, `ldbadd`/`ldbmodify` for the
//! accounts, a nested group outside the roles OU and `managedBy` — then read over LDAPS by
//! [`LdapSource::read_exposure`] (the binary descriptors with the SD-flags control) and assessed.
//! The report must list exactly the planted paths, and no Tier-0 trustee.

use crate::{admin, fixture, Via};
use rolesync_ad::ldap::{Bind, Expansion, LdapSource};
use rolesync_core::exposure::roles::role_groups;
use rolesync_core::exposure::{
    assess, Descriptor, ExposureReport, ExposureSettings, FindingKind, Right,
};
use rolesync_core::ids::Dn;
use rolesync_core::policy::{ExplicitMapping, GroupRef, Policy, RoleRef, ScopeRef};
use rolesync_core::tenant::AssignmentKind;
use rolesync_core::traits::DirectorySource;
use rolesync_testkit::samba::dc::Dc;
use std::collections::BTreeSet;
use std::process::Command;

const STAFF: &str = "OU=Staff,DC=contoso,DC=test";
const PASSWORD: &str = "Helpdesk-Test-Pw1!";
const MEMBER: &str = "bf9679c0-0de6-11d0-a285-00aa003049e2";

fn staff(cn: &str) -> String {
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

fn sid_of(dc: &Dc, dn: &str) -> String {
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
/// - the group Helpdesk (hd-ann) may write `member` of "Mail Team", a group in OU=Staff nested
///   into the "Exchange Administrator" role group;
/// - own-oscar owns the "Printer Wranglers" role group;
/// - "Tier1 Ops", a group holding the group "Server Team" (ops-olga), has GenericAll on the
///   "Global Administrator" role group;
/// - mgr-mike is `managedBy` of "Security Reader" with "Manager can update membership list"
///   (the write-member ACE AD's dialog adds for the manager);
/// - hd-ann is denied reading the permissions of "Printer Wranglers" (READ_CONTROL).
fn plant(dc: &Dc) {
    let mut add = String::new();
    for u in ["hd-ann", "ops-olga", "mgr-mike", "own-oscar"] {
        add.push_str(&user_ldif(u));
    }
    add.push_str(&group_ldif("Helpdesk", &[staff("hd-ann")]));
    add.push_str(&group_ldif("Mail Team", &[fixture::user_dn("erin")]));
    add.push_str(&group_ldif("Server Team", &[staff("ops-olga")]));
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

fn policy() -> Policy {
    let mut p = Policy::for_ou(Dn::new(fixture::ROLES_OU));
    p.mapping.explicit.push(ExplicitMapping {
        group: GroupRef::Dn(Dn::new(fixture::EXTRA_GROUP)),
        role: Some(RoleRef::Name("Security Reader".into())),
        kind: AssignmentKind::Active,
        allow_empty: false,
        scope: ScopeRef::Tenant,
    });
    p
}

async fn report(dc: &Dc, bind: Bind) -> ExposureReport {
    let mut c = crate::config(dc, Via::Ldaps, Expansion::Client);
    c.bind = bind;
    let src = LdapSource::new(c).unwrap();
    let snap = src.read_exposure(&crate::scope()).await.unwrap();
    let roles = role_groups(&snap.role_groups, &policy().mapping);
    assess(
        &snap,
        &roles,
        &ExposureSettings::for_ou(Dn::new(fixture::ROLES_OU)),
    )
}

type Path = (String, Right, String, Vec<String>, Vec<String>);

fn can_change(r: &ExposureReport) -> BTreeSet<Path> {
    r.findings
        .iter()
        .filter(|f| f.kind == FindingKind::CanChange)
        .map(|f| {
            (
                f.principal.as_ref().unwrap().name.clone(),
                f.right.unwrap(),
                f.group.name.clone(),
                f.via.clone(),
                f.path.clone(),
            )
        })
        .collect()
}

fn v(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn planted_delegations_are_found_with_their_paths() {
    let Some(dc) = Dc::start("127.0.0.5") else {
        return;
    };
    plant(&dc);

    let admin_report = report(&dc, admin()).await;
    for f in &admin_report.findings {
        eprintln!("{:?} {}", f.severity, f.message);
    }
    let want: BTreeSet<Path> = [
        (
            "hd-ann".to_string(),
            Right::WriteMember,
            "Mail Team".to_string(),
            v(&["Helpdesk"]),
            v(&["Mail Team", "Exchange Administrator"]),
        ),
        (
            "own-oscar".to_string(),
            Right::Owner,
            "Printer Wranglers".to_string(),
            v(&[]),
            v(&["Printer Wranglers"]),
        ),
        (
            "ops-olga".to_string(),
            Right::FullControl,
            "Global Administrator".to_string(),
            v(&["Server Team", "Tier1 Ops"]),
            v(&["Global Administrator"]),
        ),
        (
            "mgr-mike".to_string(),
            Right::WriteMember,
            "Security Reader".to_string(),
            v(&[]),
            v(&["Security Reader"]),
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(can_change(&admin_report), want, "exactly the planted paths");

    // The manager is named as such; the privileged role's finding is high.
    let mike = admin_report
        .findings
        .iter()
        .find(|f| f.group.name == "Security Reader" && f.kind == FindingKind::CanChange)
        .unwrap();
    assert!(mike.manager, "{}", mike.message);
    let olga = admin_report
        .findings
        .iter()
        .find(|f| f.group.name == "Global Administrator" && f.kind == FindingKind::CanChange)
        .unwrap();
    assert_eq!(olga.severity, rolesync_core::exposure::Severity::High);
    assert!(
        olga.message
            .contains("user ops-olga through Server Team ⊂ Tier1 Ops → full control"),
        "{}",
        olga.message
    );

    // Nested groups outside the roles OU: the planted one and the fixture's three.
    let outside: BTreeSet<String> = admin_report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::OutsideRolesOu)
        .map(|f| f.group.name.clone())
        .collect();
    assert_eq!(
        outside,
        ["Mail Team", "Nested-A", "Nested-B", "Nested-C"]
            .map(String::from)
            .into_iter()
            .collect()
    );

    // Tier 0 is not reported: neither Domain Admins (which owns and fully controls every group)
    // nor its member Administrator, nor SYSTEM.
    for f in &admin_report.findings {
        let who = f.principal.as_ref().map(|p| p.name.as_str()).unwrap_or("");
        assert!(
            ![
                "Domain Admins",
                "Administrator",
                "SYSTEM",
                "Enterprise Admins"
            ]
            .contains(&who),
            "{}",
            f.message
        );
    }
    assert!(
        admin_report.fails(),
        "medium and high findings fail the default threshold"
    );

    // A reader without privileges gets the descriptors through the SD-flags control and the
    // same paths, except where it is denied reading the permissions: that group is "cannot
    // see", never clean.
    let ann = report(
        &dc,
        Bind::Simple {
            dn_or_upn: "hd-ann@contoso.test".into(),
            password: PASSWORD.into(),
        },
    )
    .await;
    for f in &ann.findings {
        eprintln!("as hd-ann: {:?} {}", f.severity, f.message);
    }
    let mut want_ann = want.clone();
    want_ann.retain(|p| p.2 != "Printer Wranglers");
    assert_eq!(can_change(&ann), want_ann);
    let blind: Vec<_> = ann
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::CannotSee)
        .collect();
    assert_eq!(blind.len(), 1, "{blind:?}");
    assert_eq!(blind[0].group.name, "Printer Wranglers");
    assert!(
        blind[0]
            .message
            .starts_with("cannot see who can change \"Printer Wranglers\""),
        "{}",
        blind[0].message
    );
}

/// The descriptors come back whole: the role group's DACL decodes into the ACEs Samba's default
/// security descriptor for groups gives, with Domain Admins among the trustees.
#[tokio::test]
async fn descriptors_are_read_with_the_sd_flags_control() {
    let Some(dc) = rolesync_testkit::samba::dc::shared() else {
        return;
    };
    let src = LdapSource::new(crate::config(dc, Via::Ldaps, Expansion::Client)).unwrap();
    let snap = src.read_exposure(&crate::scope()).await.unwrap();
    assert_eq!(snap.role_groups.len(), 5, "{:?}", snap.role_groups);
    let ga = snap
        .groups
        .iter()
        .find(|g| g.name == "Global Administrator")
        .unwrap();
    let Descriptor::Read { descriptor } = &ga.descriptor else {
        panic!("{:?}", ga.descriptor)
    };
    let da = ga
        .sid
        .as_ref()
        .unwrap()
        .as_str()
        .rsplit_once('-')
        .unwrap()
        .0
        .to_string()
        + "-512";
    assert_eq!(descriptor.owner.as_ref().unwrap().as_str(), da);
    let dacl = descriptor.dacl.as_ref().unwrap();
    assert!(dacl.iter().any(|a| a.allow && a.trustee.as_str() == da));
    let nested: BTreeSet<String> = ga.nested.iter().map(Dn::folded).collect();
    assert_eq!(
        nested,
        [Dn::new(fixture::nested("Nested-A")).folded()]
            .into_iter()
            .collect()
    );
    assert_eq!(snap.groups.len(), 8, "5 role groups and Nested-A, -B, -C");
}
