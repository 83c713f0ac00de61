//! `credentials set`'s input: the account (from `--account`, else asked on the terminal) and the
//! secret (the first line of standard input with `--secret-stdin`, else asked without echo).

use rolesync_app::AppError;
use rolesync_secrets::{CredentialName, Secret};
use std::io::{BufRead, IsTerminal, Write};

/// The account and secret for `name`.
pub fn credential(
    name: CredentialName,
    account: Option<String>,
    secret_stdin: bool,
) -> Result<(String, Secret), AppError> {
    let account = match account {
        Some(a) => a,
        None => ask_line(name.account_prompt())?,
    };
    let secret = if secret_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| {
            AppError::config(format!("reading the secret from standard input: {e}"))
        })?;
        Secret::new(line.trim_end_matches(['\r', '\n']).to_string())
    } else {
        if !std::io::stdin().is_terminal() {
            return Err(AppError::config(
                "no terminal to type the secret in: pass --secret-stdin and pipe it",
            ));
        }
        let typed = rpassword::prompt_password(format!("{}: ", name.secret_prompt()))
            .map_err(|e| AppError::config(e.to_string()))?;
        Secret::new(typed)
    };
    Ok((account, secret))
}

fn ask_line(prompt: &str) -> Result<String, AppError> {
    if !std::io::stdin().is_terminal() {
        return Err(AppError::config(
            "no terminal to type the account in: pass --account",
        ));
    }
    eprint!("{prompt}: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| AppError::config(e.to_string()))?;
    Ok(line.trim().to_string())
}
