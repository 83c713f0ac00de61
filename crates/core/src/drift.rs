//! Drift: assignments in mapped roles that someone else — an admin in the portal, another tool —
//! added or removed since RoleSync's last run. Each run compares the tenant with what the previous
//! run left ([`EndState`], saved by the application after every sync), reports the differences
//! with who and when from Entra's directory audit log where the app may read it, and then either
//! corrects them as any other difference or, with `on_drift = "report"`, leaves them.
//!
//! The audit log is Microsoft Graph's `GET /auditLogs/directoryAudits` ("List directoryAudits",
//! <https://learn.microsoft.com/graph/api/directoryaudit-list>); the activity names are those of
//! the "RoleManagement" category logged by Core Directory and PIM ("Microsoft Entra audit log
//! categories and activities",
//! <https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities>).
//! Pure: the target reads the events ([`crate::traits::RoleTarget::directory_audits`]).

use crate::apply::AppliedChange;
use crate::ids::{EntraObjectId, RoleDefinitionId};
use crate::ownership::AssignmentKey;
use crate::plan::{Action, Plan};
use crate::tenant::{AssignmentKind, AssignmentOrigin, TenantSnapshot};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// One assignment as a run left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldAssignment {
    /// The role.
    pub role_id: RoleDefinitionId,
    /// The role's name.
    pub role: String,
    /// The principal.
    pub principal_id: EntraObjectId,
    /// Its UPN or name.
    pub principal: String,
    /// Active or eligible.
    pub kind: AssignmentKind,
    /// When it ends, for a time-bound assignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<Utc>>,
}

impl HeldAssignment {
    fn key(&self) -> AssignmentKey {
        AssignmentKey::new(&self.role_id, &self.principal_id, self.kind)
    }
}

/// The mapped roles' assignments as a sync left them (PIM activations left out: they come and
/// go by themselves).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndState {
    /// The run.
    pub run_id: String,
    /// When it finished (the tenant's clock when known).
    pub time: DateTime<Utc>,
    /// The mapped roles (ids).
    pub roles: Vec<RoleDefinitionId>,
    /// Their assignments.
    pub assignments: Vec<HeldAssignment>,
}

/// What a sync leaves: the mapped roles' assignments it read, with the changes that took effect.
pub fn end_state(
    run_id: &str,
    time: DateTime<Utc>,
    tenant: &TenantSnapshot,
    plan: &Plan,
    applied: &[AppliedChange],
) -> EndState {
    let roles: Vec<RoleDefinitionId> = plan.roles.iter().map(|r| r.role_id.clone()).collect();
    let mut held: BTreeMap<AssignmentKey, HeldAssignment> = tenant
        .assignments
        .iter()
        .filter(|a| roles.contains(&a.role_definition_id))
        .filter(|a| a.origin != AssignmentOrigin::Activated)
        .map(|a| {
            let h = HeldAssignment {
                role_id: a.role_definition_id.clone(),
                role: role_name(plan, &a.role_definition_id),
                principal_id: a.principal.id().clone(),
                principal: a.principal.display(),
                kind: a.kind,
                end: a.end,
            };
            (h.key(), h)
        })
        .collect();
    for a in applied.iter().filter(|a| a.outcome.succeeded()) {
        let c = &a.change;
        let key = AssignmentKey::new(&c.role_id, &c.principal_id, c.kind);
        match c.action {
            Action::Grant => {
                held.entry(key).or_insert_with(|| HeldAssignment {
                    role_id: c.role_id.clone(),
                    role: c.role_name.clone(),
                    principal_id: c.principal_id.clone(),
                    principal: c.user.clone(),
                    kind: c.kind,
                    end: None,
                });
            }
            Action::Revoke => {
                held.remove(&key);
            }
            Action::Renew => {}
        }
    }
    EndState {
        run_id: run_id.to_string(),
        time,
        roles,
        assignments: held.into_values().collect(),
    }
}

