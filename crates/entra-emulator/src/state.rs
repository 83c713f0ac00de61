//! Mutable tenant state: directory objects, role definitions, active assignments (permanent,
//! time-bound and PIM-activated), eligibilities and PIM role settings. The unified RBAC API, PIM
//! and the legacy `/directoryRoles` API all read and write this one state, so they stay
//! consistent. Schedules move with the emulator's clock ([`TenantState::settle`]): one whose start
//! lies ahead waits in `pending_*`, one whose end has passed moves to `expired_*` (renewable for
//! 30 days, see [`crate::schedules`]).

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};

use crate::error::EmulatorError;
use crate::fixture::{
    FixtureAdministrativeUnit, FixtureApplication, FixtureGroup, FixtureRoleActivation,
    FixtureRoleAssignment, FixtureRoleDefinition, FixtureRoleEligibility, FixtureRolePolicy,
    FixtureServicePrincipal, FixtureUser, TenantFixture, VerifiedDomain,
};
use crate::ids::{self, norm};
use crate::roles::{builtin_role_definitions, RoleDef};
use crate::schedules::{phase, Phase, EXPIRED_KEPT};

/// How an active assignment came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AssignmentKind {
    /// Permanent (or time-bound) assignment: `assignmentType: Assigned`.
    Assigned,
    /// A PIM activation of an eligibility: `assignmentType: Activated`.
    Activated,
}

/// An active role assignment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Assignment {
    pub id: String,
    pub principal_id: String,
    pub role_definition_id: String,
    pub directory_scope_id: String,
    pub kind: AssignmentKind,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    /// The `afterDuration` the request gave (`P180D`), answered as given.
    pub duration: Option<String>,
}

/// When a new schedule runs: from `start` to `end` (`duration` as the request gave it), seen at
/// `now`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Span {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub duration: Option<String>,
    pub now: DateTime<Utc>,
}

impl Span {
    /// From `now` on, without end.
    pub fn permanent(now: DateTime<Utc>) -> Span {
        Span {
            start: now,
            end: None,
            duration: None,
            now,
        }
    }
}

/// A PIM eligibility.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Eligibility {
    pub id: String,
    pub principal_id: String,
    pub role_definition_id: String,
    pub directory_scope_id: String,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    /// The `afterDuration` the request gave (`P180D`), answered as given.
    pub duration: Option<String>,
}

