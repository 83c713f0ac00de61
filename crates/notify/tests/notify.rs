//! rolesync-notify tests: rendering (pure) and sending through a real SMTP server process.
//!
//! The server is `tests/smtp_server.py` on Python `aiosmtpd` (Debian `python3-aiosmtpd`; see
//! `scripts/install-deps.sh --test`), started per test on a free loopback port and killed by PID when the
//! test ends. The interpreter is `$ROLESYNC_TEST_PYTHON`, else `/usr/bin/python3`, else
//! `python3`, whichever can import `aiosmtpd`. TLS tests use a CA and server certificate made
//! with `rcgen` in the test. Without aiosmtpd the SMTP tests fail when `CI=true` and are skipped
//! with a note elsewhere.
#![allow(clippy::unwrap_used, missing_docs)]

use chrono::{TimeZone, Utc};
use mail_parser::{MessageParser, MimeHeaders};
use rolesync_core::events::{Step, StepStatus};
use rolesync_core::ids::Dn;
use rolesync_core::mapping::UnmappedGroup;
use rolesync_core::pim::{HoldScope, PimHold, RolePim};
use rolesync_core::plan::{
    Action, Expiration, SafetyStop, SkipReason, Skipped, StopKind, Untouched, UntouchedReason,
};
use rolesync_core::report::{
    HeldItem, ItemReport, Outcome, ReportSummary, RoleReport, RunMode, RunReport, StepReport,
};
use rolesync_core::tenant::AssignmentKind;
use rolesync_core::traits::ChangeOutcome;
use rolesync_notify::{
    build_message, render, send_report, subject, NotifyError, RunLog, Security, SmtpAuth,
    SmtpConfig,
};
use rolesync_secrets::Secret;
use rolesync_testkit::{SmtpServer, TestPki};

use std::time::{Duration, Instant};

// ----- the report -----

fn step(step: Step, status: StepStatus, ms: u64, detail: &str) -> StepReport {
    StepReport {
        step,
        name: step.label().to_string(),
        status,
        duration_ms: ms,
        detail: detail.to_string(),
    }
}

fn item(user: &str, outcome: Option<ChangeOutcome>) -> ItemReport {
    ItemReport {
        user: user.to_string(),
        outcome,
    }
}

