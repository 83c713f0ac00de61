//! Errors: Graph error bodies (`error.code/message/innerError`), token-endpoint errors (AADSTS
//! codes) in words that say how to fix them, and their conversion to the engine's `ReadError`.

use rolesync_core::traits::{ReadError, ReadErrorKind};
use serde::Deserialize;

/// `innerError` of a Graph error body (Graph sends `innerError`; older services `innererror`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct InnerError {
    /// `request-id`.
    #[serde(default, rename = "request-id")]
    pub request_id: Option<String>,
    /// `client-request-id`.
    #[serde(default, rename = "client-request-id")]
    pub client_request_id: Option<String>,
    /// `date`.
    #[serde(default)]
    pub date: Option<String>,
}

/// The `error` object of a Graph error response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct GraphErrorBody {
    /// Error code, e.g. `Authorization_RequestDenied`.
    #[serde(default)]
    pub code: String,
    /// Message.
    #[serde(default)]
    pub message: String,
    /// Request ids for support.
    #[serde(default, rename = "innerError", alias = "innererror")]
    pub inner_error: Option<InnerError>,
}

#[derive(Deserialize)]
struct Envelope {
    error: GraphErrorBody,
}

impl GraphErrorBody {
    /// Parses `{"error":{...}}`; `None` when the body is not a Graph error.
    pub fn parse(body: &[u8]) -> Option<GraphErrorBody> {
        serde_json::from_slice::<Envelope>(body)
            .ok()
            .map(|e| e.error)
    }

    /// Parses an already decoded JSON body (a `$batch` item's body).
    pub fn from_value(body: &serde_json::Value) -> Option<GraphErrorBody> {
        serde_json::from_value::<Envelope>(body.clone())
            .ok()
            .map(|e| e.error)
    }
}

/// A failed Graph call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// Graph answered with an error status.
    #[error("Microsoft Graph answered {status} {code}: {message}{}", request_id.as_ref().map(|r| format!(" (request-id {r})")).unwrap_or_default())]
    Api {
        /// HTTP status.
        status: u16,
        /// Graph error code (empty when the body had none).
        code: String,
        /// Graph error message.
        message: String,
        /// `request-id` for Microsoft support.
        request_id: Option<String>,
    },
    /// No answer: connection refused or dropped, TLS failure, timeout.
    #[error("cannot reach Microsoft Graph: {0}")]
    Transport(String),
    /// An answer RoleSync cannot read.
    #[error("Microsoft Graph sent a response RoleSync cannot read: {0}")]
    Decode(String),
    /// Retries used up (attempts or total time).
    #[error("gave up after {attempts} attempt(s) over {seconds} s; the last failure: {last}")]
    GaveUp {
        /// Attempts made.
        attempts: u32,
        /// Seconds spent.
        seconds: u64,
        /// The last failure.
        last: Box<GraphError>,
    },
    /// Signing in failed.
    #[error("signing in to Entra ID failed: {0}")]
    SignIn(#[from] AuthError),
    /// A link in an answer (`@odata.nextLink`) leads away from the Graph endpoint: not followed,
    /// and nothing was sent to it.
    #[error("an answer from Microsoft Graph links to {link_origin}, not to {graph_origin}; the link was not followed and no token was sent to it")]
    ForeignLink {
        /// Where the link leads.
        link_origin: String,
        /// The configured Graph endpoint.
        graph_origin: String,
    },
    /// Paging that does not end (a repeated or ever-growing next link, too many pages).
    #[error("Microsoft Graph's paging does not end: {0}")]
    Paging(String),
    /// An answer larger than any answer to RoleSync's requests can be.
    #[error("{what} is {bytes} bytes or more, over the {limit}-byte limit; it was not read")]
    TooLarge {
        /// What was being read.
        what: String,
        /// Its size (announced, or read so far).
        bytes: u64,
        /// The limit.
        limit: usize,
    },
}

impl GraphError {
    /// Builds the error for a non-success response.
    pub fn from_response(status: u16, body: &[u8], request_id: Option<String>) -> GraphError {
        match GraphErrorBody::parse(body) {
            Some(b) => GraphError::Api {
                status,
                request_id: request_id.or_else(|| b.inner_error.and_then(|i| i.request_id)),
                code: b.code,
                message: b.message,
            },
            None => GraphError::Api {
                status,
                code: String::new(),
                message: String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned(),
                request_id,
            },
        }
    }

