//! The built-in demo: a contoso.com directory (embedded LDIF) and a tenant whose state is kept in
//! a file so that demo runs build on each other. Together they show every kind of action and
//! reason: grants (direct, nested, matched by SID), revokes (stale, disabled), unchanged holders,
//! skipped members (disabled, not synced yet, `@corp.local`), untouched cloud-only, guest, group,
//! service principal, protected and PIM-activated holders, and a group that matches no role.

use rolesync_ad::snapshot::LdifSource;
use rolesync_core::builtin::builtin_roles;
use rolesync_core::memory::{MemoryTarget, TenantState};
use rolesync_core::policy::{ExplicitMapping, GroupRef, Policy};
use rolesync_core::tenant::AssignmentKind;
use std::path::{Path, PathBuf};

/// The demo directory export.
pub const DIRECTORY_LDIF: &str = include_str!("../data/directory.ldif");
/// The demo tenant's starting state (users and assignments; roles are the built-in list).
pub const TENANT_JSON: &str = include_str!("../data/tenant.json");
/// How the demo tenant names itself in logs and reports.
pub const TARGET_NAME: &str = "demo tenant (contoso.onmicrosoft.com)";
/// The role OU of the demo directory.
pub const OU: &str = "OU=Office 365 Roles Management,DC=contoso,DC=com";

/// A demo state file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Reading or writing the state file failed.
    #[error("demo tenant state {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The state file is not valid.
    #[error("demo tenant state {path} is damaged ({source}); reset it with `rolesync demo reset`")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// The error.
        source: serde_json::Error,
    },
}

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
    });
    p.protected = vec![
        "svc-monitor@contoso.com".into(),
        "breakglass@contoso.onmicrosoft.com".into(),
    ];
    p
}

/// The tenant's state as first shipped.
pub fn initial_tenant() -> TenantState {
    let mut t: TenantState =
        serde_json::from_str(TENANT_JSON).expect("the embedded demo tenant is valid");
    t.roles = builtin_roles().map(|r| r.definition()).collect();
    t
}

/// The demo tenant kept in a state file.
#[derive(Debug, Clone)]
pub struct DemoTenant {
    path: PathBuf,
}

impl DemoTenant {
    /// The state file in `data_dir`.
    pub fn in_dir(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join("demo-tenant.json"),
        }
    }

    /// The state file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Loads the saved state, or the initial one when none is saved.
    pub fn load(&self) -> Result<MemoryTarget, DemoError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str::<TenantState>(&text)
                .map(|s| MemoryTarget::named(s, TARGET_NAME))
                .map_err(|source| DemoError::Damaged {
                    path: self.path.clone(),
                    source,
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(MemoryTarget::named(initial_tenant(), TARGET_NAME))
            }
            Err(source) => Err(DemoError::Io {
                path: self.path.clone(),
                source,
            }),
        }
    }

    /// Saves the state (write to a temporary file, then rename).
    pub fn save(&self, target: &MemoryTarget) -> Result<(), DemoError> {
        let io = |source| DemoError::Io {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(&target.state()).expect("tenant state serialises");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)
    }

    /// Forgets the saved state; the next run starts from the initial tenant. True when one existed.
    pub fn reset(&self) -> Result<bool, DemoError> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(DemoError::Io {
                path: self.path.clone(),
                source,
            }),
        }
    }
}
