//! `rolesync credentials set|forget|list`: manage the saved credentials in the OS keyring. `list`
//! shows which exist, never their values.

use crate::cli::{exit, CredentialsCommand};
use crate::credentials::store;
use crate::failure::Failure;
use rolesync_secrets::{Credential, CredentialName, CredentialStore, Secret};
use std::io::{BufRead, IsTerminal, Write};

fn name(text: &str) -> Result<CredentialName, Failure> {
    text.parse::<CredentialName>()
        .map_err(|e| Failure::config(e.to_string()))
}

/// Runs a `credentials` subcommand.
pub fn run(cmd: CredentialsCommand) -> Result<u8, Failure> {
    let store = store()?;
    match cmd {
        CredentialsCommand::List => {
            let saved = store.list().map_err(|e| Failure::read(e.to_string()))?;
            for n in CredentialName::ALL {
                println!(
                    "{:<10} {}",
                    n.as_str(),
                    if saved.contains(&n) {
                        "saved"
                    } else {
                        "not saved"
                    }
                );
            }
            eprintln!("(keyring: {})", store.backend().as_str());
        }
        CredentialsCommand::Forget { name: n } => {
            let n = name(&n)?;
            let existed = store.forget(n).map_err(|e| Failure::read(e.to_string()))?;
            println!(
                "{} credential {}",
                n.as_str(),
                if existed {
                    "forgotten; it will be asked for again"
                } else {
                    "was not saved"
                }
            );
        }
        CredentialsCommand::Set {
            name: n,
            account,
            secret_stdin,
        } => {
            let n = name(&n)?;
            let account = match account {
                Some(a) => a,
                None => ask_line(n.account_prompt())?,
            };
            let secret = if secret_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line).map_err(|e| {
                    Failure::config(format!("reading the secret from standard input: {e}"))
                })?;
                Secret::new(line.trim_end_matches(['\r', '\n']).to_string())
            } else {
                if !std::io::stdin().is_terminal() {
                    return Err(Failure::config(
                        "no terminal to type the secret in: pass --secret-stdin and pipe it",
                    ));
                }
                Secret::new(
                    rpassword::prompt_password(format!("{}: ", n.secret_prompt()))
                        .map_err(|e| Failure::config(e.to_string()))?,
                )
            };
            if account.trim().is_empty() || secret.is_empty() {
                return Err(Failure::config(
                    "the account and the secret must not be empty; nothing was saved",
                ));
            }
            store
                .set(n, &Credential::new(account.trim(), secret))
                .map_err(|e| Failure::read(e.to_string()))?;
            println!(
                "{} credential saved in the {} keyring",
                n.as_str(),
                store.backend().as_str()
            );
        }
    }
    Ok(exit::OK)
}

fn ask_line(prompt: &str) -> Result<String, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::config(
            "no terminal to type the account in: pass --account",
        ));
    }
    eprint!("{prompt}: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::config(e.to_string()))?;
    Ok(line.trim().to_string())
}
