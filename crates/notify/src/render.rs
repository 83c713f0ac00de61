//! The report mail's bodies: plain text and HTML, rendered from a [`RunReport`] without IO.
//! Everything taken from the report is HTML-escaped in the HTML body.

use rolesync_core::events::StepStatus;
use rolesync_core::plan::{Action, SkipReason, StopKind, UntouchedReason};
use rolesync_core::report::{ItemReport, Outcome, RoleReport, RunMode, RunReport};
use rolesync_core::tenant::AssignmentKind;
use rolesync_core::traits::ChangeOutcome;
use std::fmt::Write as _;

/// The subject line: `RoleSync: ` and the report's headline (`RoleSync: approval needed: …`
/// when changes wait for a second person).
pub fn subject(report: &RunReport) -> String {
    if report.outcome == Outcome::PendingApproval || report.approval.is_some() {
        format!("RoleSync: approval needed: {}", report.headline())
    } else {
        format!("RoleSync: {}", report.headline())
    }
}

/// Renders the plain-text and the HTML body, in that order.
/// Both bodies show control characters of names and messages instead of passing them on
/// ([`rolesync_core::redact::visible`]): an escape sequence in an AD name must not act in a
/// reader's terminal or mail client.
pub fn render(report: &RunReport) -> (String, String) {
    let text = rolesync_core::redact::visible(&render_text(report)).into_owned();
    let html = rolesync_core::redact::visible(&render_html(report)).into_owned();
    (text, html)
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn mode_words(m: RunMode) -> &'static str {
    match m {
        RunMode::Plan => "plan (preview)",
        RunMode::DryRun => "dry run",
        RunMode::Apply => "apply",
    }
}

fn outcome_words(o: Outcome) -> &'static str {
    match o {
        Outcome::NoChanges => "no changes needed",
        Outcome::Planned => "planned, not applied",
        Outcome::Applied => "applied",
        Outcome::AppliedWithFailures => "applied with failures",
        Outcome::Stopped => "stopped by a safety limit",
        Outcome::PendingApproval => "waiting for approval",
        Outcome::ReadFailed => "read or sign-in failed",
    }
}

fn status_words(s: StepStatus) -> &'static str {
    match s {
        StepStatus::Ok => "ok",
        StepStatus::Partial => "partial",
        StepStatus::Failed => "failed",
        StepStatus::Stopped => "stopped",
        StepStatus::Skipped => "skipped",
    }
}

fn kind_words(k: AssignmentKind) -> &'static str {
    match k {
        AssignmentKind::Active => "active",
        AssignmentKind::Eligible => "eligible (PIM)",
    }
}

fn stop_words(k: &StopKind) -> String {
    match k {
        StopKind::SourceIncomplete => "source incomplete".to_string(),
        StopKind::MappingProblem => "mapping problem".to_string(),
        StopKind::RevokeLimit { revokes, managed } => {
            format!("revoke limit ({revokes} of {managed} managed)")
        }
        StopKind::EmptyGroup => "empty group".to_string(),
        StopKind::LastGlobalAdministrator => "last Global Administrator".to_string(),
        StopKind::ProtectedNotFound => "protected account not found".to_string(),
    }
}

fn skip_words(r: &SkipReason) -> String {
    match r {
        SkipReason::Disabled => "disabled in AD".to_string(),
        SkipReason::NotInEntra => "not in Entra ID".to_string(),
        SkipReason::NonRoutableUpn { suffix } => format!("non-routable UPN suffix {suffix}"),
        SkipReason::MatchNotSynced => "match is not synced from AD".to_string(),
        SkipReason::AnchorMismatch => "anchor mismatch".to_string(),
        SkipReason::DriftKept => "removed outside RoleSync, left as found".to_string(),
        SkipReason::NotUndone => "not undone".to_string(),
    }
}

