//! One table test per planning rule of DESIGN §1 points 1–7.

use crate::fixture::*;
use rolesync_core::directory::SourceProblem;
use rolesync_core::ids::{Dn, ObjectGuid, Upn};
use rolesync_core::plan::{
    plan, Action, ChangeReason, MatchedBy, Plan, SkipReason, StopKind, UntouchedReason,
};
use rolesync_core::policy::{ExplicitMapping, GroupRef, RoleRef};
use rolesync_core::tenant::{AssignmentKind, Principal, UserType};

fn users(p: &Plan, role: &str, action: Action) -> Vec<String> {
    let r = p
        .roles
        .iter()
        .find(|r| r.role_name == role)
        .expect("role planned");
    let list = if action == Action::Grant {
        &r.grants
    } else {
        &r.revokes
    };
    list.iter().map(|c| c.user.clone()).collect()
}

fn stops(p: &Plan) -> Vec<&StopKind> {
    p.stops.iter().map(|s| &s.kind).collect()
}

#[test]
fn groups_map_to_roles_by_name_without_case() {
    let d = snapshot(vec![
        group("exchange ADMINISTRATOR", vec![ad(1, "alice")]),
        group("Coffee Admins", vec![]),
    ]);
    let t = tenant(vec![synced(1, "alice")], vec![]);
    let p = plan(&d, &t, &policy());
    assert_eq!(p.roles.len(), 1);
    assert_eq!(p.roles[0].role_name, "Exchange Administrator");
    assert_eq!(
        users(&p, "Exchange Administrator", Action::Grant),
        ["alice@contoso.com"]
    );
    assert_eq!(p.unmapped_groups.len(), 1);
    assert_eq!(p.unmapped_groups[0].name, "Coffee Admins");
    assert!(p.unmapped_groups[0]
        .reason
        .contains("no Entra role is named"));
    assert!(p.stops.is_empty());
}

#[test]
fn prefix_is_required_and_stripped() {
    let d = snapshot(vec![
        group("M365-Exchange Administrator", vec![ad(1, "alice")]),
        group("Helpdesk Administrator", vec![ad(2, "bob")]),
    ]);
    let t = tenant(vec![synced(1, "alice"), synced(2, "bob")], vec![]);
    let mut pol = policy();
    pol.mapping.prefix = Some("m365-".into());
    let p = plan(&d, &t, &pol);
    assert_eq!(
        p.roles
            .iter()
            .map(|r| r.role_name.as_str())
            .collect::<Vec<_>>(),
        ["Exchange Administrator"]
    );
    assert_eq!(p.unmapped_groups.len(), 1);
    assert!(
        p.unmapped_groups[0].reason.contains("prefix"),
        "{}",
        p.unmapped_groups[0].reason
    );
}

#[test]
fn explicit_mappings_extend_and_override_name_matching() {
    let outside = rolesync_core::directory::DirectoryGroup {
        dn: Dn::new("CN=Service Desk,OU=Teams,DC=contoso,DC=com"),
        name: "Service Desk".into(),
        members: vec![ad(2, "bob")],
        nested_groups: vec![],
    };
    let d = snapshot(vec![group("Mail Admins", vec![ad(1, "alice")]), outside]);
    let t = tenant(vec![synced(1, "alice"), synced(2, "bob")], vec![]);
    let mut pol = policy();
    pol.mapping.explicit = vec![
        ExplicitMapping {
            group: GroupRef::Name("mail admins".into()),
            role: Some(RoleRef::Name("Exchange Administrator".into())),
            kind: AssignmentKind::Active,
            allow_empty: false,
            scope: Default::default(),
        },
        ExplicitMapping {
            group: GroupRef::Dn(Dn::new("cn=service desk,ou=teams,dc=contoso,dc=com")),
            role: Some(RoleRef::Id(role("Helpdesk Administrator").id)),
            kind: AssignmentKind::Active,
            allow_empty: false,
            scope: Default::default(),
        },
    ];
    assert_eq!(pol.extra_groups().len(), 1);
    let p = plan(&d, &t, &pol);
    assert!(p.unmapped_groups.is_empty());
    assert_eq!(
        users(&p, "Exchange Administrator", Action::Grant),
        ["alice@contoso.com"]
    );
    assert_eq!(
        users(&p, "Helpdesk Administrator", Action::Grant),
        ["bob@contoso.com"]
    );
}

