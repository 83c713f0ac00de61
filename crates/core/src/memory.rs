//! In-memory directory source and role target: the engine's test doubles, also used to replay
//! snapshots. The target keeps a serialisable tenant state and counts the writes it received.

use crate::directory::{DirectorySnapshot, SourceScope};
use crate::ids::{DirectoryScopeId, RoleDefinitionId};
use crate::pim::RolePimSettings;
use crate::plan::{Action, Change};
use crate::tenant::{
    AdministrativeUnit, AssignmentKind, AssignmentOrigin, EntraUser, Principal, RoleAssignment,
    RoleDefinition, UserKey,
};
use crate::traits::{ChangeOutcome, DirectorySource, PimRead, ReadError, RoleTarget};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::Mutex;

/// A source that returns a fixed snapshot (groups outside the scope are left out).
#[derive(Debug, Clone)]
pub struct MemorySource {
    /// The snapshot.
    pub snapshot: DirectorySnapshot,
    /// When set, every read fails with this error.
    pub fail: Option<ReadError>,
}

impl MemorySource {
    /// A source over `snapshot`.
    pub fn new(snapshot: DirectorySnapshot) -> Self {
        Self {
            snapshot,
            fail: None,
        }
    }
}

#[async_trait]
impl DirectorySource for MemorySource {
    async fn read(&self, scope: &SourceScope) -> Result<DirectorySnapshot, ReadError> {
        if let Some(e) = &self.fail {
            return Err(e.clone());
        }
        let mut s = self.snapshot.clone();
        s.groups
            .retain(|g| g.dn.is_within(&scope.ou) || scope.extra_groups.contains(&g.dn));
        Ok(s)
    }

    fn describe(&self) -> String {
        "in-memory directory".into()
    }
}

/// A tenant's role state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantState {
    /// Role definitions.
    #[serde(default)]
    pub roles: Vec<RoleDefinition>,
    /// Users.
    pub users: Vec<EntraUser>,
    /// Assignments (active, activated and eligible).
    pub assignments: Vec<RoleAssignment>,
    /// PIM settings of roles (none: the tenant reports no PIM settings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pim: Vec<RolePimSettings>,
    /// Administrative units (the scopes assignments may have besides the tenant).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub administrative_units: Vec<AdministrativeUnit>,
}

impl TenantState {
    /// Whether `principal` holds `role` with `kind` (activations excluded).
    pub fn holds(&self, role: &RoleDefinitionId, principal: &str, kind: AssignmentKind) -> bool {
        self.assignments.iter().any(|a| {
            &a.role_definition_id == role
                && a.principal.id().as_str().eq_ignore_ascii_case(principal)
                && a.kind == kind
                && a.origin == AssignmentOrigin::Assigned
        })
    }
}

/// A target over an in-memory tenant.
#[derive(Debug, Default)]
pub struct MemoryTarget {
    state: Mutex<TenantState>,
    /// UPNs whose changes fail (to test failure handling).
    pub fail_users: HashSet<String>,
    /// When set, every read fails with this error.
    pub fail_reads: Option<ReadError>,
    writes: Mutex<Vec<Change>>,
    name: Option<String>,
}

impl MemoryTarget {
    /// A target over `state`.
    pub fn new(state: TenantState) -> Self {
        Self {
            state: Mutex::new(state),
            ..Self::default()
        }
    }

    /// A target over `state` that describes itself as `name` in logs and reports.
    pub fn named(state: TenantState, name: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            ..Self::new(state)
        }
    }

    /// The current state.
    pub fn state(&self) -> TenantState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Every change received, including repeats.
    pub fn writes(&self) -> Vec<Change> {
        self.writes.lock().map(|w| w.clone()).unwrap_or_default()
    }

    fn apply_one(&self, s: &mut TenantState, c: &Change) -> ChangeOutcome {
        if self.fail_users.contains(&c.user.to_ascii_lowercase()) {
            return ChangeOutcome::Failed {
                code: "500".into(),
                message: format!("injected failure for {}", c.user),
            };
        }
        if !c.directory_scope_id.is_tenant()
            && !s
                .administrative_units
                .iter()
                .any(|u| u.scope() == c.directory_scope_id)
        {
            return ChangeOutcome::Failed {
                code: "400".into(),
                message: format!("no administrative unit has scope {}", c.directory_scope_id),
            };
        }
        let same = |a: &RoleAssignment| {
            a.role_definition_id == c.role_id
                && a.directory_scope_id == c.directory_scope_id
                && a.principal.id() == &c.principal_id
                && a.kind == c.kind
                && a.origin == AssignmentOrigin::Assigned
        };
        let end = c
            .pim
            .as_ref()
            .and_then(|p| p.duration)
            .map(|d| chrono::Utc::now() + d.to_chrono());
        match c.action {
            Action::Renew => match s.assignments.iter_mut().find(|a| same(a)) {
                Some(a) => {
                    a.end = end;
                    ChangeOutcome::Done
                }
                None => ChangeOutcome::Failed {
                    code: "RoleAssignmentDoesNotExist".into(),
                    message: "The Role assignment does not exist.".into(),
                },
            },
            Action::Grant => {
                if s.assignments.iter().any(same) {
                    return ChangeOutcome::AlreadyDone;
                }
                let Some(user) = s.users.iter().find(|u| u.id == c.principal_id).cloned() else {
                    return ChangeOutcome::Failed {
                        code: "404".into(),
                        message: format!("user {} does not exist", c.principal_id),
                    };
                };
                s.assignments.push(RoleAssignment {
                    id: format!(
                        "{}-{}-{:?}{}",
                        c.role_id,
                        c.principal_id,
                        c.kind,
                        c.directory_scope_id
                            .administrative_unit_id()
                            .map(|u| format!("-{u}"))
                            .unwrap_or_default()
                    )
                    .to_lowercase(),
                    role_definition_id: c.role_id.clone(),
                    directory_scope_id: c.directory_scope_id.clone(),
                    principal: Principal::User(user),
                    kind: c.kind,
                    origin: AssignmentOrigin::Assigned,
                    end,
                });
                ChangeOutcome::Done
            }
            Action::Revoke => {
                let before = s.assignments.len();
                s.assignments.retain(|a| !same(a));
                if s.assignments.len() < before {
                    ChangeOutcome::Done
                } else {
                    ChangeOutcome::AlreadyDone
                }
            }
        }
    }
}

