//! `check`, `plan` and `sync` as a new admin runs them: the configuration `rolesync config init`
//! writes, filled in with the tenant, the app registration and its sign-in — no endpoint URL —
//! against `login.microsoftonline.com` and `graph.microsoft.com`, which a private network
//! namespace resolves to the emulator (TLS on 443, a certificate for those names from a test CA,
//! trusted through `entra.ca_file`). Once per sign-in mode: certificate, client secret, device code
//! (approved through the emulator's test endpoint) and interactive authorization code + PKCE (a
//! scripted stand-in for the browser). Every request must stay on Microsoft's names — paging
//! links, `$batch` and PIM requests included — and be within Microsoft's description of Graph
//! v1.0.

use crate::contract::Contract;
use crate::support::*;
use rolesync_entra_emulator::{
    demo_tenant, FixtureRoleAssignment, FixtureUser, TenantFixture, UserType, DEMO_APP_CERT_PEM,
    DEMO_APP_ID, DEMO_APP_KEY_PEM, DEMO_APP_SECRET, DEMO_PUBLIC_CLIENT_ID,
};
use rolesync_testkit::netns::Namespace;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Stdio;
use toml_edit::value;

const EXCHANGE: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";

/// The demo tenant with 120 more cloud-only Exchange Administrators, so that the role's
/// assignments come in two pages and RoleSync must follow an `@odata.nextLink`.
fn paged_tenant() -> TenantFixture {
    let mut t = demo_tenant();
    for i in 0..120 {
        let id = format!("cccccccc-0000-4000-8000-{i:012}");
        t.users.push(FixtureUser {
            id: id.clone(),
            display_name: format!("Cloud admin {i}"),
            user_principal_name: format!("cloud{i}@contoso.onmicrosoft.com"),
            user_type: UserType::Member,
            account_enabled: true,
            ..FixtureUser::default()
        });
        t.role_assignments.push(FixtureRoleAssignment {
            id: None,
            principal_id: id,
            role_definition_id: EXCHANGE.into(),
            directory_scope_id: "/".into(),
        });
    }
    t
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    Certificate,
    Secret,
    DeviceCode,
    Interactive,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Certificate => "certificate",
            Mode::Secret => "secret",
            Mode::DeviceCode => "device-code",
            Mode::Interactive => "interactive",
        }
    }
}

/// Writes the admin's configuration for `mode`.
fn configure(admin: &Admin, emu: &Emulator, mode: Mode) {
    let dir = admin.home.path();
    let pem = dir.join("rolesync.pem");
    std::fs::write(&pem, format!("{DEMO_APP_CERT_PEM}\n{DEMO_APP_KEY_PEM}")).unwrap();
    let ca = emu.ca.clone().unwrap();
    admin.write_config(|doc| {
        demo_directory(doc);
        let e = doc["entra"].as_table_mut().unwrap();
        e["tenant"] = value(&emu.tenant);
        e["sign_in"] = value(mode.name());
        match mode {
            Mode::Certificate => {
                e["client_id"] = value(DEMO_APP_ID);
                e["certificate"] = value(pem.to_str().unwrap());
            }
            Mode::Secret => {
                e["client_id"] = value(DEMO_APP_ID);
                e.remove("certificate");
            }
            Mode::DeviceCode | Mode::Interactive => {
                e["client_id"] = value(DEMO_PUBLIC_CLIENT_ID);
                e.remove("certificate");
            }
        }
        e["ca_file"] = value(ca.to_str().unwrap());
        assert!(e.get("login_url").is_none() && e.get("graph_url").is_none());
    });
    if let Mode::Secret = mode {
        rolesync_testkit::save_credential(
            Path::new(BIN),
            dir,
            &admin.service,
            "office365",
            DEMO_APP_ID,
            DEMO_APP_SECRET,
        );
    }
}

