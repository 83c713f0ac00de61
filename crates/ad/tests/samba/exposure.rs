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
use rolesync_testkit::samba::delegations::{plant, FOREIGN_SID, PASSWORD, UNKNOWN_SID};
use std::collections::BTreeSet;

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
    let t0 = std::time::Instant::now();
    let snap = src.read_exposure(&crate::scope()).await.unwrap();
    let read = t0.elapsed();
    let roles = role_groups(&snap.role_groups, &policy().mapping);
    let r = assess(
        &snap,
        &roles,
        &ExposureSettings::for_ou(Dn::new(fixture::ROLES_OU)),
    );
    // A figure, not a limit: the read (connect, bind, descriptors, principals) and the
    // assessment, for the fixture's groups.
    eprintln!(
        "exposure: read {} groups and {} principals in {:.3} s, assessed in {:.3} s",
        snap.groups.len(),
        snap.principals.len(),
        read.as_secs_f64(),
        t0.elapsed().saturating_sub(read).as_secs_f64()
    );
    r
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
    // pg-paul is in Server Team by his primary group alone.
    let members = dc.ldbsearch("(cn=Server Team)", &["member"]);
    assert!(!members.contains("CN=pg-paul"), "{members}");

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
            FOREIGN_SID.to_string(),
            Right::WriteMember,
            "Mail Team".to_string(),
            v(&["Helpdesk"]),
            v(&["Mail Team", "Exchange Administrator"]),
        ),
        (
            UNKNOWN_SID.to_string(),
            Right::WriteMember,
            "Exchange Administrator".to_string(),
            v(&[]),
            v(&["Exchange Administrator"]),
        ),
        (
            "pg-paul".to_string(),
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

    // An unknown SID is shown as the SID.
    let unknown = admin_report
        .findings
        .iter()
        .find(|f| f.group.name == "Exchange Administrator" && f.kind == FindingKind::CanChange)
        .unwrap();
    assert_eq!(
        unknown.principal.as_ref().unwrap().kind,
        rolesync_core::exposure::PrincipalKind::Unknown
    );
    assert!(
        unknown
            .message
            .starts_with(&format!("unknown SID {UNKNOWN_SID} → may write member")),
        "{}",
        unknown.message
    );

    // A foreign security principal (created by Samba for a member added by a foreign SID) is
    // named as such.
    let foreign = admin_report
        .findings
        .iter()
        .find(|f| f.principal.as_ref().is_some_and(|p| p.name == FOREIGN_SID))
        .unwrap();
    assert_eq!(
        foreign.principal.as_ref().unwrap().kind,
        rolesync_core::exposure::PrincipalKind::ForeignSecurityPrincipal
    );
    assert!(
        foreign.message.starts_with(&format!(
            "foreign security principal {FOREIGN_SID} (an account of a trusted domain or forest) through Helpdesk"
        )),
        "{}",
        foreign.message
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
