//! The narrow IO traits the engine runs against: a directory source (AD over LDAP, an LDIF
//! snapshot, memory) and a role target (Microsoft Graph, the emulator, memory).

use crate::checks::CheckLine;
use crate::directory::{DirectorySnapshot, SourceScope};
use crate::drift::AuditLookup;
use crate::events::WaitReason;
use crate::ids::{DirectoryScopeId, RoleDefinitionId};
use crate::ownership::PimGrant;
use crate::pim::RolePimSettings;
use crate::plan::Change;
use crate::tenant::{AdministrativeUnit, EntraUser, RoleAssignment, RoleDefinition, UserKey};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Why a read of the source or the target failed. Front ends and reports tell these apart by
/// this value, never by the message's words.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ReadErrorKind {
    /// Signing in (or binding) was refused or could not be done.
    SignIn,
    /// Signed in, but not allowed to read this.
    Permission,
    /// The server could not be reached, or the connection broke.
    Network,
    /// The server kept throttling the requests.
    Throttled,
    /// What was to be read does not exist (an OU, a group, a file).
    NotFound,
    /// The read stopped part way (a server limit); what was read is incomplete.
    Partial,
    /// Anything else (an answer that cannot be read, a local setup problem).
    #[default]
    Other,
}

/// A failure to read the source or the target: the run stops with exit code 4.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct ReadError {
    /// What kind of failure.
    #[serde(default)]
    pub kind: ReadErrorKind,
    /// What failed, in words that say how to fix it.
    pub message: String,
}

impl ReadError {
    /// A read error of this kind.
    pub fn of(kind: ReadErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// A read error of no particular kind ([`ReadErrorKind::Other`]).
    pub fn new(message: impl Into<String>) -> Self {
        Self::of(ReadErrorKind::Other, message)
    }

    /// The same error with another kind.
    pub fn with_kind(mut self, kind: ReadErrorKind) -> Self {
        self.kind = kind;
        self
    }
}

impl From<&str> for ReadError {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}

impl From<String> for ReadError {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

/// Reads role groups and their members.
#[async_trait]
pub trait DirectorySource: Send + Sync {
    /// Reads the groups in scope. A group that cannot be read completely is either an error or a
    /// [`crate::directory::SourceProblem`] in the snapshot — never an empty member list.
    async fn read(&self, scope: &SourceScope) -> Result<DirectorySnapshot, ReadError>;

    /// Pre-flight lines of its own for `rolesync check` (reach, TLS, bind, the OU); none by default.
    async fn preflight(&self, _scope: &SourceScope) -> Vec<CheckLine> {
        Vec::new()
    }

    /// A short description for logs (`ldaps://dc1.contoso.com`, `demo directory`).
    fn describe(&self) -> String;

    /// Whether [`DirectorySource::read_exposure`] can read security descriptors (a domain
    /// controller can; an LDIF export and the demo directory cannot).
    fn has_security_descriptors(&self) -> bool {
        false
    }

    /// Reads what decides who can change the role groups (`rolesync exposure`): each role group
    /// and every group nested in it with its owner, DACL and `managedBy`, and the principals
    /// those name. Sources without security descriptors (LDIF snapshots, the demo) say so.
    async fn read_exposure(
        &self,
        _scope: &SourceScope,
    ) -> Result<crate::exposure::ExposureSnapshot, ReadError> {
        Err(ReadError::new(format!(
            "{} has no security descriptors: the exposure assessment reads them from a domain controller over LDAP (a [directory] with a domain or url, not an LDIF export)",
            self.describe()
        )))
    }
}

/// The result of one change.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "camelCase")]
pub enum ChangeOutcome {
    /// Applied.
    Done,
    /// Already in the wanted state ("already exists" on grant, "not found" on revoke): counts as done.
    AlreadyDone,
    /// Failed; the run goes on.
    #[serde(rename_all = "camelCase")]
    Failed {
        /// HTTP status or error code.
        code: String,
        /// Error message.
        message: String,
    },
}

impl ChangeOutcome {
    /// Done or already done.
    pub fn succeeded(&self) -> bool {
        !matches!(self, ChangeOutcome::Failed { .. })
    }

    /// `done`, `alreadyDone` or `failed` (the audit file's word).
    pub fn word(&self) -> &'static str {
        match self {
            ChangeOutcome::Done => "done",
            ChangeOutcome::AlreadyDone => "alreadyDone",
            ChangeOutcome::Failed { .. } => "failed",
        }
    }
}

/// What a target knows of PIM for a run: the mapped roles' settings, the tenant's clock, and
/// whether the sign-in carries multifactor authentication.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PimRead {
    /// One entry per role asked about (none: the target knows nothing of PIM).
    pub settings: Vec<RolePimSettings>,
    /// The tenant's time (for Graph: the `Date` of its responses).
    pub now: Option<DateTime<Utc>>,
    /// The signed-in administrator did multifactor authentication.
    pub mfa: bool,
}

