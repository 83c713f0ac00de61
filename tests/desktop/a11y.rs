//! The accessibility audit: axe-core (the npm devDependency of `ui/`, version pinned in
//! `ui/package.json`) injected into the real window on every page and every setup step, in the
//! light and the dark theme; no serious or critical violation may remain. Also checked here, as
//! axe does not: every focusable control shows a focus ring with at least 3:1 contrast against
//! what is around it. The results per page are printed (and written to
//! `<target>/desktop-shots/axe-<theme>.json`).

use super::webdriver::Session;
use super::window::{screenshots, shot, Window};
use serde_json::Value;
use std::path::Path;

/// axe-core's script; the audit cannot run without it (`npm ci` in ui/ installs it).
fn axe_source() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `npm ci` in ui/ (axe-core is a devDependency)",
            p.display()
        )
    })
}

/// axe's violations on the page as it is now: `(rule, impact, count, first target)`.
fn audit(s: &Session, axe: &str) -> Vec<(String, String, usize, String)> {
    let script = format!(
        "const done = arguments[arguments.length - 1];\n\
         if (!window.axe) {{ {axe}\n }}\n\
         window.axe.run(document, {{ resultTypes: ['violations'] }}).then(r => done(r.violations.map(v => [v.id, v.impact || '', v.nodes.length, (v.nodes[0] && v.nodes[0].target.join(' ')) || '', v.help]))).catch(e => done([['axe-error', 'critical', 1, String(e), '']]));"
    );
    let v = s.run_async(&script, serde_json::json!([]));
    v.as_array()
        .expect("axe's result")
        .iter()
        .map(|x| {
            (
                format!(
                    "{} ({})",
                    x[0].as_str().unwrap_or(""),
                    x[4].as_str().unwrap_or("")
                ),
                x[1].as_str().unwrap_or("").to_string(),
                x[2].as_u64().unwrap_or(0) as usize,
                x[3].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Focusable controls whose focus ring is missing or below 3:1 against the page behind it.
fn weak_focus(s: &Session) -> Vec<String> {
    let v = s.run_script(
        r#"
        const lum = (c) => { const m = c.match(/[\d.]+/g); if (!m) return null; const [r, g, b] = m.slice(0, 3).map(Number).map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4)); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
        const bg = (e) => { for (let n = e.parentElement; n; n = n.parentElement) { const c = getComputedStyle(n).backgroundColor; if (c && !/rgba\(0, 0, 0, 0\)|transparent/.test(c)) return c; } return getComputedStyle(document.body).backgroundColor; };
        const bad = [];
        const items = [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])')].filter(e => !e.disabled && e.offsetParent !== null && !e.closest('[inert]'));
        for (const e of items) {
          e.focus({ focusVisible: true });
          if (document.activeElement !== e) continue;
          const st = getComputedStyle(e);
          const id = e.getAttribute('data-testid') || e.tagName + ':' + (e.textContent || e.getAttribute('aria-label') || '').trim().slice(0, 24);
          if (st.outlineStyle === 'none' || parseFloat(st.outlineWidth) < 2) { bad.push(id + ' has no focus ring'); continue; }
          const a = lum(st.outlineColor), b = lum(bg(e));
          if (a === null || b === null) continue;
          const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
          if (ratio < 3) bad.push(id + ' focus ring ' + ratio.toFixed(2) + ':1');
        }
        if (document.activeElement) document.activeElement.blur();
        return bad;
        "#,
    );
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Audits the page shown under `name`; returns the serious and critical violations.
fn page(s: &Session, axe: &str, name: &str, theme: &str, report: &mut Vec<Value>) -> Vec<String> {
    let found = audit(s, axe);
    let weak = weak_focus(s);
    shot(s, &format!("axe-{theme}-{name}"));
    let serious: Vec<String> = found
        .iter()
        .filter(|(_, impact, _, _)| impact == "serious" || impact == "critical")
        .map(|(id, impact, n, target)| format!("{name}: {impact} {id} ×{n} at {target}"))
        .chain(weak.iter().map(|w| format!("{name}: focus: {w}")))
        .collect();
    eprintln!(
        "axe {theme} {name}: {} violation(s), {} serious or critical, {} weak focus ring(s){}",
        found.len(),
        serious.len() - weak.len(),
        weak.len(),
        found
            .iter()
            .map(|(id, impact, n, _)| format!("\n    {impact} {id} ×{n}"))
            .collect::<String>()
    );
    report.push(serde_json::json!({
        "page": name,
        "violations": found.iter().map(|(id, impact, n, t)| serde_json::json!({"rule": id, "impact": impact, "nodes": n, "first": t})).collect::<Vec<_>>(),
        "weakFocus": weak,
    }));
    serious
}

/// Audits the page shown now (for other tests: the setup's filled-in steps); panics on a serious
/// or critical violation.
pub(super) fn assert_accessible(s: &Session, name: &str) {
    let mut report = Vec::new();
    let serious = page(s, &axe_source(), name, "light", &mut report);
    assert!(
        serious.is_empty(),
        "serious or critical accessibility problems:\n{}",
        serious.join("\n")
    );
}

/// Every page and dialog of the window, audited in one theme.
fn audit_all(theme: &str, env: &[(&str, String)]) {
    let axe = axe_source();
    Window::open(&format!("a11y-{theme}"), &[], env, |_| {}).run(|w| {
        let s = &w.s;
        let mut report = Vec::new();
        let mut serious = Vec::new();
        // The first launch: the setup, each step.
        s.wait("main[data-ready=setup]", 30);
        for step in 1..=5 {
            s.wait(&format!("[data-testid=setup-go-{step}]"), 5).click();
            s.wait(&format!("[data-testid=setup-step-{step}]"), 5);
            serious.extend(page(s, &axe, &format!("setup-{step}"), theme, &mut report));
        }
        // The demo: home, the MFA question, progress, preview, a sync, history and a run,
        // logs, credentials and the editor, settings.
        s.page("home");
        serious.extend(page(s, &axe, "home", theme, &mut report));
        s.wait("[data-testid=preview]", 5).click();
        s.wait("[data-testid=dialog-mfa]", 20);
        serious.extend(page(s, &axe, "dialog-mfa", theme, &mut report));
        s.wait("[data-testid=mfa-yes]", 5).click();
        s.wait("[data-testid=plan-summary]", 30);
        serious.extend(page(s, &axe, "preview", theme, &mut report));
        s.wait("[data-testid=apply]", 5).click();
        s.wait("[data-testid=run-result]", 30);
        serious.extend(page(s, &axe, "progress", theme, &mut report));
        s.page("history");
        s.wait("[data-testid=history-chart]", 5);
        serious.extend(page(s, &axe, "history", theme, &mut report));
        s.wait("[data-testid=run-open]", 5).click();
        s.wait("[data-testid=run-details]", 10);
        serious.extend(page(s, &axe, "history-run", theme, &mut report));
        s.wait("[data-testid=undo-preview-button]", 5);
        s.page("approvals");
        s.wait("[data-testid=approvals-count]", 5);
        serious.extend(page(s, &axe, "approvals", theme, &mut report));
        s.page("logs");
        serious.extend(page(s, &axe, "logs", theme, &mut report));
        s.page("credentials");
        serious.extend(page(s, &axe, "credentials", theme, &mut report));
        s.wait("[data-testid=edit-smtp]", 5).click();
        s.wait("[data-testid=cred-form-smtp]", 5);
        serious.extend(page(s, &axe, "credentials-edit", theme, &mut report));
        s.page("settings");
        serious.extend(page(s, &axe, "settings", theme, &mut report));
        s.page("home");
        s.wait("[data-testid=run-sync]", 5).click();
        s.wait("[data-testid=mfa-no]", 20).click();
        s.wait("[data-testid=dialog-account]", 10);
        serious.extend(page(s, &axe, "dialog-account", theme, &mut report));
        s.wait("[data-testid=prompt-cancel]", 5).click();
        s.wait("[data-testid=run-error]", 10);
        let _ = std::fs::create_dir_all(screenshots());
        let _ = std::fs::write(
            screenshots().join(format!("axe-{theme}.json")),
            serde_json::to_string_pretty(&report).unwrap_or_default(),
        );
        assert!(
            serious.is_empty(),
            "serious or critical accessibility problems ({theme} theme):\n{}",
            serious.join("\n")
        );
    });
}

#[test]
fn every_page_passes_the_accessibility_audit_in_the_light_theme() {
    audit_all("light", &[("GTK_THEME", "Adwaita".into())]);
}

#[test]
fn every_page_passes_the_accessibility_audit_in_the_dark_theme() {
    audit_all("dark", &[("GTK_THEME", "Adwaita:dark".into())]);
}
