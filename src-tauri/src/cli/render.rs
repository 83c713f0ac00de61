//! Human-readable console output: the plan per role, the run's outcome, and check lines. Each is
//! passed through [`rolesync_core::redact::visible`]: a name from AD with an escape sequence or a
//! direction override is shown, never obeyed by the terminal.

use rolesync_core::checks::CheckLine;
use rolesync_core::plan::{Action, ChangeReason, MatchedBy, Plan, RolePlan, UntouchedReason};
use rolesync_core::report::{RoleReport, RunReport};
use rolesync_core::tenant::AssignmentKind;
use rolesync_core::traits::ChangeOutcome;
use std::fmt::Write;

fn reason(r: &ChangeReason) -> String {
    let words = match r {
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
        ChangeReason::EndsSoon { ends } => return format!("ends on {}", ends.format("%Y-%m-%d")),
        ChangeReason::UndoOf { run_id } => return format!("undoes run {run_id}"),
    };
    words.to_string()
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
        UntouchedReason::NotOwned => "not granted by RoleSync (manage = \"owned\")",
        UntouchedReason::DriftKept => {
            "added outside RoleSync, left as found (on_drift = \"report\")"
        }
    }
}

/// The plan, role by role, with outcomes when the report has them.
pub fn plan(p: &Plan, report: &RunReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "Plan: {} → {}", report.source, report.target);
    for r in &p.roles {
        role(
            &mut o,
            r,
            report
                .roles
                .iter()
                .find(|x| x.role == r.role_name && x.directory_scope_id == r.directory_scope_id),
        );
    }
    rest(&mut o, p);
    visible(o)
}

fn visible(o: String) -> String {
    match rolesync_core::redact::visible(&o) {
        std::borrow::Cow::Borrowed(_) => o,
        std::borrow::Cow::Owned(v) => v,
    }
}

/// ` [done]`, ` [FAILED …]` or nothing, for a change of `user` in a role's report.
fn result(rr: Option<&RoleReport>, user: &str, action: Action) -> String {
    let items = rr.map(|x| match action {
        Action::Grant => &x.grants,
        Action::Renew => &x.renewals,
        Action::Revoke => &x.revokes,
    });
    let found = items.and_then(|i| i.iter().find(|i| i.user == user));
    match found.and_then(|i| i.outcome.clone()) {
        Some(ChangeOutcome::Done) => "  [done]".to_string(),
        Some(ChangeOutcome::AlreadyDone) => "  [already done]".to_string(),
        Some(ChangeOutcome::Failed { code, message }) => format!("  [FAILED {code}: {message}]"),
        None => String::new(),
    }
}

/// One role: its groups, its PIM settings, then a line per grant, renewal, revoke, held change,
/// kept, skipped and untouched member.
fn role(o: &mut String, r: &RolePlan, rr: Option<&RoleReport>) {
    let kind = match r.kind {
        AssignmentKind::Active => "active",
        AssignmentKind::Eligible => "eligible, PIM",
    };
    let groups: Vec<String> = r
        .groups
        .iter()
        .map(|g| g.first_rdn_value().to_string())
        .collect();
    let _ = writeln!(o, "\n{} ({kind}) ← {}", r.label(), groups.join(", "));
    pim(o, r);
    for (sign, list, action) in [
        ("+ grant ", &r.grants, Action::Grant),
        ("↻ renew ", &r.renewals, Action::Renew),
        ("- revoke", &r.revokes, Action::Revoke),
    ] {
        for c in list {
            let res = result(rr, &c.user, action);
            let _ = writeln!(o, "  {sign}   {:<40} {}{res}", c.user, reason(&c.reason));
        }
    }
    members(o, r);
}

