//! Plans held for a second person's approval: what a held plan is, how its content is sealed
//! with a hash, and how an approval checks a freshly computed plan against it.
//!
//! A plan is held when a sync is stopped by limits that `--force` could pass (too many revokes,
//! an empty group: the whole plan waits), or when it grants a role listed in
//! `safety.require_approval` (those grants wait, the rest of the run goes on). Approving reads
//! both sides again and plans anew; the held changes are applied only when the fresh plan's
//! changes in the held scope are exactly the held ones ([`compare`]) — otherwise the difference
//! is shown and the plan stays pending. Pure: the application keeps the files
//! (`logs/held/<id>.json`), the claims and the audit.

use crate::plan::{Action, Change, Plan, SafetyStop};
use crate::tenant::AssignmentKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Why a plan waits for approval.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "camelCase")]
pub enum HoldReason {
    /// The sync was stopped by limits a second person may approve past; every change waits.
    SafetyStops {
        /// The stops (all of them overridable).
        stops: Vec<SafetyStop>,
    },
    /// Grants to these roles need a second person (`safety.require_approval`); only they wait.
    RequireApproval {
        /// The roles' display names.
        roles: Vec<String>,
    },
}

impl HoldReason {
    /// In words.
    pub fn words(&self) -> String {
        match self {
            HoldReason::SafetyStops { stops } => format!(
                "stopped by {} safety limit(s): {}",
                stops.len(),
                stops
                    .iter()
                    .map(|s| s.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            HoldReason::RequireApproval { roles } => format!(
                "grants to {} need a second person's approval (safety.require_approval)",
                roles.join(", ")
            ),
        }
    }
}

/// What the held plan was computed from: the two sides, and digests of what was read.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldState {
    /// The directory source (`ldaps://dc1.contoso.com`).
    pub source: String,
    /// The role target.
    pub target: String,
    /// SHA-256 of the directory snapshot read (canonical JSON).
    pub directory_sha256: String,
    /// SHA-256 of the tenant snapshot read (canonical JSON).
    pub tenant_sha256: String,
    /// SHA-256 of the configuration file's text.
    pub config_sha256: String,
}

/// Totals of a held plan.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldSummary {
    /// Grants.
    pub grants: usize,
    /// Renewals.
    pub renewals: usize,
    /// Revokes.
    pub revokes: usize,
}

impl HeldSummary {
    /// The totals of these changes.
    pub fn of(changes: &[Change]) -> Self {
        let n = |a: Action| changes.iter().filter(|c| c.action == a).count();
        Self {
            grants: n(Action::Grant),
            renewals: n(Action::Renew),
            revokes: n(Action::Revoke),
        }
    }
}

/// A plan waiting for approval: sealed by [`seal`] into a [`HeldFile`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldPlan {
    /// Its id: the run that held it.
    pub id: String,
    /// When it was held.
    pub created: DateTime<Utc>,
    /// After this it can no longer be approved.
    pub expires: DateTime<Utc>,
    /// The account that ran the sync.
    pub created_by: String,
    /// Why it waits.
    pub reason: HoldReason,
    /// What approving applies (in plan order).
    pub changes: Vec<Change>,
    /// Totals.
    pub summary: HeldSummary,
    /// What it was computed from.
    pub state: HeldState,
}

impl HeldPlan {
    /// Whether it can no longer be approved at `now`.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires
    }

    /// The fresh plan's changes that this held plan covers: every change when a stopped plan
    /// was held; the grants to the held roles for `require_approval`.
    pub fn scope<'a>(&self, fresh: &'a Plan) -> Vec<&'a Change> {
        match &self.reason {
            HoldReason::SafetyStops { .. } => {
                fresh.changes().chain(fresh.awaiting_approval()).collect()
            }
            HoldReason::RequireApproval { .. } => {
                let roles: Vec<String> = self
                    .changes
                    .iter()
                    .map(|c| c.role_id.as_str().to_ascii_lowercase())
                    .collect();
                fresh
                    .changes()
                    .chain(fresh.awaiting_approval())
                    .filter(|c| c.action == Action::Grant)
                    .filter(|c| roles.contains(&c.role_id.as_str().to_ascii_lowercase()))
                    .collect()
            }
        }
    }
}

/// A held plan as it is stored: the plan and the SHA-256 of its canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldFile {
    /// The plan.
    pub plan: HeldPlan,
    /// Lower-case hex SHA-256 of [`canonical_json`] of the plan.
    pub sha256: String,
}