#[async_trait]
impl RoleTarget for MemoryTarget {
    async fn role_definitions(&self) -> Result<Vec<RoleDefinition>, ReadError> {
        if let Some(e) = &self.fail_reads {
            return Err(e.clone());
        }
        Ok(self.state().roles)
    }

    async fn assignments(
        &self,
        roles: &[RoleDefinitionId],
    ) -> Result<Vec<RoleAssignment>, ReadError> {
        if let Some(e) = &self.fail_reads {
            return Err(e.clone());
        }
        Ok(self
            .state()
            .assignments
            .into_iter()
            .filter(|a| roles.contains(&a.role_definition_id))
            .collect())
    }

    async fn scoped_assignments(
        &self,
        units: &[(RoleDefinitionId, DirectoryScopeId)],
    ) -> Result<Vec<RoleAssignment>, ReadError> {
        if let Some(e) = &self.fail_reads {
            return Err(e.clone());
        }
        Ok(self
            .state()
            .assignments
            .into_iter()
            .filter(|a| {
                units
                    .iter()
                    .any(|(r, s)| *r == a.role_definition_id && *s == a.directory_scope_id)
            })
            .collect())
    }

    async fn administrative_units(
        &self,
        names: &[String],
    ) -> Result<Vec<AdministrativeUnit>, ReadError> {
        if let Some(e) = &self.fail_reads {
            return Err(e.clone());
        }
        Ok(self
            .state()
            .administrative_units
            .into_iter()
            .filter(|u| {
                names.iter().any(|n| {
                    u.id.eq_ignore_ascii_case(n.trim())
                        || u.display_name.eq_ignore_ascii_case(n.trim())
                })
            })
            .collect())
    }

    async fn find_users(&self, keys: &[UserKey]) -> Result<Vec<EntraUser>, ReadError> {
        let s = self.state();
        Ok(s.users
            .into_iter()
            .filter(|u| {
                keys.iter().any(|k| {
                    u.on_premises_immutable_id.as_deref() == Some(k.immutable_id.as_str())
                        || (k.sid.is_some() && u.on_premises_security_identifier == k.sid)
                        || k.upn.as_ref() == Some(&u.user_principal_name)
                })
            })
            .collect())
    }

    async fn pim_settings(&self, roles: &[RoleDefinitionId]) -> PimRead {
        let s = self.state();
        PimRead {
            settings: s
                .pim
                .into_iter()
                .filter(|p| roles.contains(&p.role_id))
                .collect(),
            now: Some(chrono::Utc::now()),
            mfa: false,
        }
    }

    async fn missing_principals(&self, keys: &[String]) -> Result<Vec<String>, ReadError> {
        let s = self.state();
        Ok(keys
            .iter()
            .filter(|k| {
                let k = k.trim().to_ascii_lowercase();
                let user = s.users.iter().any(|u| {
                    u.id.folded() == k
                        || u.user_principal_name.to_string().to_ascii_lowercase() == k
                });
                let other = s.assignments.iter().any(|a| a.principal.id().folded() == k);
                !user && !other
            })
            .cloned()
            .collect())
    }

    async fn apply(&self, changes: &[Change]) -> Vec<ChangeOutcome> {
        if let Ok(mut w) = self.writes.lock() {
            w.extend(changes.iter().cloned());
        }
        let Ok(mut s) = self.state.lock() else {
            return changes
                .iter()
                .map(|_| ChangeOutcome::Failed {
                    code: "poisoned".into(),
                    message: "state lock poisoned".into(),
                })
                .collect();
        };
        changes.iter().map(|c| self.apply_one(&mut s, c)).collect()
    }

    fn describe(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| "in-memory tenant".into())
    }
}