fn role_name(plan: &Plan, id: &RoleDefinitionId) -> String {
    plan.roles
        .iter()
        .find(|r| &r.role_id == id)
        .map(|r| r.role_name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// Added or removed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DriftChange {
    /// Someone else added the assignment.
    Added,
    /// Someone else removed it.
    Removed,
}

/// One assignment someone else changed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftItem {
    /// The role.
    pub role: String,
    /// Its id.
    pub role_id: RoleDefinitionId,
    /// The principal (UPN or name).
    pub principal: String,
    /// Its object id.
    pub principal_id: EntraObjectId,
    /// Active or eligible.
    pub kind: AssignmentKind,
    /// Added or removed.
    pub change: DriftChange,
    /// Who did it (a user's UPN, or an app's name), from the audit log; `None`: unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// When, from the audit log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<DateTime<Utc>>,
    /// The audit log's activity (`Add member to role`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<String>,
    /// Why who and when are unknown, when they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_because: Option<String>,
    /// This run puts it right (`on_drift = "correct"` and the plan changes it back).
    #[serde(default)]
    pub corrected: bool,
}

impl DriftItem {
    /// The key of the assignment.
    pub fn key(&self) -> AssignmentKey {
        AssignmentKey::new(&self.role_id, &self.principal_id, self.kind)
    }

    /// Who and when, in words: `by admin@contoso.com at 2026-01-02 03:04 UTC` or
    /// `by an unknown actor (…)`.
    pub fn who_and_when(&self) -> String {
        match (&self.by, self.when) {
            (Some(by), Some(when)) => format!("by {by} at {}", when.format("%Y-%m-%d %H:%M UTC")),
            (Some(by), None) => format!("by {by}"),
            _ => format!(
                "by someone unknown ({})",
                self.unknown_because
                    .as_deref()
                    .unwrap_or("no audit record found")
            ),
        }
    }

    /// The whole item in words.
    pub fn words(&self) -> String {
        let (what, prep) = match self.change {
            DriftChange::Added => ("added", "to"),
            DriftChange::Removed => ("removed", "from"),
        };
        let kind = match self.kind {
            AssignmentKind::Active => "active",
            AssignmentKind::Eligible => "eligible",
        };
        format!(
            "{} {what} {prep} {} ({kind}) outside RoleSync {}",
            self.principal,
            self.role,
            self.who_and_when()
        )
    }
}

