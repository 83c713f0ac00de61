//! The write-ahead audit journal: every change is recorded as intended — durably — before it is
//! sent, and settled with its outcome after; a run that dies in between (a kill, a crash, a
//! cancel) leaves intents that the next sync checks against the tenant and records as in effect
//! or not. So no change reaches the tenant without an audit record, even when the process never
//! comes back. The apply loop ([`crate::apply`]) and the engine ([`crate::engine`]) use a
//! [`Journal`]; the application keeps it in the log folder next to `audit.jsonl`.

use crate::apply::AppliedChange;
use crate::plan::{Action, Change};
use crate::tenant::TenantSnapshot;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// A change a run recorded as intended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Intent {
    /// The run that intended it.
    pub run_id: String,
    /// The change.
    pub change: Change,
}

/// What the tenant shows for an intent that was never settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Found {
    /// The change is in effect (a grant is held, a revoke is gone).
    InEffect,
    /// The change is not in effect.
    NotInEffect,
    /// The tenant was not read for this role (no longer mapped): cannot tell.
    Unknown,
}

/// An unsettled intent with what the tenant shows now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reconciled {
    /// The intent.
    pub intent: Intent,
    /// What the tenant shows.
    pub found: Found,
}

/// Where intents and outcomes are recorded. Every method returns only after the record is
/// durable (on disk); an error means it is not, and the caller must not send what it intended.
pub trait Journal: Send + Sync {
    /// Records that `changes` are about to be sent by run `run_id`.
    fn intend(&self, run_id: &str, changes: &[Change]) -> Result<(), String>;
    /// Records what happened to them.
    fn settle(&self, run_id: &str, applied: &[AppliedChange]) -> Result<(), String>;
    /// The run is over: nothing of it is left unsettled.
    fn close(&self, run_id: &str) -> Result<(), String>;
    /// Intents of earlier runs never settled, oldest first.
    fn unsettled(&self) -> Result<Vec<Intent>, String>;
    /// Records what the tenant shows for unsettled intents, and forgets them.
    fn reconcile(&self, by_run: &str, results: &[Reconciled]) -> Result<(), String>;
}

/// What the tenant shows for an intent: read from the snapshot of the mapped roles.
pub fn found_in(
    tenant: &TenantSnapshot,
    mapped: &[&crate::ids::RoleDefinitionId],
    c: &Change,
) -> Found {
    if !mapped.iter().any(|r| **r == c.role_id) {
        return Found::Unknown;
    }
    let held = tenant.assignments.iter().any(|a| {
        a.role_definition_id == c.role_id
            && a.directory_scope_id == c.directory_scope_id
            && a.principal.id() == &c.principal_id
            && a.kind == c.kind
    });
    let in_effect = match c.action {
        Action::Grant | Action::Renew => held,
        Action::Revoke => !held,
    };
    if in_effect {
        Found::InEffect
    } else {
        Found::NotInEffect
    }
}

/// A journal in memory (tests, and runs that change nothing).
#[derive(Debug, Default)]
pub struct MemoryJournal {
    /// Every record, in order: (run id, what, change).
    pub records: Mutex<Vec<(String, String, Change)>>,
    /// Intents not settled, by run.
    open: Mutex<Vec<Intent>>,
    /// When set, `intend` fails with this message (an audit file that cannot be written).
    pub fail_intents: Mutex<Option<String>>,
}

impl MemoryJournal {
    /// Leaves intents as if a run had died after recording them.
    pub fn with_unsettled(intents: Vec<Intent>) -> Self {
        MemoryJournal {
            open: Mutex::new(intents),
            ..Default::default()
        }
    }

    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The records' kinds in order (`intended`, `done`, `inEffect`, ...).
    pub fn kinds(&self) -> Vec<String> {
        Self::lock(&self.records)
            .iter()
            .map(|r| r.1.clone())
            .collect()
    }
}

impl Journal for MemoryJournal {
    fn intend(&self, run_id: &str, changes: &[Change]) -> Result<(), String> {
        if let Some(e) = Self::lock(&self.fail_intents).clone() {
            return Err(e);
        }
        let mut rec = Self::lock(&self.records);
        let mut open = Self::lock(&self.open);
        for c in changes {
            rec.push((run_id.into(), "intended".into(), c.clone()));
            open.push(Intent {
                run_id: run_id.into(),
                change: c.clone(),
            });
        }
        Ok(())
    }

    fn settle(&self, run_id: &str, applied: &[AppliedChange]) -> Result<(), String> {
        let mut rec = Self::lock(&self.records);
        let mut open = Self::lock(&self.open);
        for a in applied {
            rec.push((run_id.into(), a.outcome.word().into(), a.change.clone()));
            open.retain(|i| !(i.run_id == run_id && i.change == a.change));
        }
        Ok(())
    }

    fn close(&self, run_id: &str) -> Result<(), String> {
        Self::lock(&self.open).retain(|i| i.run_id != run_id);
        Ok(())
    }

    fn unsettled(&self) -> Result<Vec<Intent>, String> {
        Ok(Self::lock(&self.open).clone())
    }

    fn reconcile(&self, by_run: &str, results: &[Reconciled]) -> Result<(), String> {
        let mut rec = Self::lock(&self.records);
        let mut open = Self::lock(&self.open);
        for r in results {
            let word = match r.found {
                Found::InEffect => "inEffect",
                Found::NotInEffect => "notInEffect",
                Found::Unknown => "unknown",
            };
            rec.push((by_run.into(), word.into(), r.intent.change.clone()));
            open.retain(|i| i != &r.intent);
        }
        Ok(())
    }
}