#[test]
fn mapping_to_an_unknown_role_or_missing_group_stops() {
    let d = snapshot(vec![group("Mail Admins", vec![ad(1, "alice")])]);
    let t = tenant(vec![synced(1, "alice")], vec![]);
    let mut pol = policy();
    pol.mapping.explicit = vec![
        ExplicitMapping {
            group: GroupRef::Name("Mail Admins".into()),
            role: Some(RoleRef::Id("00000000-1111-2222-3333-444444444444".into())),
            kind: AssignmentKind::Active,
            allow_empty: false,
            scope: Default::default(),
        },
        ExplicitMapping {
            group: GroupRef::Dn(Dn::new("CN=Gone,DC=contoso,DC=com")),
            role: None,
            kind: AssignmentKind::Active,
            allow_empty: false,
            scope: Default::default(),
        },
    ];
    let p = plan(&d, &t, &pol);
    assert_eq!(
        stops(&p),
        [&StopKind::MappingProblem, &StopKind::MappingProblem]
    );
    assert!(p.stops[0]
        .message
        .contains("00000000-1111-2222-3333-444444444444"));
    assert!(p.stops[1].message.contains("CN=Gone"));
    assert!(p.blocked(true), "mapping problems cannot be forced past");
}

#[test]
fn grants_what_is_missing_and_keeps_what_is_held() {
    let (a, b) = (synced(1, "alice"), synced(2, "bob"));
    let d = snapshot(vec![group(
        "Exchange Administrator",
        vec![ad(1, "alice"), ad(2, "bob")],
    )]);
    let t = tenant(
        vec![a.clone(), b],
        vec![active("Exchange Administrator", &a)],
    );
    let p = plan(&d, &t, &policy());
    let r = &p.roles[0];
    assert_eq!(r.unchanged, ["alice@contoso.com"]);
    assert_eq!(
        users(&p, "Exchange Administrator", Action::Grant),
        ["bob@contoso.com"]
    );
    assert_eq!(
        r.grants[0].reason,
        ChangeReason::MemberOfGroup {
            matched_by: MatchedBy::SourceAnchor
        }
    );
    assert!(r.revokes.is_empty());
    assert_eq!(p.summary.grants, 1);
    assert_eq!(p.summary.unchanged, 1);
}

#[test]
fn two_groups_for_one_role_are_united_and_members_counted_once() {
    let alice = ad(1, "alice");
    let mut second = group("Mail Admins", vec![alice.clone(), ad(2, "bob")]);
    second.dn = Dn::new("CN=Mail Admins,OU=Teams,DC=contoso,DC=com");
    let d = snapshot(vec![group("Exchange Administrator", vec![alice]), second]);
    let t = tenant(vec![synced(1, "alice"), synced(2, "bob")], vec![]);
    let mut pol = policy();
    pol.mapping.explicit = vec![ExplicitMapping {
        group: GroupRef::Dn(Dn::new("CN=Mail Admins,OU=Teams,DC=contoso,DC=com")),
        role: Some(RoleRef::Name("Exchange Administrator".into())),
        kind: AssignmentKind::Active,
        allow_empty: false,
        scope: Default::default(),
    }];
    let p = plan(&d, &t, &pol);
    assert_eq!(p.roles.len(), 1);
    assert_eq!(p.roles[0].groups.len(), 2);
    assert_eq!(
        users(&p, "Exchange Administrator", Action::Grant),
        ["alice@contoso.com", "bob@contoso.com"]
    );
}