/// JSON with object keys sorted and no whitespace: the same value always gives the same bytes,
/// whatever order a file's keys were written in.
pub fn canonical_json(v: &impl Serialize) -> Vec<u8> {
    fn sort(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let sorted: BTreeMap<String, serde_json::Value> =
                    m.into_iter().map(|(k, v)| (k, sort(v))).collect();
                serde_json::Value::Object(sorted.into_iter().collect())
            }
            serde_json::Value::Array(a) => {
                serde_json::Value::Array(a.into_iter().map(sort).collect())
            }
            other => other,
        }
    }
    let value = serde_json::to_value(v).unwrap_or_default();
    // `to_string` writes a map's keys in its order: sorted above.
    serde_json::to_string(&sort(value))
        .unwrap_or_default()
        .into_bytes()
}

/// Lower-case hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Seals a held plan.
pub fn seal(plan: HeldPlan) -> HeldFile {
    let sha256 = sha256_hex(&canonical_json(&plan));
    HeldFile { plan, sha256 }
}

/// Why a held file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeldError {
    /// Not a held plan at all (damaged, cut short, not JSON).
    #[error("is not a held plan RoleSync can read ({0})")]
    Unreadable(String),
    /// The content does not match its hash: the file was changed after it was held.
    #[error("was changed after it was held (its content no longer matches its SHA-256 {stored}; now {actual})")]
    Edited {
        /// The hash in the file.
        stored: String,
        /// The hash of the content.
        actual: String,
    },
}

/// Reads a held file's bytes and checks the seal.
pub fn open(bytes: &[u8]) -> Result<HeldPlan, HeldError> {
    let file: HeldFile =
        serde_json::from_slice(bytes).map_err(|e| HeldError::Unreadable(e.to_string()))?;
    let actual = sha256_hex(&canonical_json(&file.plan));
    if !actual.eq_ignore_ascii_case(file.sha256.trim()) {
        return Err(HeldError::Edited {
            stored: file.sha256,
            actual,
        });
    }
    Ok(file.plan)
}

/// One change in words: `+ grant Global Administrator (active) to alice@contoso.com`.
pub fn describe(c: &Change) -> String {
    let (sign, verb, to) = match c.action {
        Action::Grant => ("+", "grant", "to"),
        Action::Renew => ("↻", "renew", "of"),
        Action::Revoke => ("-", "revoke", "from"),
    };
    let kind = match c.kind {
        AssignmentKind::Active => "active",
        AssignmentKind::Eligible => "eligible",
    };
    format!("{sign} {verb} {} ({kind}) {to} {}", c.role_name, c.user)
}

fn identity(c: &Change) -> (u8, AssignmentKind, String, String) {
    (
        c.action as u8,
        c.kind,
        c.role_id.as_str().to_ascii_lowercase(),
        c.principal_id.as_str().to_ascii_lowercase(),
    )
}

/// How a fresh plan differs from a held one, change by change.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanDiff {
    /// Held, and no longer planned.
    pub no_longer_planned: Vec<String>,
    /// Planned now, and not in the held plan.
    pub newly_planned: Vec<String>,
}

impl PlanDiff {
    /// The same changes on both sides.
    pub fn is_empty(&self) -> bool {
        self.no_longer_planned.is_empty() && self.newly_planned.is_empty()
    }

    /// In words, one change a line.
    pub fn words(&self) -> String {
        let mut out = Vec::new();
        for c in &self.no_longer_planned {
            out.push(format!("  held but no longer planned: {c}"));
        }
        for c in &self.newly_planned {
            out.push(format!("  planned now but not held:   {c}"));
        }
        out.join("\n")
    }
}

/// Compares the held changes with the fresh plan's changes in the same scope (who, which role,
/// which kind and what: a change of reason or PIM details is the same change).
pub fn compare(held: &[Change], fresh: &[&Change]) -> PlanDiff {
    let fresh_ids: Vec<_> = fresh.iter().map(|c| identity(c)).collect();
    let held_ids: Vec<_> = held.iter().map(identity).collect();
    PlanDiff {
        no_longer_planned: held
            .iter()
            .filter(|c| !fresh_ids.contains(&identity(c)))
            .map(describe)
            .collect(),
        newly_planned: fresh
            .iter()
            .filter(|c| !held_ids.contains(&identity(c)))
            .map(|c| describe(c))
            .collect(),
    }
}

