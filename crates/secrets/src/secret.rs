//! The redacting [`Secret`] type, the [`CredentialName`]s RoleSync knows and the [`Credential`]
//! (account + secret) stored under each.

use std::fmt;
use std::str::FromStr;
use zeroize::Zeroizing;

/// A password, client secret or token.
///
/// `Debug` and `Display` print `<redacted>`; there is no `Serialize`; the memory is zeroed on drop.
/// Read the value with [`Secret::expose`], only where it is handed to the protocol that needs it.
#[derive(Clone, Default)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The value. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self::new(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The credentials RoleSync stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CredentialName {
    /// Office 365 / Microsoft Graph sign-in: a UPN and password, or an application (client) id
    /// and client secret.
    Office365,
    /// The SMTP login for the emailed report.
    Smtp,
    /// The LDAP bind to Active Directory.
    Ldap,
}

impl CredentialName {
    /// Every name, in display order.
    pub const ALL: [CredentialName; 3] = [
        CredentialName::Office365,
        CredentialName::Smtp,
        CredentialName::Ldap,
    ];

    /// The name in commands and in the keyring: `office365`, `smtp`, `ldap`.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialName::Office365 => "office365",
            CredentialName::Smtp => "smtp",
            CredentialName::Ldap => "ldap",
        }
    }

    /// The name in words, for prompts and dialogs.
    pub fn label(self) -> &'static str {
        match self {
            CredentialName::Office365 => "Office 365",
            CredentialName::Smtp => "SMTP",
            CredentialName::Ldap => "LDAP",
        }
    }

    /// What the account is, for prompts.
    pub fn account_prompt(self) -> &'static str {
        match self {
            CredentialName::Office365 => "user name (UPN) or application (client) id",
            CredentialName::Smtp => "SMTP user name",
            CredentialName::Ldap => "bind user (user@domain or DN)",
        }
    }

    /// What the secret is, for prompts.
    pub fn secret_prompt(self) -> &'static str {
        match self {
            CredentialName::Office365 => "password or client secret",
            CredentialName::Smtp => "SMTP password or OAuth2 token",
            CredentialName::Ldap => "bind password",
        }
    }
}

impl fmt::Display for CredentialName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A credential name that RoleSync does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown credential `{given}`: use one of office365, smtp, ldap")]
pub struct UnknownCredentialName {
    /// What was given.
    pub given: String,
}

impl FromStr for CredentialName {
    type Err = UnknownCredentialName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        CredentialName::ALL
            .into_iter()
            .find(|n| n.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| UnknownCredentialName {
                given: s.to_string(),
            })
    }
}

/// An account and its secret. `Debug` shows the account and redacts the secret.
#[derive(Debug, Clone)]
pub struct Credential {
    /// UPN, user name, bind DN or client id. Not secret.
    pub account: String,
    /// Password, client secret or token.
    pub secret: Secret,
}

impl Credential {
    /// A credential.
    pub fn new(account: impl Into<String>, secret: impl Into<Secret>) -> Self {
        Self {
            account: account.into(),
            secret: secret.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s}"), "<redacted>");
        let c = Credential::new("alice@contoso.com", "hunter2");
        let d = format!("{c:?} {c:#?}");
        assert!(!d.contains("hunter2"), "{d}");
        assert!(d.contains("alice@contoso.com"));
        assert_eq!(c.secret.expose(), "hunter2");
    }

    #[test]
    fn names_parse() {
        for n in CredentialName::ALL {
            assert_eq!(n.as_str().parse::<CredentialName>(), Ok(n));
        }
        assert_eq!(" SMTP ".parse(), Ok(CredentialName::Smtp));
        let e = "graph".parse::<CredentialName>().unwrap_err().to_string();
        assert!(
            e.contains("`graph`") && e.contains("office365, smtp, ldap"),
            "{e}"
        );
    }
}