/// A directory object that can hold a role.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Principal<'a> {
    User(&'a FixtureUser),
    Group(&'a FixtureGroup),
    Sp(&'a FixtureServicePrincipal),
}

/// The tenant as it is now.
#[derive(Debug, Clone)]
pub(crate) struct TenantState {
    pub tenant_id: String,
    pub display_name: String,
    pub verified_domains: Vec<VerifiedDomain>,
    pub interactive_user: Option<String>,
    pub users: Vec<FixtureUser>,
    pub groups: Vec<FixtureGroup>,
    pub service_principals: Vec<FixtureServicePrincipal>,
    pub applications: Vec<FixtureApplication>,
    pub custom_roles: Vec<FixtureRoleDefinition>,
    pub roles: Vec<RoleDef>,
    /// Active assignments in force now.
    pub assignments: Vec<Assignment>,
    /// Eligibilities in force now.
    pub eligibilities: Vec<Eligibility>,
    /// Schedules whose start lies ahead.
    pub pending_assignments: Vec<Assignment>,
    pub pending_eligibilities: Vec<Eligibility>,
    /// Schedules that ended less than 30 days ago (`adminRenew` brings them back).
    pub expired_assignments: Vec<Assignment>,
    pub expired_eligibilities: Vec<Eligibility>,
    /// The next moment a schedule starts, ends or is forgotten ([`TenantState::settle`]).
    next_change: Option<DateTime<Utc>>,
    /// No Entra ID P2 / Governance licence: PIM answers `AadPremiumLicenseRequired`.
    pub without_pim_license: bool,
    /// PIM role settings that differ from the defaults (`*` first), validated at load.
    pub role_policies: Vec<FixtureRolePolicy>,
    pub activated_templates: BTreeSet<String>,
    pub administrative_units: Vec<FixtureAdministrativeUnit>,
    /// PIM schedule requests made since start (`GET …ScheduleRequests`), oldest first, as Graph
    /// returns them; not part of the fixture.
    pub eligibility_requests: Vec<serde_json::Value>,
    pub assignment_requests: Vec<serde_json::Value>,
    /// The directory audit log's role-management records since start, oldest first
    /// ([`crate::audit`]); not part of the fixture.
    pub directory_audits: Vec<serde_json::Value>,
    /// Look-ups into `users` (users never change after loading).
    pub user_index: crate::user_index::UserIndex,
    /// The ids and the (principal, role, scope) keys of `assignments`, kept by
    /// [`TenantState::push_assignment`] and [`TenantState::remove_assignment`], so that a write
    /// checks for a duplicate without a scan.
    assignment_ids: HashSet<String>,
    assignment_keys: HashSet<(String, String, String)>,
}

fn assignment_id_for(role: &str, principal: &str, scope: &str) -> String {
    if scope == "/" {
        ids::role_assignment_id(role, principal)
    } else {
        ids::scoped_assignment_id(role, principal, scope)
    }
}

impl TenantState {
    /// Loads and validates a fixture.
    pub fn from_fixture(f: &TenantFixture) -> Result<TenantState, EmulatorError> {
        let now = Utc::now();
        let bad = |m: String| EmulatorError::Fixture(m);
        if uuid::Uuid::parse_str(&f.tenant_id).is_err() {
            return Err(bad(format!("tenantId '{}' is not a GUID", f.tenant_id)));
        }
        let mut users = f.users.clone();
        for u in &mut users {
            u.id = norm(&u.id);
        }
        let mut groups = f.groups.clone();
        for g in &mut groups {
            g.id = norm(&g.id);
            g.members = g.members.iter().map(|m| norm(m)).collect();
        }
        let mut sps = f.service_principals.clone();
        for s in &mut sps {
            s.id = norm(&s.id);
        }
        let mut roles: Vec<RoleDef> = builtin_role_definitions()
            .iter()
            .map(RoleDef::from_builtin)
            .collect();
        for c in &f.custom_roles {
            if roles.iter().any(|r| r.id == norm(&c.id)) {
                return Err(bad(format!("custom role id {} duplicates a role", c.id)));
            }
            roles.push(RoleDef::from_custom(c));
        }
        let user_index = crate::user_index::UserIndex::build(&users);
        let mut st = TenantState {
            user_index,
            assignment_ids: HashSet::new(),
            assignment_keys: HashSet::new(),
            tenant_id: norm(&f.tenant_id),
            display_name: f.display_name.clone(),
            verified_domains: f.verified_domains.clone(),
            interactive_user: f.interactive_user.clone(),
            users,
            groups,
            service_principals: sps,
            applications: f.applications.clone(),
            custom_roles: f.custom_roles.clone(),
            roles,
            assignments: Vec::new(),
            eligibilities: Vec::new(),
            pending_assignments: Vec::new(),
            pending_eligibilities: Vec::new(),
            expired_assignments: Vec::new(),
            expired_eligibilities: Vec::new(),
            next_change: None,
            without_pim_license: f.without_pim_license,
            role_policies: Vec::new(),
            activated_templates: f
                .activated_role_template_ids
                .iter()
                .map(|t| norm(t))
                .collect(),
            administrative_units: f
                .administrative_units
                .iter()
                .map(|a| FixtureAdministrativeUnit {
                    id: norm(&a.id),
                    ..a.clone()
                })
                .collect(),
            eligibility_requests: Vec::new(),
            assignment_requests: Vec::new(),
            directory_audits: Vec::new(),
        };
        let check = |st: &TenantState, p: &str, r: &str| -> Result<(), EmulatorError> {
            if st.principal(p).is_none() {
                return Err(EmulatorError::Fixture(format!("unknown principal {p}")));
            }
            if st.role(r).is_none() {
                return Err(EmulatorError::Fixture(format!(
                    "unknown role definition {r}"
                )));
            }
            Ok(())
        };
        for a in &f.role_assignments {
            let (p, r) = (norm(&a.principal_id), norm(&a.role_definition_id));
            check(&st, &p, &r)?;
            let id =
                a.id.clone()
                    .unwrap_or_else(|| assignment_id_for(&r, &p, &a.directory_scope_id));
            st.place_assignment(
                Assignment {
                    id,
                    principal_id: p,
                    role_definition_id: r,
                    directory_scope_id: a.directory_scope_id.clone(),
                    kind: AssignmentKind::Assigned,
                    start: a.start_date_time.unwrap_or(now),
                    end: a.end_date_time,
                    duration: None,
                },
                now,
            );
        }
        for e in &f.role_eligibilities {
            let (p, r) = (norm(&e.principal_id), norm(&e.role_definition_id));
            check(&st, &p, &r)?;
            st.place_eligibility(
                Eligibility {
                    id: e.id.clone().unwrap_or_else(ids::new_guid),
                    principal_id: p,
                    role_definition_id: r,
                    directory_scope_id: e.directory_scope_id.clone(),
                    start: e.start_date_time.unwrap_or(now),
                    end: e.end_date_time,
                    duration: None,
                },
                now,
            );
        }
        for a in &f.role_activations {
            let (p, r) = (norm(&a.principal_id), norm(&a.role_definition_id));
            check(&st, &p, &r)?;
            if st.find_eligibility(&p, &r, &a.directory_scope_id).is_none() {
                return Err(bad(format!("activation of {r} by {p} has no eligibility")));
            }
            let id =
                a.id.clone()
                    .unwrap_or_else(|| assignment_id_for(&r, &p, &a.directory_scope_id));
            st.place_assignment(
                Assignment {
                    id,
                    principal_id: p,
                    role_definition_id: r,
                    directory_scope_id: a.directory_scope_id.clone(),
                    kind: AssignmentKind::Activated,
                    start: a.start_date_time.unwrap_or(now),
                    end: a.end_date_time,
                    duration: None,
                },
                now,
            );
        }
        let mut policies = f.role_policies.clone();
        // `*` entries apply first.
        policies.sort_by_key(|p| p.role_definition_id != "*");
        for p in &mut policies {
            if p.role_definition_id != "*" {
                let Some(r) = st.role(&p.role_definition_id) else {
                    return Err(bad(format!(
                        "rolePolicies: unknown role definition {}",
                        p.role_definition_id
                    )));
                };
                p.role_definition_id = r.id.clone();
            }
            let mut rules = crate::role_policy::default_rules();
            crate::role_policy::apply_overrides(&mut rules, &p.rules)
                .map_err(|e| bad(format!("rolePolicies for {}: {e}", p.role_definition_id)))?;
        }
        st.role_policies = policies;
        for app in &st.applications {
            for pem in &app.certificates {
                crate::tokens::parse_cert_pem(pem)
                    .map_err(|e| bad(format!("certificate of app {}: {e}", app.app_id)))?;
            }
        }
        Ok(st)
    }

    /// The state as a fixture (for snapshots).
    pub fn to_fixture(&self) -> TenantFixture {
        TenantFixture {
            tenant_id: self.tenant_id.clone(),
            display_name: self.display_name.clone(),
            verified_domains: self.verified_domains.clone(),
            users: self.users.clone(),
            groups: self.groups.clone(),
            service_principals: self.service_principals.clone(),
            applications: self.applications.clone(),
            custom_roles: self.custom_roles.clone(),
            role_assignments: self
                .assignments
                .iter()
                .chain(&self.pending_assignments)
                .filter(|a| a.kind == AssignmentKind::Assigned)
                .map(|a| FixtureRoleAssignment {
                    id: Some(a.id.clone()),
                    principal_id: a.principal_id.clone(),
                    role_definition_id: a.role_definition_id.clone(),
                    directory_scope_id: a.directory_scope_id.clone(),
                    // Permanent assignments made before now keep the fixture's short form.
                    start_date_time: a.end.map(|_| a.start),
                    end_date_time: a.end,
                })
                .collect(),
            role_eligibilities: self
                .eligibilities
                .iter()
                .chain(&self.pending_eligibilities)
                .map(|e| FixtureRoleEligibility {
                    id: Some(e.id.clone()),
                    principal_id: e.principal_id.clone(),
                    role_definition_id: e.role_definition_id.clone(),
                    directory_scope_id: e.directory_scope_id.clone(),
                    start_date_time: Some(e.start),
                    end_date_time: e.end,
                })
                .collect(),
            role_activations: self
                .assignments
                .iter()
                .chain(&self.pending_assignments)
                .filter(|a| a.kind == AssignmentKind::Activated)
                .map(|a| FixtureRoleActivation {
                    id: Some(a.id.clone()),
                    principal_id: a.principal_id.clone(),
                    role_definition_id: a.role_definition_id.clone(),
                    directory_scope_id: a.directory_scope_id.clone(),
                    start_date_time: Some(a.start),
                    end_date_time: a.end,
                })
                .collect(),
            activated_role_template_ids: self.activated_templates.iter().cloned().collect(),
            interactive_user: self.interactive_user.clone(),
            administrative_units: self.administrative_units.clone(),
            without_pim_license: self.without_pim_license,
            role_policies: self.role_policies.clone(),
        }
    }

    /// The rules of a role's PIM policy: Microsoft's defaults with the fixture's overrides.
    pub fn role_rules(&self, role_id: &str) -> Vec<serde_json::Value> {
        let mut rules = crate::role_policy::default_rules();
        for p in &self.role_policies {
            if p.role_definition_id == "*" || p.role_definition_id == role_id {
                // Validated when the fixture was loaded.
                let _ = crate::role_policy::apply_overrides(&mut rules, &p.rules);
            }
        }
        rules
    }

    fn note_change(&mut self, at: Option<DateTime<Utc>>) {
        if let Some(t) = at {
            self.next_change = Some(self.next_change.map_or(t, |n| n.min(t)));
        }
    }

    /// Files an eligibility by where it stands at `now`: pending, current or expired.
    pub fn place_eligibility(&mut self, e: Eligibility, now: DateTime<Utc>) {
        match phase(e.start, e.end, now) {
            Phase::Pending => {
                self.note_change(Some(e.start));
                self.pending_eligibilities.push(e);
            }
            Phase::Current => {
                self.note_change(e.end);
                self.eligibilities.push(e);
            }
            Phase::Expired => {
                self.note_change(e.end.map(|x| x + EXPIRED_KEPT));
                self.expired_eligibilities.push(e);
            }
            Phase::Gone => {}
        }
    }

    /// Files an active assignment by where it stands at `now`: pending, current or expired.
    pub fn place_assignment(&mut self, a: Assignment, now: DateTime<Utc>) {
        match phase(a.start, a.end, now) {
            Phase::Pending => {
                self.note_change(Some(a.start));
                self.pending_assignments.push(a);
            }
            Phase::Current => {
                self.note_change(a.end);
                self.push_assignment(a);
            }
            Phase::Expired => {
                self.note_change(a.end.map(|x| x + EXPIRED_KEPT));
                self.expired_assignments.push(a);
            }
            Phase::Gone => {}
        }
    }

    /// Moves schedules along the clock: pending ones whose start has come become current,
    /// current ones whose end has passed expire, expired ones older than 30 days are forgotten.
    /// Cheap when nothing is due.
    pub fn settle(&mut self, now: DateTime<Utc>) {
        if self.next_change.is_none_or(|t| now < t) {
            return;
        }
        self.next_change = None;
        let mut moving: Vec<Eligibility> = std::mem::take(&mut self.pending_eligibilities);
        let (done, current): (Vec<Eligibility>, Vec<Eligibility>) =
            std::mem::take(&mut self.eligibilities)
                .into_iter()
                .partition(|e| e.end.is_some_and(|x| x <= now));
        moving.extend(done);
        moving.extend(std::mem::take(&mut self.expired_eligibilities));
        for e in current {
            self.note_change(e.end);
            self.eligibilities.push(e);
        }
        for e in moving {
            self.place_eligibility(e, now);
        }
        let ended: Vec<String> = self
            .assignments
            .iter()
            .filter(|a| a.end.is_some_and(|x| x <= now))
            .map(|a| a.id.clone())
            .collect();
        let mut moving: Vec<Assignment> = std::mem::take(&mut self.pending_assignments);
        for id in ended {
            if let Some(a) = self.remove_assignment(&id) {
                moving.push(a);
            }
        }
        moving.extend(std::mem::take(&mut self.expired_assignments));
        let still: Vec<Option<DateTime<Utc>>> = self.assignments.iter().map(|a| a.end).collect();
        for end in still {
            self.note_change(end);
        }
        for a in moving {
            self.place_assignment(a, now);
        }
    }

    /// Whether a role assignment may be made at `scope`: the tenant (`/`), an existing
    /// administrative unit (`/administrativeUnits/{id}`) or an application (`/{application
    /// object id}`) — the three scopes of `unifiedRoleAssignment.directoryScopeId` in Graph's
    /// "unifiedRoleAssignment resource type" page
    /// (<https://learn.microsoft.com/graph/api/resources/unifiedroleassignment>).
    pub fn scope_exists(&self, scope: &str) -> bool {
        if scope == "/" {
            return true;
        }
        let rest = scope.strip_prefix('/').unwrap_or("");
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.as_slice() {
            [au, id] if au.eq_ignore_ascii_case("administrativeUnits") => {
                let id = norm(id);
                self.administrative_units.iter().any(|a| a.id == id)
            }
            [id] if !id.is_empty() => {
                let id = norm(id);
                self.applications
                    .iter()
                    .any(|a| a.id.as_deref().map(norm).as_deref() == Some(id.as_str()))
            }
            _ => false,
        }
    }

    /// A user by object id or UPN (case-insensitive).
    pub fn find_user(&self, key: &str) -> Option<&FixtureUser> {
        let k = norm(key);
        if let Some(u) = self.user_index.by_id(&k).and_then(|i| self.users.get(i)) {
            return Some(u);
        }
        self.user_index
            .positions(crate::user_index::UserKey::UserPrincipalName, &[key])
            .first()
            .and_then(|&i| self.users.get(i))
    }

    /// Any principal by object id.
    pub fn principal(&self, id: &str) -> Option<Principal<'_>> {
        let id = norm(id);
        if let Some(u) = self.user_index.by_id(&id).and_then(|i| self.users.get(i)) {
            return Some(Principal::User(u));
        }
        if let Some(g) = self.groups.iter().find(|g| g.id == id) {
            return Some(Principal::Group(g));
        }
        self.service_principals
            .iter()
            .find(|s| s.id == id)
            .map(Principal::Sp)
    }

    /// A role definition by id (or template id).
    pub fn role(&self, id: &str) -> Option<&RoleDef> {
        let id = norm(id);
        self.roles
            .iter()
            .find(|r| r.id == id || r.template_id == id)
    }

    /// The application registration with this client id.
    pub fn application(&self, app_id: &str) -> Option<&FixtureApplication> {
        let id = norm(app_id);
        self.applications.iter().find(|a| norm(&a.app_id) == id)
    }

    /// Service principal object id of an app (a fresh deterministic id when none is in the fixture).
    pub fn service_principal_id_for_app(&self, app_id: &str) -> String {
        let id = norm(app_id);
        self.service_principals
            .iter()
            .find(|s| norm(&s.app_id) == id)
            .map(|s| s.id.clone())
            .unwrap_or_else(|| ids::directory_role_id(&self.tenant_id, &format!("sp:{id}")))
    }

    /// Whether the tenant name in a login URL (id, domain, `common`, `organizations`) names this tenant.
    pub fn matches_tenant(&self, seg: &str) -> bool {
        let s = seg.to_ascii_lowercase();
        s == "common"
            || s == "organizations"
            || norm(&s) == self.tenant_id
            || self
                .verified_domains
                .iter()
                .any(|d| d.name.eq_ignore_ascii_case(&s))
    }

    pub fn find_eligibility(
        &self,
        principal: &str,
        role: &str,
        scope: &str,
    ) -> Option<&Eligibility> {
        self.eligibilities.iter().find(|e| {
            e.principal_id == principal
                && e.role_definition_id == role
                && e.directory_scope_id == scope
        })
    }

    pub fn find_assignment(&self, principal: &str, role: &str, scope: &str) -> Option<&Assignment> {
        self.assignments.iter().find(|a| {
            a.principal_id == principal
                && a.role_definition_id == role
                && a.directory_scope_id == scope
        })
    }

    /// Whether the user holds one of the roles actively at directory scope.
    pub fn user_holds_any_role(&self, user_id: &str, roles: &[&str]) -> bool {
        let id = norm(user_id);
        self.assignments.iter().any(|a| {
            a.principal_id == id
                && a.directory_scope_id == "/"
                && roles.contains(&a.role_definition_id.as_str())
        })
    }

    /// Adds an active assignment over `span` (pending when it starts later than `now`); returns
    /// `None` when the same one exists (current or pending).
    pub fn add_assignment(
        &mut self,
        principal: &str,
        role: &str,
        scope: &str,
        kind: AssignmentKind,
        span: Span,
    ) -> Option<Assignment> {
        let key = (principal.to_owned(), role.to_owned(), scope.to_owned());
        if self.assignment_keys.contains(&key)
            || self.pending_assignments.iter().any(|a| {
                a.principal_id == principal
                    && a.role_definition_id == role
                    && a.directory_scope_id == scope
            })
        {
            return None;
        }
        let mut id = assignment_id_for(role, principal, scope);
        if self.assignment_ids.contains(&id) || self.pending_assignments.iter().any(|a| a.id == id)
        {
            id = ids::new_guid();
        }
        let a = Assignment {
            id,
            principal_id: principal.to_owned(),
            role_definition_id: role.to_owned(),
            directory_scope_id: scope.to_owned(),
            kind,
            start: span.start,
            end: span.end,
            duration: span.duration,
        };
        if scope == "/" {
            if let Some(r) = self.role(role) {
                let t = r.template_id.clone();
                self.activated_templates.insert(t);
            }
        }
        self.place_assignment(a.clone(), span.now);
        Some(a)
    }

    /// Adds an assignment (no duplicate check: see [`TenantState::add_assignment`]).
    fn push_assignment(&mut self, a: Assignment) {
        self.assignment_ids.insert(a.id.clone());
        self.assignment_keys.insert((
            a.principal_id.clone(),
            a.role_definition_id.clone(),
            a.directory_scope_id.clone(),
        ));
        self.assignments.push(a);
    }

    /// Removes an assignment by id.
    pub fn remove_assignment(&mut self, id: &str) -> Option<Assignment> {
        if !self.assignment_ids.contains(id) {
            return None;
        }
        let pos = self.assignments.iter().position(|a| a.id == id)?;
        let a = self.assignments.remove(pos);
        self.assignment_ids.remove(&a.id);
        // Another assignment may share the key only if the fixture held duplicates.
        let key = (
            a.principal_id.clone(),
            a.role_definition_id.clone(),
            a.directory_scope_id.clone(),
        );
        if !self.assignments.iter().any(|x| {
            x.principal_id == key.0
                && x.role_definition_id == key.1
                && x.directory_scope_id == key.2
        }) {
            self.assignment_keys.remove(&key);
        }
        Some(a)
    }

    /// Template ids whose legacy `directoryRole` is activated (explicitly or through an assignment).
    pub fn activated_directory_roles(&self) -> Vec<&RoleDef> {
        self.roles
            .iter()
            .filter(|r| {
                self.activated_templates.contains(&r.template_id)
                    || self
                        .assignments
                        .iter()
                        .any(|a| a.role_definition_id == r.id && a.directory_scope_id == "/")
            })
            .collect()
    }

    /// The role behind a legacy `directoryRole` id.
    pub fn role_by_directory_role_id(&self, id: &str) -> Option<&RoleDef> {
        let id = norm(id);
        self.activated_directory_roles()
            .into_iter()
            .find(|r| ids::directory_role_id(&self.tenant_id, &r.template_id) == id)
    }

    /// Number of users (selects the throttling tier).
    pub fn user_count(&self) -> usize {
        self.users.len()
    }
}