/// An applied run: 3 granted, 1 revoked, 1 failed, with skips, untouched holders, an unmapped
/// group and HTML-hostile text.
fn report() -> RunReport {
    RunReport {
        run_id: "run-7f3c".to_string(),
        started: Utc.with_ymd_and_hms(2025, 3, 14, 2, 0, 0).unwrap(),
        finished: Utc.with_ymd_and_hms(2025, 3, 14, 2, 0, 13).unwrap(),
        mode: RunMode::Apply,
        forced: false,
        outcome: Outcome::AppliedWithFailures,
        exit_code: 1,
        source: "ldaps://dc1.contoso.com".to_string(),
        target: "graph.microsoft.com (contoso)".to_string(),
        steps: vec![
            step(
                Step::ReadDirectory,
                StepStatus::Ok,
                1200,
                "4 groups, 17 users",
            ),
            step(
                Step::ReadEntra,
                StepStatus::Ok,
                2300,
                "3 roles, 12 assignments",
            ),
            step(Step::Plan, StepStatus::Ok, 4, "4 grants, 1 revoke"),
            step(Step::Safety, StepStatus::Ok, 1, "within limits"),
            step(
                Step::Apply,
                StepStatus::Partial,
                65_432,
                "4 of 5 changes applied",
            ),
        ],
        summary: ReportSummary {
            granted: 3,
            revoked: 1,
            unchanged: 2,
            skipped: 2,
            failed: 1,
            ..Default::default()
        },
        roles: vec![
            RoleReport {
                role: "Exchange Administrator".to_string(),
                directory_scope_id: Default::default(),
                scope_name: None,
                groups: vec![Dn::new(
                    "CN=Exchange Administrator,OU=Office 365 Roles Management,DC=contoso,DC=com",
                )],
                kind: AssignmentKind::Active,
                grants: vec![
                    item("alice@contoso.com", Some(ChangeOutcome::Done)),
                    item("bob@contoso.com", Some(ChangeOutcome::AlreadyDone)),
                    item(
                        "dave@contoso.com",
                        Some(ChangeOutcome::Failed {
                            code: "403".to_string(),
                            message: "Insufficient privileges <to> complete & operation"
                                .to_string(),
                        }),
                    ),
                ],
                renewals: vec![],
                revokes: vec![item("mallory@contoso.com", Some(ChangeOutcome::Done))],
                held: vec![],
                awaiting_approval: vec![],
                pim: None,
                expirations: vec![],
                unchanged: vec![
                    "erin@contoso.com".to_string(),
                    "frank@contoso.com".to_string(),
                ],
                skipped: vec![Skipped {
                    user: "carol@corp.local".to_string(),
                    reason: SkipReason::NonRoutableUpn {
                        suffix: "corp.local".to_string(),
                    },
                    message: "no Entra user; the UPN suffix corp.local cannot be routed"
                        .to_string(),
                }],
                untouched: vec![Untouched {
                    principal: "breakglass@contoso.onmicrosoft.com".to_string(),
                    kind: AssignmentKind::Active,
                    reason: UntouchedReason::Protected,
                }],
            },
            RoleReport {
                role: "Security Reader".to_string(),
                directory_scope_id: Default::default(),
                scope_name: None,
                groups: vec![Dn::new(
                    "CN=<script>alert(1)</script>,OU=Roles,DC=contoso,DC=com",
                )],
                kind: AssignmentKind::Eligible,
                grants: vec![item("grace@contoso.com", Some(ChangeOutcome::Done))],
                renewals: vec![item("ivan@contoso.com", Some(ChangeOutcome::Done))],
                revokes: vec![],
                held: vec![HeldItem {
                    user: "judy@contoso.com".to_string(),
                    action: Action::Grant,
                }],
                awaiting_approval: vec![],
                pim: Some(RolePim {
                    rules: vec![],
                    hold: Some(PimHold {
                        scope: HoldScope::GrantsAndRenewals,
                        message: "the PIM setting \"Require Azure Multi-Factor Authentication on eligible assignment\" cannot be met".to_string(),
                        fix: "remove MultiFactorAuthentication from Enablement_Admin_Eligibility".to_string(),
                    }),
                }),
                expirations: vec![
                    Expiration {
                        user: "ivan@contoso.com".to_string(),
                        ends: "2026-03-10T00:00:00Z".parse().unwrap(),
                        renew: true,
                    },
                    Expiration {
                        user: "kim@contoso.com".to_string(),
                        ends: "2026-08-01T00:00:00Z".parse().unwrap(),
                        renew: false,
                    },
                ],
                unchanged: vec![],
                skipped: vec![Skipped {
                    user: "heidi@contoso.com".to_string(),
                    reason: SkipReason::Disabled,
                    message: "the AD account is disabled".to_string(),
                }],
                untouched: vec![],
            },
        ],
        unmapped_groups: vec![UnmappedGroup {
            group: Dn::new("CN=Exchange Admins,OU=Office 365 Roles Management,DC=contoso,DC=com"),
            name: "Exchange Admins".to_string(),
            reason: "no role is named \"Exchange Admins\"; did you mean Exchange Administrator?"
                .to_string(),
        }],
        skipped_mappings: vec![],
        stops: vec![],
        error: None,
        error_kind: None,
        warnings: vec![
            "the configuration folder /etc/rolesync can be changed by everyone (mode 0777); fix: chmod go-w '/etc/rolesync'".to_string(),
        ],
        exposure: None,
        drift: vec![],
        approval: None,
    }
}

// ----- rendering -----

#[test]
fn subject_carries_the_outcome() {
    assert_eq!(
        subject(&report()),
        "RoleSync: 3 granted, 1 revoked, 1 failed"
    );
    let mut stopped = report();
    stopped.outcome = Outcome::Stopped;
    stopped.stops = vec![SafetyStop {
        kind: StopKind::RevokeLimit {
            revokes: 12,
            managed: 20,
        },
        role: Some("Global Administrator".to_string()),
        message: "12 revokes exceed the limit of 10 and 25%".to_string(),
        overridable: true,
    }];
    assert!(subject(&stopped).starts_with("RoleSync: stopped by a safety limit"));
    let (text, html) = render(&stopped);
    for body in [&text, &html] {
        assert!(body.contains("revoke limit (12 of 20 managed)"), "{body}");
        assert!(body.contains("Global Administrator"));
        assert!(body.contains("12 revokes exceed the limit of 10 and 25%"));
        assert!(body.contains("--force overrides"));
    }
}