/// How a target's budget paces the rest of an apply ([`RoleTarget::pace`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    /// Estimated time until the remaining changes are all applied.
    pub eta: Duration,
    /// Changes are held back: why, and when the next ones go.
    pub waiting: Option<(WaitReason, Duration)>,
}

/// Reads and changes directory-role assignments.
#[async_trait]
pub trait RoleTarget: Send + Sync {
    /// Every role definition.
    async fn role_definitions(&self) -> Result<Vec<RoleDefinition>, ReadError>;

    /// Active assignments (including PIM activations) and eligible assignments of these roles at scope `/`.
    async fn assignments(
        &self,
        roles: &[RoleDefinitionId],
    ) -> Result<Vec<RoleAssignment>, ReadError>;

    /// Active assignments (including PIM activations) and eligible assignments of these roles,
    /// each at its scope (`/` or `/administrativeUnits/{id}`). By default the tenant scopes are
    /// read with [`RoleTarget::assignments`] and any other scope is an error; a target that knows
    /// administrative units reads them too.
    async fn scoped_assignments(
        &self,
        units: &[(RoleDefinitionId, DirectoryScopeId)],
    ) -> Result<Vec<RoleAssignment>, ReadError> {
        if let Some((_, scope)) = units.iter().find(|(_, s)| !s.is_tenant()) {
            return Err(ReadError::new(format!(
                "{} cannot read role assignments at scope {scope}",
                self.describe()
            )));
        }
        let roles: Vec<RoleDefinitionId> = units.iter().map(|(r, _)| r.clone()).collect();
        let mut found = self.assignments(&roles).await?;
        found.retain(|a| a.directory_scope_id.is_tenant());
        Ok(found)
    }

    /// The administrative units with these display names or ids, of those that exist (a name
    /// or id that names none is left out). By default the target knows none: an error.
    async fn administrative_units(
        &self,
        names: &[String],
    ) -> Result<Vec<AdministrativeUnit>, ReadError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        Err(ReadError::new(format!(
            "{} does not know administrative units",
            self.describe()
        )))
    }

    /// Entra users matching any of the keys.
    async fn find_users(&self, keys: &[UserKey]) -> Result<Vec<EntraUser>, ReadError>;

    /// The PIM settings of these roles at scope `/`, once per run. A role whose settings cannot
    /// be read is reported in its entry ([`crate::pim::PimSettings::Unknown`]), never an error
    /// for the whole run. By default the target knows nothing of PIM.
    async fn pim_settings(&self, _roles: &[RoleDefinitionId]) -> PimRead {
        PimRead::default()
    }

    /// Of `keys` (UPNs or object ids from the protected list), those that name no principal in
    /// the tenant. A target that cannot look principals up finds them all.
    async fn missing_principals(&self, _keys: &[String]) -> Result<Vec<String>, ReadError> {
        Ok(Vec::new())
    }

    /// Applies a chunk of at most [`RoleTarget::max_chunk`] changes; one outcome per change, in order.
    async fn apply(&self, changes: &[Change]) -> Vec<ChangeOutcome>;

    /// The largest chunk `apply` takes (20 for Graph `$batch`).
    fn max_chunk(&self) -> usize {
        20
    }

    /// Pre-flight lines of its own for `rolesync check` (sign-in, permissions); none by default.
    async fn preflight(&self) -> Vec<CheckLine> {
        Vec::new()
    }

    /// The role-management events of the tenant's audit log since `since`, for who changed an
    /// assignment behind RoleSync's back ([`crate::drift`]). A target without an audit log (or
    /// without the permission to read it) says why.
    async fn directory_audits(&self, _since: DateTime<Utc>) -> AuditLookup {
        AuditLookup::Unavailable("the target keeps no audit log".into())
    }

    /// Of these roles' PIM assignments, the ones RoleSync's own requests made (their
    /// justification or ticket names RoleSync, [`crate::ownership`]), each with when its request
    /// was made; none by default.
    async fn rolesync_pim_assignments(
        &self,
        _roles: &[RoleDefinitionId],
    ) -> Result<Vec<PimGrant>, ReadError> {
        Ok(Vec::new())
    }

    /// The administrator signed in, when a person signed in (interactive or device code); `None`
    /// for an application's own sign-in.
    async fn signed_in_as(&self) -> Option<String> {
        None
    }

    /// How many chunks may be in flight at once.
    fn concurrency(&self) -> usize {
        4
    }

    /// How the target's budget paces `remaining` more changes of an apply in progress; `None`
    /// (the default) when it has no model of one.
    fn pace(&self, _remaining: usize) -> Option<Pace> {
        None
    }

    /// Resolves when [`RoleTarget::pace`] is worth reporting again although no change finished
    /// (Graph: after a second, so a wait for the write budget counts down); never by default.
    async fn pace_tick(&self) {
        futures::future::pending::<()>().await
    }

    /// A short description for logs.
    fn describe(&self) -> String;
}