/// The differences between what the previous run left and the tenant now, in the roles mapped
/// both then and now. RoleSync's own changes since then (`own`: an approval, an undo, a run that
/// was killed before it recorded its end state) and time-bound assignments that simply ended are
/// not drift.
pub fn detect(
    previous: &EndState,
    now: &TenantSnapshot,
    mapped: &[(RoleDefinitionId, String)],
    own: &HashSet<AssignmentKey>,
) -> Vec<DriftItem> {
    let roles: Vec<&(RoleDefinitionId, String)> = mapped
        .iter()
        .filter(|(id, _)| previous.roles.contains(id))
        .collect();
    let in_scope = |id: &RoleDefinitionId| roles.iter().any(|(r, _)| r == id);
    let name = |id: &RoleDefinitionId| {
        roles
            .iter()
            .find(|(r, _)| r == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let before: BTreeMap<AssignmentKey, &HeldAssignment> = previous
        .assignments
        .iter()
        .filter(|a| in_scope(&a.role_id))
        .map(|a| (a.key(), a))
        .collect();
    let after: BTreeMap<AssignmentKey, &crate::tenant::RoleAssignment> = now
        .assignments
        .iter()
        .filter(|a| in_scope(&a.role_definition_id))
        .filter(|a| a.origin != AssignmentOrigin::Activated)
        .map(|a| {
            (
                AssignmentKey::new(&a.role_definition_id, a.principal.id(), a.kind),
                a,
            )
        })
        .collect();
    let clock = now.read_at.unwrap_or_else(Utc::now);
    let mut out = Vec::new();
    for (k, a) in &after {
        if before.contains_key(k) || own.contains(k) {
            continue;
        }
        out.push(DriftItem {
            role: name(&a.role_definition_id),
            role_id: a.role_definition_id.clone(),
            principal: a.principal.display(),
            principal_id: a.principal.id().clone(),
            kind: a.kind,
            change: DriftChange::Added,
            by: None,
            when: None,
            activity: None,
            unknown_because: None,
            corrected: false,
        });
    }
    for (k, a) in &before {
        let ended = a.end.is_some_and(|e| e <= clock);
        if after.contains_key(k) || own.contains(k) || ended {
            continue;
        }
        out.push(DriftItem {
            role: name(&a.role_id),
            role_id: a.role_id.clone(),
            principal: a.principal.clone(),
            principal_id: a.principal_id.clone(),
            kind: a.kind,
            change: DriftChange::Removed,
            by: None,
            when: None,
            activity: None,
            unknown_because: None,
            corrected: false,
        });
    }
    out.sort_by(|a, b| {
        (
            a.role.to_ascii_lowercase(),
            a.principal.to_ascii_lowercase(),
        )
            .cmp(&(
                b.role.to_ascii_lowercase(),
                b.principal.to_ascii_lowercase(),
            ))
    });
    out
}

/// One role-assignment event from the directory audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// `activityDateTime`.
    pub time: DateTime<Utc>,
    /// `activityDisplayName`.
    pub activity: String,
    /// Who: `initiatedBy.user.userPrincipalName`, else the app's `displayName` (or id).
    pub initiated_by: String,
    /// The principal the role was given to or taken from (`targetResources` of type User,
    /// ServicePrincipal or Group).
    pub principal_id: Option<String>,
    /// Every id and name the record gives the role: the Role target's id and name, and the
    /// `Role.ObjectID`, `Role.TemplateId` and `Role.DisplayName` modified properties.
    pub role_refs: Vec<String>,
}

/// What an audit activity did to a role assignment: added or removed it, and which kind — for
/// the completed activities of Core Directory and PIM ("Microsoft Entra audit log categories and
/// activities", RoleManagement); `None` for the rest (requests, cancellations, activations).
pub fn activity_effect(activity: &str) -> Option<(DriftChange, AssignmentKind)> {
    use AssignmentKind::{Active, Eligible};
    use DriftChange::{Added, Removed};
    let a = activity.trim();
    Some(match a {
        "Add member to role" | "Add scoped member to role" => (Added, Active),
        "Remove member from role" | "Remove scoped member from role" => (Removed, Active),
        "Add eligible member to role" => (Added, Eligible),
        "Remove eligible member from role" => (Removed, Eligible),
        "Add member to role in PIM completed (permanent)"
        | "Add member to role in PIM completed (timebound)"
        | "Add member to role outside of PIM (permanent)" => (Added, Active),
        "Add eligible member to role in PIM completed (permanent)"
        | "Add eligible member to role in PIM completed (timebound)" => (Added, Eligible),
        "Remove member from role in PIM completed (permanent)"
        | "Remove member from role in PIM completed (timebound)"
        | "Remove permanent direct role assignment" => (Removed, Active),
        "Remove eligible member from role in PIM completed (permanent)"
        | "Remove eligible member from role in PIM completed (timebound)"
        | "Remove permanent eligible role assignment" => (Removed, Eligible),
        _ => return None,
    })
}

/// What the target could tell of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditLookup {
    /// The role-management events since the time asked.
    Events(Vec<AuditEvent>),
    /// It could not be read; why and how to fix it, in one line (`the app lacks the Microsoft
    /// Graph permission AuditLog.Read.All …; add it …`). The run reports it once, as a warning;
    /// each drift item then says its who and when are unknown ([`UNREADABLE`]).
    Unavailable(String),
}

/// Why an item's who and when are unknown when the audit log could not be read (the reason,
/// with its fix, is the run's one warning line).
pub const UNREADABLE: &str = "Entra's audit log could not be read, see the warning";

