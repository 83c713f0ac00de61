//! `window_memory`: the idle memory of the RoleSync window against a minimal Tauri app, measured
//! the same way in the same run (issue 16: within 1.2×).
//!
//! Both apps are built by this package in the same profile: the minimal app is this benchmark's
//! own binary started with `--minimal-window` (one window of the same size showing a one-line
//! page, nothing else), RoleSync is the `rolesync` binary as users start it, once on the first
//! launch's setup page (no configuration) and once in the demo (`--demo`, Home). Each is opened
//! through WebKitWebDriver under Xvfb, waited for until its page is drawn, then sampled until its
//! memory settles; the figure is the PSS summed over the app and its WebKit processes (the web
//! and network processes), read from `/proc/<pid>/smaps_rollup`, as `reference/tauri-linux.md`
//! advises. Rounds alternate the apps; the medians and their ratio are printed.
//!
//! `cargo bench --profile dev --bench window_memory` (or `cargo bench --bench window_memory`
//! for release builds of both). Without Xvfb or WebKitWebDriver it says SKIPPED.

#[path = "../tests/desktop/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;
/// RoleSync's own WebKitGTK setting, for the minimal app drawn the same way.
#[cfg(target_os = "linux")]
#[path = "../src-tauri/src/desktop/webview_linux.rs"]
mod webview_linux;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use webdriver::{Harness, Session};

/// The flag that makes this binary the minimal Tauri app.
const MINIMAL_FLAG: &str = "--minimal-window";
/// With [`MINIMAL_FLAG`]: the minimal app draws without GPU compositing, as RoleSync's window does
/// (`src-tauri/src/desktop/webview_linux.rs`) — the like-for-like comparison, printed beside the
/// target's.
const NO_COMPOSITING_FLAG: &str = "--no-compositing";
/// Rounds per app.
const ROUNDS: usize = 3;
/// The target: RoleSync's idle PSS within this multiple of the minimal app's.
const TARGET_RATIO: f64 = 1.2;

fn main() {
    if std::env::args().any(|a| a == MINIMAL_FLAG) {
        minimal_window();
        return;
    }
    for tool in ["Xvfb", "WebKitWebDriver"] {
        if !on_path(tool) {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{tool} is missing (scripts/install-deps.sh installs it)");
            }
            println!("window_memory: SKIPPED ({tool} is not installed)");
            return;
        }
    }
    let me = std::env::current_exe().expect("this benchmark's path");
    let rolesync = PathBuf::from(env!("CARGO_BIN_EXE_rolesync"));
    let mut minimal = Vec::new();
    let mut plain = Vec::new();
    let mut setup = Vec::new();
    let mut demo = Vec::new();
    for round in 1..=ROUNDS {
        let row = [
            ("minimal", measure(&me, &[MINIMAL_FLAG], "body[data-ready]")),
            (
                "minimal, no composit.",
                measure(
                    &me,
                    &[MINIMAL_FLAG, NO_COMPOSITING_FLAG],
                    "body[data-ready]",
                ),
            ),
            (
                "rolesync setup page",
                measure(&rolesync, &[], "main[data-ready=setup]"),
            ),
            (
                "rolesync demo home",
                measure(&rolesync, &["--demo"], "main[data-ready=home]"),
            ),
        ];
        println!("round {round} (PSS, MB):");
        for (what, (kb, parts)) in &row {
            println!("  {what:<20} {:>6.1}  ({parts})", mb(*kb));
        }
        minimal.push(row[0].1 .0);
        plain.push(row[1].1 .0);
        setup.push(row[2].1 .0);
        demo.push(row[3].1 .0);
    }
    let (m, p) = (median(&mut minimal), median(&mut plain));
    let (s, d) = (median(&mut setup), median(&mut demo));
    println!("idle PSS, median of {ROUNDS} (app + WebKit web and network processes):");
    println!("  minimal Tauri app        {:>7.1} MB", mb(m));
    println!("  minimal, no compositing  {:>7.1} MB", mb(p));
    for (what, v) in [("RoleSync, setup page", s), ("RoleSync, demo home", d)] {
        let ratio = v as f64 / m as f64;
        println!(
            "  {what:<24} {:>7.1} MB  = {ratio:.2}× minimal (target ≤ {TARGET_RATIO}×: {}); \
             {:.2}× the minimal app without compositing",
            mb(v),
            if ratio <= TARGET_RATIO { "yes" } else { "no" },
            v as f64 / p as f64
        );
    }
}