/// The fresh plan cut down to `keep` (the approved changes): every other change, the held and
/// awaiting ones and the stops a second person may approve past are gone; a stop nobody may
/// pass (the last Global Administrator, a protected account not found) stays. Apply takes this.
pub fn narrow(fresh: &Plan, keep: &[&Change]) -> Plan {
    let ids: Vec<_> = keep.iter().map(|c| identity(c)).collect();
    let mut p = fresh.clone();
    for r in &mut p.roles {
        let wanted = |c: &Change| ids.contains(&identity(c));
        // A grant waiting for approval is a grant once approved.
        let mut approved: Vec<Change> = std::mem::take(&mut r.awaiting_approval)
            .into_iter()
            .filter(|c| wanted(c))
            .collect();
        r.grants.retain(|c| wanted(c));
        r.grants.append(&mut approved);
        r.grants.sort_by_key(|c| c.user.to_ascii_lowercase());
        r.renewals.retain(|c| wanted(c));
        r.revokes.retain(|c| wanted(c));
        r.held.clear();
    }
    p.stops.retain(|s| !s.overridable);
    p.summary.grants = p.roles.iter().map(|r| r.grants.len()).sum();
    p.summary.renewals = p.roles.iter().map(|r| r.renewals.len()).sum();
    p.summary.revokes = p.roles.iter().map(|r| r.revokes.len()).sum();
    p.summary.held = 0;
    p.summary.awaiting_approval = 0;
    p
}

/// What the run's report says of the plan it saved for approval.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingApproval {
    /// The held plan's id.
    pub id: String,
    /// Why it waits, in words.
    pub reason: String,
    /// Until when it can be approved.
    pub expires: DateTime<Utc>,
    /// How many changes wait.
    pub changes: usize,
    /// The changes, one a line ([`describe`]).
    #[serde(default)]
    pub lines: Vec<String>,
    /// The command that approves it.
    pub command: String,
}

impl PendingApproval {
    /// The report's words for a held plan.
    pub fn of(h: &HeldPlan) -> Self {
        Self {
            id: h.id.clone(),
            reason: h.reason.words(),
            expires: h.expires,
            changes: h.changes.len(),
            lines: h.changes.iter().map(describe).collect(),
            command: format!("rolesync approvals approve {}", h.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{EntraObjectId, RoleDefinitionId};
    use crate::plan::{ChangeReason, MatchedBy};

    fn change(action: Action, role: &str, user: &str) -> Change {
        Change {
            action,
            kind: AssignmentKind::Active,
            role_id: RoleDefinitionId::new(role),
            directory_scope_id: Default::default(),
            role_name: format!("Role {role}"),
            principal_id: EntraObjectId::new(user),
            user: format!("{user}@contoso.com"),
            assignment_id: None,
            reason: ChangeReason::MemberOfGroup {
                matched_by: MatchedBy::SourceAnchor,
            },
            pim: None,
        }
    }

    fn held() -> HeldPlan {
        let changes = vec![
            change(Action::Grant, "r1", "a"),
            change(Action::Revoke, "r1", "b"),
        ];
        HeldPlan {
            id: "run-1".into(),
            created: DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            expires: DateTime::parse_from_rfc3339("2026-01-02T00:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            created_by: "svc".into(),
            reason: HoldReason::RequireApproval {
                roles: vec!["Role r1".into()],
            },
            summary: HeldSummary::of(&changes),
            changes,
            state: HeldState {
                source: "ldif".into(),
                target: "graph".into(),
                directory_sha256: "d".into(),
                tenant_sha256: "t".into(),
                config_sha256: "c".into(),
            },
        }
    }

    #[test]
    fn a_sealed_plan_opens_and_any_edit_is_found() {
        let file = seal(held());
        let text = serde_json::to_string_pretty(&file).unwrap();
        assert_eq!(open(text.as_bytes()).unwrap(), held());
        // Key order and whitespace are not content.
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(open(&canonical_json(&v)).is_ok());
        let edited = text.replace("b@contoso.com", "mallory@contoso.com");
        assert!(matches!(
            open(edited.as_bytes()),
            Err(HeldError::Edited { .. })
        ));
        assert!(matches!(open(b"{\"plan\":"), Err(HeldError::Unreadable(_))));
    }

    #[test]
    fn an_identical_fresh_plan_matches_and_a_different_one_says_how() {
        let h = held();
        let same = [
            change(Action::Revoke, "R1", "B"),
            change(Action::Grant, "r1", "a"),
        ];
        let refs: Vec<&Change> = same.iter().collect();
        assert!(compare(&h.changes, &refs).is_empty());
        let other = [
            change(Action::Grant, "r1", "a"),
            change(Action::Grant, "r1", "c"),
        ];
        let refs: Vec<&Change> = other.iter().collect();
        let d = compare(&h.changes, &refs);
        assert_eq!(
            d.no_longer_planned,
            ["- revoke Role r1 (active) from b@contoso.com"]
        );
        assert_eq!(
            d.newly_planned,
            ["+ grant Role r1 (active) to c@contoso.com"]
        );
        assert!(d.words().contains("planned now but not held"));
    }

    #[test]
    fn expiry_is_inclusive_of_the_end() {
        let h = held();
        assert!(!h.expired(h.created));
        assert!(h.expired(h.expires));
    }
}
