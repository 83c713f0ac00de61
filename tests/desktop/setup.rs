//! The first-run setup as a new admin meets it, against real components: a two-DC Samba domain
//! with its KDCs and DNS in a network namespace this test makes (the DCs found through DNS SRV
//! records, Kerberos with a keytab, LDAPS with the domain's CA), the Entra/Graph emulator, and a
//! real SMTP server — all inside the namespace, where the test runs itself again
//! (`inner_first_run_setup`) with Xvfb, WebKitWebDriver and the window. From the window's first
//! launch to a verified configuration and a preview of the real plan, with a screenshot of each
//! step; then `rolesync setup` does the same in a terminal (no terminal attached: the options
//! answer). Nothing is applied.

use super::webdriver::{wait_until, Session};
use super::window::{shot, Emulator, Window};
use rolesync_ad::ldap::{Bind, LdapConfig, LdapSource};
use rolesync_core::directory::SourceScope;
use rolesync_core::ids::Dn;
use rolesync_core::traits::DirectorySource;
use rolesync_entra_emulator::{FixtureApplication, FixtureUser, TenantFixture, UserType};
use rolesync_testkit::samba::domain::{Domain, Keytab};
use rolesync_testkit::samba::fixture;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The client id the test "registers".
const CLIENT_ID: &str = "5e1d9f3a-7c2b-4d6e-8f90-a1b2c3d4e5f6";