fn untouched_words(r: UntouchedReason) -> &'static str {
    match r {
        UntouchedReason::CloudOnly => "cloud-only user",
        UntouchedReason::NoLongerSynced => "no longer synced",
        UntouchedReason::Guest => "guest",
        UntouchedReason::Group => "group",
        UntouchedReason::ServicePrincipal => "service principal",
        UntouchedReason::OtherObject => "other object",
        UntouchedReason::Protected => "protected (break-glass)",
        UntouchedReason::PimActivation => "PIM activation",
        UntouchedReason::OtherKind => "assignment of the other kind",
        UntouchedReason::NotOwned => "not granted by RoleSync (manage = \"owned\")",
        UntouchedReason::DriftKept => "added outside RoleSync, left as found",
    }
}

/// A duration in words: `850 ms`, `1.2 s`, `2 min 3 s`.
pub fn duration_words(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{}.{} s", ms / 1000, (ms % 1000) / 100)
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// Whether an item is a failure, and its words: `granted`, `to grant`, `grant failed: 403 …`.
fn item_words(verb: &str, item: &ItemReport) -> (bool, String) {
    let (past, planned) = match verb {
        "grant" => ("granted", "to grant"),
        "renew" => ("renewed", "to renew (ends soon)"),
        _ => ("revoked", "to revoke"),
    };
    match &item.outcome {
        None => (false, planned.to_string()),
        Some(ChangeOutcome::Done) => (false, past.to_string()),
        Some(ChangeOutcome::AlreadyDone) => (false, format!("{past} (already in place)")),
        Some(ChangeOutcome::Failed { code, message }) => {
            (true, format!("{verb} failed: {code} {message}"))
        }
    }
}

fn totals(s: &rolesync_core::report::ReportSummary) -> String {
    let mut t = format!(
        "{} granted, {} revoked, {} renewed, {} unchanged, {} skipped, {} failed",
        s.granted, s.revoked, s.renewed, s.unchanged, s.skipped, s.failed
    );
    if s.held > 0 {
        t.push_str(&format!(", {} held back by PIM settings", s.held));
    }
    t
}

/// Managed PIM assignments that end and are not renewed by this run: (role, user, date),
/// soonest first.
fn upcoming(r: &RunReport) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = r
        .roles
        .iter()
        .flat_map(|role| {
            role.expirations
                .iter()
                .filter(|x| !x.renew)
                .map(move |x| (x.ends, role.label(), x.user.clone()))
        })
        .collect();
    v.sort();
    v.into_iter()
        .map(|(ends, role, user)| (role, user, ends.format("%Y-%m-%d").to_string()))
        .collect()
}

/// The lines of one role, shared by both bodies: (label, failed?, text).
fn role_lines(r: &RoleReport) -> Vec<(String, bool, String)> {
    let mut lines = Vec::new();
    for g in &r.grants {
        let (failed, w) = item_words("grant", g);
        lines.push((g.user.clone(), failed, w));
    }
    for v in &r.renewals {
        let (failed, w) = item_words("renew", v);
        lines.push((v.user.clone(), failed, w));
    }
    for v in &r.revokes {
        let (failed, w) = item_words("revoke", v);
        lines.push((v.user.clone(), failed, w));
    }
    if let Some(hold) = r.pim.as_ref().and_then(|p| p.hold.as_ref()) {
        for c in &r.held {
            let what = match c.action {
                Action::Grant => "grant",
                Action::Renew => "renewal",
                Action::Revoke => "revoke",
            };
            lines.push((
                c.user.clone(),
                true,
                format!("{what} held back: {} (fix: {})", hold.message, hold.fix),
            ));
        }
    }
    for u in &r.awaiting_approval {
        lines.push((
            u.clone(),
            false,
            "grant waits for approval (safety.require_approval)".to_string(),
        ));
    }
    for s in &r.skipped {
        lines.push((
            s.user.clone(),
            false,
            format!("skipped ({}): {}", skip_words(&s.reason), s.message),
        ));
    }
    for u in &r.untouched {
        lines.push((
            u.principal.clone(),
            false,
            format!(
                "left alone: {} ({})",
                untouched_words(u.reason),
                kind_words(u.kind)
            ),
        ));
    }
    lines
}