#[test]
fn matching_prefers_anchor_then_consistency_guid_then_sid_and_upn_only_when_enabled() {
    // 1: anchor; 2: consistency guid as anchor; 3: SID only; 4: UPN only.
    let mut cg = ad(2, "bob");
    cg.consistency_guid = Some(ObjectGuid::parse("bbbbbbbb-0000-4000-8000-000000000002").unwrap());
    let mut bob = synced(2, "bob");
    bob.on_premises_immutable_id = Some(cg.consistency_guid.unwrap().immutable_id());
    let mut carol = synced(3, "carol");
    carol.on_premises_immutable_id = None;
    let mut dave = synced(4, "dave");
    dave.on_premises_immutable_id = None;
    dave.on_premises_security_identifier = None;
    let mut dave_ad = ad(4, "dave");
    dave_ad.sid = None;
    let d = snapshot(vec![group(
        "Exchange Administrator",
        vec![ad(1, "alice"), cg, ad(3, "carol"), dave_ad],
    )]);
    let t = tenant(vec![synced(1, "alice"), bob, carol, dave], vec![]);

    let p = plan(&d, &t, &policy());
    let by: Vec<(String, ChangeReason)> = p.roles[0]
        .grants
        .iter()
        .map(|c| (c.user.clone(), c.reason.clone()))
        .collect();
    assert_eq!(
        by,
        [
            (
                "alice@contoso.com".into(),
                ChangeReason::MemberOfGroup {
                    matched_by: MatchedBy::SourceAnchor
                }
            ),
            (
                "bob@contoso.com".into(),
                ChangeReason::MemberOfGroup {
                    matched_by: MatchedBy::SourceAnchor
                }
            ),
            (
                "carol@contoso.com".into(),
                ChangeReason::MemberOfGroup {
                    matched_by: MatchedBy::Sid
                }
            ),
        ]
    );
    assert_eq!(p.roles[0].skipped.len(), 1);
    assert_eq!(p.roles[0].skipped[0].reason, SkipReason::NotInEntra);

    let mut pol = policy();
    pol.matching.by_upn = true;
    let p = plan(&d, &t, &pol);
    let dave = p.roles[0]
        .grants
        .iter()
        .find(|c| c.user == "dave@contoso.com")
        .expect("dave matched by UPN");
    assert_eq!(
        dave.reason,
        ChangeReason::MemberOfGroup {
            matched_by: MatchedBy::Upn
        }
    );
}

#[test]
fn upn_match_to_an_object_anchored_elsewhere_is_skipped() {
    let mut u = ad(1, "alice");
    u.sid = None;
    let mut e = synced(9, "alice");
    e.on_premises_security_identifier = None;
    let d = snapshot(vec![group("Exchange Administrator", vec![u])]);
    let t = tenant(vec![e], vec![]);
    let mut pol = policy();
    pol.matching.by_upn = true;
    let p = plan(&d, &t, &pol);
    assert!(p.roles[0].grants.is_empty());
    assert_eq!(p.roles[0].skipped[0].reason, SkipReason::AnchorMismatch);
}

#[test]
fn disabled_members_are_skipped_and_lose_the_role() {
    let dave = synced(4, "dave");
    let d = snapshot(vec![group(
        "Exchange Administrator",
        vec![
            ad(1, "alice"),
            disabled(ad(4, "dave")),
            disabled(ad(5, "erin")),
        ],
    )]);
    let t = tenant(
        vec![synced(1, "alice"), dave.clone()],
        vec![active("Exchange Administrator", &dave)],
    );
    let p = plan(&d, &t, &policy());
    let r = &p.roles[0];
    assert_eq!(
        users(&p, "Exchange Administrator", Action::Revoke),
        ["dave@contoso.com"]
    );
    assert_eq!(r.revokes[0].reason, ChangeReason::DisabledInAd);
    assert!(r.revokes[0].assignment_id.is_some());
    let skipped: Vec<_> = r
        .skipped
        .iter()
        .map(|s| (s.user.as_str(), &s.reason))
        .collect();
    assert_eq!(
        skipped,
        [
            ("dave@contoso.com", &SkipReason::Disabled),
            ("erin@contoso.com", &SkipReason::Disabled)
        ]
    );
}

#[test]
fn members_without_entra_account_are_skipped_with_reason() {
    let d = snapshot(vec![group(
        "Exchange Administrator",
        vec![
            ad(5, "erin"),
            ad(6, "frank@corp.local"),
            ad(7, "gus@CONTOSO"),
        ],
    )]);
    let t = tenant(vec![], vec![]);
    let p = plan(&d, &t, &policy());
    let r = &p.roles[0];
    assert!(r.grants.is_empty());
    let reasons: Vec<_> = r
        .skipped
        .iter()
        .map(|s| (s.user.as_str(), s.reason.clone()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("erin@contoso.com", SkipReason::NotInEntra),
            (
                "frank@corp.local",
                SkipReason::NonRoutableUpn {
                    suffix: "corp.local".into()
                }
            ),
            (
                "gus@CONTOSO",
                SkipReason::NonRoutableUpn {
                    suffix: "CONTOSO".into()
                }
            ),
        ]
    );
    assert!(r.skipped[0].message.contains(&guid(5).immutable_id()));
    assert!(p.stops.is_empty(), "a skipped user never stops the run");
}