    /// The innermost error (past `GaveUp`).
    pub fn root(&self) -> &GraphError {
        match self {
            GraphError::GaveUp { last, .. } => last.root(),
            other => other,
        }
    }

    /// A `ReadError` naming what failed (`what`, e.g. "reading role assignments of Exchange
    /// Administrator") and the fix.
    pub fn to_read_error(&self, what: &str) -> ReadError {
        ReadError::of(
            self.read_kind(),
            format!("{what} failed: {self}{}", self.hint()),
        )
    }

    /// The kind of read failure: from the innermost error's status or transport failure.
    pub fn read_kind(&self) -> ReadErrorKind {
        match self.root() {
            GraphError::SignIn(_) | GraphError::Api { status: 401, .. } => ReadErrorKind::SignIn,
            GraphError::Api { status: 403, .. } => ReadErrorKind::Permission,
            GraphError::Api { status: 404, .. } => ReadErrorKind::NotFound,
            GraphError::Api { status: 429, .. } => ReadErrorKind::Throttled,
            GraphError::Api {
                status: 502..=504, ..
            }
            | GraphError::Transport(_) => ReadErrorKind::Network,
            _ => ReadErrorKind::Other,
        }
    }

    /// The fix, in words, for the common failures.
    pub fn hint(&self) -> String {
        match self.root() {
            GraphError::Api { status: 403, code, .. } if code == "Authorization_IdentityNotFound" => {
                "; the app has no service principal in this tenant: an administrator must consent to the app once (Enterprise applications → grant admin consent)".into()
            }
            GraphError::Api { status: 403, .. } => {
                "; the app lacks RoleManagement.ReadWrite.Directory (and User.Read.All, RoleEligibilitySchedule.ReadWrite.Directory, RoleAssignmentSchedule.ReadWrite.Directory for PIM); grant them admin consent — for interactive sign-in the user must also be at least Privileged Role Administrator".into()
            }
            GraphError::Api { status: 401, .. } => {
                "; the access token was rejected: check entra.tenant and that entra.login_url and entra.graph_url belong to the same cloud".into()
            }
            GraphError::Api { status: 429, .. } => {
                "; Microsoft Graph kept throttling: run again later, or at a quieter time".into()
            }
            GraphError::Transport(_) => {
                "; check the network, proxy and entra.graph_url (and the CA file when a TLS-inspecting proxy is in the way)".into()
            }
            _ => String::new(),
        }
    }
}

/// What kind of sign-in failure, for callers that react (e.g. fall back to device code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthErrorKind {
    /// Wrong password, secret, certificate or unknown user.
    InvalidCredentials,
    /// MFA is required and the flow cannot do it (ROPC).
    MfaRequired,
    /// The app registration is not found or misconfigured.
    App,
    /// Consent or permission missing.
    Consent,
    /// The request (scope, redirect URI, grant) is invalid.
    Request,
    /// The user declined, or the code expired.
    Declined,
    /// The user account cannot sign in (locked, disabled, password expired).
    Account,
    /// The sign-in took too long or was cancelled.
    Cancelled,
    /// No browser could be opened for an interactive sign-in.
    NoBrowser,
    /// The identity platform could not be reached.
    Network,
    /// Local configuration: certificate file, key, password.
    Config,
    /// Anything else.
    Other,
}

/// A sign-in failure in words, with the AADSTS code when the identity platform sent one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AuthError {
    /// The kind.
    pub kind: AuthErrorKind,
    /// OAuth error (`invalid_grant`, …) when there was one.
    pub error: Option<String>,
    /// The AADSTS code.
    pub aadsts: Option<u32>,
    /// What failed and how to fix it.
    pub message: String,
}

impl AuthError {
    /// An error of this kind.
    pub fn new(kind: AuthErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            error: None,
            aadsts: None,
            message: message.into(),
        }
    }

    /// As the engine's read error (exit code 4).
    pub fn to_read_error(&self) -> ReadError {
        ReadError::of(
            ReadErrorKind::SignIn,
            format!("signing in to Entra ID failed: {}", self.message),
        )
    }
}