fn render_text(r: &RunReport) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "{}", subject(r));
    let _ = writeln!(t);
    let _ = writeln!(t, "Run:      {}", r.run_id);
    let _ = writeln!(
        t,
        "Mode:     {}{}",
        mode_words(r.mode),
        if r.forced { " (forced)" } else { "" }
    );
    let _ = writeln!(
        t,
        "Outcome:  {} (exit code {})",
        outcome_words(r.outcome),
        r.exit_code
    );
    let _ = writeln!(t, "Started:  {}", r.started.format("%Y-%m-%d %H:%M:%S UTC"));
    let _ = writeln!(
        t,
        "Finished: {}",
        r.finished.format("%Y-%m-%d %H:%M:%S UTC")
    );
    let _ = writeln!(t, "Source:   {}", r.source);
    let _ = writeln!(t, "Target:   {}", r.target);
    let s = &r.summary;
    let _ = writeln!(t, "Totals:   {}", totals(s));
    if let Some(e) = &r.error {
        let _ = writeln!(t, "\nERROR: {e}");
    }
    for w in &r.warnings {
        let _ = writeln!(t, "\nWARNING: {w}");
    }
    for m in &r.skipped_mappings {
        let _ = writeln!(
            t,
            "\nNOT WRITTEN: {} -> {} at {}: {}",
            m.group.first_rdn_value(),
            m.role,
            m.scope,
            m.reason
        );
    }
    if let Some(a) = &r.approval {
        let _ = writeln!(
            t,
            "\nApproval needed: {} change(s) wait ({})",
            a.changes, a.reason
        );
        for l in &a.lines {
            let _ = writeln!(t, "  {l}");
        }
        let _ = writeln!(
            t,
            "Approve until {} with `{}` (or in the RoleSync window, Pending approval); reject with `rolesync approvals reject {}`.",
            a.expires.format("%Y-%m-%d %H:%M UTC"),
            a.command,
            a.id
        );
    }
    if !r.drift.is_empty() {
        let _ = writeln!(t, "\nChanged outside RoleSync since its last run");
        for d in &r.drift {
            let fate = if d.corrected {
                "put right by this run"
            } else {
                "left as found"
            };
            let _ = writeln!(t, "  - {}; {fate}", d.words());
        }
    }
    if !r.stops.is_empty() {
        let _ = writeln!(t, "\nSafety stops (nothing was changed)");
        for st in &r.stops {
            let role = st
                .role
                .as_deref()
                .map(|x| format!(" {x}:"))
                .unwrap_or_default();
            let over = if st.overridable {
                " (--force overrides)"
            } else {
                ""
            };
            let _ = writeln!(
                t,
                "  - [{}]{role} {}{over}",
                stop_words(&st.kind),
                st.message
            );
        }
    }
    let _ = writeln!(t, "\nSteps");
    for st in &r.steps {
        let _ = writeln!(
            t,
            "  {:<22} {:<8} {:>10}  {}",
            st.name,
            status_words(st.status),
            duration_words(st.duration_ms),
            st.detail
        );
    }
    let _ = writeln!(t, "\nRoles");
    if r.roles.is_empty() {
        let _ = writeln!(t, "  (none)");
    }
    for role in &r.roles {
        let groups: Vec<&str> = role.groups.iter().map(|g| g.as_str()).collect();
        let _ = writeln!(
            t,
            "\n  {} ({}) - groups: {}",
            role.label(),
            kind_words(role.kind),
            groups.join("; ")
        );
        for (who, failed, what) in role_lines(role) {
            let mark = if failed { "!" } else { "-" };
            let _ = writeln!(t, "    {mark} {who}: {what}");
        }
        if !role.unchanged.is_empty() {
            let _ = writeln!(
                t,
                "    unchanged ({}): {}",
                role.unchanged.len(),
                role.unchanged.join(", ")
            );
        }
    }
    let soon = upcoming(r);
    if !soon.is_empty() {
        let _ = writeln!(
            t,
            "\nUpcoming expirations (PIM assignments RoleSync renews before they end)"
        );
        for (role, user, date) in &soon {
            let _ = writeln!(t, "  - {date}  {role}: {user}");
        }
    }
    if !r.unmapped_groups.is_empty() {
        let _ = writeln!(t, "\nGroups mapping to no role");
        for g in &r.unmapped_groups {
            let _ = writeln!(t, "  - {} ({}): {}", g.name, g.group, g.reason);
        }
    }
    if let Some(x) = &r.exposure {
        let _ = writeln!(
            t,
            "\nWho can change the role groups (exposure): {}",
            x.summary()
        );
        for f in &x.findings {
            let _ = writeln!(t, "  - [{}] {}", f.severity.words(), f.message);
        }
    }
    t
}

