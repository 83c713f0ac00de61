//! A hostile or broken Graph cannot bend a sync (issue 13, items 2, 3, 4, 7, 9, 11): a next link
//! to another host gets no request (and no token); a next link that repeats stops the read; an
//! answer of hundreds of megabytes is refused unread; a token endpoint that echoes the request
//! leaves no secret in any output or file; an untrusted or CA-as-server certificate is refused
//! once, in words; a Graph that never answers is stopped by the run's deadline; a tenant with no
//! role definitions fails the read — each exiting 4 with nothing changed.

use crate::support::*;
use rolesync_testkit::hostile::{untrusted_pki, HostileServer, Reply};
use serde_json::json;

const GA: &str = "62e90394-69f5-4237-9190-012177145e10";

#[test]
fn a_next_link_to_another_host_gets_nothing_not_even_a_request() {
    let elsewhere = HostileServer::http(|_| Reply::Json(json!({"value": []})));
    let other = format!(
        "http://127.0.0.2:{}/v1.0/roleManagement/directory/roleDefinitions?$skiptoken=x",
        elsewhere.port()
    );
    let graph = hostile_graph(move |_| {
        Reply::Json(
            json!({"value": [role_json(GA, "Global Administrator")], "@odata.nextLink": other.clone()}),
        )
    });
    let home = Home::new("foreign-link");
    home.config(&config_on(&graph.base("http"), ""));
    home.save_secret("hostile-test-secret-1");
    let out = home.run(&["plan"]);
    assert_eq!(out.code(), 4, "{}", out.all());
    assert!(
        out.stderr()
            .contains(&format!("127.0.0.2:{}", elsewhere.port())),
        "{}",
        out.stderr()
    );
    assert!(
        out.stderr().contains("no token was sent"),
        "{}",
        out.stderr()
    );
    assert_eq!(
        elsewhere.received().len(),
        0,
        "the other host got a request"
    );
    assert_eq!(
        elsewhere
            .connections
            .load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the other host got a connection"
    );
}

#[test]
fn a_next_link_that_repeats_stops_the_read() {
    let graph = hostile_graph(|r| {
        let me = format!(
            "http://{}{}",
            r.header("host").unwrap_or(""),
            "/v1.0/roleManagement/directory/roleDefinitions?$skiptoken=same"
        );
        Reply::Json(
            json!({"value": [role_json(GA, "Global Administrator")], "@odata.nextLink": me}),
        )
    });
    let home = Home::new("repeat-link");
    home.config(&config_on(&graph.base("http"), ""));
    home.save_secret("hostile-test-secret-2");
    let out = home.run(&["sync"]);
    assert_eq!(out.code(), 4, "{}", out.all());
    assert!(out.stderr().contains("same next link"), "{}", out.stderr());
    // The first page and one repeat: two requests for role definitions, not thousands.
    let reads = graph
        .received()
        .iter()
        .filter(|r| r.target.contains("roleDefinitions"))
        .count();
    assert!(reads <= 3, "{reads} requests");
}

#[test]
fn an_answer_of_hundreds_of_megabytes_is_refused_unread() {
    let graph = hostile_graph(|_| Reply::Huge {
        len: 200 << 20,
        fill: b' ',
    });
    let home = Home::new("huge-page");
    home.config(&config_on(&graph.base("http"), ""));
    home.save_secret("hostile-test-secret-3");
    let out = home.run(&["plan"]);
    assert_eq!(out.code(), 4, "{}", out.all());
    assert!(
        out.stderr().contains("over the 33554432-byte limit"),
        "{}",
        out.stderr()
    );
}

#[test]
fn a_tenant_without_role_definitions_fails_the_read() {
    let graph = hostile_graph(|_| Reply::Json(json!({"value": []})));
    let home = Home::new("no-roles");
    home.config(&config_on(&graph.base("http"), ""));
    home.save_secret("hostile-test-secret-4");
    let out = home.run(&["sync"]);
    assert_eq!(out.code(), 4, "{}", out.all());
    assert!(
        out.stderr().contains("no role definitions"),
        "{}",
        out.stderr()
    );
}

