//! `scenario`: writes a seeded large-tenant scenario — `directory.ldif` (the AD side, as
//! `ldifde` exports it), `tenant.json` (the emulator's tenant fixture), `expected.json` (the
//! role assignments a correct sync ends with) and `summary.json` — into a folder.

use clap::Parser;
use rolesync_bench::{generate, ScenarioSize};
use std::path::PathBuf;

/// Generates a benchmark scenario.
#[derive(Parser, Debug)]
struct Args {
    /// Output folder (created).
    #[arg(long, default_value = "scenario")]
    out: PathBuf,
    /// Seed; the same seed and sizes give identical files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// AD users.
    #[arg(long, default_value_t = 50_000)]
    users: usize,
    /// Mapped roles.
    #[arg(long, default_value_t = 40)]
    roles: usize,
    /// Desired role memberships.
    #[arg(long, default_value_t = 5_000)]
    memberships: usize,
    /// Changes to make (3/4 grants, 1/4 revokes).
    #[arg(long, default_value_t = 2_000)]
    changes: usize,
    /// Cloud-only role holders.
    #[arg(long, default_value_t = 100)]
    cloud_only: usize,
    /// Protected synced role holders.
    #[arg(long, default_value_t = 5)]
    protected: usize,
}

fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let s = generate(&ScenarioSize {
        seed: a.seed,
        users: a.users,
        roles: a.roles,
        memberships: a.memberships,
        changes: a.changes,
        cloud_only: a.cloud_only,
        protected: a.protected,
    });
    std::fs::create_dir_all(&a.out)?;
    std::fs::write(a.out.join("directory.ldif"), &s.ldif)?;
    std::fs::write(a.out.join("tenant.json"), s.tenant.to_json_pretty())?;
    std::fs::write(
        a.out.join("expected.json"),
        serde_json::to_string_pretty(&s.expected)?,
    )?;
    let summary = serde_json::json!({
        "seed": a.seed, "users": a.users, "roles": s.roles.len(), "memberships": a.memberships,
        "grants": s.size.grants(), "revokes": s.size.revokes(), "protected": s.protected,
        "desiredUsers": s.desired_users, "holdersBefore": s.holders,
        "assignmentsBefore": s.tenant.role_assignments.len(), "assignmentsAfter": s.expected.len(),
    });
    std::fs::write(
        a.out.join("summary.json"),
        serde_json::to_string_pretty(&summary)?,
    )?;
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}