fn status_colour(s: StepStatus) -> &'static str {
    match s {
        StepStatus::Ok => "#1a7f37",
        StepStatus::Partial | StepStatus::Stopped => "#9a6700",
        StepStatus::Failed => "#cf222e",
        StepStatus::Skipped => "#57606a",
    }
}

fn render_html(r: &RunReport) -> String {
    let e = escape_html;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n\
         <body style=\"font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#1f2328\">\n",
        e(&subject(r))
    );
    let _ = writeln!(h, "<h2>{}</h2>", e(&subject(r)));
    let _ = writeln!(h, "<table cellpadding=\"3\">");
    let s = &r.summary;
    let totals = totals(s);
    let mode = format!(
        "{}{}",
        mode_words(r.mode),
        if r.forced { " (forced)" } else { "" }
    );
    let outcome = format!("{} (exit code {})", outcome_words(r.outcome), r.exit_code);
    let started = r.started.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let finished = r.finished.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    for (k, v) in [
        ("Run", r.run_id.as_str()),
        ("Mode", mode.as_str()),
        ("Outcome", outcome.as_str()),
        ("Started", started.as_str()),
        ("Finished", finished.as_str()),
        ("Source", r.source.as_str()),
        ("Target", r.target.as_str()),
        ("Totals", totals.as_str()),
    ] {
        let _ = writeln!(h, "<tr><th align=\"left\">{k}</th><td>{}</td></tr>", e(v));
    }
    let _ = writeln!(h, "</table>");
    if let Some(err) = &r.error {
        let _ = writeln!(
            h,
            "<p style=\"color:#cf222e\"><strong>Error:</strong> {}</p>",
            e(err)
        );
    }
    for w in &r.warnings {
        let _ = writeln!(
            h,
            "<p style=\"color:#9a6700\"><strong>Warning:</strong> {}</p>",
            e(w)
        );
    }
    for m in &r.skipped_mappings {
        let _ = writeln!(
            h,
            "<p style=\"color:#cf222e\"><strong>Not written:</strong> {} &rarr; {} at {}: {}</p>",
            e(m.group.first_rdn_value()),
            e(&m.role),
            e(&m.scope),
            e(&m.reason)
        );
    }
    if let Some(a) = &r.approval {
        let _ = writeln!(
            h,
            "<h3>Approval needed: {} change(s) wait</h3>\n<p>{}</p>\n<ul>",
            a.changes,
            e(&a.reason)
        );
        for l in &a.lines {
            let _ = writeln!(h, "<li>{}</li>", e(l));
        }
        let _ = writeln!(
            h,
            "</ul>\n<p>Approve until {} with <code>{}</code> (or in the RoleSync window, Pending approval); reject with <code>rolesync approvals reject {}</code>.</p>",
            e(&a.expires.format("%Y-%m-%d %H:%M UTC").to_string()),
            e(&a.command),
            e(&a.id)
        );
    }
    if !r.drift.is_empty() {
        let _ = writeln!(
            h,
            "<h3>Changed outside RoleSync since its last run</h3>\n<ul>"
        );
        for d in &r.drift {
            let fate = if d.corrected {
                "put right by this run"
            } else {
                "left as found"
            };
            let _ = writeln!(h, "<li>{}; {fate}</li>", e(&d.words()));
        }
        let _ = writeln!(h, "</ul>");
    }
    if !r.stops.is_empty() {
        let _ = writeln!(h, "<h3>Safety stops (nothing was changed)</h3>\n<ul>");
        for st in &r.stops {
            let role = st
                .role
                .as_deref()
                .map(|x| format!(" <strong>{}</strong>:", e(x)))
                .unwrap_or_default();
            let over = if st.overridable {
                " <em>(--force overrides)</em>"
            } else {
                ""
            };
            let _ = writeln!(
                h,
                "<li>[{}]{role} {}{over}</li>",
                e(&stop_words(&st.kind)),
                e(&st.message)
            );
        }
        let _ = writeln!(h, "</ul>");
    }
    let _ = writeln!(
        h,
        "<h3>Steps</h3>\n<table cellpadding=\"3\" border=\"1\" style=\"border-collapse:collapse\">\n\
         <tr><th>Step</th><th>Status</th><th>Duration</th><th>Detail</th></tr>"
    );
    for st in &r.steps {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td style=\"color:{}\">{}</td><td align=\"right\">{}</td><td>{}</td></tr>",
            e(&st.name),
            status_colour(st.status),
            status_words(st.status),
            duration_words(st.duration_ms),
            e(&st.detail)
        );
    }
    let _ = writeln!(h, "</table>\n<h3>Roles</h3>");
    if r.roles.is_empty() {
        let _ = writeln!(h, "<p>(none)</p>");
    }
    for role in &r.roles {
        let groups: Vec<String> = role.groups.iter().map(|g| e(g.as_str())).collect();
        let _ = writeln!(
            h,
            "<h4>{} <small>({})</small></h4>\n<p>Groups: {}</p>",
            e(&role.label()),
            kind_words(role.kind),
            groups.join("; ")
        );
        let lines = role_lines(role);
        if !lines.is_empty() {
            let _ = writeln!(h, "<ul>");
            for (who, failed, what) in lines {
                let style = if failed {
                    " style=\"color:#cf222e\""
                } else {
                    ""
                };
                let _ = writeln!(
                    h,
                    "<li{style}><strong>{}</strong>: {}</li>",
                    e(&who),
                    e(&what)
                );
            }
            let _ = writeln!(h, "</ul>");
        }
        if !role.unchanged.is_empty() {
            let names: Vec<String> = role.unchanged.iter().map(|u| e(u)).collect();
            let _ = writeln!(
                h,
                "<p>Unchanged ({}): {}</p>",
                role.unchanged.len(),
                names.join(", ")
            );
        }
    }
    let soon = upcoming(r);
    if !soon.is_empty() {
        let _ = writeln!(
            h,
            "<h3>Upcoming expirations</h3>\n<p>PIM assignments RoleSync renews before they end.</p>\n<ul>"
        );
        for (role, user, date) in &soon {
            let _ = writeln!(
                h,
                "<li>{} <strong>{}</strong>: {}</li>",
                e(date),
                e(role),
                e(user)
            );
        }
        let _ = writeln!(h, "</ul>");
    }
    if !r.unmapped_groups.is_empty() {
        let _ = writeln!(h, "<h3>Groups mapping to no role</h3>\n<ul>");
        for g in &r.unmapped_groups {
            let _ = writeln!(
                h,
                "<li><strong>{}</strong> ({}): {}</li>",
                e(&g.name),
                e(g.group.as_str()),
                e(&g.reason)
            );
        }
        let _ = writeln!(h, "</ul>");
    }
    if let Some(x) = &r.exposure {
        let _ = writeln!(
            h,
            "<h3>Who can change the role groups (exposure)</h3>\n<p>{}</p>",
            e(&x.summary())
        );
        if !x.findings.is_empty() {
            let _ = writeln!(h, "<ul>");
            for f in &x.findings {
                let colour = match f.severity {
                    rolesync_core::exposure::Severity::High => "#cf222e",
                    rolesync_core::exposure::Severity::Medium => "#9a6700",
                    rolesync_core::exposure::Severity::Low => "#57606a",
                };
                let _ = writeln!(
                    h,
                    "<li><strong style=\"color:{colour}\">[{}]</strong> {}</li>",
                    f.severity.words(),
                    e(&f.message)
                );
            }
            let _ = writeln!(h, "</ul>");
        }
    }
    let _ = writeln!(
        h,
        "<p style=\"color:#57606a\">Sent by RoleSync.</p>\n</body></html>"
    );
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_words(0), "0 ms");
        assert_eq!(duration_words(999), "999 ms");
        assert_eq!(duration_words(1250), "1.2 s");
        assert_eq!(duration_words(59_999), "59.9 s");
        assert_eq!(duration_words(123_000), "2 min 3 s");
    }

    #[test]
    fn escapes() {
        assert_eq!(
            escape_html(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_html("ünïcödé"), "ünïcödé");
    }
}