/// A stand-in for the system browser: `xdg-open URL` signs in (the emulator's authorize page
/// signs in its interactive user without a form) and follows the redirect back to RoleSync's
/// loopback listener, as a browser does.
fn browser(dir: &Path) -> std::path::PathBuf {
    let bin = dir.join("browser-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("xdg-open");
    std::fs::write(
        &script,
        "#!/bin/sh\n# Test stand-in for the system browser (tests/real_endpoints/signin.rs).\nset -eu\nnext=$(curl -sS --cacert \"$ROLESYNC_TEST_CA\" -o /dev/null -w '%{redirect_url}' \"$1\")\ncase \"$next\" in http://localhost*) ;; *) echo \"unexpected redirect: $next\" >&2; exit 1;; esac\ncurl -sS -o /dev/null \"$next\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// Runs one command of a device-code sign-in: reads the code RoleSync shows, approves it as the
/// user would (through the emulator's test endpoint, inside the namespace), and waits for the end.
fn run_device_code(
    ns: &Namespace,
    admin: &Admin,
    emu: &Emulator,
    args: &[&str],
) -> (i32, String, String) {
    let mut cmd = ns.command(BIN);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    admin.env(&mut cmd);
    let mut child = cmd.spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let mut err = String::new();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut approved = false;
    for line in lines.by_ref() {
        let line = line.unwrap();
        err.push_str(&line);
        err.push('\n');
        if let Some(rest) = line.split("enter the code ").nth(1) {
            assert!(
                line.contains(&format!("https://{LOGIN_HOST}/devicelogin")),
                "the verification page is not on Microsoft's name: {line}"
            );
            let code = rest.split_whitespace().next().unwrap();
            let approve = ns
                .command("curl")
                .args(["-sS", "--fail", "--cacert"])
                .arg(emu.ca.as_ref().unwrap())
                .args(["-H", "Content-Type: application/json", "-d"])
                .arg(format!(
                    "{{\"user_code\":\"{code}\",\"user\":\"alice@contoso.com\"}}"
                ))
                .arg(format!("https://{LOGIN_HOST}/_emulator/device/approve"))
                .output()
                .unwrap();
            assert!(approve.status.success(), "{}", text(&approve.stderr));
            approved = true;
            break;
        }
    }
    assert!(approved, "no device code was shown:\n{err}");
    for line in lines {
        err.push_str(&line.unwrap());
        err.push('\n');
    }
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), out_reader.join().unwrap(), err)
}

fn run_mode(mode: Mode) {
    let Some(ns) = microsoft_namespace(&format!("signin-{}", mode.name())) else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let emu = Emulator::as_microsoft(&ns, &paged_tenant(), scratch.path());
    let admin = Admin::new(mode.name());
    configure(&admin, &emu, mode);
    let bin = browser(scratch.path());
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let ca = emu.ca.clone().unwrap();
    let env = [
        ("PATH", path.as_str()),
        ("ROLESYNC_TEST_CA", ca.to_str().unwrap()),
    ];
    let run = |args: &[&str]| -> (i32, String, String) {
        match mode {
            Mode::DeviceCode => run_device_code(&ns, &admin, &emu, args),
            _ => {
                let out = admin.run(Some(&ns), args, &env);
                (
                    out.status.code().unwrap_or(-1),
                    text(&out.stdout),
                    text(&out.stderr),
                )
            }
        }
    };

    // check: every Entra line is ✓ (the demo directory has its own ✗ lines: a group named like
    // no role, a member with a corp.local UPN, a member not synced yet).
    let (code, out, err) = run(&["check", "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    let checks = v["checks"].as_array().unwrap();
    for title in ["sign in to Entra ID", "Entra ID can be read"] {
        let c = checks
            .iter()
            .find(|c| c["title"].as_str().unwrap_or("").starts_with(title))
            .unwrap_or_else(|| panic!("no check {title:?}: {out}"));
        assert_eq!(c["ok"], true, "{mode:?}: {c}\n{err}");
    }
    let graph_line = checks
        .iter()
        .find(|c| {
            c["title"]
                .as_str()
                .unwrap_or("")
                .starts_with("Entra ID can be read")
        })
        .unwrap();
    assert!(
        graph_line
            .to_string()
            .contains("https://graph.microsoft.com/v1.0"),
        "{graph_line}"
    );
    assert_eq!(
        code, 1,
        "{mode:?}: only the demo directory's own findings fail: {out}"
    );

    // plan, sync, and a second plan that finds nothing to do.
    let (code, out, err) = run(&["plan", "--json"]);
    assert_eq!(code, 0, "{mode:?} plan: {err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["plan"]["summary"]["grants"], 4, "{out}");
    assert_eq!(plan["plan"]["summary"]["revokes"], 3, "{out}");
    let (code, out, err) = run(&["sync", "--json"]);
    assert_eq!(code, 0, "{mode:?} sync: {err}");
    let sync: Value = serde_json::from_str(&out).unwrap();
    let s = &sync["report"]["summary"];
    assert_eq!(
        (
            s["granted"].as_u64(),
            s["revoked"].as_u64(),
            s["failed"].as_u64()
        ),
        (Some(4), Some(3), Some(0)),
        "{out}"
    );
    let (code, out, _) = run(&["plan", "--json"]);
    assert_eq!(code, 0);
    let again: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(again["plan"]["summary"]["grants"], 0, "{out}");
    assert_eq!(again["plan"]["summary"]["revokes"], 0, "{out}");

    // Every request stayed on Microsoft's names; paging, $batch and PIM went there too.
    let reqs = emu.requests();
    let off: Vec<_> = reqs
        .iter()
        .filter(|r| r.host != LOGIN_HOST && r.host != GRAPH_HOST)
        .map(|r| format!("{} {} {}", r.host, r.method, r.path))
        .collect();
    assert!(off.is_empty(), "requests not on Microsoft's names: {off:?}");
    let graph = |f: &dyn Fn(&rolesync_entra_emulator::RecordedRequest) -> bool| {
        reqs.iter()
            .any(|r| r.api == "graph" && r.host == GRAPH_HOST && f(r))
    };
    assert!(
        graph(&|r| r.query.as_deref().unwrap_or("").contains("skiptoken")),
        "no next link was followed"
    );
    assert!(graph(&|r| r.path == "/v1.0/$batch"), "no $batch");
    assert!(
        graph(&|r| r.in_batch && r.path.ends_with("/roleEligibilityScheduleRequests")),
        "no PIM request"
    );
    assert!(reqs.iter().all(|r| r.status < 500), "server errors");
    assert!(
        reqs.iter()
            .any(|r| r.api == "login" && r.path.ends_with("/oauth2/v2.0/token")),
        "no sign-in"
    );
    let checked = Contract::load().check_all(&reqs);
    eprintln!(
        "{mode:?}: {} requests, {checked} Graph requests within the v1.0 description",
        reqs.len()
    );
}

#[test]
fn certificate_sign_in_on_microsofts_names() {
    run_mode(Mode::Certificate);
}

#[test]
fn secret_sign_in_on_microsofts_names() {
    run_mode(Mode::Secret);
}

#[test]
fn device_code_sign_in_on_microsofts_names() {
    run_mode(Mode::DeviceCode);
}

#[test]
fn interactive_sign_in_on_microsofts_names() {
    run_mode(Mode::Interactive);
}
