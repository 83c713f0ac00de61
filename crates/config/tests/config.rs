//! Configuration parsing and validation: the example is valid; each kind of mistake is named with
//! its key, file, line and fix.
#![allow(clippy::unwrap_used, missing_docs)]

use rolesync_config::{
    parse, ConfigError, DirectorySource, LdapBind, Servers, SignIn, SmtpSecurity, EXAMPLE,
};
use rolesync_core::policy::{GroupRef, RoleRef, ScopeRef};
use rolesync_core::tenant::AssignmentKind;
use std::path::Path;

fn errors(text: &str) -> Vec<ConfigError> {
    parse(Path::new("/etc/rolesync.toml"), text).unwrap_err().0
}

const MINIMAL: &str = r#"
[directory]
url = "ldaps://dc1.contoso.com"
bind = "svc-rolesync@contoso.com"
base_dn = "DC=contoso,DC=com"
ou = "OU=Office 365 Roles Management,DC=contoso,DC=com"

[entra]
tenant = "contoso.onmicrosoft.com"
client_id = "11111111-1111-4111-8111-111111111111"
sign_in = "secret"
"#;

#[test]
fn the_shipped_example_is_valid() {
    let c = parse(Path::new("example.toml"), EXAMPLE).unwrap();
    let d = c.directory.unwrap();
    // The example leads with the password-free setup: DCs found in DNS, Kerberos sign-in, the
    // base DN and the OU from the domain.
    match &d.source {
        DirectorySource::Ldap(l) => {
            assert_eq!(l.servers, Servers::Discover(Some("contoso.com".into())));
            assert_eq!(l.bind, LdapBind::Integrated);
            assert_eq!(l.base_dn, None);
            assert!(!l.start_tls);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(d.ou, None);
    assert_eq!(
        c.policy.mapping.ou.as_str(),
        rolesync_config::DEFAULT_OU_RDN
    );
    assert!(d.nested);
    let e = c.entra.unwrap();
    assert_eq!(e.sign_in, SignIn::Certificate);
    assert_eq!(e.graph_url.as_str(), "https://graph.microsoft.com/v1.0");
    assert_eq!(e.login_url.as_str(), "https://login.microsoftonline.com/");
    assert_eq!(c.policy.limits.max_revokes, 10);
    assert_eq!(c.policy.protected, ["breakglass@contoso.onmicrosoft.com"]);
    assert!(c.email.is_none());
}

#[test]
fn uncommenting_every_example_line_is_still_valid() {
    // Every commented setting of the example is a real, valid setting.
    let text: String = EXAMPLE
        .lines()
        .map(|l| {
            let t = l.trim_start_matches("# ");
            let setting = t.split_once(" = ").is_some_and(|(k, _)| {
                !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            });
            if l.starts_with("# ") && (t.starts_with('[') || setting) {
                t.to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        .replace("url = \"ldaps://dc1.contoso.com\"", "")
        .replace("domain = \"contoso.com\"", "")
        .replace("start_tls = false", "");
    let c = parse(Path::new("example.toml"), &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(c.policy.mapping.explicit.len(), 3);
    assert_eq!(
        c.policy.mapping.explicit[0].role,
        Some(RoleRef::Name("Helpdesk Administrator".into()))
    );
    assert_eq!(
        c.policy.mapping.explicit[1].group,
        GroupRef::Name("Security Reader".into())
    );
    assert_eq!(c.policy.mapping.explicit[1].kind, AssignmentKind::Eligible);
    assert_eq!(
        c.policy.mapping.explicit[2].scope,
        ScopeRef::AdministrativeUnit("Europe".into())
    );
    let m = c.email.unwrap();
    assert_eq!((m.port, m.security), (587, SmtpSecurity::StartTls));
    assert!(matches!(
        c.directory.unwrap().source,
        DirectorySource::Ldif(_)
    ));
}

#[test]
fn a_misspelt_key_is_named_with_its_line_and_a_suggestion() {
    let text = MINIMAL.replace("bind = ", "bnd = ");
    let e = errors(&text);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].key, "bnd");
    assert_eq!(e[0].line, 4);
    assert!(e[0].fix.contains("did you mean `bind`"), "{}", e[0].fix);
    let shown = e[0].to_string();
    assert!(
        shown.starts_with("/etc/rolesync.toml:4:1: `bnd`"),
        "{shown}"
    );
}

#[test]
fn an_unknown_role_is_named_with_a_suggestion() {
    let text =
        format!("{MINIMAL}\n[[mappings]]\ngroup = \"Mail Admins\"\nrole = \"Exchange Admin\"\n");
    let e = errors(&text);
    assert_eq!(e[0].key, "mappings[0].role");
    assert_eq!(e[0].line, 15);
    assert!(e[0].message.contains("Exchange Admin"));
    assert!(
        e[0].fix.contains("did you mean \"Exchange Administrator\""),
        "{}",
        e[0].fix
    );
}

#[test]
fn bad_urls_are_refused() {
    let e = errors(&format!(
        "{MINIMAL}graph_url = \"htps//graph\"\nlogin_url = \"http://login.example.com\"\n"
    ));
    let keys: Vec<_> = e.iter().map(|x| x.key.as_str()).collect();
    assert_eq!(keys, ["entra.login_url", "entra.graph_url"]);
    assert!(e[1].message.contains("not a valid URL"), "{}", e[1].message);
    assert!(e[0].message.contains("https"), "{}", e[0].message);
    // http is fine on loopback (the emulator).
    let ok = parse(
        Path::new("x"),
        &format!("{MINIMAL}graph_url = \"http://127.0.0.1:8080\"\n"),
    )
    .unwrap();
    assert_eq!(
        ok.entra.unwrap().graph_url.as_str(),
        "http://127.0.0.1:8080/v1.0"
    );

    let e = errors(&MINIMAL.replace("ldaps://dc1.contoso.com", "ldap://dc1.contoso.com"));
    assert_eq!(e[0].key, "directory.url");
    assert!(e[0].fix.contains("start_tls"));
    let e = errors(&MINIMAL.replace("ldaps://dc1.contoso.com", "https://dc1.contoso.com"));
    assert!(e[0].message.contains("not LDAP"));
}

#[test]
fn requests_in_flight_are_bounded_and_optional() {
    let entra = |extra: &str| {
        parse(Path::new("x"), &format!("{MINIMAL}{extra}"))
            .unwrap()
            .entra
            .unwrap()
    };
    let d = entra("");
    assert_eq!(
        (d.concurrent_reads, d.concurrent_write_batches),
        (None, None)
    );
    let set = entra("concurrent_reads = 8\nconcurrent_write_batches = 150\n");
    assert_eq!(
        (set.concurrent_reads, set.concurrent_write_batches),
        (Some(8), Some(150))
    );
    let e = errors(&format!(
        "{MINIMAL}concurrent_reads = 0\nconcurrent_write_batches = 151\n"
    ));
    let keys: Vec<_> = e.iter().map(|x| x.key.as_str()).collect();
    assert_eq!(
        keys,
        ["entra.concurrent_reads", "entra.concurrent_write_batches"]
    );
    assert!(e[0].message.contains("outside 1..=256"), "{}", e[0].message);
    assert!(e[1].fix.contains("3,000 writes per 150 s"), "{}", e[1].fix);
    assert_eq!(e[1].line, 13, "{:?}", e[1]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = MINIMAL
        .replace("client_id = \"11111111-1111-4111-8111-111111111111\"", "client_id = \"rolesync\"")
        .replace("sign_in = \"secret\"", "sign_in = \"certificat\"")
        + "[safety]\nmax_revoke_percent = 150\nprotected = [\"breakglass\"]\n[email]\nserver = \"smtp.contoso.com\"\nfrom = \"nobody\"\nto = []\n";
    let e = errors(&text);
    let keys: Vec<_> = e.iter().map(|x| x.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "entra.client_id",
            "entra.sign_in",
            "safety.max_revoke_percent",
            "safety.protected[0]",
            "email.from",
            "email.to"
        ]
    );
    assert!(e[1].fix.contains("did you mean \"certificate\""));
    assert!(e.iter().all(|x| !x.fix.is_empty()));
}

#[test]
fn missing_settings_and_syntax_errors_are_clear() {
    // Only where to find the DCs is required; on Windows not even that (the machine's domain).
    if cfg!(windows) {
        assert!(parse(Path::new("x"), "[directory]\n").is_ok());
    } else {
        let e = errors("[directory]\nnested = true\n");
        let keys: Vec<_> = e.iter().map(|x| x.key.as_str()).collect();
        assert_eq!(keys, ["directory.domain"]);
        assert!(
            e[0].fix.contains("domain = \"contoso.com\""),
            "{}",
            e[0].fix
        );
    }
    let e = errors("[directory]\nldif = \"a.ldif\"\n");
    let keys: Vec<_> = e.iter().map(|x| x.key.as_str()).collect();
    assert_eq!(
        keys,
        ["directory.ou"],
        "an export has no domain to take the OU from"
    );
    let e = errors("[directory\nurl = 1\n");
    assert_eq!(e[0].line, 1);
    assert_eq!(e[0].key, "(syntax)");
    let e = errors("[directory]\nnested = \"yes\"\nou = \"OU=x,DC=y\"\nldif = \"a.ldif\"\n");
    assert_eq!(e[0].key, "directory.nested");
    assert!(
        e[0].message.contains("true or false") && e[0].message.contains("\"yes\""),
        "{}",
        e[0].message
    );
    assert_eq!(e[0].line, 2);
}

#[test]
fn explicit_mappings_take_dns_names_ids_and_kinds() {
    let text = format!(
        "{MINIMAL}\n[mapping]\nprefix = \"M365-\"\ndefault_kind = \"eligible\"\n\n[[mappings]]\ngroup = \"CN=Desk,OU=Teams,DC=contoso,DC=com\"\nrole = \"29232CDF-9323-42fd-ade2-1d097af3e4de\"\nkind = \"active\"\nallow_empty = true\n"
    );
    let c = parse(Path::new("x"), &text).unwrap();
    let m = &c.policy.mapping;
    assert_eq!(m.prefix.as_deref(), Some("M365-"));
    assert_eq!(m.default_kind, AssignmentKind::Eligible);
    assert_eq!(
        m.explicit[0].role,
        Some(RoleRef::Id("29232cdf-9323-42fd-ade2-1d097af3e4de".into()))
    );
    assert_eq!(m.explicit[0].kind, AssignmentKind::Active);
    assert!(m.explicit[0].allow_empty);
    assert_eq!(c.policy.extra_groups().len(), 1);
}

/// A TOML value of the right kind for a schema setting.
fn sample(kind: rolesync_config::schema::Kind) -> String {
    use rolesync_config::schema::Kind;
    match kind {
        Kind::Text => "\"x\"".into(),
        Kind::Flag => "true".into(),
        Kind::Number { min, .. } => min.to_string(),
        Kind::List => "[\"x\"]".into(),
        Kind::Choice { choices } => format!("\"{}\"", choices[0]),
    }
}

#[test]
fn the_parser_takes_every_key_of_the_schema_with_its_kind() {
    use rolesync_config::schema::SECTIONS;
    for s in SECTIONS {
        for k in s.settings {
            let header = if s.rows {
                format!("[[{}]]\n", s.name)
            } else {
                format!("[{}]\n", s.name)
            };
            let group = if s.rows && k.name != "group" {
                "group = \"G\"\n"
            } else {
                ""
            };
            let text = format!("{header}{group}{} = {}\n", k.name, sample(k.kind));
            if let Err(e) = parse(Path::new("x"), &text) {
                for e in e.0 {
                    assert!(
                        e.message != "is not a known setting" && e.key != "(syntax)",
                        "{}.{}: {e}",
                        s.name,
                        k.name
                    );
                }
            }
        }
    }
}

#[test]
fn the_example_shows_every_key_of_the_schema_and_no_other() {
    use rolesync_config::schema::{keys, SECTIONS};
    // Every `key = value` line of the example, commented or not, with the section it is in.
    let mut section = String::new();
    let mut seen = std::collections::BTreeSet::new();
    for line in EXAMPLE.lines() {
        let t = line.trim_start_matches('#').trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.strip_suffix("]]")) {
            section = name.to_string();
        } else if let Some(name) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            section = name.to_string();
        } else if let Some((k, _)) = t.split_once(" = ") {
            if k.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                seen.insert(format!("{section}.{k}"));
            }
        }
    }
    let schema: std::collections::BTreeSet<String> = keys().collect();
    assert_eq!(
        seen.difference(&schema).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "keys in the example that the schema lacks"
    );
    assert_eq!(
        schema.difference(&seen).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "keys of the schema that the example does not show"
    );
    assert_eq!(SECTIONS[0].name, "directory");
}

#[test]
fn unknown_sections_and_keys_are_all_named_at_once() {
    let text = format!("{MINIMAL}bnd = 1\n[safty]\nmax_revokes = 1\n");
    let e = errors(&text);
    let keys: Vec<_> = e.iter().map(|x| x.key.as_str()).collect();
    assert_eq!(keys, ["bnd", "safty"], "{e:?}");
    assert!(e[1].fix.contains("did you mean `safety`"), "{}", e[1].fix);
    let e = errors(&format!(
        "{MINIMAL}[[mappings]]\nrole = \"Security Reader\"\n"
    ));
    assert_eq!(e[0].key, "mappings[0].group", "{e:?}");
}

#[test]
fn pim_renewal_window_and_duration_are_checked() {
    let policy = |extra: &str| {
        parse(Path::new("x"), &format!("{MINIMAL}{extra}"))
            .unwrap()
            .policy
    };
    let d = policy("");
    assert_eq!(d.pim.renew_within_days, 14);
    assert_eq!(d.pim.duration, None);
    let set = policy("\n[pim]\nrenew_within_days = 30\nduration = \"P90D\"\n");
    assert_eq!(set.pim.renew_within_days, 30);
    assert_eq!(
        set.pim.duration,
        Some(rolesync_core::pim::PimDuration::days(90))
    );
    let e = errors(&format!(
        "{MINIMAL}\n[pim]\nrenew_within_days = 0\nduration = \"P1Y\"\n"
    ));
    let keys: Vec<_> = e.iter().map(|x| x.key.as_str()).collect();
    assert_eq!(keys, ["pim.renew_within_days", "pim.duration"]);
    assert!(e[0].fix.contains("1 to 365"), "{}", e[0].fix);
    assert!(e[1].fix.contains("\"P90D\""), "{}", e[1].fix);
    assert_eq!(e[1].line, 15, "{:?}", e[1]);
    // A duration within the renewal window would renew everything every run.
    let e = errors(&format!("{MINIMAL}\n[pim]\nduration = \"P10D\"\n"));
    assert_eq!(e[0].key, "pim.duration");
    assert!(
        e[0].message
            .contains("10 days is not longer than the renewal window of 14 days"),
        "{}",
        e[0].message
    );
    let e = errors(&format!("{MINIMAL}\n[pim]\nrenew_in_days = 3\n"));
    assert!(e[0].fix.contains("renew_within_days"), "{:?}", e[0]);
}

#[test]
fn a_domain_alone_is_a_complete_directory() {
    let text = r#"
[directory]
domain = "Contoso.Test."
bind = "integrated"

[entra]
tenant = "contoso.onmicrosoft.com"
client_id = "11111111-1111-4111-8111-111111111111"
sign_in = "secret"
"#;
    let c = parse(Path::new("x"), text).unwrap();
    let d = c.directory.unwrap();
    let DirectorySource::Ldap(l) = d.source else {
        panic!("not LDAP")
    };
    assert_eq!(l.servers, Servers::Discover(Some("contoso.test".into())));
    assert_eq!(
        (l.bind, l.base_dn, d.ou),
        (LdapBind::Integrated, None, None)
    );
    // bind defaults to integrated.
    let c = parse(Path::new("x"), &text.replace("bind = \"integrated\"\n", "")).unwrap();
    assert!(
        matches!(c.directory.unwrap().source, DirectorySource::Ldap(l) if l.bind == LdapBind::Integrated)
    );
    assert_eq!(
        rolesync_config::default_ou("DC=contoso,DC=test").as_str(),
        "OU=Office 365 Roles Management,DC=contoso,DC=test"
    );
}

#[test]
fn directory_mistakes_name_the_key_and_the_fix() {
    let e = errors("[directory]\ndomain = \"contoso.test\"\nurl = \"ldaps://dc1\"\n");
    assert_eq!(e[0].key, "directory.domain");
    assert!(e[0].fix.contains("set one of them"), "{}", e[0].fix);
    for bad in [
        "ldaps://dc1.contoso.test",
        "CONTOSO\\\\x",
        "contoso..test",
        "-x.test",
    ] {
        let e = errors(&format!("[directory]\ndomain = \"{bad}\"\n"));
        assert_eq!(e[0].key, "directory.domain", "{bad}");
        assert!(
            e[0].message.contains("not a DNS domain name"),
            "{bad}: {}",
            e[0].message
        );
    }
    // Kerberos rides inside TLS: plain ldap:// with integrated sign-in is refused.
    let e = errors("[directory]\nurl = \"ldap://dc1.contoso.test\"\nbind = \"integrated\"\nallow_insecure = true\n");
    assert_eq!(e[0].key, "directory.url");
    assert!(e[0].fix.contains("start_tls = true"), "{}", e[0].fix);
    let e = errors("[directory]\ndomain = \"contoso.test\"\nallow_insecure = true\n");
    assert_eq!(e[0].key, "directory.allow_insecure");
    let e = errors("[directory]\ndomain = \"contoso.test\"\nbind = \" \"\n");
    assert_eq!(e[0].key, "directory.bind");
    let e = errors("[directory]\ndomain = \"contoso.test\"\nbase_dn = \"contoso\"\n");
    assert_eq!(e[0].key, "directory.base_dn");
    let e =
        errors("[directory]\ndomain = \"contoso.test\"\nldif = \"x.ldif\"\nou = \"OU=x,DC=y\"\n");
    assert_eq!(e[0].key, "directory.ldif");
    let e = errors("[directory]\ndomain = \"contoso.test\"\nbase_dn = \"DC=contoso,DC=test\"\nou = \"OU=x,DC=other\"\n");
    assert_eq!(e[0].key, "directory.ou");
}

#[test]
fn a_value_of_the_wrong_type_names_its_key_and_what_it_takes() {
    let e = errors(&format!("{MINIMAL}\n[safety]\nmax_revokes = \"ten\"\n"));
    assert_eq!(e[0].key, "safety.max_revokes", "{e:?}");
    assert!(e[0].message.contains("a whole number"), "{}", e[0].message);
    assert!(e[0].fix.contains("without quotes"), "{}", e[0].fix);
    assert_eq!(e[0].line, 14, "the line of the value");
    let e = errors(&format!(
        "{MINIMAL}\n[[mappings]]\ngroup = \"G\"\nallow_empty = 1\n"
    ));
    assert_eq!(e[0].key, "mappings[0].allow_empty", "{e:?}");
    assert!(e[0].message.contains("true or false"), "{}", e[0].message);
}

#[test]
fn invisible_and_direction_changing_characters_are_errors() {
    let e = errors(&format!(
        "{MINIMAL}\n[safety]\nprotected = [\"breakglass\u{200b}@contoso.onmicrosoft.com\"]\n"
    ));
    assert_eq!(e[0].key, "safety.protected[0]", "{e:?}");
    assert!(e[0].message.contains("U+200B"), "{}", e[0].message);
    let e = errors(&format!(
        "{MINIMAL}\n[[mappings]]\ngroup = \"Exchange\u{202e}rotartsinimdA\"\nrole = \"Exchange Administrator\"\n"
    ));
    assert_eq!(e[0].key, "mappings[0].group", "{e:?}");
    assert!(e[0].message.contains("U+202E"), "{}", e[0].message);
}

#[test]
fn change_control_settings_are_read_and_wrong_ones_named() {
    let c = parse(
        Path::new("rolesync.toml"),
        "[safety]\nrequire_approval = [\"global administrator\", \"62e90394-69f5-4237-9190-012177145E10\"]\napproval_expires_hours = 4\non_drift = \"report\"\n\n[[mappings]]\ngroup = \"Exchange Administrator\"\nmanage = \"owned\"\n",
    )
    .unwrap();
    assert_eq!(
        c.policy.require_approval,
        [
            "Global Administrator",
            "62e90394-69f5-4237-9190-012177145e10"
        ]
    );
    assert_eq!(c.approval_expires, std::time::Duration::from_secs(4 * 3600));
    assert_eq!(c.policy.on_drift, rolesync_core::policy::OnDrift::Report);
    assert_eq!(
        c.policy.mapping.owned_only,
        [GroupRef::Name("Exchange Administrator".into())]
    );
    let defaults = parse(Path::new("rolesync.toml"), "").unwrap();
    assert_eq!(
        defaults.approval_expires,
        std::time::Duration::from_secs(24 * 3600)
    );
    assert_eq!(
        defaults.policy.on_drift,
        rolesync_core::policy::OnDrift::Correct
    );

    let e = parse(
        Path::new("rolesync.toml"),
        "[safety]\nrequire_approval = [\"Global Admin\"]\napproval_expires_hours = 0\non_drift = \"ignore\"\n\n[[mappings]]\ngroup = \"X\"\nmanage = \"mine\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("safety.require_approval[0]")
            && e.contains("did you mean \"Global Administrator\""),
        "{e}"
    );
    assert!(e.contains("safety.approval_expires_hours"), "{e}");
    assert!(
        e.contains("safety.on_drift") && e.contains("correct, report"),
        "{e}"
    );
    assert!(
        e.contains("mappings[0].manage") && e.contains("all, owned"),
        "{e}"
    );
}

#[test]
fn a_group_maps_to_a_role_at_several_scopes_and_each_scope_once() {
    let text = format!(
        "{MINIMAL}[[mappings]]\ngroup = \"Service Desk\"\nrole = \"Helpdesk Administrator\"\n\n[[mappings]]\ngroup = \"Service Desk\"\nrole = \"Helpdesk Administrator\"\nscope = \"administrativeUnit:Europe\"\n\n[[mappings]]\ngroup = \"Service Desk\"\nrole = \"Helpdesk Administrator\"\nscope = \"AdministrativeUnit: 7b0f5e3a-0000-4000-8000-000000000001\"\n"
    );
    let c = parse(Path::new("x.toml"), &text).unwrap_or_else(|e| panic!("{e}"));
    let scopes: Vec<ScopeRef> = c
        .policy
        .mapping
        .explicit
        .iter()
        .map(|m| m.scope.clone())
        .collect();
    assert_eq!(
        scopes,
        [
            ScopeRef::Tenant,
            ScopeRef::AdministrativeUnit("Europe".into()),
            ScopeRef::AdministrativeUnit("7b0f5e3a-0000-4000-8000-000000000001".into()),
        ]
    );
    assert_eq!(
        c.policy.administrative_units(),
        ["Europe", "7b0f5e3a-0000-4000-8000-000000000001"]
    );
    // The same group at the same scope twice is a mistake.
    let e = errors(&format!(
        "{MINIMAL}[[mappings]]\ngroup = \"Service Desk\"\nscope = \"administrativeUnit:Europe\"\n\n[[mappings]]\ngroup = \"service desk\"\nscope = \"administrativeUnit:europe\"\n"
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].key, "mappings[1].group");
    assert!(
        e[0].message
            .contains("is mapped twice at administrative unit \"europe\""),
        "{}",
        e[0].message
    );
}

#[test]
fn a_role_that_cannot_be_scoped_to_an_administrative_unit_is_named() {
    let e = errors(&format!(
        "{MINIMAL}[[mappings]]\ngroup = \"Mail Team EU\"\nrole = \"Exchange Administrator\"\nscope = \"administrativeUnit:Europe\"\n"
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].key, "mappings[0].scope");
    assert_eq!(
        e[0].message,
        "role \"Exchange Administrator\" cannot be assigned with administrative-unit scope"
    );
    assert!(e[0].fix.contains("Helpdesk Administrator"), "{}", e[0].fix);
    assert!(e[0].fix.contains("custom roles"), "{}", e[0].fix);
    assert!(e[0].line > 0);
    // Also when the role is given by its template id, or found by the group's name.
    let by_id = errors(&format!(
        "{MINIMAL}[[mappings]]\ngroup = \"G\"\nrole = \"62e90394-69f5-4237-9190-012177145e10\"\nscope = \"administrativeUnit:Europe\"\n"
    ));
    assert!(
        by_id[0].message.contains("\"Global Administrator\""),
        "{by_id:?}"
    );
    let by_name = errors(&format!(
        "{MINIMAL}[[mappings]]\ngroup = \"Security Reader\"\nscope = \"administrativeUnit:Europe\"\n"
    ));
    assert!(
        by_name[0].message.contains("\"Security Reader\""),
        "{by_name:?}"
    );
    // A custom role (an id that is no built-in role's) is Microsoft Graph's to judge.
    parse(
        Path::new("x.toml"),
        &format!("{MINIMAL}[[mappings]]\ngroup = \"G\"\nrole = \"00000000-1111-2222-3333-444444444444\"\nscope = \"administrativeUnit:Europe\"\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_scope_that_is_not_an_administrative_unit_is_refused_with_the_fix() {
    for (scope, message) in [
        ("Europe", "\"Europe\" is not a scope"),
        ("application:1234", "\"application\" is not a kind of scope"),
        ("administrativeUnit:", "names no administrative unit"),
    ] {
        let e = errors(&format!(
            "{MINIMAL}[[mappings]]\ngroup = \"Service Desk\"\nrole = \"Helpdesk Administrator\"\nscope = \"{scope}\"\n"
        ));
        assert_eq!(e.len(), 1, "{scope}: {e:?}");
        assert_eq!(e[0].key, "mappings[0].scope");
        assert!(e[0].message.contains(message), "{scope}: {}", e[0].message);
        assert!(
            e[0].fix.contains("administrativeUnit:Europe"),
            "{}",
            e[0].fix
        );
    }
    // `tenant` and `/` are the default spelled out.
    for scope in ["tenant", "/"] {
        let c = parse(
            Path::new("x.toml"),
            &format!("{MINIMAL}[[mappings]]\ngroup = \"Service Desk\"\nrole = \"Helpdesk Administrator\"\nscope = \"{scope}\"\n"),
        )
        .unwrap();
        assert_eq!(c.policy.mapping.explicit[0].scope, ScopeRef::Tenant);
    }
}
