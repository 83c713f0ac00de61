//! Undoing a run: the inverse of what it changed — its grants revoked, its revokes granted
//! again — for the assignments still as that run left them. Every other change is skipped with
//! the reason (someone or something changed it since; a protected account; a renewal, which has
//! no inverse), and the result goes through the same safety stops as a sync: the revoke limit
//! per role, the last Global Administrator, protected accounts that are not in the tenant.
//!
//! Pure: the application reads the run's report and audit lines, and the tenant as it is now.

use crate::ids::EntraObjectId;
use crate::pim::{decide, RolePimSettings};
use crate::plan::{
    tenant_stops, Action, Change, ChangeReason, Plan, PlanSummary, RolePlan, SafetyStop,
    SkipReason, Skipped, StopKind,
};
use crate::policy::Policy;
use crate::report::AuditRecord;
use crate::tenant::{AssignmentKind, AssignmentOrigin, Principal, TenantSnapshot, UserType};
use std::collections::{BTreeMap, HashSet};

/// The changes a run made that took effect, from its audit lines (`done`), in order, each
/// assignment once (its last change counts).
pub fn changes_of_run(run_id: &str, records: &[AuditRecord]) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::new();
    for r in records
        .iter()
        .filter(|r| r.run_id == run_id && r.result == "done")
    {
        let (Some(role_id), Some(principal_id)) = (&r.role_id, &r.principal_id) else {
            continue;
        };
        let c = Change {
            action: r.action,
            kind: r.kind,
            role_id: role_id.clone(),
            role_name: r.role.clone(),
            principal_id: principal_id.clone(),
            directory_scope_id: r.directory_scope_id.clone(),
            user: r.user.clone(),
            assignment_id: None,
            reason: ChangeReason::UndoOf {
                run_id: run_id.to_string(),
            },
            pim: None,
        };
        out.retain(|x| {
            !(x.role_id == c.role_id
                && x.directory_scope_id == c.directory_scope_id
                && x.principal_id == c.principal_id
                && x.kind == c.kind)
        });
        out.push(c);
    }
    out
}

/// The undo plan of a run's changes against the tenant as it is now.
pub fn plan_undo(
    run_id: &str,
    changes: &[Change],
    tenant: &TenantSnapshot,
    pim: &[RolePimSettings],
    policy: &Policy,
) -> Plan {
    let protected: HashSet<String> = policy
        .protected
        .iter()
        .map(|p| p.trim().to_ascii_lowercase())
        .collect();
    let mut roles: BTreeMap<String, RolePlan> = BTreeMap::new();
    for c in changes {
        let rp = roles
            .entry(format!(
                "{}{}",
                c.role_id.as_str().to_ascii_lowercase(),
                c.directory_scope_id.as_str().to_ascii_lowercase()
            ))
            .or_insert_with(|| empty_role(c, tenant));
        let holds = tenant.assignments.iter().find(|a| {
            a.role_definition_id == c.role_id
                && a.directory_scope_id == c.directory_scope_id
                && a.principal.id() == &c.principal_id
                && a.kind == c.kind
                && a.origin == AssignmentOrigin::Assigned
        });
        let skip = |why: String| Skipped {
            user: c.user.clone(),
            reason: SkipReason::NotUndone,
            message: why,
        };
        let reason = ChangeReason::UndoOf {
            run_id: run_id.to_string(),
        };
        match (c.action, holds) {
            (Action::Renew, _) => rp.skipped.push(skip(
                "a renewal is not undone: the assignment keeps its new end date".into(),
            )),
            (Action::Grant, None) => rp.skipped.push(skip(format!(
                "run {run_id} granted it, and it is no longer held (removed since)"
            ))),
            (Action::Revoke, Some(_)) => rp.skipped.push(skip(format!(
                "run {run_id} revoked it, and it is held again (granted since)"
            ))),
            (Action::Grant, Some(a)) => {
                let guarded = protected.contains(&c.principal_id.as_str().to_ascii_lowercase())
                    || protected.contains(&c.user.to_ascii_lowercase());
                if guarded {
                    rp.skipped.push(skip(
                        "on the protected list ([safety] protected): never revoked".into(),
                    ));
                    continue;
                }
                let pim_request = request(c, pim, policy, tenant).map(|p| crate::pim::PimRequest {
                    duration: None,
                    ticket: false,
                    ..p
                });
                rp.revokes.push(Change {
                    action: Action::Revoke,
                    assignment_id: (c.kind == AssignmentKind::Active).then(|| a.id.clone()),
                    reason: reason.clone(),
                    // Active assignments are removed directly; eligible ones through PIM.
                    pim: match c.kind {
                        AssignmentKind::Active => None,
                        AssignmentKind::Eligible => pim_request,
                    },
                    ..c.clone()
                });
            }
            (Action::Revoke, None) => rp.grants.push(Change {
                action: Action::Grant,
                assignment_id: None,
                reason: reason.clone(),
                pim: request(c, pim, policy, tenant),
                ..c.clone()
            }),
        }
    }
    let roles: Vec<RolePlan> = roles.into_values().collect();
    let mut stops = tenant_stops(&roles, tenant, policy);
    if !tenant.missing_protected.is_empty() {
        stops.push(SafetyStop {
            kind: StopKind::ProtectedNotFound,
            role: None,
            message: format!(
                "the protected account(s) {} are not in the tenant, so they protect nobody; correct [safety] protected — nothing is changed until every entry is found",
                tenant.missing_protected.join(", ")
            ),
            overridable: false,
        });
    }
    let summary = PlanSummary {
        roles: roles.len(),
        grants: roles.iter().map(|r| r.grants.len()).sum(),
        revokes: roles.iter().map(|r| r.revokes.len()).sum(),
        skipped: roles.iter().map(|r| r.skipped.len()).sum(),
        ..PlanSummary::default()
    };
    Plan {
        summary,
        roles,
        unmapped_groups: Vec::new(),
        skipped_mappings: Vec::new(),
        stops,
    }
}

