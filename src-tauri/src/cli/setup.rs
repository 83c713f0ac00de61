//! `rolesync setup` in a terminal: the setup's questions asked on the terminal (each option
//! answers one; without a terminal only the options count), the application's answers printed
//! as ✓/✗ lines with their fixes, and the registration shown as steps and commands. The work is
//! `rolesync_app::setup`'s, as on the window's setup page.

use super::args::SetupArgs;
use rolesync_app::setup::{SetupAnswers, SetupLine, SetupSecrets};
use rolesync_app::{App, AppError};
use rolesync_core::exit::ExitCode;
use std::io::{BufRead, IsTerminal, Write};

fn tty() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks on the terminal, with `default` on Enter; without a terminal the default stands.
fn ask(prompt: &str, default: &str) -> String {
    if !tty() {
        return default.to_string();
    }
    if default.is_empty() {
        eprint!("{prompt}: ");
    } else {
        eprint!("{prompt} [{default}]: ");
    }
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    match line.trim() {
        "" => default.to_string(),
        t => t.to_string(),
    }
}

fn yes(prompt: &str, default: bool) -> bool {
    let d = if default { "y" } else { "n" };
    ask(&format!("{prompt} (y/n)"), d)
        .to_ascii_lowercase()
        .starts_with('y')
}

fn password(prompt: &str) -> Option<String> {
    tty()
        .then(|| rpassword::prompt_password(format!("{prompt}: ")).ok())
        .flatten()
        .filter(|p| !p.is_empty())
}

fn heading(title: &str) {
    println!("\n== {title}");
}

fn lines(ls: &[SetupLine]) -> bool {
    for l in ls {
        let mark = if l.ok { "✓" } else { "✗" };
        match &l.detail {
            Some(d) => println!("{mark} {}: {d}", l.title),
            None => println!("{mark} {}", l.title),
        }
        if let Some(f) = &l.fix {
            println!("    fix: {f}");
        }
    }
    ls.iter().all(|l| l.ok)
}

fn some(v: &Option<String>, current: &str) -> String {
    v.clone().unwrap_or_else(|| current.to_string())
}

/// The setup's answers: the existing configuration's, the options over them.
fn merge(a: &mut SetupAnswers, o: &SetupArgs) {
    a.domain = some(&o.domain, &a.domain);
    a.url = some(&o.url, &a.url);
    a.bind = some(&o.bind, &a.bind);
    a.start_tls |= o.start_tls;
    a.ca_file = some(&o.ca_file, &a.ca_file);
    a.ou = some(&o.ou, &a.ou);
    a.prefix = some(&o.prefix, &a.prefix);
    a.eligible |= o.eligible;
    if !o.protected.is_empty() {
        a.protected = o.protected.clone();
    }
    a.tenant = some(&o.tenant, &a.tenant);
    a.client_id = some(&o.client_id, &a.client_id);
    a.interactive |= o.interactive_sign_in;
    a.login_url = some(&o.login_url, &a.login_url);
    a.graph_url = some(&o.graph_url, &a.graph_url);
    a.entra_ca_file = some(&o.entra_ca_file, &a.entra_ca_file);
    if o.email_server.is_some() {
        a.email = true;
    }
    a.smtp_server = some(&o.email_server, &a.smtp_server);
    a.smtp_port = o.email_port.unwrap_or(a.smtp_port);
    a.smtp_security = some(&o.email_security, &a.smtp_security);
    a.mail_from = some(&o.email_from, &a.mail_from);
    if !o.email_to.is_empty() {
        a.mail_to = o.email_to.clone();
    }
    a.smtp_username = some(&o.email_username, &a.smtp_username);
    a.smtp_ca_file = some(&o.email_ca_file, &a.smtp_ca_file);
}