#[test]
fn matched_cloud_only_user_is_not_granted() {
    let mut e = cloud(1, "alice");
    e.on_premises_security_identifier = Some(sid(1));
    let d = snapshot(vec![group("Exchange Administrator", vec![ad(1, "alice")])]);
    let p = plan(&d, &tenant(vec![e], vec![]), &policy());
    assert_eq!(p.roles[0].skipped[0].reason, SkipReason::MatchNotSynced);
}

#[test]
fn only_synced_members_are_managed() {
    let stale = synced(9, "oliver");
    let cloud_admin = cloud(11, "cloudadmin@contoso.onmicrosoft.com");
    let mut guest = cloud(12, "partner_fabrikam.com#EXT#@contoso.onmicrosoft.com");
    guest.user_type = UserType::Guest;
    let mut unsynced = synced(13, "former");
    unsynced.on_premises_sync_enabled = Some(false);
    let grp = Principal::Group {
        id: "eeeeeeee-0000-4000-8000-0000000000b1".into(),
        display_name: "Cloud Helpdesk".into(),
    };
    let sp = Principal::ServicePrincipal {
        id: "eeeeeeee-0000-4000-8000-0000000000a1".into(),
        display_name: "Mail Connector".into(),
    };
    let d = snapshot(vec![group("Helpdesk Administrator", vec![ad(1, "alice")])]);
    let t = tenant(
        vec![synced(1, "alice"), stale.clone()],
        vec![
            active("Helpdesk Administrator", &stale),
            active("Helpdesk Administrator", &cloud_admin),
            active("Helpdesk Administrator", &guest),
            active("Helpdesk Administrator", &unsynced),
            assigned("Helpdesk Administrator", grp, AssignmentKind::Active),
            assigned("Helpdesk Administrator", sp, AssignmentKind::Active),
        ],
    );
    let p = plan(&d, &t, &policy());
    assert_eq!(
        users(&p, "Helpdesk Administrator", Action::Revoke),
        ["oliver@contoso.com"]
    );
    assert_eq!(p.roles[0].revokes[0].reason, ChangeReason::NotInGroup);
    let mut reasons: Vec<_> = p.roles[0].untouched.iter().map(|u| u.reason).collect();
    reasons.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(
        reasons,
        [
            UntouchedReason::CloudOnly,
            UntouchedReason::Group,
            UntouchedReason::Guest,
            UntouchedReason::NoLongerSynced,
            UntouchedReason::ServicePrincipal,
        ]
    );
    assert_eq!(p.roles[0].managed_holders, 1);
}

#[test]
fn protected_accounts_are_never_revoked() {
    let (svc, ops) = (synced(13, "svc-monitor"), synced(14, "ops"));
    let d = snapshot(vec![group("Global Administrator", vec![ad(1, "alice")])]);
    let t = tenant(
        vec![synced(1, "alice"), svc.clone(), ops.clone()],
        vec![
            active("Global Administrator", &svc),
            active("Global Administrator", &ops),
        ],
    );
    let mut pol = policy();
    pol.protected = vec![
        "SVC-MONITOR@contoso.com".into(),
        ops.id.to_string().to_uppercase(),
    ];
    let p = plan(&d, &t, &pol);
    assert!(p.roles[0].revokes.is_empty());
    assert!(p.roles[0]
        .untouched
        .iter()
        .all(|u| u.reason == UntouchedReason::Protected));
    assert_eq!(p.roles[0].untouched.len(), 2);
}