/// The PIM request for a change in a role the settings govern (eligible, or active where PIM
/// has settings), as a sync would write it.
fn request(
    c: &Change,
    pim: &[RolePimSettings],
    policy: &Policy,
    tenant: &TenantSnapshot,
) -> Option<crate::pim::PimRequest> {
    let settings = pim
        .iter()
        .find(|s| s.role_id == c.role_id)
        .map(|s| &s.settings);
    decide(
        &c.role_name,
        c.kind,
        settings,
        policy.pim.duration,
        tenant.signed_in_with_mfa,
    )
    .1
}

/// The role (at the change's scope) an undo plan's changes go into.
fn empty_role(c: &Change, tenant: &TenantSnapshot) -> RolePlan {
    let (id, name, kind) = (&c.role_id, &c.role_name, c.kind);
    let managed: HashSet<&EntraObjectId> = tenant
        .assignments
        .iter()
        .filter(|a| &a.role_definition_id == id && a.directory_scope_id == c.directory_scope_id)
        .filter_map(|a| match &a.principal {
            Principal::User(u) if u.is_synced() && u.user_type == UserType::Member => Some(&u.id),
            _ => None,
        })
        .collect();
    RolePlan {
        role_id: id.clone(),
        role_name: name.to_string(),
        directory_scope_id: c.directory_scope_id.clone(),
        scope_name: None,
        groups: Vec::new(),
        kind,
        grants: Vec::new(),
        renewals: Vec::new(),
        revokes: Vec::new(),
        held: Vec::new(),
        awaiting_approval: Vec::new(),
        pim: None,
        expirations: Vec::new(),
        unchanged: Vec::new(),
        skipped: Vec::new(),
        untouched: Vec::new(),
        managed_holders: managed.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{RoleDefinitionId, Upn, GLOBAL_ADMINISTRATOR};
    use crate::tenant::{EntraUser, RoleAssignment, RoleDefinition};
    use chrono::Utc;

    fn user(id: &str) -> Principal {
        Principal::User(EntraUser {
            id: EntraObjectId::new(id),
            user_principal_name: Upn::new(format!("{id}@contoso.com")),
            display_name: String::new(),
            user_type: UserType::Member,
            account_enabled: true,
            on_premises_sync_enabled: Some(true),
            on_premises_immutable_id: None,
            on_premises_security_identifier: None,
        })
    }

    fn holds(role: &str, who: &str) -> RoleAssignment {
        RoleAssignment {
            id: format!("{role}-{who}"),
            role_definition_id: RoleDefinitionId::new(role),
            directory_scope_id: Default::default(),
            principal: user(who),
            kind: AssignmentKind::Active,
            origin: AssignmentOrigin::Assigned,
            end: None,
        }
    }

    fn line(action: Action, result: &str, role: &str, who: &str) -> AuditRecord {
        AuditRecord {
            time: Utc::now(),
            run_id: "run1".into(),
            role: role.into(),
            directory_scope_id: Default::default(),
            user: format!("{who}@contoso.com"),
            action,
            kind: AssignmentKind::Active,
            result: result.into(),
            detail: None,
            role_id: Some(RoleDefinitionId::new(role)),
            principal_id: Some(EntraObjectId::new(who)),
            intended_by: None,
            approved_by: None,
            held_plan: None,
            undo_of: None,
        }
    }

    #[test]
    fn only_what_is_still_as_the_run_left_it_is_undone() {
        let audit = vec![
            line(Action::Grant, "intended", "r", "a"),
            line(Action::Grant, "done", "r", "a"),
            line(Action::Grant, "done", "r", "gone"),
            line(Action::Grant, "alreadyDone", "r", "there-before"),
            line(Action::Revoke, "done", "r", "b"),
            line(Action::Revoke, "done", "r", "back"),
            line(Action::Grant, "done", "r", "guard"),
        ];
        let changes = changes_of_run("run1", &audit);
        assert_eq!(changes.len(), 5, "done only, no intents, no alreadyDone");
        let tenant = TenantSnapshot {
            assignments: vec![
                holds("r", "a"),
                holds("r", "back"),
                holds("r", "there-before"),
                holds("r", "guard"),
                holds("r", "x"),
            ],
            ..TenantSnapshot::default()
        };
        let mut policy = Policy::for_ou("OU=x");
        policy.protected = vec!["GUARD@contoso.com".into()];
        let p = plan_undo("run1", &changes, &tenant, &[], &policy);
        let r = &p.roles[0];
        assert_eq!(
            r.revokes
                .iter()
                .map(|c| c.user.as_str())
                .collect::<Vec<_>>(),
            ["a@contoso.com"]
        );
        assert_eq!(r.revokes[0].assignment_id.as_deref(), Some("r-a"));
        assert_eq!(
            r.grants.iter().map(|c| c.user.as_str()).collect::<Vec<_>>(),
            ["b@contoso.com"]
        );
        let skipped: Vec<&str> = r.skipped.iter().map(|s| s.user.as_str()).collect();
        assert_eq!(
            skipped,
            ["gone@contoso.com", "back@contoso.com", "guard@contoso.com"]
        );
        assert!(p.stops.is_empty());
        assert!(
            matches!(r.revokes[0].reason, ChangeReason::UndoOf { ref run_id } if run_id == "run1")
        );
    }

    #[test]
    fn undoing_the_grant_of_the_last_global_administrator_is_stopped() {
        let ga = RoleDefinitionId::new(GLOBAL_ADMINISTRATOR);
        let mut l = line(Action::Grant, "done", GLOBAL_ADMINISTRATOR, "only");
        l.role = "Global Administrator".into();
        let changes = changes_of_run("run1", &[l]);
        let tenant = TenantSnapshot {
            roles: vec![RoleDefinition {
                id: ga.clone(),
                template_id: ga.clone(),
                display_name: "Global Administrator".into(),
                is_built_in: true,
            }],
            assignments: vec![holds(GLOBAL_ADMINISTRATOR, "only")],
            ..TenantSnapshot::default()
        };
        let p = plan_undo("run1", &changes, &tenant, &[], &Policy::for_ou("OU=x"));
        assert!(p
            .stops
            .iter()
            .any(|s| s.kind == StopKind::LastGlobalAdministrator && !s.overridable));
    }
}
