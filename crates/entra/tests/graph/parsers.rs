use crate::common::fixture;
use rolesync_core::tenant::{Principal, UserType};
use rolesync_entra::error::{GraphError, GraphErrorBody, TokenErrorBody};
use rolesync_entra::model::{
    BatchResponse, DirectoryObjectDto, Page, RoleAssignmentDto, RoleDefinitionDto,
};

fn read(name: &str) -> String {
    std::fs::read_to_string(fixture(&format!("msdocs/{name}"))).unwrap()
}

/// The documented example shows trailing commas (so does this re-creation of it); remove them the
/// way a lenient reader would.
fn without_trailing_commas(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(*c);
    }
    out
}

#[test]
fn role_assignments_with_expanded_principal() {
    let text = read("roleassignments-expand-principal.json");
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_err(),
        "like the documented example, this is not strict JSON"
    );
    let page: Page<RoleAssignmentDto> =
        serde_json::from_str(&without_trailing_commas(&text)).unwrap();
    assert_eq!(page.value.len(), 3);
    assert!(page.next_link.is_none());
    let a = &page.value[0];
    assert_eq!(a.role_definition_id, "62e90394-69f5-4237-9190-012177145e10");
    assert_eq!(a.directory_scope_id.as_deref(), Some("/"));
    let p = a.principal.as_ref().unwrap().to_principal();
    match p {
        Principal::User(u) => {
            assert_eq!(u.display_name, "Alice Anders");
            assert_eq!(u.user_type, UserType::Member);
            assert_eq!(u.on_premises_sync_enabled, None, "not returned by $expand");
        }
        p => panic!("{p:?}"),
    }
    match page.value[1].principal.as_ref().unwrap().to_principal() {
        Principal::User(u) => assert_eq!(u.user_type, UserType::Guest),
        p => panic!("{p:?}"),
    }
}

#[test]
fn role_definitions() {
    let page: Page<RoleDefinitionDto> =
        serde_json::from_str(&read("roledefinitions.json")).unwrap();
    let defs: Vec<_> = page.value.iter().map(RoleDefinitionDto::to_core).collect();
    assert_eq!(defs[0].display_name, "Global Administrator");
    assert!(defs[0].is_built_in);
    assert!(!defs[1].is_built_in);
}

#[test]
fn batch_response() {
    let b: BatchResponse = serde_json::from_str(&read("batch-response.json")).unwrap();
    assert_eq!(b.responses.len(), 5);
    let throttled = b.responses.iter().find(|r| r.status == 429).unwrap();
    assert_eq!(throttled.header("retry-after"), Some("10"));
    let denied = b.responses.iter().find(|r| r.id == "3").unwrap();
    let e = GraphErrorBody::from_value(denied.body.as_ref().unwrap()).unwrap();
    assert_eq!(e.code, "Forbidden");
    assert_eq!(b.responses.iter().find(|r| r.id == "4").unwrap().body, None);
}

#[test]
fn users_with_on_premises_properties() {
    let page: Page<DirectoryObjectDto> =
        serde_json::from_str(&read("users-onpremises.json")).unwrap();
    let adele = page.value[0].to_user();
    assert!(adele.is_synced());
    assert_eq!(
        adele.on_premises_immutable_id.as_deref(),
        Some("dOXSvFiNNkGp34oZsUXbeQ==")
    );
    assert_eq!(
        adele
            .on_premises_security_identifier
            .map(|s| s.to_string())
            .as_deref(),
        Some("S-1-5-21-1234567890-123456789-1234567890-1105")
    );
    let room = page.value[1].to_user();
    assert_eq!(room.on_premises_sync_enabled, None);
    assert!(room.on_premises_immutable_id.is_none());
}

#[test]
fn graph_error_body() {
    let body = read("error-forbidden.json");
    let e = GraphError::from_response(403, body.as_bytes(), None);
    match &e {
        GraphError::Api {
            status,
            code,
            request_id,
            ..
        } => {
            assert_eq!(*status, 403);
            assert_eq!(code, "Authorization_RequestDenied");
            assert_eq!(
                request_id.as_deref(),
                Some("a1ef5da0-0dd9-43f3-9a20-1e9db4b1a4c2")
            );
        }
        e => panic!("{e:?}"),
    }
    let r = e.to_read_error("reading the role definitions");
    assert!(
        r.message.contains("Insufficient privileges"),
        "{}",
        r.message
    );
    assert!(
        r.message.contains("grant them admin consent"),
        "{}",
        r.message
    );
}

#[test]
fn token_error_body() {
    let t: TokenErrorBody = serde_json::from_str(&read("token-error.json")).unwrap();
    assert_eq!(t.code(), Some(50126));
    let e = t.to_auth_error();
    assert!(
        e.message.starts_with("wrong user name or password"),
        "{}",
        e.message
    );
    assert!(!e.message.contains("Trace ID"), "{}", e.message);
}