/// Runs the setup.
pub fn run(app: &App, o: &SetupArgs) -> Result<ExitCode, AppError> {
    let start = app.setup_start();
    let mut a = start.answers.clone();
    merge(&mut a, o);
    let mut secrets = SetupSecrets::default();
    println!(
        "RoleSync setup — writes {}{}; nothing is applied to any role.",
        start.config_file,
        if start.config_exists {
            " (it exists: the answers below are its values)"
        } else {
            ""
        }
    );

    heading("1. Active Directory");
    if a.url.is_empty() {
        let hint = if start.domain_source.is_empty() {
            String::new()
        } else {
            format!(" (from {})", start.domain_source)
        };
        a.domain = ask(&format!("AD domain{hint}"), &a.domain);
    }
    a.bind = ask(
        "Sign in to AD: \"integrated\" (Kerberos as this account, no password) or a bind account",
        &a.bind,
    );
    if rolesync_app::setup::answers::bind_account(&a).is_some() {
        secrets.ldap_password = password(&format!("Password of {}", a.bind.trim()));
    }
    let found = app.setup_directory_blocking(&a, &secrets)?;
    let dir_ok = lines(&found.lines);
    if found.ou.is_none() && !found.ous.is_empty() {
        println!(
            "OUs under {}:",
            found.base_dn.as_deref().unwrap_or("the domain")
        );
        for (i, ou) in found.ous.iter().take(20).enumerate() {
            println!("  {}. {ou}", i + 1);
        }
        let pick = ask("The OU that holds the role groups (number or DN)", "");
        a.ou = pick
            .parse::<usize>()
            .ok()
            .and_then(|n| found.ous.get(n.wrapping_sub(1)).cloned())
            .unwrap_or(pick);
        if !a.ou.is_empty() {
            let again = app.setup_directory_blocking(&a, &secrets)?;
            lines(&again.lines[again.lines.len().saturating_sub(1)..]);
            print_groups(&again.groups);
        }
    } else {
        print_groups(&found.groups);
    }
    if !dir_ok && found.base_dn.is_none() && !tty() {
        eprintln!("the directory could not be read; fix it (above) and run the setup again");
    }

    heading("2. Entra ID tenant");
    a.tenant = ask("Tenant (contoso.onmicrosoft.com or its id)", &a.tenant);
    let t = app.setup_tenant_blocking(&a)?;
    lines(std::slice::from_ref(&t.line));

    heading("3. Certificate RoleSync signs in with");
    let cert = app.setup_certificate(&a, o.new_certificate)?;
    cert.fill(&mut a);
    match (&cert.file, &cert.store) {
        (Some(f), _) => println!("certificate and key: {f} (private to this account)"),
        (None, Some(s)) => println!("certificate and key: the {s} store"),
        _ => {}
    }
    println!(
        "to upload: {} (thumbprint {}, valid until {})",
        cert.public_file, cert.thumbprint, cert.not_after
    );
    if !o.interactive_sign_in && !a.interactive {
        a.interactive = yes(
            "Also let administrators sign in with MFA from the window (interactive sign-in)?",
            false,
        );
    }

    heading("4. Register RoleSync in Entra ID");
    let r = app.setup_registration(&a, &cert);
    for (i, s) in r.steps.iter().enumerate() {
        println!("{}. {s}", i + 1);
    }
    println!("\nOr with Microsoft Graph PowerShell:\n\n{}", r.powershell);
    println!("Or with the Azure CLI:\n\n{}", r.azure_cli);
    a.client_id = ask("Application (client) ID of the registration", &a.client_id);
    if a.client_id.trim().is_empty() {
        println!("\nNext: register RoleSync as shown above, then run `rolesync setup --client-id <its Application (client) ID>` (the certificate is kept).");
        return Ok(ExitCode::Done);
    }

    heading("5. Email report");
    if o.email_server.is_none() && tty() {
        a.email = yes("Send an email report after each run?", a.email);
        if a.email {
            a.smtp_server = ask("SMTP server", &a.smtp_server);
            a.smtp_security = ask(
                "Security: starttls, tls or none",
                if a.smtp_security.is_empty() {
                    "starttls"
                } else {
                    &a.smtp_security
                },
            );
            a.mail_from = ask("From", &a.mail_from);
            a.mail_to = ask("To (comma-separated)", &a.mail_to.join(", "))
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            a.smtp_username = ask("SMTP account (empty: none)", &a.smtp_username);
        }
    }
    if a.email && !a.smtp_username.trim().is_empty() {
        secrets.smtp_password = password(&format!("Password of {}", a.smtp_username.trim()));
    }
    if !a.email {
        println!("no email report");
    }

    heading("6. Verify");
    let v = app.setup_verify_blocking(&a, &secrets)?;
    let ok = lines(&v.lines);
    for e in &v.errors {
        println!("    {}: {} — {}", e.key, e.message, e.fix);
    }
    if !v.errors.is_empty() || (!ok && !o.save_anyway) {
        println!(
            "\nNothing was saved. Fix the ✗ above and run `rolesync setup` again{}.",
            if v.errors.is_empty() {
                " (or add --save-anyway)"
            } else {
                ""
            }
        );
        return Ok(if v.errors.is_empty() {
            ExitCode::ItemFailures
        } else {
            ExitCode::Usage
        });
    }
    let saved = app.setup_save(&a, &secrets)?;
    println!("\nwrote {}", saved.file);
    for c in &saved.credentials {
        println!("saved the {c} credential in the keyring");
    }
    println!("Nothing was applied. Next: `rolesync plan` shows what a sync would change; `rolesync schedule install --at 02:30` runs it every night.");
    Ok(if ok {
        ExitCode::Done
    } else {
        ExitCode::ItemFailures
    })
}

fn print_groups(groups: &[rolesync_app::setup::GroupRole]) {
    for g in groups {
        match (&g.role, &g.reason) {
            (Some(r), _) => println!("  {} → {r}", g.name),
            (None, Some(why)) => println!("  {} → no role: {why}", g.name),
            _ => {}
        }
    }
}
