//! The pure planner: `plan(desired, actual, policy) -> Plan`. No IO, no clock. The plan is a
//! serialisable value with every grant, revoke, unchanged holder, skipped member and untouched
//! principal, each with its reason, and the safety stops that keep it from being applied.

use crate::directory::{is_non_routable_suffix, DirectorySnapshot, DirectoryUser};
use crate::ids::{DirectoryScopeId, Dn, EntraObjectId, RoleDefinitionId, GLOBAL_ADMINISTRATOR};
use crate::mapping::{resolve, Mapping, SkippedMapping, UnmappedGroup};
use crate::ownership::AssignmentKey;
use crate::pim::{decide, HoldScope, PimRequest, RolePim};
use crate::policy::Policy;
use crate::tenant::{
    AssignmentKind, AssignmentOrigin, EntraUser, Principal, RoleAssignment, TenantSnapshot,
    UserType,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Grant, renew or revoke.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Create the assignment.
    Grant,
    /// Extend a time-bound (PIM) assignment that ends soon (`adminExtend`).
    Renew,
    /// Remove the assignment.
    Revoke,
}

/// How an AD user was matched to its Entra user.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MatchedBy {
    /// `onPremisesImmutableId` equals the source anchor.
    SourceAnchor,
    /// `onPremisesSecurityIdentifier` equals the SID.
    Sid,
    /// UPN (fallback, only when enabled).
    Upn,
}

/// Why a change is planned.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "camelCase")]
pub enum ChangeReason {
    /// The user is an enabled member of the role group.
    #[serde(rename_all = "camelCase")]
    MemberOfGroup {
        /// How the user was matched.
        matched_by: MatchedBy,
    },
    /// The user holds the role but is no longer a member of the group.
    NotInGroup,
    /// The user is still in the group but disabled in AD.
    DisabledInAd,
    /// The user is still a member and the assignment ends on this date (within the renewal
    /// window).
    #[serde(rename_all = "camelCase")]
    EndsSoon {
        /// When it ends.
        ends: DateTime<Utc>,
    },
    /// Undoes what this run changed (`rolesync undo`, [`crate::undo`]).
    #[serde(rename_all = "camelCase")]
    UndoOf {
        /// The run undone.
        run_id: String,
    },
}

/// One planned change.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// Grant or revoke.
    pub action: Action,
    /// Active or eligible.
    pub kind: AssignmentKind,
    /// The role.
    pub role_id: RoleDefinitionId,
    /// The role's name.
    pub role_name: String,
    /// Where the role is assigned: `/` (the tenant, left out of JSON) or
    /// `/administrativeUnits/{id}`.
    #[serde(default, skip_serializing_if = "DirectoryScopeId::is_tenant")]
    #[cfg_attr(feature = "ts", ts(type = "string | undefined"))]
    pub directory_scope_id: DirectoryScopeId,
    /// The user's object id.
    pub principal_id: EntraObjectId,
    /// The user's UPN.
    pub user: String,
    /// The assignment to remove (revokes of active assignments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment_id: Option<String>,
    /// Why.
    pub reason: ChangeReason,
    /// Written as a PIM schedule request with this expiration, justification and ticket
    /// (eligible changes, and active ones where PIM governs the role); `None`: a direct role
    /// assignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pim: Option<PimRequest>,
}

/// Why an AD member gets no change.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "camelCase")]
pub enum SkipReason {
    /// The AD account is disabled.
    Disabled,
    /// No Entra user matched (not synced yet, or filtered out of sync).
    NotInEntra,
    /// No Entra user matched, and the UPN suffix cannot be routed to Entra ID.
    #[serde(rename_all = "camelCase")]
    NonRoutableUpn {
        /// The suffix, e.g. `corp.local`.
        suffix: String,
    },
    /// The matched Entra user is not synced from AD (cloud-only, or sync switched off).
    MatchNotSynced,
    /// The UPN matched an Entra user whose anchor belongs to another AD object.
    AnchorMismatch,
    /// Someone else removed the assignment since RoleSync's last run, and drift is only
    /// reported (`on_drift = "report"`, [`crate::drift`]).
    DriftKept,
    /// A change of the run being undone that is not undone (no longer as that run left it,
    /// protected, a renewal), [`crate::undo`].
    NotUndone,
}

