//! What the Graph client needs to know about the tenant: where to sign in, as which app
//! registration, how, and where Microsoft Graph is. The client's own type, so that it does not
//! depend on the configuration file's format: the application crate fills it from `[entra]`
//! (see `docs/architecture.md`, "Adapter configuration").

use std::path::PathBuf;
use url::Url;

/// How to sign in to Entra ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// Client credentials with a certificate (file or Windows store).
    Certificate,
    /// Client credentials with a client secret.
    Secret,
    /// Authorization code + PKCE in the system browser (MFA), device code as fallback.
    Interactive,
    /// Device code (MFA).
    DeviceCode,
    /// Resource owner password (legacy, no MFA).
    Password,
}

/// The tenant, the app registration, the sign-in and the endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraConfig {
    /// Tenant id or domain.
    pub tenant: String,
    /// The app registration's client id.
    pub client_id: String,
    /// Sign-in mode.
    pub sign_in: SignIn,
    /// Certificate file (PEM or PFX).
    pub certificate: Option<PathBuf>,
    /// Certificate thumbprint in the Windows store.
    pub certificate_thumbprint: Option<String>,
    /// Account for the password sign-in (and the interactive sign-in's login hint).
    pub username: Option<String>,
    /// Identity platform base URL (`https://login.microsoftonline.com`).
    pub login_url: Url,
    /// Microsoft Graph base URL (`https://graph.microsoft.com`).
    pub graph_url: Url,
}
