//! Builders for directory snapshots, tenants and policies used by the tests.

use rolesync_core::builtin::builtin_by_name;
use rolesync_core::directory::{DirectoryGroup, DirectorySnapshot, DirectoryUser};
use rolesync_core::ids::{Dn, EntraObjectId, ObjectGuid, Sid, Upn};
use rolesync_core::memory::TenantState;
use rolesync_core::policy::Policy;
use rolesync_core::tenant::{
    AssignmentKind, AssignmentOrigin, EntraUser, Principal, RoleAssignment, RoleDefinition,
    TenantSnapshot, UserType,
};

pub const OU: &str = "OU=Office 365 Roles Management,DC=contoso,DC=com";

pub fn guid(n: u8) -> ObjectGuid {
    ObjectGuid::parse(&format!("aaaaaaaa-0000-4000-8000-0000000000{n:02x}")).unwrap()
}

pub fn sid(n: u8) -> Sid {
    Sid::parse(&format!(
        "S-1-5-21-1004336348-1177238915-682003330-{}",
        1000 + n as u32
    ))
    .unwrap()
}

pub fn entra_id(n: u8) -> EntraObjectId {
    EntraObjectId::new(format!("eeeeeeee-0000-4000-8000-0000000000{n:02x}"))
}

/// An enabled AD user `name@contoso.com` numbered `n`.
pub fn ad(n: u8, name: &str) -> DirectoryUser {
    DirectoryUser {
        dn: Dn::new(format!("CN={name},OU=Staff,DC=contoso,DC=com")),
        object_guid: guid(n),
        consistency_guid: None,
        sid: Some(sid(n)),
        upn: Some(Upn::new(if name.contains('@') {
            name.to_string()
        } else {
            format!("{name}@contoso.com")
        })),
        sam_account_name: Some(name.split('@').next().unwrap().to_string()),
        mail: None,
        enabled: true,
    }
}

pub fn disabled(mut u: DirectoryUser) -> DirectoryUser {
    u.enabled = false;
    u
}

/// A synced Entra user matching `ad(n, name)` by anchor.
pub fn synced(n: u8, name: &str) -> EntraUser {
    EntraUser {
        id: entra_id(n),
        user_principal_name: Upn::new(if name.contains('@') {
            name.to_string()
        } else {
            format!("{name}@contoso.com")
        }),
        display_name: name.to_string(),
        user_type: UserType::Member,
        account_enabled: true,
        on_premises_sync_enabled: Some(true),
        on_premises_immutable_id: Some(guid(n).immutable_id()),
        on_premises_security_identifier: Some(sid(n)),
    }
}

pub fn cloud(n: u8, upn: &str) -> EntraUser {
    EntraUser {
        on_premises_sync_enabled: None,
        on_premises_immutable_id: None,
        on_premises_security_identifier: None,
        ..synced(n, upn)
    }
}

pub fn group(name: &str, members: Vec<DirectoryUser>) -> DirectoryGroup {
    DirectoryGroup {
        dn: Dn::new(format!("CN={name},{OU}")),
        name: name.to_string(),
        members,
        nested_groups: vec![],
    }
}

pub fn role(name: &str) -> RoleDefinition {
    builtin_by_name(name).expect("built-in role").definition()
}

pub fn assigned(role_name: &str, p: Principal, kind: AssignmentKind) -> RoleAssignment {
    let r = role(role_name);
    RoleAssignment {
        id: format!("{}-{}-{kind:?}", r.id, p.id()),
        role_definition_id: r.id,
        directory_scope_id: Default::default(),
        principal: p,
        kind,
        origin: AssignmentOrigin::Assigned,
        end: None,
    }
}

pub fn active(role_name: &str, u: &EntraUser) -> RoleAssignment {
    assigned(
        role_name,
        Principal::User(u.clone()),
        AssignmentKind::Active,
    )
}

pub fn eligible(role_name: &str, u: &EntraUser) -> RoleAssignment {
    assigned(
        role_name,
        Principal::User(u.clone()),
        AssignmentKind::Eligible,
    )
}

pub fn activated(role_name: &str, u: &EntraUser) -> RoleAssignment {
    RoleAssignment {
        origin: AssignmentOrigin::Activated,
        id: format!("act-{}", u.id),
        ..active(role_name, u)
    }
}

pub fn roles() -> Vec<RoleDefinition> {
    [
        "Exchange Administrator",
        "Global Administrator",
        "Helpdesk Administrator",
        "Security Reader",
        "User Administrator",
    ]
    .iter()
    .map(|n| role(n))
    .collect()
}

pub fn snapshot(groups: Vec<DirectoryGroup>) -> DirectorySnapshot {
    DirectorySnapshot {
        groups,
        problems: vec![],
    }
}

pub fn tenant(users: Vec<EntraUser>, assignments: Vec<RoleAssignment>) -> TenantSnapshot {
    TenantSnapshot {
        roles: roles(),
        assignments,
        users,
        ..TenantSnapshot::default()
    }
}

pub fn tenant_state(users: Vec<EntraUser>, assignments: Vec<RoleAssignment>) -> TenantState {
    TenantState {
        roles: roles(),
        users,
        assignments,
        pim: Vec::new(),
        administrative_units: Vec::new(),
    }
}

pub fn policy() -> Policy {
    Policy::for_ou(OU)
}