/// A member that gets no change, and why.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    /// The AD user (UPN, else sAMAccountName, else DN).
    pub user: String,
    /// The reason, machine-readable.
    pub reason: SkipReason,
    /// The reason in words.
    pub message: String,
}

/// Why a principal holding the role is left alone.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UntouchedReason {
    /// A cloud-only user (never synced).
    CloudOnly,
    /// A user whose sync was switched off (`onPremisesSyncEnabled` false).
    NoLongerSynced,
    /// A guest.
    Guest,
    /// A group.
    Group,
    /// A service principal.
    ServicePrincipal,
    /// Another kind of object.
    OtherObject,
    /// On the protected list (break-glass).
    Protected,
    /// A PIM activation of an eligible assignment.
    PimActivation,
    /// An assignment of the other kind than the mapping manages.
    OtherKind,
    /// Not granted by RoleSync, in a role it manages only its own assignments of
    /// (`manage = "owned"`, [`crate::ownership`]).
    NotOwned,
    /// Added by someone else since RoleSync's last run, and drift is only reported
    /// (`on_drift = "report"`, [`crate::drift`]).
    DriftKept,
}

/// A principal holding the role that the plan does not touch.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Untouched {
    /// The principal.
    pub principal: String,
    /// Its assignment kind.
    pub kind: AssignmentKind,
    /// Why it is left alone.
    pub reason: UntouchedReason,
}

/// An assignment RoleSync manages that ends on a date.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Expiration {
    /// The user.
    pub user: String,
    /// When the assignment ends.
    pub ends: DateTime<Utc>,
    /// This plan renews it.
    pub renew: bool,
}

/// The plan for one role at one scope.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolePlan {
    /// Role id.
    pub role_id: RoleDefinitionId,
    /// Role name.
    pub role_name: String,
    /// Where the role is assigned: `/` (left out of JSON) or `/administrativeUnits/{id}`.
    #[serde(default, skip_serializing_if = "DirectoryScopeId::is_tenant")]
    #[cfg_attr(feature = "ts", ts(type = "string | undefined"))]
    pub directory_scope_id: DirectoryScopeId,
    /// The administrative unit's display name, for an administrative-unit scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub scope_name: Option<String>,
    /// Governing groups.
    pub groups: Vec<Dn>,
    /// Active or eligible.
    pub kind: AssignmentKind,
    /// Assignments to create.
    pub grants: Vec<Change>,
    /// Time-bound assignments to extend before they end.
    #[serde(default)]
    pub renewals: Vec<Change>,
    /// Assignments to remove.
    pub revokes: Vec<Change>,
    /// Changes not attempted because of the role's PIM settings ([`RolePim::hold`]).
    #[serde(default)]
    pub held: Vec<Change>,
    /// Grants that wait for a second person's approval (`safety.require_approval`,
    /// [`crate::approval`]); not applied by this run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub awaiting_approval: Vec<Change>,
    /// The role's PIM settings and what RoleSync does about them (roles PIM governs, and
    /// eligible mappings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pim: Option<RolePim>,
    /// Managed assignments with an end date, soonest first.
    #[serde(default)]
    pub expirations: Vec<Expiration>,
    /// Members who already hold the role.
    pub unchanged: Vec<String>,
    /// Members who get no change, with reasons.
    pub skipped: Vec<Skipped>,
    /// Holders left alone, with reasons.
    pub untouched: Vec<Untouched>,
    /// Synced users holding the role (the base of the revoke share).
    pub managed_holders: usize,
}

impl RolePlan {
    /// The role and, for an administrative-unit scope, the unit: `Helpdesk Administrator`,
    /// `Helpdesk Administrator @ administrative unit Europe`.
    pub fn label(&self) -> String {
        scoped_label(
            &self.role_name,
            &self.directory_scope_id,
            self.scope_name.as_deref(),
        )
    }
}

/// A role's name with its scope when that is not the tenant.
pub fn scoped_label(role: &str, scope: &DirectoryScopeId, scope_name: Option<&str>) -> String {
    if scope.is_tenant() {
        return role.to_string();
    }
    let unit = scope_name
        .map(str::to_string)
        .or_else(|| scope.administrative_unit_id().map(str::to_string))
        .unwrap_or_else(|| scope.to_string());
    format!("{role} @ administrative unit {unit}")
}