impl AuditLookup {
    /// The run's warning line when the log could not be read.
    pub fn warning(&self) -> Option<String> {
        match self {
            AuditLookup::Events(_) => None,
            AuditLookup::Unavailable(why) => {
                Some(format!("who changed the drift and when is unknown: {why}"))
            }
        }
    }
}

/// Fills in who and when for each item from the audit events: the latest event that did that
/// change (added or removed, same kind) to that principal in that role.
pub fn attribute(
    items: &mut [DriftItem],
    lookup: &AuditLookup,
    role_template: &dyn Fn(&RoleDefinitionId) -> Option<String>,
) {
    let events = match lookup {
        AuditLookup::Events(e) => e,
        AuditLookup::Unavailable(_) => {
            for i in items.iter_mut() {
                i.by = None;
                i.when = None;
                i.activity = None;
                i.unknown_because = Some(UNREADABLE.into());
            }
            return;
        }
    };
    for item in items.iter_mut() {
        let template = role_template(&item.role_id);
        let names_role = |e: &AuditEvent| {
            e.role_refs.iter().any(|r| {
                r.eq_ignore_ascii_case(item.role_id.as_str())
                    || template
                        .as_deref()
                        .is_some_and(|t| r.eq_ignore_ascii_case(t))
                    || r.eq_ignore_ascii_case(&item.role)
            })
        };
        let found = events
            .iter()
            .filter(|e| activity_effect(&e.activity) == Some((item.change, item.kind)))
            .filter(|e| {
                e.principal_id
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(item.principal_id.as_str()))
            })
            .filter(|e| names_role(e))
            .max_by_key(|e| e.time);
        match found {
            Some(e) => {
                item.by = Some(e.initiated_by.clone());
                item.when = Some(e.time);
                item.activity = Some(e.activity.clone());
            }
            None => {
                item.unknown_because = Some(
                    "no matching record in Entra's audit log (yet: it can lag by minutes)".into(),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenant::{EntraUser, Principal, RoleAssignment, UserType};

    fn user(id: &str) -> Principal {
        Principal::User(EntraUser {
            id: EntraObjectId::new(id),
            user_principal_name: crate::ids::Upn::new(format!("{id}@contoso.com")),
            display_name: String::new(),
            user_type: UserType::Member,
            account_enabled: true,
            on_premises_sync_enabled: Some(true),
            on_premises_immutable_id: None,
            on_premises_security_identifier: None,
        })
    }

    fn assignment(role: &str, who: &str, origin: AssignmentOrigin) -> RoleAssignment {
        RoleAssignment {
            id: format!("{role}-{who}"),
            role_definition_id: RoleDefinitionId::new(role),
            directory_scope_id: Default::default(),
            principal: user(who),
            kind: AssignmentKind::Active,
            origin,
            end: None,
        }
    }

    fn held(role: &str, who: &str, end: Option<DateTime<Utc>>) -> HeldAssignment {
        HeldAssignment {
            role_id: RoleDefinitionId::new(role),
            role: "Role".into(),
            principal_id: EntraObjectId::new(who),
            principal: format!("{who}@contoso.com"),
            kind: AssignmentKind::Active,
            end,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn added_and_removed_assignments_are_drift_and_the_rest_is_not() {
        let previous = EndState {
            run_id: "r1".into(),
            time: at("2026-01-01T00:00:00Z"),
            roles: vec![RoleDefinitionId::new("r")],
            assignments: vec![
                held("r", "kept", None),
                held("r", "removed", None),
                held("r", "ended", Some(at("2026-01-01T12:00:00Z"))),
                held("r", "own-revoke", None),
            ],
        };
        let now = TenantSnapshot {
            assignments: vec![
                assignment("r", "kept", AssignmentOrigin::Assigned),
                assignment("r", "added", AssignmentOrigin::Assigned),
                assignment("r", "activated", AssignmentOrigin::Activated),
                assignment("other", "x", AssignmentOrigin::Assigned),
            ],
            read_at: Some(at("2026-01-02T00:00:00Z")),
            ..TenantSnapshot::default()
        };
        let mapped = vec![
            (RoleDefinitionId::new("r"), "Role".to_string()),
            (RoleDefinitionId::new("other"), "Newly mapped".to_string()),
        ];
        let own: HashSet<_> = [AssignmentKey::new(
            &RoleDefinitionId::new("r"),
            &EntraObjectId::new("own-revoke"),
            AssignmentKind::Active,
        )]
        .into();
        let d = detect(&previous, &now, &mapped, &own);
        let got: Vec<(String, DriftChange)> =
            d.iter().map(|i| (i.principal.clone(), i.change)).collect();
        assert_eq!(
            got,
            [
                ("added@contoso.com".to_string(), DriftChange::Added),
                ("removed@contoso.com".to_string(), DriftChange::Removed)
            ]
        );
    }

    #[test]
    fn who_and_when_come_from_the_latest_matching_audit_event() {
        let mut items = vec![DriftItem {
            role: "Global Administrator".into(),
            role_id: RoleDefinitionId::new("62e90394-69f5-4237-9190-012177145e10"),
            principal: "mallory@contoso.com".into(),
            principal_id: EntraObjectId::new("m"),
            kind: AssignmentKind::Active,
            change: DriftChange::Added,
            by: None,
            when: None,
            activity: None,
            unknown_because: None,
            corrected: false,
        }];
        let event = |time: &str, activity: &str, by: &str, who: &str| AuditEvent {
            time: at(time),
            activity: activity.into(),
            initiated_by: by.into(),
            principal_id: Some(who.into()),
            role_refs: vec!["62E90394-69F5-4237-9190-012177145E10".into()],
        };
        let lookup = AuditLookup::Events(vec![
            event(
                "2026-01-01T10:00:00Z",
                "Add member to role",
                "old@contoso.com",
                "M",
            ),
            event(
                "2026-01-01T11:00:00Z",
                "Add member to role",
                "admin@contoso.com",
                "m",
            ),
            event(
                "2026-01-01T12:00:00Z",
                "Remove member from role",
                "x@contoso.com",
                "m",
            ),
            event(
                "2026-01-01T13:00:00Z",
                "Add member to role",
                "y@contoso.com",
                "someone-else",
            ),
            event(
                "2026-01-01T14:00:00Z",
                "Add member to role in PIM requested (permanent)",
                "z",
                "m",
            ),
        ]);
        attribute(&mut items, &lookup, &|_| None);
        assert_eq!(items[0].by.as_deref(), Some("admin@contoso.com"));
        assert_eq!(items[0].when, Some(at("2026-01-01T11:00:00Z")));
        assert!(items[0]
            .words()
            .contains("by admin@contoso.com at 2026-01-01 11:00 UTC"));

        let denied = AuditLookup::Unavailable("the app lacks AuditLog.Read.All".into());
        attribute(&mut items, &denied, &|_| None);
        assert!(
            items[0]
                .words()
                .contains(&format!("by someone unknown ({UNREADABLE})")),
            "{}",
            items[0].words()
        );
        assert_eq!(items[0].by, None);
        assert_eq!(
            denied.warning().as_deref(),
            Some("who changed the drift and when is unknown: the app lacks AuditLog.Read.All")
        );
    }

    #[test]
    fn only_completed_role_activities_count() {
        assert_eq!(
            activity_effect("Add eligible member to role in PIM completed (permanent)"),
            Some((DriftChange::Added, AssignmentKind::Eligible))
        );
        assert_eq!(
            activity_effect("Remove member from role"),
            Some((DriftChange::Removed, AssignmentKind::Active))
        );
        assert_eq!(
            activity_effect("Add member to role completed (PIM activation)"),
            None
        );
        assert_eq!(activity_effect("Add member to group"), None);
    }
}
