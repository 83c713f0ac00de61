//! The exposure assessment over a hand-built directory: each kind of path is found with its
//! route, expected Tier-0 trustees and empty groups are not, a deny before an allow takes the
//! right away, and what cannot be read is said.

use rolesync_core::exposure::access::{mask, MEMBER_ATTRIBUTE};
use rolesync_core::exposure::{
    assess, Ace, Descriptor, DirectoryPrincipal, ExposureSettings, ExposureSnapshot, FindingKind,
    GuardedGroup, PrincipalKind, Right, RoleGroup, SecurityDescriptor, Severity,
};
use rolesync_core::ids::{Dn, ObjectGuid, Sid};

const DOMAIN: &str = "S-1-5-21-100-200-300";
const OU: &str = "OU=Roles,DC=contoso,DC=com";

fn sid(rid: u32) -> Sid {
    Sid::parse(&format!("{DOMAIN}-{rid}")).unwrap()
}

fn dn(cn: &str, ou: &str) -> Dn {
    Dn::new(format!("CN={cn},{ou}"))
}

fn role_dn(cn: &str) -> Dn {
    dn(cn, OU)
}

fn staff(cn: &str) -> Dn {
    dn(cn, "OU=Staff,DC=contoso,DC=com")
}

fn allow(trustee: Sid, mask: u32, object: Option<&str>) -> Ace {
    Ace {
        allow: true,
        flags: 0,
        mask,
        object_type: object.map(|o| ObjectGuid::parse(o).unwrap()),
        trustee,
        conditional: false,
    }
}

fn deny(trustee: Sid, mask: u32, object: Option<&str>) -> Ace {
    Ace {
        allow: false,
        ..allow(trustee, mask, object)
    }
}

fn user(cn: &str, rid: u32) -> DirectoryPrincipal {
    DirectoryPrincipal {
        sid: Some(sid(rid)),
        dn: staff(cn),
        name: cn.into(),
        kind: PrincipalKind::User,
        enabled: Some(true),
        members: vec![],
    }
}

fn group(cn: &str, rid: u32, members: Vec<Dn>) -> DirectoryPrincipal {
    DirectoryPrincipal {
        sid: Some(sid(rid)),
        dn: staff(cn),
        name: cn.into(),
        kind: PrincipalKind::Group,
        enabled: None,
        members,
    }
}

/// Every role group gets what AD gives a new group: Domain Admins, SYSTEM and Account Operators
/// full control, Authenticated Users read, Enterprise Admins and Administrators inherited.
fn defaults() -> Vec<Ace> {
    vec![
        allow(sid(512), mask::FULL_CONTROL, None),
        allow(Sid::parse("S-1-5-18").unwrap(), mask::FULL_CONTROL, None),
        allow(Sid::parse("S-1-5-11").unwrap(), 0x0002_0094, None),
        allow(
            Sid::parse("S-1-5-32-548").unwrap(),
            mask::FULL_CONTROL,
            None,
        ),
        allow(sid(519), mask::FULL_CONTROL, None),
        allow(Sid::parse("S-1-5-32-544").unwrap(), 0x000F_00FF, None),
    ]
}

fn guarded(dn: Dn, owner: Sid, extra: Vec<Ace>, nested: Vec<Dn>) -> GuardedGroup {
    let mut dacl = extra;
    dacl.extend(defaults());
    GuardedGroup {
        name: dn.first_rdn_value().to_string(),
        dn,
        sid: None,
        descriptor: Descriptor::Read {
            descriptor: SecurityDescriptor {
                owner: Some(owner),
                dacl: Some(dacl),
            },
        },
        managed_by: None,
        nested,
    }
}

struct World {
    snap: ExposureSnapshot,
    roles: Vec<RoleGroup>,
}