/// What stopped the plan from being applied.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "camelCase")]
pub enum StopKind {
    /// A source read failed or was partial (fail closed).
    SourceIncomplete,
    /// A mapping names a role or group that does not exist, or conflicts.
    MappingProblem,
    /// Too many revokes in one role.
    #[serde(rename_all = "camelCase")]
    RevokeLimit {
        /// Planned revokes.
        revokes: usize,
        /// Managed holders.
        managed: usize,
    },
    /// The role group is empty and would lose all its managed members.
    EmptyGroup,
    /// The plan would leave no Global Administrator.
    LastGlobalAdministrator,
    /// Protected accounts that are not in the tenant: the list protects nobody it means to.
    ProtectedNotFound,
}

/// A safety stop.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafetyStop {
    /// What kind.
    #[serde(flatten)]
    pub kind: StopKind,
    /// The role concerned, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// What is wrong and how to proceed.
    pub message: String,
    /// True when `--force` (or the GUI's confirmation) may override it.
    pub overridable: bool,
}

/// Totals over the plan.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanSummary {
    /// Roles mapped.
    pub roles: usize,
    /// Grants planned.
    pub grants: usize,
    /// Revokes planned.
    pub revokes: usize,
    /// Renewals planned.
    #[serde(default)]
    pub renewals: usize,
    /// Changes held back by PIM settings.
    #[serde(default)]
    pub held: usize,
    /// Grants waiting for approval.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub awaiting_approval: usize,
    /// Members already holding their role.
    pub unchanged: usize,
    /// Members skipped.
    pub skipped: usize,
    /// Holders left alone.
    pub untouched: usize,
    /// Groups mapping to nothing.
    pub unmapped_groups: usize,
    /// Mappings that get nothing written because their administrative unit does not exist.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[cfg_attr(feature = "ts", ts(type = "number | undefined"))]
    pub skipped_mappings: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The whole plan.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Totals.
    pub summary: PlanSummary,
    /// Per role, sorted by role name.
    pub roles: Vec<RolePlan>,
    /// Groups that map to no role.
    pub unmapped_groups: Vec<UnmappedGroup>,
    /// Mappings that get nothing written because their administrative unit does not exist.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(type = "Array<SkippedMapping> | undefined"))]
    pub skipped_mappings: Vec<SkippedMapping>,
    /// Safety stops; the plan may be applied only when this is empty or every stop is overridden.
    pub stops: Vec<SafetyStop>,
}

impl Plan {
    /// Every change to apply, grants, renewals then revokes per role, in plan order (held
    /// changes are not among them).
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.roles.iter().flat_map(|r| {
            r.grants
                .iter()
                .chain(r.renewals.iter())
                .chain(r.revokes.iter())
        })
    }

    /// Every change held back by PIM settings.
    pub fn held(&self) -> impl Iterator<Item = &Change> {
        self.roles.iter().flat_map(|r| r.held.iter())
    }

    /// Every grant waiting for approval (`safety.require_approval`).
    pub fn awaiting_approval(&self) -> impl Iterator<Item = &Change> {
        self.roles.iter().flat_map(|r| r.awaiting_approval.iter())
    }

    /// Writes the run into the PIM requests: the justification names the user, the AD group
    /// and the run; the run id is the ticket number where a ticket is required.
    pub fn stamp(&mut self, run_id: &str) {
        for r in &mut self.roles {
            let groups: Vec<&str> = r.groups.iter().map(|g| g.first_rdn_value()).collect();
            let groups = groups.join(", ");
            let changes = r
                .grants
                .iter_mut()
                .chain(r.renewals.iter_mut())
                .chain(r.revokes.iter_mut())
                .chain(r.held.iter_mut());
            for c in changes {
                let Some(p) = &mut c.pim else { continue };
                let why = match &c.reason {
                    ChangeReason::MemberOfGroup { .. } => {
                        format!("{} is a member of the AD group {groups}", c.user)
                    }
                    ChangeReason::EndsSoon { ends } => format!(
                        "{} is still a member of the AD group {groups}; extended before it ends on {}",
                        c.user,
                        ends.format("%Y-%m-%d")
                    ),
                    ChangeReason::NotInGroup => {
                        format!("{} is no longer a member of the AD group {groups}", c.user)
                    }
                    ChangeReason::DisabledInAd => {
                        format!("{} is disabled in AD (group {groups})", c.user)
                    }
                    ChangeReason::UndoOf { run_id } => {
                        format!("undoes run {run_id} for {}", c.user)
                    }
                };
                let mut text = format!("RoleSync run {run_id}: {why}");
                // PIM keeps justifications short; 500 characters is plenty for these.
                if text.chars().count() > 500 {
                    text = text.chars().take(497).collect::<String>() + "...";
                }
                p.justification = text;
                p.run_id = run_id.to_string();
            }
        }
    }

    /// Whether any stop blocks applying, given whether the operator forces past limits.
    pub fn blocked(&self, force: bool) -> bool {
        self.stops.iter().any(|s| !(force && s.overridable))
    }
}

