//! Which role assignments RoleSync created. A mapping with `manage = "owned"` revokes only
//! those — for tenants that adopt RoleSync beside assignments made by hand, which it must not
//! take away. RoleSync knows its own assignments two ways: its audit lines (every grant it made,
//! in `audit.jsonl`: [`Ownership::from_audit`]), and for PIM the requests it sent, which carry
//! "RoleSync run …" in their justification and `RoleSync` as ticket system
//! ([`crate::pim::PimRequest`]; the Graph target reads them back).
//!
//! Pure: the application reads the audit file and hands the records in.

use crate::ids::{EntraObjectId, RoleDefinitionId};
use crate::plan::Action;
use crate::report::AuditRecord;
use crate::tenant::AssignmentKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// One assignment: a role, a principal and the kind, compared without case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentKey {
    /// The role definition id, lower case.
    pub role_id: String,
    /// The principal's object id, lower case.
    pub principal_id: String,
    /// Active or eligible.
    pub kind: AssignmentKind,
}

impl AssignmentKey {
    /// The key of `principal` holding `role` as `kind`.
    pub fn new(role: &RoleDefinitionId, principal: &EntraObjectId, kind: AssignmentKind) -> Self {
        Self {
            role_id: role.as_str().to_ascii_lowercase(),
            principal_id: principal.as_str().to_ascii_lowercase(),
            kind,
        }
    }
}

/// The assignments RoleSync granted and has not revoked since.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ownership {
    owned: HashSet<AssignmentKey>,
    /// When RoleSync last revoked each assignment, from its audit lines (a PIM grant read back
    /// from Graph that is older than this is no longer RoleSync's: [`Ownership::extend_granted`]).
    revoked_at: HashMap<AssignmentKey, DateTime<Utc>>,
}

/// An assignment RoleSync's own PIM request granted, and when that request was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PimGrant {
    /// The assignment.
    pub key: AssignmentKey,
    /// The request's `createdDateTime` (`None`: not known).
    pub requested: Option<DateTime<Utc>>,
}

impl Ownership {
    /// From the audit lines, oldest first: a grant RoleSync sent and that took effect (`done`,
    /// or `inEffect` when a later run confirmed an interrupted one) makes the assignment its own;
    /// a revoke that took effect (`done`, `alreadyDone`, `inEffect`) ends that. A grant that
    /// found the assignment already there (`alreadyDone`) was someone else's and stays theirs.
    pub fn from_audit<'a>(records: impl IntoIterator<Item = &'a AuditRecord>) -> Self {
        let mut owned = HashSet::new();
        let mut revoked_at = HashMap::new();
        for r in records {
            let (Some(role), Some(principal)) = (&r.role_id, &r.principal_id) else {
                continue;
            };
            let key = AssignmentKey::new(role, principal, r.kind);
            match (r.action, r.result.as_str()) {
                (Action::Grant, "done" | "inEffect") => {
                    owned.insert(key);
                }
                (Action::Revoke, "done" | "alreadyDone" | "inEffect") => {
                    owned.remove(&key);
                    revoked_at.insert(key, r.time);
                }
                _ => {}
            }
        }
        Self { owned, revoked_at }
    }

    /// Adds the assignments RoleSync's PIM requests granted (read back from the target), except
    /// one its audit lines show it revoked after the request: a direct revoke of an active
    /// assignment leaves no PIM request behind, so the grant request alone would still name it
    /// (an assignment made again by hand afterwards would then pass for RoleSync's).
    pub fn extend_granted(&mut self, grants: impl IntoIterator<Item = PimGrant>) {
        for g in grants {
            let revoked_later = self
                .revoked_at
                .get(&g.key)
                .is_some_and(|at| g.requested.is_none_or(|req| *at >= req));
            if !revoked_later {
                self.owned.insert(g.key);
            }
        }
    }

    /// Whether RoleSync granted this assignment.
    pub fn owns(&self, key: &AssignmentKey) -> bool {
        self.owned.contains(key)
    }

    /// The owned assignments.
    pub fn keys(&self) -> &HashSet<AssignmentKey> {
        &self.owned
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.owned.len()
    }

    /// None at all.
    pub fn is_empty(&self) -> bool {
        self.owned.is_empty()
    }
}