/// Opens `binary` with `args` in a fresh Xvfb and WebDriver, waits for `ready`, then returns the
/// settled PSS in kB of every process WebKitWebDriver started (the app and its WebKit children).
fn measure(binary: &Path, args: &[&str], ready: &str) -> (u64, String) {
    let home = tempfile::tempdir().expect("temp dir");
    let h = Harness::start(&[
        ("ROLESYNC_HOME", home.path().display().to_string()),
        (
            "ROLESYNC_KEYRING_SERVICE",
            format!("rolesync-window-memory-{}", std::process::id()),
        ),
    ]);
    let s: Session = h.session(binary, args);
    s.wait(ready, 60);
    let driver = h.driver_pid();
    // Settled: four samples half a second apart within 1% of each other.
    let mut samples: Vec<u64> = Vec::new();
    let started = Instant::now();
    let settled = loop {
        samples.push(pss_kb(&descendants(driver)));
        let last = &samples[samples.len().saturating_sub(4)..];
        let (lo, hi) = (
            *last.iter().min().expect("a sample"),
            *last.iter().max().expect("a sample"),
        );
        if last.len() == 4 && (hi - lo) as f64 <= lo as f64 * 0.01 {
            break hi;
        }
        if started.elapsed() > Duration::from_secs(60) {
            println!("(memory still moving after 60 s; taking the last sample)");
            break *samples.last().expect("a sample");
        }
        std::thread::park_timeout(Duration::from_millis(500));
    };
    let parts = descendants(driver)
        .iter()
        .map(|&p| {
            let name = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
            let field = |f: &str| mb(rollup_kb(p, f).unwrap_or(0));
            format!(
                "{} {:.1} = anon {:.1} + file {:.1} + shmem {:.1}",
                name.trim(),
                field("Pss:"),
                field("Pss_Anon:"),
                field("Pss_File:"),
                field("Pss_Shmem:")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    s.close();
    drop(h);
    (settled, parts)
}

/// The minimal Tauri app: one window of RoleSync's size with a one-line page, served from the
/// app itself over a custom protocol as a Tauri app serves its own pages.
fn minimal_window() {
    const PAGE: &str =
        "<!doctype html><title>Minimal</title><body data-ready=1><h1>Hello</h1></body>";
    let no_compositing = std::env::args().any(|a| a == NO_COMPOSITING_FLAG);
    let mut context = tauri::generate_context!();
    context.config_mut().app.windows.clear();
    tauri::Builder::default()
        .register_uri_scheme_protocol("minimal", |_, _| {
            tauri::http::Response::builder()
                .header("Content-Type", "text/html")
                .body(PAGE.as_bytes().to_vec())
                .expect("a response")
        })
        .setup(move |app| {
            let url = tauri::WebviewUrl::CustomProtocol("minimal://localhost/".parse()?);
            let window = tauri::WebviewWindowBuilder::new(app, "main", url)
                .title("Minimal")
                .inner_size(1180.0, 760.0)
                .build()?;
            #[cfg(target_os = "linux")]
            if no_compositing {
                webview_linux::tune(&window);
            }
            let _ = (&window, no_compositing);
            Ok(())
        })
        .run(context)
        .expect("the minimal Tauri app");
}

/// Every process below `root` (not `root` itself), from `/proc/<pid>/stat`.
fn descendants(root: u32) -> BTreeSet<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (comm) state ppid …`: the comm may hold spaces; split after its ')'.
            let rest = &stat[stat.rfind(')')? + 2..];
            let ppid = rest.split(' ').nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut found = BTreeSet::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for &(pid, ppid) in &parents {
            if ppid == p && found.insert(pid) {
                frontier.push(pid);
            }
        }
    }
    found
}

/// Summed `Pss:` of `pids`, kB (processes gone meanwhile count 0).
fn pss_kb(pids: &BTreeSet<u32>) -> u64 {
    pids.iter().filter_map(|&p| rollup_kb(p, "Pss:")).sum()
}

/// One field of `/proc/<pid>/smaps_rollup` (`Pss:`, `Pss_Anon:` …), kB.
fn rollup_kb(pid: u32, field: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn median(v: &mut [u64]) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false)
}