impl From<AuthError> for ReadError {
    fn from(e: AuthError) -> Self {
        e.to_read_error()
    }
}

/// A token-endpoint error body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TokenErrorBody {
    /// OAuth error, e.g. `invalid_grant`.
    #[serde(default)]
    pub error: String,
    /// Description starting with `AADSTS<code>: `.
    #[serde(default)]
    pub error_description: String,
    /// AADSTS codes.
    #[serde(default)]
    pub error_codes: Vec<u32>,
    /// Trace id.
    #[serde(default)]
    pub trace_id: Option<String>,
    /// Correlation id.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// Timestamp.
    #[serde(default)]
    pub timestamp: Option<String>,
}

impl TokenErrorBody {
    /// The AADSTS code: from `error_codes`, else from the description.
    pub fn code(&self) -> Option<u32> {
        self.error_codes.first().copied().or_else(|| {
            let rest = self.error_description.strip_prefix("AADSTS")?;
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
    }

    /// The first line of the description (without the trace ids).
    pub fn summary(&self) -> &str {
        self.error_description
            .lines()
            .next()
            .unwrap_or("")
            .trim_end_matches('\r')
    }

    /// Converts to an error in words.
    pub fn to_auth_error(&self) -> AuthError {
        let code = self.code();
        let (kind, words) = match code.and_then(aadsts_words) {
            Some((k, w)) => (k, w.to_owned()),
            None => match self.error.as_str() {
                "authorization_declined" | "access_denied" => (AuthErrorKind::Declined, "the sign-in was declined".to_owned()),
                "expired_token" => (AuthErrorKind::Declined, "the device code expired before the sign-in was completed; start again and finish it within the time shown".to_owned()),
                "invalid_client" | "unauthorized_client" => (AuthErrorKind::App, "the identity platform rejected the app's credentials".to_owned()),
                "invalid_scope" => (AuthErrorKind::Request, "the requested permission scope is not valid".to_owned()),
                _ => (AuthErrorKind::Other, "the identity platform refused the sign-in".to_owned()),
            },
        };
        let detail = self.summary();
        let message = if detail.is_empty() {
            format!("{words} ({})", self.error)
        } else {
            format!("{words} — {detail}")
        };
        AuthError {
            kind,
            error: Some(self.error.clone()),
            aadsts: code,
            message,
        }
    }
}

/// Words and a fix for the AADSTS codes an admin meets.
pub fn aadsts_words(code: u32) -> Option<(AuthErrorKind, &'static str)> {
    use AuthErrorKind::*;
    Some(match code {
        50126 => (InvalidCredentials, "wrong user name or password (AADSTS50126); check the account in entra.username and the saved password (forget it and enter it again)"),
        50034 => (InvalidCredentials, "the user account does not exist in this tenant (AADSTS50034); check entra.username and entra.tenant"),
        50053 => (Account, "the account is locked after too many failed sign-ins (AADSTS50053); wait, or have an administrator unlock it"),
        50057 => (Account, "the user account is disabled (AADSTS50057); use an enabled account"),
        50055 => (Account, "the password has expired (AADSTS50055); change it, then sign in again"),
        50076 | 50079 => (MfaRequired, "this account must use multi-factor authentication, which the password sign-in cannot do (AADSTS50076/50079); use sign_in = \"interactive\" or \"device-code\", or app-only sign-in with a certificate for scheduled runs"),
        50158 => (MfaRequired, "an external security challenge (Conditional Access) must be satisfied (AADSTS50158); use interactive sign-in"),
        53003 => (Consent, "Conditional Access blocked the sign-in (AADSTS53003); ask an administrator which policy applies"),
        7000215 => (InvalidCredentials, "the client secret is wrong (AADSTS7000215); use the secret's Value (not its Secret ID) from the app registration's Certificates & secrets, and save it again"),
        7000222 => (InvalidCredentials, "the client secret has expired (AADSTS7000222); create a new secret in the app registration and save it"),
        700027 => (InvalidCredentials, "the certificate was not accepted (AADSTS700027); upload the certificate's public part to the app registration's Certificates & secrets, and check that the private key belongs to it"),
        7000218 => (App, "the app registration needs a client secret or certificate for this sign-in (AADSTS7000218); use app-only sign-in with a credential, or enable 'Allow public client flows' for interactive, device-code and password sign-in"),
        700016 => (App, "the application (client id) was not found in this tenant (AADSTS700016); check entra.client_id and entra.tenant, and that an administrator consented to the app"),
        90002 | 90023 => (App, "the tenant was not found (AADSTS90002); check entra.tenant (tenant id or a verified domain) and entra.login_url"),
        65001 => (Consent, "the app has no consent for the requested permissions (AADSTS65001); an administrator must grant admin consent to the app's API permissions"),
        70011 => (Request, "the requested scope is not valid (AADSTS70011); RoleSync asks for https://graph.microsoft.com/.default — check entra.graph_url"),
        500011 => (App, "the resource (Microsoft Graph) is not known in this tenant (AADSTS500011); check entra.graph_url for your cloud"),
        50011 => (Request, "the redirect URI is not registered (AADSTS50011); add http://localhost as a 'Mobile and desktop applications' redirect URI of the app registration"),
        50148 | 501481 => (Request, "the PKCE code verifier did not match (AADSTS501481); start the sign-in again"),
        70000 => (Declined, "the grant is not valid: declined, or issued to another app (AADSTS70000); sign in again"),
        70008 | 700082 => (Declined, "the sign-in has expired (AADSTS70008); sign in again"),
        70016 => (Declined, "the device-code sign-in is still pending (AADSTS70016)"),
        70019 | 70020 => (Declined, "the device code expired or is unknown (AADSTS70020); start the device-code sign-in again and finish it within the time shown"),
        9002313 => (Declined, "the saved sign-in (refresh token) is no longer valid (AADSTS9002313); sign in again"),
        50058 => (Request, "no user is signed in to the browser (AADSTS50058); sign in when the browser asks"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_error_accepts_both_inner_error_spellings() {
        let a = br#"{"error":{"code":"X","message":"m","innerError":{"request-id":"r1"}}}"#;
        let b = br#"{"error":{"code":"X","message":"m","innererror":{"request-id":"r2"}}}"#;
        assert_eq!(
            GraphErrorBody::parse(a)
                .and_then(|e| e.inner_error)
                .and_then(|i| i.request_id),
            Some("r1".into())
        );
        assert_eq!(
            GraphErrorBody::parse(b)
                .and_then(|e| e.inner_error)
                .and_then(|i| i.request_id),
            Some("r2".into())
        );
    }

    #[test]
    fn read_errors_carry_the_kind_of_the_innermost_failure() {
        let api = |status| GraphError::Api {
            status,
            code: String::new(),
            message: String::new(),
            request_id: None,
        };
        let gave_up = GraphError::GaveUp {
            attempts: 5,
            seconds: 60,
            last: Box::new(api(429)),
        };
        let cases = [
            (api(401), ReadErrorKind::SignIn),
            (api(403), ReadErrorKind::Permission),
            (api(404), ReadErrorKind::NotFound),
            (gave_up, ReadErrorKind::Throttled),
            (api(503), ReadErrorKind::Network),
            (
                GraphError::Transport("refused".into()),
                ReadErrorKind::Network,
            ),
            (GraphError::Decode("x".into()), ReadErrorKind::Other),
        ];
        for (e, kind) in cases {
            assert_eq!(e.to_read_error("reading").kind, kind, "{e}");
        }
        let auth = AuthError::new(AuthErrorKind::InvalidCredentials, "wrong secret");
        assert_eq!(ReadError::from(auth).kind, ReadErrorKind::SignIn);
    }

    #[test]
    fn aadsts_code_from_description_when_codes_missing() {
        let t = TokenErrorBody {
            error: "invalid_client".into(),
            error_description: "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x"
                .into(),
            ..Default::default()
        };
        let e = t.to_auth_error();
        assert_eq!(e.aadsts, Some(7000215));
        assert!(
            e.message.contains("client secret is wrong"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("Trace ID"));
    }
}
