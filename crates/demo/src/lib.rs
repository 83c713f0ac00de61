//! The built-in demo: a contoso.com directory (embedded LDIF), the demo policy, and an in-memory
//! mirror of the emulator's demo tenant (the `rolesync` binary runs the demo against the emulator;
//! the mirror lets the engine be tested on the same cast without a server). Together they show every kind of action and
//! reason: grants (direct, nested, matched by SID), revokes (stale, disabled), unchanged holders,
//! skipped members (disabled, not synced yet, `@corp.local`), untouched cloud-only, guest, group,
//! service principal, protected and PIM-activated holders, and a group that matches no role.

use rolesync_ad::snapshot::LdifSource;
use rolesync_core::builtin::builtin_roles;
use rolesync_core::memory::TenantState;
use rolesync_core::policy::{ExplicitMapping, GroupRef, Policy};
use rolesync_core::tenant::AssignmentKind;

/// The demo directory export.
pub const DIRECTORY_LDIF: &str = include_str!("../data/directory.ldif");
/// The demo tenant's starting state (users and assignments; roles are the built-in list).
pub const TENANT_JSON: &str = include_str!("../data/tenant.json");
/// The role OU of the demo directory.
pub const OU: &str = "OU=Office 365 Roles Management,DC=contoso,DC=com";

/// The demo directory.
pub fn directory() -> LdifSource {
    LdifSource::parse("demo directory (contoso.com)", DIRECTORY_LDIF)
        .expect("the embedded demo LDIF is valid")
}

/// The demo policy: the demo OU, Security Reader as PIM-eligible, two protected accounts.
pub fn policy() -> Policy {
    let mut p = Policy::for_ou(OU);
    p.mapping.explicit.push(ExplicitMapping {
        group: GroupRef::Name("Security Reader".into()),
        role: None,
        kind: AssignmentKind::Eligible,
        allow_empty: false,
        scope: Default::default(),
    });
    p.protected = vec![
        "svc-monitor@contoso.com".into(),
        "breakglass@contoso.onmicrosoft.com".into(),
    ];
    p
}

/// The demo tenant's starting state, in memory (the same cast as the emulator's demo tenant).
pub fn initial_tenant() -> TenantState {
    let mut t: TenantState =
        serde_json::from_str(TENANT_JSON).expect("the embedded demo tenant is valid");
    t.roles = builtin_roles().map(|r| r.definition()).collect();
    t
}
