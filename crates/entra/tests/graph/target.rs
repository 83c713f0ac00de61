use crate::common::*;
use rolesync_core::ids::{EntraObjectId, RoleDefinitionId, Sid, Upn};
use rolesync_core::plan::{Action, Change, ChangeReason, MatchedBy};
use rolesync_core::tenant::{AssignmentKind, AssignmentOrigin, Principal, UserKey, UserType};
use rolesync_core::traits::{ChangeOutcome, RoleTarget};

pub const GA: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const EXCHANGE: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
pub const SEC_READER: &str = "5d6b6bb7-de71-4623-b4af-96380a352509";
pub const HELPDESK: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";

fn oid(n: &str) -> String {
    format!("eeeeeeee-0000-4000-8000-0000000000{n}")
}

fn change(
    action: Action,
    kind: AssignmentKind,
    role: &str,
    n: &str,
    user: &str,
    assignment_id: Option<String>,
) -> Change {
    Change {
        action,
        kind,
        role_id: RoleDefinitionId::new(role),
        role_name: role.into(),
        directory_scope_id: Default::default(),
        principal_id: EntraObjectId::new(oid(n)),
        user: user.into(),
        assignment_id,
        reason: if action == Action::Grant {
            ChangeReason::MemberOfGroup {
                matched_by: MatchedBy::SourceAnchor,
            }
        } else {
            ChangeReason::NotInGroup
        },
        pim: None,
    }
}

#[tokio::test]
async fn reads_definitions_assignments_and_users_over_https() {
    let emu = start(config(true)).await;
    let t = app_target(&emu, &options(&emu));
    let roles = t.role_definitions().await.unwrap();
    let ga = roles.iter().find(|r| r.id.as_str() == GA).unwrap();
    assert_eq!(ga.display_name, "Global Administrator");
    assert!(ga.is_built_in);
    assert_eq!(ga.template_id, ga.id);

    let ids: Vec<RoleDefinitionId> = [GA, EXCHANGE, SEC_READER, HELPDESK]
        .iter()
        .map(|r| RoleDefinitionId::new(*r))
        .collect();
    let a = t.assignments(&ids).await.unwrap();
    let find = |role: &str, n: &str, kind: AssignmentKind| {
        a.iter()
            .find(|x| {
                x.role_definition_id.as_str() == role
                    && x.principal.id().as_str() == oid(n)
                    && x.kind == kind
            })
            .unwrap_or_else(|| panic!("{role} {n} {kind:?} in {a:#?}"))
    };
    match &find(GA, "01", AssignmentKind::Active).principal {
        Principal::User(u) => {
            assert!(u.is_synced());
            assert_eq!(
                u.on_premises_immutable_id.as_deref(),
                Some("qqqqqgAAAECAAAAAAAAAAQ==")
            );
            assert!(u.on_premises_security_identifier.is_some());
        }
        p => panic!("{p:?}"),
    }
    assert_eq!(
        find(SEC_READER, "07", AssignmentKind::Active).origin,
        AssignmentOrigin::Activated
    );
    find(SEC_READER, "07", AssignmentKind::Eligible);
    find(SEC_READER, "08", AssignmentKind::Eligible);
    assert_eq!(
        find(GA, "01", AssignmentKind::Active).origin,
        AssignmentOrigin::Assigned
    );
    assert!(matches!(
        find(HELPDESK, "b1", AssignmentKind::Active).principal,
        Principal::Group { .. }
    ));
    assert!(matches!(
        find(EXCHANGE, "a1", AssignmentKind::Active).principal,
        Principal::ServicePrincipal { .. }
    ));
    match &find(HELPDESK, "12", AssignmentKind::Active).principal {
        Principal::User(u) => assert_eq!(u.user_type, UserType::Guest),
        p => panic!("{p:?}"),
    }
    match &find(EXCHANGE, "11", AssignmentKind::Active).principal {
        Principal::User(u) => assert_eq!(u.on_premises_sync_enabled, None),
        p => panic!("{p:?}"),
    }

    let keys = vec![
        UserKey {
            immutable_id: "qqqqqgAAAECAAAAAAAAAAQ==".into(),
            sid: None,
            upn: None,
        },
        UserKey {
            immutable_id: "AAAAAAAAAAAAAAAAAAAAAA==".into(),
            sid: Some(Sid::parse("S-1-5-21-1004336348-1177238915-682003330-1114").unwrap()),
            upn: None,
        },
        UserKey {
            immutable_id: "BBBBBBBBBBBBBBBBBBBBBB==".into(),
            sid: None,
            upn: Some(Upn::new("bob@contoso.com")),
        },
        UserKey {
            immutable_id: "nobody+/==".into(),
            sid: None,
            upn: None,
        },
    ];
    let mut users: Vec<String> = t
        .find_users(&keys)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.user_principal_name.to_string())
        .collect();
    users.sort();
    assert_eq!(
        users,
        ["alice@contoso.com", "bob@contoso.com", "paula@contoso.com"]
    );
}