fn world() -> World {
    let da = sid(512);
    let nested_a = dn("Nested-A", "OU=Nested,DC=contoso,DC=com");
    let nested_b = dn("Nested-B", "OU=Nested,DC=contoso,DC=com");
    let mut ga = guarded(
        role_dn("Global Administrator"),
        da.clone(),
        vec![],
        vec![nested_a.clone()],
    );
    // A deny for bruno before the allow for Ops (bruno and carl): only carl can.
    if let Descriptor::Read { descriptor } = &mut ga.descriptor {
        let dacl = descriptor.dacl.as_mut().unwrap();
        dacl.insert(
            0,
            deny(sid(1107), mask::DS_WRITE_PROPERTY, Some(MEMBER_ATTRIBUTE)),
        );
        dacl.insert(
            1,
            allow(sid(1108), mask::DS_WRITE_PROPERTY, Some(MEMBER_ATTRIBUTE)),
        );
    }
    let a = guarded(nested_a.clone(), da.clone(), vec![], vec![nested_b.clone()]);
    let b = guarded(
        nested_b.clone(),
        da.clone(),
        vec![allow(
            sid(1101),
            mask::DS_WRITE_PROPERTY,
            Some(MEMBER_ATTRIBUTE),
        )],
        vec![],
    );
    let exchange = guarded(role_dn("Exchange Administrator"), sid(1103), vec![], vec![]);
    let helpdesk = guarded(
        role_dn("Helpdesk Administrator"),
        da.clone(),
        vec![
            allow(sid(1104), mask::FULL_CONTROL, None),
            // Domain Admins again, explicitly: still expected.
            allow(da.clone(), mask::FULL_CONTROL, None),
        ],
        vec![],
    );
    let mut printers = guarded(
        role_dn("Printer Administrator"),
        da.clone(),
        vec![allow(
            sid(1106),
            mask::DS_WRITE_PROPERTY,
            Some(MEMBER_ATTRIBUTE),
        )],
        vec![],
    );
    printers.managed_by = Some(staff("manny"));
    let mut blind = guarded(role_dn("Security Reader"), da.clone(), vec![], vec![]);
    blind.descriptor = Descriptor::Unreadable {
        reason: "nTSecurityDescriptor was not returned".into(),
    };
    let foreign = Sid::parse("S-1-5-21-9-9-9-1234").unwrap();
    let gone = Sid::parse(&format!("{DOMAIN}-4242")).unwrap();
    let sharepoint = guarded(
        role_dn("SharePoint Administrator"),
        da.clone(),
        vec![
            allow(
                foreign.clone(),
                mask::DS_WRITE_PROPERTY,
                Some(MEMBER_ATTRIBUTE),
            ),
            allow(gone, mask::WRITE_DAC, None),
            allow(
                Sid::parse("S-1-1-0").unwrap(),
                mask::DS_SELF,
                Some(MEMBER_ATTRIBUTE),
            ),
        ],
        vec![],
    );
    let principals = vec![
        user("anna", 1100),
        group("Helpdesk Tier 1", 1101, vec![staff("anna")]),
        user("otto", 1103),
        group("Tier2 Admins", 1104, vec![staff("Tier2 EU")]),
        group(
            "Tier2 EU",
            1105,
            vec![staff("greta"), staff("Tier2 Admins")],
        ),
        user("greta", 1102),
        user("manny", 1106),
        user("bruno", 1107),
        user("carl", 1109),
        group("Ops", 1108, vec![staff("bruno"), staff("carl")]),
        group("Domain Admins", 512, vec![staff("Administrator")]),
        user("Administrator", 500),
        DirectoryPrincipal {
            sid: Some(Sid::parse("S-1-5-32-548").unwrap()),
            dn: Dn::new("CN=Account Operators,CN=Builtin,DC=contoso,DC=com"),
            name: "Account Operators".into(),
            kind: PrincipalKind::Group,
            enabled: None,
            members: vec![],
        },
        DirectoryPrincipal {
            sid: Some(foreign),
            dn: Dn::new("CN=S-1-5-21-9-9-9-1234,CN=ForeignSecurityPrincipals,DC=contoso,DC=com"),
            name: "S-1-5-21-9-9-9-1234".into(),
            kind: PrincipalKind::ForeignSecurityPrincipal,
            enabled: None,
            members: vec![],
        },
    ];
    let snap = ExposureSnapshot {
        role_groups: vec![],
        groups: vec![ga, a, b, exchange, helpdesk, printers, blind, sharepoint],
        principals,
        problems: vec![],
    };
    let role = |cn: &str, privileged: bool| RoleGroup {
        dn: role_dn(cn),
        roles: vec![cn.to_string()],
        privileged,
    };
    World {
        snap,
        roles: vec![
            role("Global Administrator", true),
            role("Exchange Administrator", true),
            role("Helpdesk Administrator", true),
            role("Printer Administrator", false),
            role("Security Reader", true),
            role("SharePoint Administrator", false),
        ],
    }
}

fn settings() -> ExposureSettings {
    ExposureSettings::for_ou(Dn::new(OU))
}

#[test]
fn every_kind_of_path_is_found_with_its_route_and_nothing_else() {
    let w = world();
    let r = assess(&w.snap, &w.roles, &settings());
    let lines: Vec<String> = r.findings.iter().map(|f| f.message.clone()).collect();
    let text = lines.join("\n");
    let has = |needle: &str| {
        assert!(
            lines.iter().filter(|l| l.contains(needle)).count() == 1,
            "exactly one line with `{needle}` in:\n{text}"
        )
    };
    // A delegated write-member on a nested group outside the OU, held through a group.
    has("user anna through Helpdesk Tier 1 → may write member → on \"Nested-B\" (CN=Nested-B,OU=Nested,DC=contoso,DC=com) → reaches \"Global Administrator\" through Nested-B ⊂ Nested-A ⊂ Global Administrator");
    // An owner.
    has("user otto → owner (may change its permissions) → on \"Exchange Administrator\"");
    // GenericAll held by a group of groups.
    has("user greta through Tier2 EU ⊂ Tier2 Admins → full control (GenericAll) → on \"Helpdesk Administrator\"");
    // managedBy with "Manager can update membership list".
    has("user manny → may write member as its manager (managedBy, \"Manager can update membership list\") → on \"Printer Administrator\"");
    // The deny before the allow: carl, not bruno.
    has("user carl through Ops → may write member → on \"Global Administrator\"");
    assert!(!text.contains("user bruno"), "{text}");
    // What cannot be seen, foreign and unknown principals, everyone.
    has("cannot see who can change \"Security Reader\"");
    has("foreign security principal S-1-5-21-9-9-9-1234 (an account of a trusted domain or forest) → may write member");
    has(&format!(
        "unknown SID {DOMAIN}-4242 → may change its permissions (WriteDACL)"
    ));
    has("Everyone (every account) → may add itself (Self-Membership) → on \"SharePoint Administrator\"");
    // Nested groups outside the roles OU.
    has("nested group \"Nested-A\"");
    has("nested group \"Nested-B\"");
    // Tier 0 and empty groups are not reported.
    for absent in [
        "Domain Admins",
        "Administrator ",
        "SYSTEM",
        "Account Operators",
        "Enterprise Admins",
    ] {
        assert!(!text.contains(absent), "`{absent}` in:\n{text}");
    }
    assert_eq!(r.findings.len(), 11, "{text}");
    assert_eq!(r.role_groups, 6);
    assert_eq!(r.groups, 8);
}

