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
    /// The scenario's size.
    #[command(flatten)]
    size: ScenarioSize,
}

fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let s = generate(&a.size);
    std::fs::create_dir_all(&a.out)?;
    std::fs::write(a.out.join("directory.ldif"), &s.ldif)?;
    std::fs::write(a.out.join("tenant.json"), s.tenant.to_json_pretty())?;
    std::fs::write(
        a.out.join("expected.json"),
        serde_json::to_string_pretty(&s.expected)?,
    )?;
    let summary = serde_json::json!({
        "seed": s.size.seed, "users": s.size.users, "roles": s.roles.len(), "memberships": s.size.memberships,
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
