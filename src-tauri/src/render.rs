//! Human-readable console output: the plan per role, the run's outcome, and check lines.

use rolesync_core::checks::CheckLine;
use rolesync_core::plan::{ChangeReason, MatchedBy, Plan, UntouchedReason};
use rolesync_core::report::RunReport;
use rolesync_core::traits::ChangeOutcome;
use std::fmt::Write;

fn reason(r: &ChangeReason) -> &'static str {
    match r {
        ChangeReason::MemberOfGroup {
            matched_by: MatchedBy::SourceAnchor,
        } => "member of the group (matched by source anchor)",
        ChangeReason::MemberOfGroup {
            matched_by: MatchedBy::Sid,
        } => "member of the group (matched by SID)",
        ChangeReason::MemberOfGroup {
            matched_by: MatchedBy::Upn,
        } => "member of the group (matched by UPN)",
        ChangeReason::NotInGroup => "no longer a member of the group",
        ChangeReason::DisabledInAd => "disabled in Active Directory",
    }
}

fn untouched(r: UntouchedReason) -> &'static str {
    match r {
        UntouchedReason::CloudOnly => "cloud-only account",
        UntouchedReason::NoLongerSynced => "no longer synced from AD",
        UntouchedReason::Guest => "guest",
        UntouchedReason::Group => "group",
        UntouchedReason::ServicePrincipal => "service principal",
        UntouchedReason::OtherObject => "not a user",
        UntouchedReason::Protected => "protected account",
        UntouchedReason::PimActivation => "PIM activation of an eligible assignment",
        UntouchedReason::OtherKind => "assignment of the other kind than the mapping manages",
    }
}

/// The plan, role by role, with outcomes when the report has them.
pub fn plan(p: &Plan, report: &RunReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "Plan: {} → {}", report.source, report.target);
    for r in &p.roles {
        let rr = report.roles.iter().find(|x| x.role == r.role_name);
        let outcome = |user: &str, grants: bool| {
            rr.and_then(|x| {
                if grants { &x.grants } else { &x.revokes }
                    .iter()
                    .find(|i| i.user == user)
            })
            .and_then(|i| i.outcome.clone())
        };
        let kind = match r.kind {
            rolesync_core::tenant::AssignmentKind::Active => "active",
            rolesync_core::tenant::AssignmentKind::Eligible => "eligible, PIM",
        };
        let _ = writeln!(
            o,
            "\n{} ({kind}) ← {}",
            r.role_name,
            r.groups
                .iter()
                .map(|g| g.first_rdn_value().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        for (sign, list, is_grant) in [
            ("+ grant ", &r.grants, true),
            ("- revoke", &r.revokes, false),
        ] {
            for c in list {
                let res = match outcome(&c.user, is_grant) {
                    Some(ChangeOutcome::Done) => "  [done]".to_string(),
                    Some(ChangeOutcome::AlreadyDone) => "  [already done]".to_string(),
                    Some(ChangeOutcome::Failed { code, message }) => {
                        format!("  [FAILED {code}: {message}]")
                    }
                    None => String::new(),
                };
                let _ = writeln!(o, "  {sign}   {:<40} {}{res}", c.user, reason(&c.reason));
            }
        }
        for u in &r.unchanged {
            let _ = writeln!(o, "  = keep     {u}");
        }
        for s in &r.skipped {
            let _ = writeln!(o, "  ~ skip     {:<40} {}", s.user, s.message);
        }
        for u in &r.untouched {
            let _ = writeln!(
                o,
                "  · leave    {:<40} {}",
                u.principal,
                untouched(u.reason)
            );
        }
    }
    if !p.unmapped_groups.is_empty() {
        let _ = writeln!(o, "\nGroups that map to no role:");
        for g in &p.unmapped_groups {
            let _ = writeln!(o, "  ? {} — {}", g.name, g.reason);
        }
    }
    if !p.stops.is_empty() {
        let _ = writeln!(o, "\nSafety stops:");
        for s in &p.stops {
            let _ = writeln!(
                o,
                "  ! {}{}",
                s.message,
                if s.overridable {
                    ""
                } else {
                    " (cannot be forced)"
                }
            );
        }
    }
    let s = p.summary;
    let _ = writeln!(
        o,
        "\n{} role(s): {} to grant, {} to revoke, {} unchanged, {} skipped, {} left alone, {} unmapped group(s)",
        s.roles, s.grants, s.revokes, s.unchanged, s.skipped, s.untouched, s.unmapped_groups
    );
    o
}

/// The outcome line and where the report went.
pub fn outcome(report: &RunReport) -> String {
    let mut o = format!(
        "RoleSync: {} (exit {})",
        report.headline(),
        report.exit_code
    );
    if let Some(e) = &report.error {
        let _ = write!(o, "\n  {e}");
    }
    for w in &report.warnings {
        let _ = write!(o, "\nwarning: {w}");
    }
    o
}

/// Check lines with ✓ / ✗ and fixes.
pub fn checks(lines: &[CheckLine]) -> String {
    let mut o = String::new();
    for l in lines {
        let _ = write!(o, "{} {}", if l.ok { "✓" } else { "✗" }, l.title);
        if let Some(d) = &l.detail {
            let _ = write!(o, ": {d}");
        }
        o.push('\n');
        if let Some(f) = &l.fix {
            let _ = writeln!(o, "    fix: {f}");
        }
    }
    o
}