/// Every step and every change appears in both bodies.
fn assert_lists_everything(body: &str, html: bool) {
    let esc = |s: &str| {
        if html {
            rolesync_notify::escape_html(s)
        } else {
            s.to_string()
        }
    };
    for needle in [
        // steps: name, status, duration, detail
        "read Active Directory",
        "read Entra ID",
        "safety check",
        "4 groups, 17 users",
        "3 roles, 12 assignments",
        "4 of 5 changes applied",
        "1.2 s",
        "2.3 s",
        "1 min 5 s",
        "4 ms",
        "partial",
        // changes
        "Exchange Administrator",
        "alice@contoso.com",
        "granted",
        "bob@contoso.com",
        "granted (already in place)",
        "dave@contoso.com",
        "grant failed: 403 Insufficient privileges <to> complete & operation",
        "mallory@contoso.com",
        "revoked",
        "carol@corp.local",
        "skipped (non-routable UPN suffix corp.local)",
        "breakglass@contoso.onmicrosoft.com",
        "protected (break-glass)",
        "Security Reader",
        "eligible (PIM)",
        "grace@contoso.com",
        "ivan@contoso.com",
        "renewed",
        "judy@contoso.com",
        "grant held back: the PIM setting \"Require Azure Multi-Factor Authentication on eligible assignment\" cannot be met",
        "remove MultiFactorAuthentication from Enablement_Admin_Eligibility",
        "heidi@contoso.com",
        "disabled in AD",
        // upcoming expirations: kim's (not renewed by this run)
        "Upcoming expirations",
        "2026-08-01",
        "kim@contoso.com",
        "erin@contoso.com",
        "frank@contoso.com",
        // unmapped
        "Exchange Admins",
        "no role is named \"Exchange Admins\"; did you mean Exchange Administrator?",
        // header facts
        "run-7f3c",
        "applied with failures (exit code 1)",
        "ldaps://dc1.contoso.com",
        "2025-03-14 02:00:00 UTC",
        // warnings
        "the configuration folder /etc/rolesync can be changed by everyone (mode 0777)",
    ] {
        let n = esc(needle);
        assert!(body.contains(&n), "missing {n:?} in:\n{body}");
    }
}

#[test]
fn render_lists_every_step_and_change() {
    let (text, html) = render(&report());
    assert!(text.starts_with("RoleSync: 3 granted, 1 revoked, 1 failed\n"));
    assert_lists_everything(&text, false);
    // An expiration this run renews is not listed as upcoming.
    assert!(!text.contains("2026-03-10"), "{text}");
    assert_lists_everything(&html, true);
}

#[test]
fn html_escapes_everything() {
    let (text, html) = render(&report());
    assert!(text.contains("CN=<script>alert(1)</script>"));
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("CN=&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("Insufficient privileges &lt;to&gt; complete &amp; operation"));
    assert!(html.contains("&quot;Exchange Admins&quot;"));
    let mut r = report();
    r.error = Some("sign-in failed: <b>AADSTS50076</b>".to_string());
    let (_, html) = render(&r);
    assert!(html.contains("sign-in failed: &lt;b&gt;AADSTS50076&lt;/b&gt;"));
}

#[test]
fn drift_is_mailed_with_who_and_when_or_unknown_with_the_permission_line() {
    use rolesync_core::drift::{DriftChange, DriftItem, UNREADABLE};
    use rolesync_core::ids::{EntraObjectId, RoleDefinitionId};
    let item = |principal: &str, by: Option<&str>| DriftItem {
        role: "Global Administrator".into(),
        role_id: RoleDefinitionId::new("62e90394-69f5-4237-9190-012177145e10"),
        principal: principal.into(),
        principal_id: EntraObjectId::new(principal),
        kind: AssignmentKind::Active,
        change: DriftChange::Added,
        by: by.map(str::to_owned),
        when: by.map(|_| Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 0).unwrap()),
        activity: by.map(|_| "Add member to role".to_owned()),
        unknown_because: by.is_none().then(|| UNREADABLE.to_owned()),
        corrected: true,
    };
    let mut r = report();
    r.drift = vec![
        item("mallory@contoso.com", Some("ada.admin@contoso.com")),
        item("eve@contoso.com", None),
    ];
    r.warnings.push("who changed the drift and when is unknown: the app may not read Entra's audit log (Microsoft Graph answered 403): it needs AuditLog.Read.All and Directory.Read.All".into());
    let (text, html) = render(&r);
    for body in [&text, &html] {
        assert!(
            body.contains("Changed outside RoleSync since its last run"),
            "{body}"
        );
        assert!(
            body.contains("mallory@contoso.com added to Global Administrator (active) outside RoleSync by ada.admin@contoso.com at 2026-03-04 05:06 UTC; put right by this run"),
            "{body}"
        );
        assert!(body.contains("eve@contoso.com added to Global Administrator (active) outside RoleSync by someone unknown"), "{body}");
        assert_eq!(body.matches("AuditLog.Read.All").count(), 1, "{body}");
    }
}