/// Indexes of the looked-up Entra users.
struct UserIndex<'a> {
    by_anchor: HashMap<&'a str, &'a EntraUser>,
    by_sid: HashMap<String, &'a EntraUser>,
    by_upn: HashMap<String, &'a EntraUser>,
}

impl<'a> UserIndex<'a> {
    fn new(users: &'a [EntraUser]) -> Self {
        let mut ix = Self {
            by_anchor: HashMap::new(),
            by_sid: HashMap::new(),
            by_upn: HashMap::new(),
        };
        for u in users {
            if let Some(a) = &u.on_premises_immutable_id {
                ix.by_anchor.insert(a.as_str(), u);
            }
            if let Some(s) = &u.on_premises_security_identifier {
                ix.by_sid.insert(s.to_string(), u);
            }
            ix.by_upn.insert(u.user_principal_name.folded(), u);
        }
        ix
    }
}

/// The result of matching one AD user.
enum Match<'a> {
    Found(&'a EntraUser, MatchedBy),
    Skip(SkipReason, String),
}

fn match_user<'a>(u: &DirectoryUser, ix: &UserIndex<'a>, policy: &Policy) -> Match<'a> {
    let anchor = u.source_anchor();
    let found = ix
        .by_anchor
        .get(anchor.immutable_id().as_str())
        .map(|e| (*e, MatchedBy::SourceAnchor))
        .or_else(|| {
            u.sid
                .as_ref()
                .and_then(|s| ix.by_sid.get(s.as_str()))
                .map(|e| (*e, MatchedBy::Sid))
        })
        .or_else(|| {
            if !policy.matching.by_upn {
                return None;
            }
            u.upn
                .as_ref()
                .and_then(|upn| ix.by_upn.get(&upn.folded()))
                .map(|e| (*e, MatchedBy::Upn))
        });
    match found {
        Some((e, by)) => {
            if by == MatchedBy::Upn {
                if let Some(other) = e
                    .on_premises_immutable_id
                    .as_deref()
                    .filter(|a| *a != anchor.immutable_id())
                {
                    return Match::Skip(
                        SkipReason::AnchorMismatch,
                        format!(
                            "the UPN matches Entra user {} but its immutableId {other} belongs to another AD object",
                            e.user_principal_name
                        ),
                    );
                }
            }
            if !e.is_synced() {
                let why = match e.on_premises_sync_enabled {
                    Some(false) => "its sync from AD is switched off",
                    _ => "it is a cloud-only account",
                };
                return Match::Skip(
                    SkipReason::MatchNotSynced,
                    format!(
                        "matched Entra user {} but {why}; RoleSync manages synced users only",
                        e.user_principal_name
                    ),
                );
            }
            Match::Found(e, by)
        }
        None => {
            let keys = format!(
                "no Entra user has immutableId {}{}{}",
                anchor.immutable_id(),
                u.sid
                    .as_ref()
                    .map(|s| format!(" or SID {s}"))
                    .unwrap_or_default(),
                if policy.matching.by_upn {
                    u.upn
                        .as_ref()
                        .map(|x| format!(" or UPN {x}"))
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            );
            match u
                .upn
                .as_ref()
                .and_then(|x| x.suffix())
                .filter(|s| is_non_routable_suffix(s))
            {
                Some(suffix) => Match::Skip(
                    SkipReason::NonRoutableUpn {
                        suffix: suffix.to_string(),
                    },
                    format!("{keys}; the UPN suffix {suffix} is not routable, so Entra Connect cannot sync this user as is — give it a routable UPN suffix"),
                ),
                None => Match::Skip(
                    SkipReason::NotInEntra,
                    format!("{keys} (not synced yet, or filtered out of sync)"),
                ),
            }
        }
    }
}