/// Whether a PIM request's justification or ticket says RoleSync sent it: the justification
/// starts with "RoleSync run " (what [`crate::plan::Plan::stamp`] writes) or "RoleSync: " (the
/// plain one), or the ticket system is `RoleSync`.
pub fn is_rolesync_request(justification: Option<&str>, ticket_system: Option<&str>) -> bool {
    justification
        .map(str::trim_start)
        .is_some_and(|j| j.starts_with("RoleSync run ") || j.starts_with("RoleSync: "))
        || ticket_system.is_some_and(|t| t == crate::pim::PimRequest::TICKET_SYSTEM)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn line(action: Action, result: &str, user: &str) -> AuditRecord {
        AuditRecord {
            time: Utc::now(),
            run_id: "r".into(),
            role: "Role".into(),
            directory_scope_id: Default::default(),
            user: user.into(),
            action,
            kind: AssignmentKind::Active,
            result: result.into(),
            detail: None,
            role_id: Some(RoleDefinitionId::new("ROLE")),
            principal_id: Some(EntraObjectId::new(user)),
            intended_by: None,
            approved_by: None,
            held_plan: None,
            undo_of: None,
        }
    }

    #[test]
    fn a_grant_that_took_effect_is_owned_until_revoked_and_an_existing_one_never_is() {
        let lines = [
            line(Action::Grant, "intended", "a"),
            line(Action::Grant, "done", "a"),
            line(Action::Grant, "alreadyDone", "b"),
            line(Action::Grant, "inEffect", "c"),
            line(Action::Grant, "done", "d"),
            line(Action::Revoke, "done", "d"),
            line(Action::Grant, "failed", "e"),
        ];
        let o = Ownership::from_audit(&lines);
        let key = |u: &str| {
            AssignmentKey::new(
                &RoleDefinitionId::new("role"),
                &EntraObjectId::new(u),
                AssignmentKind::Active,
            )
        };
        assert!(o.owns(&key("A")), "ids compare without case");
        assert!(!o.owns(&key("b")));
        assert!(o.owns(&key("c")));
        assert!(!o.owns(&key("d")));
        assert!(!o.owns(&key("e")));
        assert_eq!(o.len(), 2);
    }

    #[test]
    fn a_pim_grant_read_back_counts_unless_revoked_after_it() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let mut revoke = line(Action::Revoke, "done", "x");
        revoke.time = at("2026-01-02T00:00:00Z");
        let mut o = Ownership::from_audit(&[revoke]);
        let key = |u: &str| {
            AssignmentKey::new(
                &RoleDefinitionId::new("role"),
                &EntraObjectId::new(u),
                AssignmentKind::Active,
            )
        };
        o.extend_granted([
            PimGrant {
                key: key("x"),
                requested: Some(at("2026-01-01T00:00:00Z")),
            },
            PimGrant {
                key: key("y"),
                requested: Some(at("2026-01-01T00:00:00Z")),
            },
        ]);
        assert!(!o.owns(&key("x")), "revoked after its grant request");
        assert!(o.owns(&key("y")));
        o.extend_granted([PimGrant {
            key: key("x"),
            requested: Some(at("2026-01-03T00:00:00Z")),
        }]);
        assert!(o.owns(&key("x")), "granted again after the revoke");
    }

    #[test]
    fn rolesync_requests_are_known_by_justification_or_ticket() {
        assert!(is_rolesync_request(
            Some("RoleSync run 1234: a is a member of the AD group X"),
            None
        ));
        assert!(is_rolesync_request(None, Some("RoleSync")));
        assert!(!is_rolesync_request(
            Some("added by hand"),
            Some("ServiceNow")
        ));
        assert!(!is_rolesync_request(None, None));
    }
}