#[test]
fn first_run_setup_against_the_emulator_and_a_samba_domain() {
    let Some(d) = Domain::start() else { return };
    let out = d
        .command(std::env::current_exe().expect("this test binary"))
        .args([
            "setup::inner_first_run_setup",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env("RS_SETUP_INNER", "1")
        .env("RS_DOMAIN_CA", d.ca_file())
        .env("RS_DOMAIN_KRB5", d.krb5_conf())
        .env("RS_DOMAIN_KEYTAB", d.keytab(Keytab::Service))
        .env("ROLESYNC_SCREENSHOTS", super::window::screenshots())
        .output()
        .expect("the inner test runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "inside the domain's namespace:\n{text}"
    );
    assert!(
        text.contains("1 passed"),
        "the inner test did not run:\n{text}"
    );
}

/// The tenant, as Entra Connect would have synced the domain's role group members.
fn tenant_from_domain(ca: &Path) -> TenantFixture {
    let mut c = LdapConfig::new(
        "ldaps://dc1.contoso.test",
        Bind::Simple {
            dn_or_upn: fixture::ADMIN_UPN.into(),
            password: fixture::ADMIN_PASS.into(),
        },
        fixture::BASE,
    );
    c.ca_file = Some(ca.to_path_buf());
    let scope = SourceScope {
        ou: Dn::new(fixture::ROLES_OU),
        extra_groups: vec![],
        transitive: true,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let snapshot = rt
        .block_on(LdapSource::new(c).expect("source").read(&scope))
        .expect("the directory");
    let mut t = rolesync_entra_emulator::demo_tenant();
    t.users.clear();
    t.role_assignments.clear();
    t.role_eligibilities.clear();
    t.role_activations.clear();
    let mut seen = BTreeSet::new();
    for u in snapshot.groups.iter().flat_map(|g| &g.members) {
        let upn = u.upn.as_ref().map(|u| u.to_string()).unwrap_or_default();
        if upn.is_empty() || upn.ends_with(".local") || !seen.insert(u.object_guid) {
            continue;
        }
        t.users.push(FixtureUser {
            id: u.object_guid.to_string(),
            display_name: upn.clone(),
            user_principal_name: upn,
            user_type: UserType::Member,
            account_enabled: u.enabled,
            on_premises_sync_enabled: Some(true),
            on_premises_immutable_id: Some(u.source_anchor().immutable_id()),
            on_premises_security_identifier: u.sid.as_ref().map(|s| s.to_string()),
            ..FixtureUser::default()
        });
    }
    t
}

/// What the admin registers (the test does it in the emulator's tenant): the app with the
/// certificate RoleSync made and these application permissions.
fn register(dir: &Path, tenant: &TenantFixture, cer: &Path, permissions: &[&str]) -> PathBuf {
    let der = std::fs::read(cer).expect("the certificate to upload");
    let pem = rolesync_app::setup::certificate::pem_certificate(&der);
    let mut t = tenant.clone();
    t.applications.push(FixtureApplication {
        app_id: CLIENT_ID.into(),
        display_name: "RoleSync".into(),
        certificates: vec![pem],
        application_permissions: permissions.iter().map(|p| p.to_string()).collect(),
        redirect_uris: vec!["http://localhost".into()],
        is_public_client: true,
        ..FixtureApplication::default()
    });
    let file = dir.join(format!("tenant-{}.json", permissions.len()));
    std::fs::write(&file, serde_json::to_vec(&t).expect("json")).expect("tenant file");
    file
}

fn field(s: &Session, testid: &str, value: &str) {
    let e = s.wait(&format!("[data-testid={testid}]"), 10);
    e.clear();
    e.type_text(value);
}

fn next(s: &Session, step: u32) {
    s.wait("[data-testid=setup-next]", 10).click();
    s.wait(&format!("[data-testid=setup-step-{step}]"), 10);
}

fn failed_lines(s: &Session, list: &str) -> Vec<String> {
    let v = s.run_script(&format!(
        "return [...document.querySelectorAll('[data-testid={list}] li[data-ok=false]')].map(e => e.innerText);"
    ));
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
#[ignore = "runs inside the Samba domain's namespace (see first_run_setup_against_the_emulator_and_a_samba_domain)"]
fn inner_first_run_setup() {
    if std::env::var_os("RS_SETUP_INNER").is_none() {
        eprintln!("SKIPPED: run by first_run_setup_against_the_emulator_and_a_samba_domain inside the namespace");
        return;
    }
    let var = |k: &str| PathBuf::from(std::env::var_os(k).unwrap_or_else(|| panic!("{k}")));
    let (ca, krb5, keytab) = (
        var("RS_DOMAIN_CA"),
        var("RS_DOMAIN_KRB5"),
        var("RS_DOMAIN_KEYTAB"),
    );
    let work = tempfile::tempdir().expect("temp dir");
    let tenant = tenant_from_domain(&ca);
    let tenant_file = work.path().join("tenant.json");
    std::fs::write(&tenant_file, serde_json::to_vec(&tenant).unwrap()).unwrap();
    let record = work.path().join("requests.jsonl");
    let first_emu = Emulator::start(Some(&tenant_file), "127.0.0.1:0", Some(&record));
    let listen = first_emu.url.trim_start_matches("http://").to_string();
    let emu_url = first_emu.url.clone();
    let tenant_id = first_emu.tenant.clone();
    let mut emu = Some(first_emu);
    let smtp = rolesync_testkit::SmtpServer::start(&[]).expect("the SMTP server (aiosmtpd)");
    let env = [
        ("KRB5_CONFIG", krb5.display().to_string()),
        ("KRB5_CLIENT_KTNAME", keytab.display().to_string()),
        (
            "KRB5CCNAME",
            format!("FILE:{}", work.path().join("ccache").display()),
        ),
        ("SSL_CERT_FILE", ca.display().to_string()),
    ];
    let w = Window::open("setup", &[], &env, |_| {});
    let home = w.home.path().to_path_buf();
    let (emu_ref, work_ref) = (&mut emu, work.path());
    // The admin's registration, as the emulator's tenant: the old tenant stops first (its port).
    let restart = |slot: &mut Option<Emulator>, file: &Path| {
        slot.take();
        *slot = Some(Emulator::start(Some(file), &listen, Some(&record)));
    };
    let _home = w.run(|w| {
        let s = &w.s;
        // ---- First launch: the setup page, the domain suggested (the Kerberos realm).
        s.wait("main[data-ready=setup]", 30);
        s.wait("[data-testid=setup-domain]", 5);
        let v = s.run_script("return document.querySelector('[data-testid=setup-domain]').value;");
        assert_eq!(v.as_str(), Some("contoso.test"), "the domain is suggested from the Kerberos realm");
        shot(s, "s01-setup-first-launch");
        // ---- 1. The directory: DCs in DNS, Kerberos, the OU and its groups with their roles.
        s.wait("[data-testid=setup-find]", 5).click();
        s.wait("[data-testid=setup-directory-lines]", 90);
        let bad = failed_lines(s, "setup-directory-lines");
        assert!(bad.is_empty(), "directory checks failed: {bad:?}");
        let lines = s.wait("[data-testid=setup-directory-lines]", 5).text();
        assert!(lines.contains("found in DNS"), "{lines}");
        assert!(lines.contains("Kerberos"), "{lines}");
        s.wait("[data-testid=setup-groups] tr[data-role='Helpdesk Administrator']", 5);
        shot(s, "s02-setup-directory-found");
        s.scroll_to("[data-testid=setup-groups]");
        shot(s, "s02b-setup-groups-and-roles");
        super::a11y::assert_accessible(s, "setup-directory-found");
        // ---- 2. The tenant (the emulator's endpoints stand in for Microsoft's).
        next(s, 2);
        s.run_script("document.querySelectorAll('[data-testid=setup-step-2] details').forEach(d => d.open = true);");
        field(s, "setup-loginUrl", &emu_url);
        field(s, "setup-graphUrl", &emu_url);
        field(s, "setup-tenant", &tenant_id);
        s.wait("[data-testid=setup-tenant-check]", 5).click();
        let t = s.wait("[data-testid=setup-tenant-lines] li", 30);
        assert_eq!(t.attr("data-ok").as_deref(), Some("true"), "{}", t.text());
        shot(s, "s03-setup-tenant");
        // ---- 3. The certificate RoleSync makes, and what to register.
        next(s, 3);
        s.wait("[data-testid=setup-make-cert]", 5).click();
        s.wait("[data-testid=setup-cert]", 60);
        s.wait("[data-testid=setup-interactive]", 5).click();
        let steps = wait_until("the registration steps", Duration::from_secs(20), || {
            s.text_of("[data-testid=setup-steps]")
                .filter(|t| t.contains("Allow public client flows"))
        });
        assert!(steps.contains("RoleManagement.ReadWrite.Directory") && steps.contains("User.Read.All"), "{steps}");
        shot(s, "s04-setup-registration-steps");
        s.run_script("document.querySelectorAll('[data-testid=setup-registration] details').forEach(d => d.open = true);");
        let ps = s.wait("[data-testid=setup-powershell]", 5).text();
        assert!(ps.contains("New-MgApplication") && ps.contains("-IsFallbackPublicClient"), "{ps}");
        let az = s.wait("[data-testid=setup-azcli]", 5).text();
        assert!(az.contains("az ad app credential reset") && az.contains("rolesync-graph.cer"), "{az}");
        s.scroll_to("[data-testid=setup-powershell]");
        shot(s, "s05-setup-registration-commands");
        super::a11y::assert_accessible(s, "setup-registration");
        // The admin registers the app — without User.Read.All at first.
        let cer = home.join("rolesync-graph.cer");
        let first = register(work_ref, &tenant, &cer, &["RoleManagement.ReadWrite.Directory"]);
        restart(emu_ref, &first);
        field(s, "setup-clientId", CLIENT_ID);
        // ---- 4. The email report.
        next(s, 4);
        s.wait("[data-testid=setup-email]", 5).click();
        field(s, "setup-smtpServer", "127.0.0.1");
        field(s, "setup-smtpPort", &smtp.port.to_string());
        let sec = s.wait("[data-testid=setup-smtpSecurity]", 5);
        sec.click();
        s.run_script("const e = document.querySelector('[data-testid=setup-smtpSecurity]'); e.value = 'none'; e.dispatchEvent(new Event('change'));");
        field(s, "setup-mailFrom", "rolesync@contoso.test");
        field(s, "setup-mailTo", "it-admins@contoso.test");
        shot(s, "s06-setup-email");
        // ---- 5. Verify: the missing permission is named with its fix.
        next(s, 5);
        s.wait("[data-testid=setup-verify]", 5).click();
        s.wait("[data-testid=setup-checks]", 120);
        let bad = failed_lines(s, "setup-checks");
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(bad[0].contains("User.Read.All") && bad[0].contains("Grant admin consent"), "{bad:?}");
        shot(s, "s07-setup-verify-missing-permission");
        // The admin grants it; verifying again passes every check.
        let second = register(work_ref, &tenant, &cer, &["RoleManagement.ReadWrite.Directory", "User.Read.All"]);
        restart(emu_ref, &second);
        s.wait("[data-testid=setup-verify]", 5).click();
        wait_until("every check to pass", Duration::from_secs(120), || {
            let busy = s.find("[data-testid=setup-busy]").is_some();
            let n = s.find_all("[data-testid=setup-checks] li").len();
            (!busy && n > 0 && failed_lines(s, "setup-checks").is_empty()).then_some(())
        });
        let checks = s.text_of("[data-testid=setup-checks]").unwrap_or_default();
        for want in ["sign in to Entra ID", "User.Read.All is granted", "test message", "found in DNS"] {
            assert!(checks.contains(want), "missing `{want}` in:\n{checks}");
        }
        shot(s, "s08-setup-verified");
        super::a11y::assert_accessible(s, "setup-verified");
        s.wait("[data-testid=setup-save]", 5).click();
        s.wait("[data-testid=setup-saved]", 10);
        shot(s, "s09-setup-saved");
        // ---- The real plan: the question (interactive sign-in allowed), No = the certificate.
        s.wait("[data-testid=setup-preview]", 5).click();
        s.wait("[data-testid=mfa-no]", 20).click();
        let summary = s.wait("[data-testid=plan-summary]", 180).text();
        assert!(s.find("[data-testid=stops]").is_none() || !summary.is_empty());
        let grants: u64 = s
            .wait("[data-stat='to grant'] .n", 5)
            .text()
            .parse()
            .expect("a number");
        assert!(grants > 0, "{summary}");
        shot(s, "s10-preview-of-the-real-plan");
        s.page("home");
        assert!(s.find("[data-testid=demo-banner]").is_none(), "still on the demo after the setup");
        shot(s, "s11-home-configured");
    });
    // The configuration the setup wrote, as every command reads it; the test message arrived;
    // no role was changed.
    let file = home.join("rolesync.toml");
    let cfg = rolesync_config::parse(&file, &std::fs::read_to_string(&file).expect("written"))
        .expect("valid");
    let e = cfg.entra.expect("[entra]");
    assert_eq!(
        (e.client_id.as_str(), e.sign_in, e.interactive),
        (CLIENT_ID, rolesync_config::SignIn::Certificate, true)
    );
    assert!(e.certificate.expect("a certificate file").is_file());
    assert!(
        matches!(cfg.directory.map(|d| d.source), Some(rolesync_config::DirectorySource::Ldap(l)) if l.bind == rolesync_config::LdapBind::Integrated && l.servers == rolesync_config::Servers::Discover(Some("contoso.test".into())))
    );
    let mails = smtp.received();
    assert!(
        mails
            .iter()
            .any(|(raw, _)| String::from_utf8_lossy(raw).contains("RoleSync: test message")),
        "no test message"
    );
    let requests = std::fs::read_to_string(&record).unwrap_or_default();
    // Graph writes (also inside `$batch`es, recorded one by one): none.
    let writes: Vec<String> = requests
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["api"] == "graph" && r["method"] != "GET")
        .filter(|r| !r["path"].as_str().unwrap_or_default().ends_with("/$batch"))
        .map(|r| format!("{} {}", r["method"], r["path"]))
        .collect();
    assert!(writes.is_empty(), "the setup changed roles: {writes:?}");

    // ---- `rolesync setup` in a terminal (here without one: the options answer).
    let cli_home = work.path().join("cli");
    std::fs::create_dir_all(&cli_home).unwrap();
    let run = |args: &[&str]| {
        let mut c = std::process::Command::new(super::window::binary());
        c.env("KRB5_CONFIG", &krb5)
            .env("KRB5_CLIENT_KTNAME", &keytab)
            .env(
                "KRB5CCNAME",
                format!("FILE:{}", work.path().join("ccache-cli").display()),
            )
            .env("SSL_CERT_FILE", &ca);
        rolesync_testkit::run_rolesync_as(
            c,
            &cli_home,
            &format!("rolesync-setup-cli-{}", std::process::id()),
            args,
            None,
        )
    };
    let base = [
        "setup",
        "--tenant",
        &tenant_id,
        "--login-url",
        &emu_url,
        "--graph-url",
        &emu_url,
    ];
    let out = run(&base);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for want in [
        "✓ the domain controllers are found in DNS",
        "Helpdesk Administrator → Helpdesk Administrator",
        "New-MgApplication",
        "az ad app create",
        "--client-id",
    ] {
        assert!(text.contains(want), "missing `{want}` in:\n{text}");
    }
    assert!(
        !cli_home.join("rolesync.toml").exists(),
        "nothing saved before the client id"
    );
    let cli_cer = cli_home.join("rolesync-graph.cer");
    let third = register(
        work.path(),
        &tenant,
        &cli_cer,
        &["RoleManagement.ReadWrite.Directory", "User.Read.All"],
    );
    restart(&mut emu, &third);
    let mut with_id = base.to_vec();
    with_id.extend(["--client-id", CLIENT_ID]);
    let out = run(&with_id);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("✓ the Microsoft Graph permission User.Read.All is granted"),
        "{text}"
    );
    assert!(text.contains("wrote "), "{text}");
    let plan = run(&["plan", "--json"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plan.stderr)
    );
    drop(emu);
    drop(smtp);
}