fn untouched_reason(p: &Principal, protected: &HashSet<String>) -> Option<UntouchedReason> {
    match p {
        Principal::Group { .. } => Some(UntouchedReason::Group),
        Principal::ServicePrincipal { .. } => Some(UntouchedReason::ServicePrincipal),
        Principal::Other { .. } => Some(UntouchedReason::OtherObject),
        Principal::User(u) => {
            if u.user_type == UserType::Guest {
                Some(UntouchedReason::Guest)
            } else if u.on_premises_sync_enabled == Some(false) {
                Some(UntouchedReason::NoLongerSynced)
            } else if !u.is_synced() {
                Some(UntouchedReason::CloudOnly)
            } else if protected.contains(&u.user_principal_name.folded())
                || protected.contains(&u.id.folded())
            {
                Some(UntouchedReason::Protected)
            } else {
                None
            }
        }
    }
}

/// What a plan takes besides the two sides and the policy: the assignments RoleSync owns (for
/// mappings with `manage = "owned"`) and the drift to leave as found (`on_drift = "report"`).
#[derive(Debug, Clone, Default)]
pub struct PlanExtras {
    /// Assignments RoleSync granted ([`crate::ownership`]).
    pub owned: HashSet<AssignmentKey>,
    /// Assignments someone else added or removed, to be left as they are ([`crate::drift`]),
    /// with the words that say who and when.
    pub leave: HashMap<AssignmentKey, String>,
}

/// Builds the plan. Pure: the same inputs always give the same plan.
pub fn plan(desired: &DirectorySnapshot, actual: &TenantSnapshot, policy: &Policy) -> Plan {
    plan_with(desired, actual, policy, &PlanExtras::default())
}

/// [`plan`] with ownership and drift taken into account. Pure.
pub fn plan_with(
    desired: &DirectorySnapshot,
    actual: &TenantSnapshot,
    policy: &Policy,
    extras: &PlanExtras,
) -> Plan {
    let resolution = resolve(
        &desired.groups,
        &actual.roles,
        &actual.administrative_units,
        &policy.mapping,
    );
    let ix = UserIndex::new(&actual.users);
    let protected: HashSet<String> = policy
        .protected
        .iter()
        .map(|p| p.trim().to_ascii_lowercase())
        .collect();

    let mut stops: Vec<SafetyStop> = desired
        .problems
        .iter()
        .map(|p| SafetyStop {
            kind: StopKind::SourceIncomplete,
            role: None,
            message: match &p.group {
                Some(g) => format!("reading group {g} from Active Directory failed or was incomplete: {}; nothing is changed until it can be read", p.message),
                None => format!("reading Active Directory failed or was incomplete: {}; nothing is changed until it can be read", p.message),
            },
            overridable: false,
        })
        .collect();
    stops.extend(resolution.problems.iter().map(|p| SafetyStop {
        kind: StopKind::MappingProblem,
        role: None,
        message: p.clone(),
        overridable: false,
    }));
    if !actual.missing_protected.is_empty() {
        // A typo or a renamed break-glass account protects nobody: the account it meant could
        // be revoked. Not something to force past.
        stops.push(SafetyStop {
            kind: StopKind::ProtectedNotFound,
            role: None,
            message: format!(
                "the protected account(s) {} are not in the tenant, so they protect nobody; correct [safety] protected (a typo, a renamed or deleted account) — nothing is changed until every entry is found",
                actual.missing_protected.join(", ")
            ),
            overridable: false,
        });
    }

    let mut roles = Vec::new();
    for m in &resolution.mappings {
        let rp = plan_role(m, desired, actual, &ix, &protected, policy, extras);
        check_role_limits(m, &rp, desired, policy, &mut stops);
        roles.push(rp);
    }
    check_last_global_admin(&roles, actual, &mut stops);

    let summary = PlanSummary {
        roles: roles.len(),
        grants: roles.iter().map(|r| r.grants.len()).sum(),
        revokes: roles.iter().map(|r| r.revokes.len()).sum(),
        renewals: roles.iter().map(|r| r.renewals.len()).sum(),
        held: roles.iter().map(|r| r.held.len()).sum(),
        awaiting_approval: roles.iter().map(|r| r.awaiting_approval.len()).sum(),
        unchanged: roles.iter().map(|r| r.unchanged.len()).sum(),
        skipped: roles.iter().map(|r| r.skipped.len()).sum(),
        untouched: roles.iter().map(|r| r.untouched.len()).sum(),
        unmapped_groups: resolution.unmapped.len(),
        skipped_mappings: resolution.skipped.len(),
    };
    Plan {
        summary,
        roles,
        unmapped_groups: resolution.unmapped,
        skipped_mappings: resolution.skipped,
        stops,
    }
}