#[test]
fn eligible_mappings_use_pim_and_never_revoke_activations() {
    let (gina, henry, ivan, kim) = (
        synced(6, "gina"),
        synced(7, "henry"),
        synced(8, "ivan"),
        synced(15, "kim"),
    );
    let d = snapshot(vec![group(
        "Security Reader",
        vec![ad(6, "gina"), ad(7, "henry"), ad(16, "lou")],
    )]);
    let t = tenant(
        vec![
            gina.clone(),
            henry.clone(),
            ivan.clone(),
            kim.clone(),
            synced(16, "lou"),
        ],
        vec![
            eligible("Security Reader", &gina),
            eligible("Security Reader", &ivan),
            activated("Security Reader", &henry),
            activated("Security Reader", &ivan),
            active("Security Reader", &kim),
        ],
    );
    let mut pol = policy();
    pol.mapping.explicit = vec![ExplicitMapping {
        group: GroupRef::Name("Security Reader".into()),
        role: None,
        kind: AssignmentKind::Eligible,
        allow_empty: false,
        scope: Default::default(),
    }];
    let p = plan(&d, &t, &pol);
    let r = &p.roles[0];
    assert_eq!(r.kind, AssignmentKind::Eligible);
    assert_eq!(
        users(&p, "Security Reader", Action::Grant),
        ["henry@contoso.com", "lou@contoso.com"]
    );
    assert!(r.grants.iter().all(|c| c.kind == AssignmentKind::Eligible));
    assert_eq!(
        users(&p, "Security Reader", Action::Revoke),
        ["ivan@contoso.com"]
    );
    assert_eq!(
        r.revokes[0].assignment_id, None,
        "eligibility is removed by a PIM request, not by id"
    );
    assert_eq!(r.unchanged, ["gina@contoso.com"]);
    let untouched: Vec<_> = r
        .untouched
        .iter()
        .map(|u| (u.principal.as_str(), u.reason))
        .collect();
    assert_eq!(
        untouched,
        [
            ("henry@contoso.com", UntouchedReason::PimActivation),
            ("ivan@contoso.com", UntouchedReason::PimActivation),
            ("kim@contoso.com", UntouchedReason::OtherKind),
        ]
    );
}

#[test]
fn active_mapping_keeps_a_user_who_holds_the_role_through_an_activation() {
    // Graph refuses a permanent assignment beside the activation ("already exists"): a grant
    // planned here would be reported as made on every run while nothing changes. The user holds
    // the role now; the permanent assignment is planned once the activation has ended.
    let henry = synced(7, "henry");
    let d = snapshot(vec![group("Security Reader", vec![ad(7, "henry")])]);
    let t = tenant(
        vec![henry.clone()],
        vec![activated("Security Reader", &henry)],
    );
    let p = plan(&d, &t, &policy());
    assert!(users(&p, "Security Reader", Action::Grant).is_empty());
    assert_eq!(p.roles[0].unchanged, ["henry@contoso.com"]);
    assert_eq!(
        p.roles[0].untouched[0].reason,
        UntouchedReason::PimActivation
    );
    // Once the activation has ended, the permanent assignment is planned.
    let t = tenant(vec![henry.clone()], vec![]);
    let p = plan(&d, &t, &policy());
    assert_eq!(
        users(&p, "Security Reader", Action::Grant),
        ["henry@contoso.com"]
    );
}

/// `n` synced holders of Exchange Administrator, the first `keep` of them still in the group.
fn revoke_case(n: u8, keep: u8) -> Plan {
    let holders: Vec<_> = (1..=n).map(|i| synced(i, &format!("user{i}"))).collect();
    let members = (1..=keep).map(|i| ad(i, &format!("user{i}"))).collect();
    let d = snapshot(vec![group("Exchange Administrator", members)]);
    let t = tenant(
        holders.clone(),
        holders
            .iter()
            .map(|u| active("Exchange Administrator", u))
            .collect(),
    );
    plan(&d, &t, &policy())
}

#[test]
fn revoke_limit_needs_both_count_and_share() {
    // 11 of 12 managed: over 10 and over 25 % → stop.
    let p = revoke_case(12, 1);
    assert_eq!(
        stops(&p),
        [&StopKind::RevokeLimit {
            revokes: 11,
            managed: 12
        }]
    );
    assert!(p.stops[0].overridable);
    assert!(p.blocked(false));
    assert!(!p.blocked(true), "--force goes past the revoke limit");
    // 11 of 50: over the count but only 22 % → no stop.
    assert!(revoke_case(50, 39).stops.is_empty());
    // 10 of 11: 91 % but not over the count → no stop.
    assert!(revoke_case(11, 1).stops.is_empty());
    // Configurable.
    let holders: Vec<_> = (1..=4).map(|i| synced(i, &format!("user{i}"))).collect();
    let d = snapshot(vec![group(
        "Exchange Administrator",
        vec![ad(1, "user1"), ad(2, "user2")],
    )]);
    let t = tenant(
        holders.clone(),
        holders
            .iter()
            .map(|u| active("Exchange Administrator", u))
            .collect(),
    );
    let mut pol = policy();
    pol.limits.max_revokes = 1;
    pol.limits.max_revoke_percent = 40;
    assert_eq!(
        stops(&plan(&d, &t, &pol)),
        [&StopKind::RevokeLimit {
            revokes: 2,
            managed: 4
        }]
    );
}