#[test]
fn render_planned_and_empty_reports() {
    let mut r = report();
    r.outcome = Outcome::Planned;
    r.mode = RunMode::DryRun;
    for role in &mut r.roles {
        for i in role.grants.iter_mut().chain(role.revokes.iter_mut()) {
            i.outcome = None;
        }
    }
    let (text, _) = render(&r);
    assert!(text.contains("alice@contoso.com: to grant"), "{text}");
    assert!(text.contains("mallory@contoso.com: to revoke"), "{text}");
    assert!(text.contains("dry run"));
    r.roles.clear();
    r.unmapped_groups.clear();
    let (text, html) = render(&r);
    assert!(text.contains("(none)") && html.contains("(none)"));
}

#[test]
fn message_has_headers_bodies_and_attachment() {
    let log = run_log();
    let cfg = config("mail.contoso.com", 25, Security::None);
    let m = build_message(&cfg, &report(), Some(&log)).unwrap();
    let raw = m.formatted();
    let parsed = MessageParser::default().parse(&raw).unwrap();
    assert!(parsed.message_id().is_some());
    assert!(parsed.date().is_some());
    assert_eq!(parsed.attachment_count(), 1);
}

fn config(server: &str, port: u16, security: Security) -> SmtpConfig {
    let mut c = SmtpConfig::new(
        server,
        security,
        "RoleSync <rolesync@contoso.com>",
        vec![
            "admins@contoso.com".to_string(),
            "Security Team <secops@contoso.com>".to_string(),
        ],
    );
    c.port = port;
    c.timeout = Duration::from_secs(10);
    c
}

const LOG_TEXT: &str = "2025-03-14T02:00:00Z INFO run run-7f3c started\n\
                        2025-03-14T02:00:13Z WARN grant failed: dave@contoso.com 403 — ünïcödé\n";

fn run_log() -> RunLog {
    RunLog {
        name: "rolesync-run-1.log".into(),
        text: LOG_TEXT.as_bytes().to_vec(),
        cut: false,
        full_log: None,
    }
}

fn check_received(raw: &[u8], envelope: &serde_json::Value, with_log: bool) {
    let m = MessageParser::default().parse(raw).unwrap();
    let from = m.from().unwrap().first().unwrap();
    assert_eq!(from.address(), Some("rolesync@contoso.com"));
    assert_eq!(from.name(), Some("RoleSync"));
    let to: Vec<&str> = m.to().unwrap().iter().filter_map(|a| a.address()).collect();
    assert_eq!(to, ["admins@contoso.com", "secops@contoso.com"]);
    assert_eq!(
        m.subject(),
        Some("RoleSync: 3 granted, 1 revoked, 1 failed")
    );
    assert!(m.message_id().is_some_and(|id| !id.is_empty()));
    assert!(m.date().is_some());
    assert_eq!(
        envelope["rcpt_tos"],
        serde_json::json!(["admins@contoso.com", "secops@contoso.com"])
    );
    assert_eq!(envelope["mail_from"], "rolesync@contoso.com");

    let text = m.body_text(0).unwrap();
    let html = m.body_html(0).unwrap();
    assert_lists_everything(&text, false);
    assert_lists_everything(&html, true);
    assert!(html.contains("<table"), "a real HTML part");
    assert!(!text.contains("<table"), "a real text part");

    let attachments: Vec<_> = m.attachments().collect();
    if with_log {
        assert_eq!(attachments.len(), 1);
        let a = attachments[0];
        assert_eq!(a.attachment_name(), Some("rolesync-run-1.log.zip"));
        let ct = a.content_type().unwrap();
        assert_eq!(
            (ct.ctype(), ct.subtype()),
            ("application", Some("zip")),
            "attachment type"
        );
        // The run's own lines, compressed.
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(a.contents().to_vec())).unwrap();
        let mut inner = String::new();
        std::io::Read::read_to_string(&mut z.by_name("rolesync-run-1.log").unwrap(), &mut inner)
            .unwrap();
        assert_eq!(inner, LOG_TEXT);
    } else {
        assert!(attachments.is_empty());
    }
}