fn plan_role(
    m: &Mapping,
    desired: &DirectorySnapshot,
    actual: &TenantSnapshot,
    ix: &UserIndex<'_>,
    protected: &HashSet<String>,
    policy: &Policy,
    extras: &PlanExtras,
) -> RolePlan {
    let key = |id: &EntraObjectId| AssignmentKey::new(&m.role.id, id, m.kind);
    // Members of every governing group, each AD object once.
    let mut members: BTreeMap<String, &DirectoryUser> = BTreeMap::new();
    for g in desired.groups.iter().filter(|g| m.groups.contains(&g.dn)) {
        for u in &g.members {
            members.entry(u.object_guid.to_string()).or_insert(u);
        }
    }

    let mut want: BTreeMap<String, (&EntraUser, MatchedBy)> = BTreeMap::new();
    let mut disabled_ids: HashSet<String> = HashSet::new();
    let mut skipped = Vec::new();
    for u in members.values() {
        let matched = match_user(u, ix, policy);
        if !u.enabled {
            if let Match::Found(e, _) = &matched {
                disabled_ids.insert(e.id.folded());
            }
            skipped.push(Skipped {
                user: u.display(),
                reason: SkipReason::Disabled,
                message: "the AD account is disabled".into(),
            });
            continue;
        }
        match matched {
            Match::Found(e, by) => {
                want.insert(e.id.folded(), (e, by));
            }
            Match::Skip(reason, message) => skipped.push(Skipped {
                user: u.display(),
                reason,
                message,
            }),
        }
    }

    let mut held: BTreeMap<String, &RoleAssignment> = BTreeMap::new();
    let mut untouched = Vec::new();
    let mut managed_holders = HashSet::new();
    let role_assignments = actual.assignments.iter().filter(|a| {
        a.role_definition_id == m.role.id && a.directory_scope_id == m.directory_scope_id
    });
    // Users who hold the role now through a PIM activation: for an active mapping they hold it
    // already, and Graph refuses a permanent assignment beside the activation ("already
    // exists") — planning one would report a grant on every run that changes nothing. The
    // permanent assignment is planned once the activation has ended.
    let mut activated: HashSet<String> = HashSet::new();
    for a in role_assignments {
        if a.kind == AssignmentKind::Active && a.origin == AssignmentOrigin::Activated {
            activated.insert(a.principal.id().folded());
            untouched.push(Untouched {
                principal: a.principal.display(),
                kind: a.kind,
                reason: UntouchedReason::PimActivation,
            });
            continue;
        }
        if let Principal::User(u) = &a.principal {
            if u.is_synced() && u.user_type == UserType::Member {
                managed_holders.insert(u.id.folded());
            }
        }
        if a.kind != m.kind {
            untouched.push(Untouched {
                principal: a.principal.display(),
                kind: a.kind,
                reason: UntouchedReason::OtherKind,
            });
            continue;
        }
        held.insert(a.principal.id().folded(), a);
    }

    let settings = actual
        .pim
        .iter()
        .find(|s| s.role_id == m.role.id)
        .map(|s| &s.settings);
    let (pim, request) = decide(
        &m.role.display_name,
        m.kind,
        settings,
        policy.pim.duration,
        actual.signed_in_with_mfa,
    );
    let change = |action, e: &EntraUser, assignment_id: Option<String>, reason| Change {
        action,
        kind: m.kind,
        role_id: m.role.id.clone(),
        role_name: m.role.display_name.clone(),
        directory_scope_id: m.directory_scope_id.clone(),
        principal_id: e.id.clone(),
        user: e.user_principal_name.to_string(),
        assignment_id,
        reason,
        pim: request.clone(),
    };

    let window = chrono::Duration::days(i64::from(policy.pim.renew_within_days));
    let mut grants = Vec::new();
    let mut renewals = Vec::new();
    let mut unchanged = Vec::new();
    let mut expirations = Vec::new();
    for (id, (e, by)) in &want {
        if let Some(a) = held.get(id) {
            unchanged.push(e.user_principal_name.to_string());
            let Some(ends) = a.end else { continue };
            // Renewable: an end within the window, by the tenant's clock, written through PIM.
            let renew = request.is_some() && actual.read_at.is_some_and(|now| ends - now <= window);
            if renew {
                renewals.push(change(
                    Action::Renew,
                    e,
                    None,
                    ChangeReason::EndsSoon { ends },
                ));
            }
            expirations.push(Expiration {
                user: e.user_principal_name.to_string(),
                ends,
                renew,
            });
        } else if m.kind == AssignmentKind::Active && activated.contains(id) {
            unchanged.push(e.user_principal_name.to_string());
        } else if let Some(why) = extras.leave.get(&key(&e.id)) {
            skipped.push(Skipped {
                user: e.user_principal_name.to_string(),
                reason: SkipReason::DriftKept,
                message: format!("{why}; not restored (on_drift = \"report\")"),
            });
        } else {
            grants.push(change(
                Action::Grant,
                e,
                None,
                ChangeReason::MemberOfGroup { matched_by: *by },
            ));
        }
    }

    let mut revokes = Vec::new();
    for (id, a) in &held {
        if want.contains_key(id) {
            continue;
        }
        if let Some(reason) = untouched_reason(&a.principal, protected) {
            untouched.push(Untouched {
                principal: a.principal.display(),
                kind: a.kind,
                reason,
            });
            continue;
        }
        let left = if extras.leave.contains_key(&key(a.principal.id())) {
            Some(UntouchedReason::DriftKept)
        } else if m.owned_only && !extras.owned.contains(&key(a.principal.id())) {
            Some(UntouchedReason::NotOwned)
        } else {
            None
        };
        if let Some(reason) = left {
            untouched.push(Untouched {
                principal: a.principal.display(),
                kind: a.kind,
                reason,
            });
            continue;
        }
        if let Principal::User(e) = &a.principal {
            let reason = if disabled_ids.contains(id) {
                ChangeReason::DisabledInAd
            } else {
                ChangeReason::NotInGroup
            };
            let aid = (m.kind == AssignmentKind::Active).then(|| a.id.clone());
            let mut c = change(Action::Revoke, e, aid, reason);
            // Active assignments are removed directly (whoever made them); eligible ones
            // through PIM, with a justification and no schedule.
            c.pim = match m.kind {
                AssignmentKind::Active => None,
                AssignmentKind::Eligible => c.pim.map(|p| PimRequest {
                    duration: None,
                    ticket: false,
                    ..p
                }),
            };
            revokes.push(c);
        }
    }

    let mut held_back = Vec::new();
    if let Some(hold) = pim.as_ref().and_then(|p| p.hold.as_ref()) {
        held_back.append(&mut grants);
        held_back.append(&mut renewals);
        if hold.scope == HoldScope::Everything {
            held_back.append(&mut revokes);
        }
        for x in &mut expirations {
            x.renew = false;
        }
    }

    // Grants to a role that needs a second person's approval wait for it.
    let mut awaiting_approval = Vec::new();
    if policy.requires_approval(&m.role) {
        awaiting_approval.append(&mut grants);
    }

    grants.sort_by_key(|c| c.user.to_ascii_lowercase());
    awaiting_approval.sort_by_key(|c| c.user.to_ascii_lowercase());
    renewals.sort_by_key(|c| c.user.to_ascii_lowercase());
    revokes.sort_by_key(|c| c.user.to_ascii_lowercase());
    held_back.sort_by_key(|c| (c.action as u8, c.user.to_ascii_lowercase()));
    expirations.sort_by(|a, b| a.ends.cmp(&b.ends).then_with(|| a.user.cmp(&b.user)));
    unchanged.sort_by_key(|u| u.to_ascii_lowercase());
    skipped.sort_by_key(|s| s.user.to_ascii_lowercase());
    untouched.sort_by_key(|u| u.principal.to_ascii_lowercase());

    RolePlan {
        role_id: m.role.id.clone(),
        role_name: m.role.display_name.clone(),
        directory_scope_id: m.directory_scope_id.clone(),
        scope_name: m.scope_name.clone(),
        groups: m.groups.clone(),
        kind: m.kind,
        grants,
        renewals,
        revokes,
        held: held_back,
        awaiting_approval,
        pim,
        expirations,
        unchanged,
        skipped,
        untouched,
        managed_holders: managed_holders.len(),
    }
}