/// Over HTTPS the client and Graph speak HTTP/2: the many reads a sync keeps in flight share
/// one connection (over plain HTTP, HTTP/1.1 needs one connection per request in flight).
#[tokio::test]
async fn concurrent_reads_share_one_http2_connection_over_https() {
    let emu = start(config(true)).await;
    let t = app_target(&emu, &options(&emu));
    let roles: Vec<RoleDefinitionId> = t
        .role_definitions()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert!(roles.len() > 60, "{}", roles.len());
    // Every built-in role's three lists, 32 roles at a time: ~96 requests in flight.
    t.assignments(&roles).await.unwrap();
    let st = emu.stats();
    assert!(st.requests > 3 * 60, "{st:?}");
    assert!(st.connections <= 2, "HTTP/2 not used: {st:?}");

    let plain = start(config(false)).await;
    let t = app_target(&plain, &options(&plain));
    t.assignments(&roles).await.unwrap();
    assert!(plain.stats().connections > 2, "{:?}", plain.stats());
}

#[tokio::test]
async fn find_users_in_chunks_and_batches() {
    let emu = start(config(false)).await;
    let t = app_target(&emu, &options(&emu));
    // 400 keys → 27 queries → 2 batches; the real ones are found among them.
    let mut keys: Vec<UserKey> = (0..400)
        .map(|i| UserKey {
            immutable_id: format!("x{i}+y/=="),
            sid: None,
            upn: None,
        })
        .collect();
    keys.push(UserKey {
        immutable_id: "qqqqqgAAAECAAAAAAAAAAg==".into(),
        sid: None,
        upn: None,
    });
    let before = emu.stats();
    let users = t.find_users(&keys).await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].user_principal_name.as_str(), "bob@contoso.com");
    let after = emu.stats();
    assert_eq!(after.requests - before.requests, 2, "two $batch POSTs");
    assert_eq!(after.batch_inner_requests - before.batch_inner_requests, 27);
}

#[tokio::test]
async fn applies_grants_and_revokes_then_already_done() {
    let emu = start(config(false)).await;
    let t = app_target(&emu, &options(&emu));
    let a = t
        .assignments(&[RoleDefinitionId::new(EXCHANGE)])
        .await
        .unwrap();
    let dave = a
        .iter()
        .find(|x| x.principal.id().as_str() == oid("04"))
        .unwrap()
        .id
        .clone();
    let changes = vec![
        change(
            Action::Grant,
            AssignmentKind::Active,
            EXCHANGE,
            "02",
            "bob@contoso.com",
            None,
        ),
        change(
            Action::Grant,
            AssignmentKind::Eligible,
            SEC_READER,
            "03",
            "carol@contoso.com",
            None,
        ),
        change(
            Action::Revoke,
            AssignmentKind::Active,
            EXCHANGE,
            "04",
            "dave@contoso.com",
            Some(dave),
        ),
        change(
            Action::Revoke,
            AssignmentKind::Eligible,
            SEC_READER,
            "08",
            "ivan@contoso.com",
            None,
        ),
    ];
    let before = emu.stats().writes;
    let out = t.apply(&changes).await;
    assert_eq!(out, vec![ChangeOutcome::Done; 4]);
    assert_eq!(emu.stats().writes - before, 4);
    let snap = emu.snapshot();
    let has = |role: &str, n: &str| {
        snap.role_assignments
            .iter()
            .any(|a| a.role_definition_id == role && a.principal_id == oid(n))
    };
    let eligible = |role: &str, n: &str| {
        snap.role_eligibilities
            .iter()
            .any(|a| a.role_definition_id == role && a.principal_id == oid(n))
    };
    assert!(has(EXCHANGE, "02"));
    assert!(!has(EXCHANGE, "04"));
    assert!(eligible(SEC_READER, "03"));
    assert!(!eligible(SEC_READER, "08"));
    assert!(eligible(SEC_READER, "06"), "others untouched");

    let again = t.apply(&changes).await;
    assert_eq!(again, vec![ChangeOutcome::AlreadyDone; 4], "{again:?}");
    assert_eq!(emu.stats().writes - before, 4, "nothing applied twice");
    assert_eq!(emu.snapshot(), snap);
}

#[tokio::test]
async fn missing_permission_is_a_clear_read_error() {
    let mut c = config(false);
    for app in &mut c.tenant.applications {
        app.application_permissions.clear();
    }
    let emu = start(c).await;
    let t = app_target(&emu, &options(&emu));
    let e = t.role_definitions().await.unwrap_err();
    assert!(e.message.contains("403"), "{}", e.message);
    assert!(
        e.message
            .contains("lacks RoleManagement.ReadWrite.Directory"),
        "{}",
        e.message
    );
    assert!(e.message.contains("admin consent"), "{}", e.message);
    let e = t
        .assignments(&[RoleDefinitionId::new(GA)])
        .await
        .unwrap_err();
    assert!(
        e.message.contains("Global") || e.message.contains(GA),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn paging_follows_next_link() {
    let mut c = config(false);
    // 250 extra synced users → /users pages of 100.
    for i in 0..250 {
        let mut u = c.tenant.users[1].clone();
        u.id = format!("dddddddd-0000-4000-8000-{i:012}");
        u.user_principal_name = format!("bulk{i}@contoso.com");
        u.on_premises_immutable_id = Some(format!("bulk{i}"));
        u.on_premises_security_identifier = None;
        c.tenant.users.push(u);
    }
    let emu = start(c).await;
    let t = app_target(&emu, &options(&emu));
    use futures::TryStreamExt;
    let pages: Vec<Vec<serde_json::Value>> =
        rolesync_entra::paging::pages(t.client(), "users?$select=id".into())
            .try_collect()
            .await
            .unwrap();
    assert!(pages.len() >= 3, "{}", pages.len());
    assert_eq!(
        pages.iter().map(Vec::len).sum::<usize>(),
        emu.snapshot().users.len()
    );
}