#[test]
fn severities_follow_the_role_and_the_threshold_decides_the_exit() {
    let w = world();
    let r = assess(&w.snap, &w.roles, &settings());
    let sev = |needle: &str| {
        r.findings
            .iter()
            .find(|f| f.message.contains(needle))
            .unwrap_or_else(|| panic!("{needle}"))
            .severity
    };
    assert_eq!(
        sev("user otto"),
        Severity::High,
        "Exchange Administrator is privileged"
    );
    assert_eq!(
        sev("user manny"),
        Severity::Medium,
        "Printer Administrator is not"
    );
    assert_eq!(sev("Everyone"), Severity::High, "every account can");
    assert_eq!(sev("nested group \"Nested-A\""), Severity::Low);
    assert_eq!(sev("cannot see"), Severity::High);
    assert!(r.fails());
    assert_eq!(r.findings[0].severity, Severity::High, "most serious first");
    let manny = r
        .findings
        .iter()
        .find(|f| f.message.contains("user manny"))
        .unwrap();
    assert!(manny.manager);
    assert_eq!(manny.right, Some(Right::WriteMember));
    assert_eq!(manny.kind, FindingKind::CanChange);
    let greta = r
        .findings
        .iter()
        .find(|f| f.message.contains("user greta"))
        .unwrap();
    assert_eq!(greta.via, ["Tier2 EU", "Tier2 Admins"]);
    assert_eq!(greta.principal.as_ref().unwrap().name, "greta");
    // Only low findings: fails at low, not at medium; `never` never.
    let mut s = settings();
    let only_low = ExposureSnapshot {
        groups: w
            .snap
            .groups
            .iter()
            .filter(|g| {
                g.dn.first_rdn_value().starts_with("Nested")
                    || g.dn == role_dn("Global Administrator")
            })
            .cloned()
            .map(|mut g| {
                g.descriptor = Descriptor::Read {
                    descriptor: SecurityDescriptor {
                        owner: Some(sid(512)),
                        dacl: Some(defaults()),
                    },
                };
                g
            })
            .collect(),
        ..w.snap.clone()
    };
    let low = assess(&only_low, &w.roles[..1], &s);
    assert_eq!(low.findings.len(), 2, "{:?}", low.findings);
    assert!(!low.fails());
    s.fail_at = Some(Severity::Low);
    assert!(assess(&only_low, &w.roles[..1], &s).fails());
    s.fail_at = None;
    assert!(!assess(&w.snap, &w.roles, &s).fails());
}

#[test]
fn configured_expected_trustees_replace_the_defaults() {
    let w = world();
    let mut s = settings();
    s.expected = vec![
        "Tier2 Admins".into(),
        format!("{DOMAIN}-1103"),
        "Domain Admins".into(),
    ];
    let r = assess(&w.snap, &w.roles, &s);
    let text: Vec<&str> = r.findings.iter().map(|f| f.message.as_str()).collect();
    assert!(!text.iter().any(|l| l.contains("greta")), "{text:#?}");
    assert!(!text.iter().any(|l| l.contains("otto")), "{text:#?}");
    // SYSTEM is no longer expected but holds nothing through a group; Administrators is not
    // expected now and is named by its well-known name.
    assert!(
        text.iter()
            .any(|l| l.starts_with("Administrators → may change its permissions")),
        "{text:#?}"
    );
}

#[test]
fn a_group_without_a_dacl_is_everyones() {
    let w = world();
    let mut snap = w.snap.clone();
    snap.groups.truncate(1);
    snap.groups[0].nested.clear();
    snap.groups[0].descriptor = Descriptor::Read {
        descriptor: SecurityDescriptor {
            owner: Some(sid(512)),
            dacl: None,
        },
    };
    let r = assess(&snap, &w.roles[..1], &settings());
    assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
    assert_eq!(r.findings[0].right, Some(Right::NoDacl));
    assert_eq!(r.findings[0].severity, Severity::High);
    assert!(r.findings[0]
        .message
        .starts_with("Everyone (every account) → full control (the group has no DACL)"));
}