fn check_role_limits(
    m: &Mapping,
    rp: &RolePlan,
    desired: &DirectorySnapshot,
    policy: &Policy,
    stops: &mut Vec<SafetyStop>,
) {
    let revokes = rp.revokes.len();
    if revokes == 0 {
        return;
    }
    let empty = desired
        .groups
        .iter()
        .filter(|g| m.groups.contains(&g.dn))
        .all(|g| g.members.is_empty());
    if empty && !m.allow_empty {
        stops.push(SafetyStop {
            kind: StopKind::EmptyGroup,
            role: Some(rp.role_name.clone()),
            message: format!(
                "the group for role \"{}\" is empty, so all {revokes} managed member(s) would lose the role; if that is intended, set allow_empty = true on its mapping or run with --force",
                rp.label()
            ),
            overridable: true,
        });
        return;
    }
    stops.extend(revoke_limit(rp, policy));
}

/// The revoke limit of one role: more revokes than both `max_revokes` and `max_revoke_percent`
/// of its managed holders.
fn revoke_limit(rp: &RolePlan, policy: &Policy) -> Option<SafetyStop> {
    let revokes = rp.revokes.len();
    let limits = policy.limits;
    let over_count = revokes > limits.max_revokes as usize;
    let over_share = revokes * 100 > limits.max_revoke_percent as usize * rp.managed_holders;
    if over_count && over_share {
        return Some(SafetyStop {
            kind: StopKind::RevokeLimit {
                revokes,
                managed: rp.managed_holders,
            },
            role: Some(rp.role_name.clone()),
            message: format!(
                "{revokes} revokes in role \"{}\" exceed both the limit of {} and {}% of its {} managed member(s); check the group, then run with --force or raise [safety] max_revokes / max_revoke_percent",
                rp.label(), limits.max_revokes, limits.max_revoke_percent, rp.managed_holders
            ),
            overridable: true,
        });
    }
    None
}

