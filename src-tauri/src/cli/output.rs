//! What the commands print: the plan and outcome, check lines, credentials, the emulator's
//! URLs, and the `--json` documents (docs/cli-json.md) — logs go to stderr, results to stdout.

use super::args::Global;
use super::render;
use rolesync_app::approvals::{HeldStatus, HeldView};
use rolesync_app::check::CheckReport;
use rolesync_app::credentials::CredentialList;
use rolesync_app::emulator::Serving;
use rolesync_app::{AppError, ErrorKind, Finished};
use rolesync_core::checks::CheckLine;
use rolesync_core::exposure::ExposureReport;
use rolesync_core::plan::Plan;
use rolesync_core::report::RunReport;
use rolesync_secrets::CredentialName;
use serde::Serialize;
use std::path::Path;

/// The `--json` result of `plan` and `sync`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunJson<'a> {
    version: u32,
    demo: bool,
    report: &'a RunReport,
    plan: Option<&'a Plan>,
    report_file: Option<&'a Path>,
    log_file: Option<&'a Path>,
}

/// The `--json` result of `check`.
#[derive(Serialize)]
struct CheckJson<'a> {
    version: u32,
    ok: bool,
    checks: &'a [CheckLine],
}

/// The `--json` result of `exposure`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExposureJson<'a> {
    version: u32,
    /// A finding at or above the threshold, or no assessment.
    fails: bool,
    #[serde(flatten)]
    report: &'a ExposureReport,
}

/// The `--json` error document.
#[derive(Serialize)]
struct ErrorJson<'a> {
    version: u32,
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    kind: ErrorKind,
    exit: u8,
    message: &'a str,
}

fn print_json(value: &impl Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// A finished `plan` or `sync`.
pub fn run(g: &Global, f: &Finished, log_file: &Path) {
    if g.json {
        print_json(&RunJson {
            version: 1,
            demo: g.demo,
            report: &f.report,
            plan: f.plan.as_ref(),
            report_file: f.report_file.as_deref(),
            log_file: Some(log_file),
        });
        return;
    }
    if let Some(p) = &f.plan {
        print!("{}", render::plan(p, &f.report));
    }
    println!("{}", render::outcome(&f.report));
    if let Some(file) = &f.report_file {
        println!("report: {}", file.display());
    }
}

/// `approvals list`.
pub fn held_list(json: bool, list: &[HeldView]) {
    if json {
        print_json(&serde_json::json!({ "version": 1, "approvals": list }));
        return;
    }
    if list.is_empty() {
        println!("no plans are held for approval");
    }
    for h in list {
        println!(
            "{}  {:<9} {} change(s), held {} by {}, expires {}{}",
            h.id,
            status_word(h.status),
            h.changes.len(),
            h.created.format("%Y-%m-%d %H:%M UTC"),
            h.created_by,
            h.expires.format("%Y-%m-%d %H:%M UTC"),
            h.decided
                .as_ref()
                .map(|d| format!("; {d}"))
                .unwrap_or_default()
        );
    }
}

/// `approvals show` and `reject`.
pub fn held_one(json: bool, h: &HeldView) {
    if json {
        print_json(&serde_json::json!({ "version": 1, "approval": h }));
        return;
    }
    let mut o = format!(
        "held plan {} ({})\n  held {} by {}; expires {}\n  why: {}\n",
        h.id,
        status_word(h.status),
        h.created.format("%Y-%m-%d %H:%M UTC"),
        h.created_by,
        h.expires.format("%Y-%m-%d %H:%M UTC"),
        h.reason
    );
    if let Some(d) = &h.decided {
        o.push_str(&format!("  {d}\n"));
    }
    for c in &h.changes {
        o.push_str(&format!("  {c}\n"));
    }
    if h.status == HeldStatus::Pending {
        o.push_str(&format!(
            "approve: rolesync approvals approve {0}   reject: rolesync approvals reject {0}\n",
            h.id
        ));
    }
    print!("{}", rolesync_core::redact::visible(&o));
}

fn status_word(s: HeldStatus) -> &'static str {
    match s {
        HeldStatus::Pending => "pending",
        HeldStatus::Expired => "expired",
        HeldStatus::Approving => "approving",
        HeldStatus::Approved => "approved",
        HeldStatus::Rejected => "rejected",
        HeldStatus::Superseded => "superseded",
    }
}

/// `check`'s lines.
pub fn checks(json: bool, r: &CheckReport) {
    if json {
        print_json(&CheckJson {
            version: 1,
            ok: r.ok(),
            checks: &r.lines,
        });
    } else {
        print!("{}", render::checks(&r.lines));
    }
}

/// `exposure`: one line per finding, or the JSON document (for SIEMs).
pub fn exposure(json: bool, r: &ExposureReport) {
    if json {
        print_json(&ExposureJson {
            version: 1,
            fails: r.fails(),
            report: r,
        });
    } else {
        print!("{}", render::exposure(r));
    }
}

/// The `--json` error document.
pub fn error_json(e: &AppError) {
    let body = ErrorJson {
        version: 1,
        error: ErrorBody {
            code: e.code.cli_code(),
            kind: e.code,
            exit: e.exit().code(),
            message: &e.message,
        },
    };
    println!("{}", serde_json::to_string(&body).unwrap_or_default());
}

/// `credentials list`: which are saved, never their values.
pub fn credentials(list: &CredentialList) {
    for n in CredentialName::ALL {
        let saved = if list.is_saved(n) {
            "saved"
        } else {
            "not saved"
        };
        println!("{:<10} {saved}", n.as_str());
    }
    eprintln!("(keyring: {})", list.keyring_id);
}

/// `credentials forget`.
pub fn forgotten(name: CredentialName, existed: bool) {
    let what = if existed {
        "forgotten; it will be asked for again"
    } else {
        "was not saved"
    };
    println!("{} credential {what}", name.as_str());
}

/// `emulator`: where it serves.
pub fn serving(s: &Serving) {
    println!("tenant     {}", s.tenant);
    println!("login_url  {}", s.login_url);
    println!("graph_url  {}", s.graph_url);
    if let Some(ca) = &s.ca_file {
        println!("ca_file    {}", ca.display());
    }
    for h in &s.hostnames {
        println!("hostname   {h}");
    }
    println!("ready (Ctrl-C or SIGTERM to stop)");
}