#[tokio::test]
async fn sends_plain_smtp_with_both_bodies_and_the_log() {
    let Some(server) = SmtpServer::start(&[]) else {
        return;
    };
    let log = run_log();
    let cfg = config("127.0.0.1", server.port, Security::None);
    send_report(&cfg, &report(), Some(&log)).await.unwrap();
    let got = server.received();
    assert_eq!(got.len(), 1);
    check_received(&got[0].0, &got[0].1, true);
    assert_eq!(got[0].1["tls"], false);
}

#[tokio::test]
async fn a_shortened_log_is_noted_in_the_mail() {
    let Some(server) = SmtpServer::start(&[]) else {
        return;
    };
    let cfg = config("127.0.0.1", server.port, Security::None);
    let log = RunLog {
        cut: true,
        full_log: Some("/var/log/rolesync/rolesync.2025-03-14.log".into()),
        ..run_log()
    };
    send_report(&cfg, &report(), Some(&log)).await.unwrap();
    let got = server.received();
    let m = MessageParser::default().parse(&got[0].0).unwrap();
    let text = m.body_text(0).unwrap();
    assert!(
        text.contains("shortened") && text.contains("/var/log/rolesync/rolesync.2025-03-14.log"),
        "{text}"
    );
}

fn tls_server(pki: &TestPki, implicit: bool, auth: Option<(&str, &str)>) -> Option<SmtpServer> {
    let cert = pki.path("server.pem");
    let key = pki.path("server.key");
    let mut args: Vec<std::ffi::OsString> = vec![
        "--cert".into(),
        cert.into_os_string(),
        "--key".into(),
        key.into_os_string(),
    ];
    if implicit {
        args.push("--implicit-tls".into());
    }
    if let Some((u, p)) = auth {
        args.extend(["--user".into(), u.into(), "--password".into(), p.into()]);
    }
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    SmtpServer::start(&refs)
}

const PASSWORD: &str = "S3cr3t-P@ss_wörd!";

#[tokio::test]
async fn starttls_with_login_verified_against_the_test_ca() {
    let pki = TestPki::new();
    let Some(server) = tls_server(&pki, false, Some(("mailer@contoso.com", PASSWORD))) else {
        return;
    };
    let log = run_log();
    let mut cfg = config("localhost", server.port, Security::StartTls);
    cfg.username = Some("mailer@contoso.com".to_string());
    cfg.auth = SmtpAuth::Password(Secret::new(PASSWORD));
    cfg.ca_file = Some(pki.path("ca.pem"));
    send_report(&cfg, &report(), Some(&log)).await.unwrap();
    let got = server.received();
    assert_eq!(got.len(), 1);
    check_received(&got[0].0, &got[0].1, true);
    assert_eq!(got[0].1["tls"], true);
    assert_eq!(got[0].1["login"], "mailer@contoso.com");

    // XOAUTH2 with a token.
    cfg.auth = SmtpAuth::XOAuth2(Secret::new(PASSWORD));
    send_report(&cfg, &report(), None).await.unwrap();
    let got = server.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].1["login"], "mailer@contoso.com");
}