/// The stops that depend on the tenant alone — each role's revoke limit and the last Global
/// Administrator — for plans not made from the directory (`rolesync undo`).
pub fn tenant_stops(
    roles: &[RolePlan],
    actual: &TenantSnapshot,
    policy: &Policy,
) -> Vec<SafetyStop> {
    let mut stops: Vec<SafetyStop> = roles
        .iter()
        .filter_map(|r| revoke_limit(r, policy))
        .collect();
    check_last_global_admin(roles, actual, &mut stops);
    stops
}

fn check_last_global_admin(
    roles: &[RolePlan],
    actual: &TenantSnapshot,
    stops: &mut Vec<SafetyStop>,
) {
    let Some(ga) = actual.roles.iter().find(|r| {
        r.template_id
            .as_str()
            .eq_ignore_ascii_case(GLOBAL_ADMINISTRATOR)
    }) else {
        return;
    };
    let Some(rp) = roles
        .iter()
        .find(|r| r.role_id == ga.id && r.directory_scope_id.is_tenant())
    else {
        return;
    };
    let revoked: HashSet<String> = rp
        .revokes
        .iter()
        .filter(|c| c.kind == AssignmentKind::Active)
        .map(|c| c.principal_id.folded())
        .collect();
    if revoked.is_empty() {
        return;
    }
    let granted = rp
        .grants
        .iter()
        .filter(|c| c.kind == AssignmentKind::Active)
        .count();
    let remaining = actual
        .assignments
        .iter()
        .filter(|a| {
            a.role_definition_id == ga.id
                && a.kind == AssignmentKind::Active
                && a.directory_scope_id.is_tenant()
        })
        .filter(|a| !revoked.contains(&a.principal.id().folded()))
        .count();
    if remaining + granted == 0 {
        stops.push(SafetyStop {
            kind: StopKind::LastGlobalAdministrator,
            role: Some(rp.role_name.clone()),
            message: "the plan would remove the last Global Administrator; add a member to the group or keep a cloud-only break-glass Global Administrator".into(),
            overridable: false,
        });
    }
}