/// The PIM settings that apply to a role, and what they hold back.
fn pim(o: &mut String, r: &RolePlan) {
    let Some(pim) = &r.pim else { return };
    for rule in &pim.rules {
        let mark = if rule.ok { "✓" } else { "✗" };
        let _ = writeln!(o, "  PIM {mark} {}: {}", rule.setting, rule.detail);
    }
    if let Some(h) = &pim.hold {
        let _ = writeln!(o, "  PIM ✗ {}\n        fix: {}", h.message, h.fix);
    }
    for c in &r.held {
        let what = match c.action {
            Action::Grant => "grant",
            Action::Renew => "renew",
            Action::Revoke => "revoke",
        };
        let _ = writeln!(
            o,
            "  ! held     {:<40} {what} not attempted: PIM settings (see above)",
            c.user
        );
    }
    for c in &r.awaiting_approval {
        let _ = writeln!(
            o,
            "  ? approval {:<40} grant waits for a second person (safety.require_approval)",
            c.user
        );
    }
}

/// The role's kept, skipped and untouched members.
fn members(o: &mut String, r: &RolePlan) {
    for u in &r.unchanged {
        let ends = r
            .expirations
            .iter()
            .find(|x| &x.user == u && !x.renew)
            .map(|x| format!("  (ends on {})", x.ends.format("%Y-%m-%d")))
            .unwrap_or_default();
        let _ = writeln!(o, "  = keep     {u}{ends}");
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

/// Unmapped groups, safety stops and the totals.
fn rest(o: &mut String, p: &Plan) {
    if !p.unmapped_groups.is_empty() {
        let _ = writeln!(o, "\nGroups that map to no role:");
        for g in &p.unmapped_groups {
            let _ = writeln!(o, "  ? {} — {}", g.name, g.reason);
        }
    }
    if !p.skipped_mappings.is_empty() {
        let _ = writeln!(o, "\nMappings that get nothing written:");
        for m in &p.skipped_mappings {
            let _ = writeln!(
                o,
                "  ! {} → {} at {} — {}",
                m.group.first_rdn_value(),
                m.role,
                m.scope,
                m.reason
            );
        }
    }
    if !p.stops.is_empty() {
        let _ = writeln!(o, "\nSafety stops:");
        for s in &p.stops {
            let forced = if s.overridable {
                ""
            } else {
                " (cannot be forced)"
            };
            let _ = writeln!(o, "  ! {}{forced}", s.message);
        }
    }
    let s = p.summary;
    let _ = writeln!(
        o,
        "\n{} role(s): {} to grant, {} to renew, {} to revoke, {} unchanged, {} skipped, {} left alone, {} unmapped group(s)",
        s.roles, s.grants, s.renewals, s.revokes, s.unchanged, s.skipped, s.untouched, s.unmapped_groups
    );
    if s.held > 0 {
        let _ = writeln!(o, "{} change(s) held back by PIM settings", s.held);
    }
    if s.awaiting_approval > 0 {
        let _ = writeln!(o, "{} grant(s) wait for approval", s.awaiting_approval);
    }
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
    for d in &report.drift {
        let fate = if d.corrected {
            "put right by this run"
        } else {
            "left as found"
        };
        let _ = write!(o, "\ndrift: {}; {fate}", d.words());
    }
    if let Some(a) = &report.approval {
        let _ = write!(
            o,
            "\nheld for approval: {} ({} change(s), {}); approve with `{}` until {}",
            a.id,
            a.changes,
            a.reason,
            a.command,
            a.expires.format("%Y-%m-%d %H:%M UTC")
        );
    }
    visible(o)
}

/// `exposure`: the summary, then one line per finding — who → which right → on which group →
/// how it reaches the role — most serious first, marked ✗ at or above the threshold.
pub fn exposure(r: &rolesync_core::exposure::ExposureReport) -> String {
    let mut o = String::new();
    if let Some(e) = &r.error {
        let _ = writeln!(o, "✗ who can change the role groups is not known: {e}");
        return o;
    }
    for f in &r.findings {
        let above = r.fail_at.is_some_and(|t| f.severity >= t);
        let _ = writeln!(
            o,
            "{} [{}] {}",
            if above { "✗" } else { "·" },
            f.severity.words(),
            f.message
        );
    }
    let _ = writeln!(o, "{}", r.summary());
    let threshold = match r.fail_at {
        Some(t) => format!("findings of {} or above fail", t.words()),
        None => "no finding fails ([exposure] fail_at = \"never\")".into(),
    };
    let _ = writeln!(
        o,
        "left out as expected Tier 0: {}; {threshold}",
        r.expected.join(", ")
    );
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
    visible(o)
}