#[test]
fn a_token_endpoint_that_echoes_the_request_leaks_no_secret() {
    const SECRET: &str = "Echoed-Client-Secret-7f3a9c";
    let echo = HostileServer::http(|r| {
        let body = String::from_utf8_lossy(&r.body).into_owned();
        Reply::Full(
            401,
            vec![("content-type".into(), "application/json".into())],
            serde_json::to_vec(&json!({
                "error": "invalid_client",
                "error_description": format!("AADSTS7000215: Invalid client secret provided. Request was: {body}"),
                "error_codes": [7000215]
            }))
            .unwrap(),
        )
    });
    let smtp = rolesync_testkit::SmtpServer::start(&[]);
    let email = smtp.as_ref().map_or(String::new(), |s| {
        format!("\n[email]\nserver = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nfrom = \"rolesync@contoso.com\"\nto = [\"it@contoso.com\"]\n", s.port)
    });
    let home = Home::new("echo");
    home.config(&(config_on(&echo.base("http"), "") + &email));
    home.save_secret(SECRET);
    let out = home.run(&["sync"]);
    assert_eq!(out.code(), 4, "{}", out.all());
    assert!(
        echo.received()
            .iter()
            .any(|r| String::from_utf8_lossy(&r.body).contains(SECRET)),
        "the secret was sent to the token endpoint, so the echo carries it"
    );
    assert!(out.all().contains("<redacted>"), "{}", out.all());
    assert!(
        !out.all().contains(SECRET),
        "the secret reached the console"
    );
    assert!(
        !home.all_files_text().contains(SECRET),
        "the secret reached a file"
    );
    if let Some(s) = smtp {
        let mails = s.received();
        assert_eq!(mails.len(), 1);
        assert!(
            !String::from_utf8_lossy(&mails[0].0).contains(SECRET),
            "the secret reached the mail"
        );
    }
}

#[test]
fn an_untrusted_certificate_is_refused_once_in_words() {
    let (pem, _, _) = untrusted_pki();
    let (cert, key) = pem.split_at(pem.find("-----BEGIN PRIVATE KEY").unwrap());
    let login = HostileServer::https(cert, key, |_| Reply::Json(json!({})));
    let home = Home::new("untrusted");
    home.config(&config_on(&login.base("https"), ""));
    home.save_secret("hostile-test-secret-5");
    let out = home.run(&["sync"]);
    assert_eq!(out.code(), 4, "{}", out.all());
    assert!(
        out.stderr()
            .contains("not issued by a CA this machine trusts"),
        "{}",
        out.stderr()
    );
    assert!(out.stderr().contains("entra.ca_file"), "{}", out.stderr());
    assert_eq!(
        login.connections.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "a certificate problem is not retried"
    );
}

#[test]
fn a_ca_certificate_used_as_the_server_certificate_is_named() {
    let (_, ca_cert, ca_key) = untrusted_pki();
    let login = HostileServer::https(&ca_cert, &ca_key, |_| Reply::Json(json!({})));
    let home = Home::new("ca-as-server");
    let ca_file = home.path().join("ca.pem");
    std::fs::write(&ca_file, &ca_cert).unwrap();
    home.config(&config_on(
        &login.base("https"),
        &format!("ca_file = {:?}\n", ca_file),
    ));
    home.save_secret("hostile-test-secret-6");
    let out = home.run(&["sync"]);
    assert_eq!(out.code(), 4, "{}", out.all());
    assert!(
        out.stderr()
            .contains("presents a CA certificate as its own"),
        "{}",
        out.stderr()
    );
    assert!(
        !out.stderr().contains("CaUsedAsEndEntity"),
        "{}",
        out.stderr()
    );
}

#[test]
fn a_graph_that_never_answers_is_stopped_by_the_run_deadline() {
    let graph = hostile_graph(|_| Reply::Silence);
    let home = Home::new("silent");
    home.config(&(config_on(&graph.base("http"), "") + "\n[safety]\nrun_deadline_minutes = 1\n"));
    home.save_secret("hostile-test-secret-7");
    let started = std::time::Instant::now();
    let out = home.run(&["sync"]);
    let took = started.elapsed();
    assert_eq!(out.code(), 4, "{}", out.all());
    assert!(
        out.stdout().contains("passed its deadline of 1 minute"),
        "{}",
        out.all()
    );
    // The log says it too, as a failed step.
    assert!(
        out.stderr().contains("step failed") && out.stderr().contains("run_deadline_minutes"),
        "{}",
        out.stderr()
    );
    // One minute, not the ten a silent Graph took before (per-request timeouts and retries).
    assert!(took < std::time::Duration::from_secs(100), "{took:?}");
}