#[tokio::test]
async fn wrong_password_is_an_auth_error_without_the_password() {
    let pki = TestPki::new();
    let Some(server) = tls_server(&pki, false, Some(("mailer@contoso.com", PASSWORD))) else {
        return;
    };
    let wrong = "Wr0ng-P@ssw0rd-value";
    let mut cfg = config("localhost", server.port, Security::StartTls);
    cfg.username = Some("mailer@contoso.com".to_string());
    cfg.auth = SmtpAuth::Password(Secret::new(wrong));
    cfg.ca_file = Some(pki.path("ca.pem"));
    let e = send_report(&cfg, &report(), None).await.unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(matches!(e, NotifyError::Auth { .. }), "{text}");
    assert!(
        text.contains(&format!("localhost:{}", server.port)),
        "{text}"
    );
    assert!(text.contains("rolesync credentials set smtp"), "{text}");
    assert!(!text.contains(wrong) && !text.contains(PASSWORD), "{text}");
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn untrusted_certificate_is_refused() {
    let pki = TestPki::new();
    let Some(server) = tls_server(&pki, false, None) else {
        return;
    };
    // No CA file: the test CA is not in the OS store, so verification must fail.
    let cfg = config("localhost", server.port, Security::StartTls);
    let e = send_report(&cfg, &report(), None).await.unwrap_err();
    assert!(matches!(e, NotifyError::Tls { .. }), "{e}");
    assert!(e.to_string().contains("CA file"), "{e}");
    // The right CA but the wrong name (the certificate is for localhost).
    let mut cfg = config("127.0.0.1", server.port, Security::StartTls);
    cfg.ca_file = Some(pki.path("ca.pem"));
    let e = send_report(&cfg, &report(), None).await.unwrap_err();
    assert!(matches!(e, NotifyError::Tls { .. }), "{e}");
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn implicit_tls_with_the_test_ca() {
    let pki = TestPki::new();
    let Some(server) = tls_server(&pki, true, None) else {
        return;
    };
    let mut cfg = config("localhost", server.port, Security::Tls);
    cfg.ca_file = Some(pki.path("ca.pem"));
    send_report(&cfg, &report(), None).await.unwrap();
    let got = server.received();
    assert_eq!(got.len(), 1);
    check_received(&got[0].0, &got[0].1, false);
    assert_eq!(got[0].1["tls"], true);
}

#[tokio::test]
async fn refused_connection_names_server_and_port() {
    // A port nothing listens on: bind one, then close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cfg = config("127.0.0.1", port, Security::StartTls);
    cfg.username = Some("mailer".to_string());
    cfg.auth = SmtpAuth::Password(Secret::new(PASSWORD));
    let t = Instant::now();
    let e = send_report(&cfg, &report(), None).await.unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(5));
    let text = format!("{e} {e:?}");
    assert!(matches!(e, NotifyError::Connect { .. }), "{text}");
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
}

#[tokio::test]
async fn no_login_over_plaintext_and_bad_addresses() {
    let mut cfg = config("127.0.0.1", 25, Security::None);
    cfg.username = Some("mailer".to_string());
    cfg.auth = SmtpAuth::Password(Secret::new(PASSWORD));
    let e = send_report(&cfg, &report(), None).await.unwrap_err();
    assert!(matches!(e, NotifyError::Config(_)), "{e}");
    assert!(e.to_string().contains("unencrypted"), "{e}");
    assert!(!format!("{e} {cfg:?}").contains(PASSWORD));

    let mut cfg = config("127.0.0.1", 25, Security::None);
    cfg.to = vec!["not an address".to_string()];
    let e = send_report(&cfg, &report(), None).await.unwrap_err();
    assert!(e.to_string().contains("`not an address`"), "{e}");
    cfg.to.clear();
    let e = send_report(&cfg, &report(), None).await.unwrap_err();
    assert!(e.to_string().contains("no recipients"), "{e}");
}

/// The exposure section: the summary and each finding with its severity, escaped in HTML.
#[test]
fn render_lists_exposure_findings() {
    use rolesync_core::exposure::{ExposureReport, ExposureSettings};
    let mut r = report();
    assert!(!render(&r).0.contains("exposure"));
    let mut x = ExposureReport::failed(
        &ExposureSettings::for_ou(rolesync_core::ids::Dn::new("OU=Roles,DC=x")),
        "",
    );
    x.error = None;
    x.role_groups = 2;
    x.groups = 3;
    x.findings.push(serde_json::from_value(serde_json::json!({
        "severity": "high",
        "kind": "canChange",
        "principal": {"name": "hd-ann", "kind": "user"},
        "right": "writeMember",
        "manager": false,
        "group": {"name": "Mail Team", "dn": "CN=Mail Team,OU=Staff,DC=x", "outsideRolesOu": true},
        "path": ["Mail Team", "Exchange Administrator"],
        "roleGroup": "CN=Exchange Administrator,OU=Roles,DC=x",
        "roles": ["Exchange Administrator"],
        "message": "user hd-ann through Helpdesk → may write member → on \"Mail Team\" <x>"
    })).unwrap());
    r.exposure = Some(x);
    let (text, html) = render(&r);
    assert!(text.contains("Who can change the role groups (exposure): 1 high, 0 medium, 0 low finding(s) on 2 role group(s) and 1 group(s) nested in them"), "{text}");
    assert!(
        text.contains(
            "  - [high] user hd-ann through Helpdesk → may write member → on \"Mail Team\" <x>"
        ),
        "{text}"
    );
    assert!(html.contains("[high]</strong> user hd-ann through Helpdesk → may write member → on &quot;Mail Team&quot; &lt;x&gt;"), "{html}");
}