#[test]
fn an_empty_group_does_not_revoke_everyone_unless_allowed() {
    let a = synced(1, "alice");
    let d = snapshot(vec![group("Exchange Administrator", vec![])]);
    let t = tenant(vec![a.clone()], vec![active("Exchange Administrator", &a)]);
    let p = plan(&d, &t, &policy());
    assert_eq!(stops(&p), [&StopKind::EmptyGroup]);
    assert!(p.stops[0].message.contains("allow_empty"));
    let mut pol = policy();
    pol.mapping.explicit = vec![ExplicitMapping {
        group: GroupRef::Name("Exchange Administrator".into()),
        role: None,
        kind: AssignmentKind::Active,
        allow_empty: true,
        scope: Default::default(),
    }];
    let p = plan(&d, &t, &pol);
    assert!(p.stops.is_empty());
    assert_eq!(p.summary.revokes, 1);
}

#[test]
fn the_last_global_administrator_is_never_removed() {
    let (a, b) = (synced(1, "alice"), synced(2, "bob"));
    let d = snapshot(vec![group(
        "Global Administrator",
        vec![disabled(ad(1, "alice"))],
    )]);
    let t = tenant(
        vec![a.clone(), b.clone()],
        vec![
            active("Global Administrator", &a),
            active("Global Administrator", &b),
        ],
    );
    let mut pol = policy();
    pol.mapping.explicit = vec![ExplicitMapping {
        group: GroupRef::Name("Global Administrator".into()),
        role: None,
        kind: AssignmentKind::Active,
        allow_empty: true,
        scope: Default::default(),
    }];
    let p = plan(&d, &t, &pol);
    assert_eq!(stops(&p), [&StopKind::LastGlobalAdministrator]);
    assert!(
        p.blocked(true),
        "--force cannot remove the last Global Administrator"
    );

    // A cloud-only break-glass GA remains: no stop.
    let bg = cloud(10, "breakglass@contoso.onmicrosoft.com");
    let mut t2 = t.clone();
    t2.assignments.push(active("Global Administrator", &bg));
    assert!(plan(&d, &t2, &pol).stops.is_empty());
}

#[test]
fn an_incomplete_source_read_stops_even_with_force() {
    let a = synced(1, "alice");
    let mut d = snapshot(vec![group("Exchange Administrator", vec![])]);
    d.problems.push(SourceProblem {
        group: Some(Dn::new(format!("CN=Exchange Administrator,{OU}"))),
        message: "member range read failed".into(),
    });
    let t = tenant(vec![a.clone()], vec![active("Exchange Administrator", &a)]);
    let p = plan(&d, &t, &policy());
    assert!(stops(&p).contains(&&StopKind::SourceIncomplete));
    assert!(p.blocked(true));
}

#[test]
fn plan_is_deterministic_whatever_the_input_order() {
    let users_ad: Vec<_> = (1..=6).map(|i| ad(i, &format!("u{i}"))).collect();
    let users_e: Vec<_> = (1..=8).map(|i| synced(i, &format!("u{i}"))).collect();
    let asg: Vec<_> = users_e[4..]
        .iter()
        .map(|u| active("User Administrator", u))
        .collect();
    let d = snapshot(vec![
        group("User Administrator", users_ad.clone()),
        group("Exchange Administrator", users_ad[..2].to_vec()),
    ]);
    let t = tenant(users_e.clone(), asg.clone());
    let p1 = plan(&d, &t, &policy());

    let mut d2 = d.clone();
    d2.groups.reverse();
    d2.groups.iter_mut().for_each(|g| g.members.reverse());
    let mut t2 = t.clone();
    t2.users.reverse();
    t2.assignments.reverse();
    let p2 = plan(&d2, &t2, &policy());
    assert_eq!(p1, p2);
    assert_eq!(p1.roles[0].role_name, "Exchange Administrator");
    assert_eq!(
        Upn::new(&p1.roles[1].grants[0].user),
        Upn::new("u1@contoso.com")
    );
}
