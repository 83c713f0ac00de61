//! Finding a tenant before anything is registered in it: the identity platform's OpenID Connect
//! discovery document (`GET {login}/{tenant}/v2.0/.well-known/openid-configuration`, "OpenID
//! Connect on the Microsoft identity platform",
//! <https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc>) names the tenant's id
//! in its `issuer` (`https://login.microsoftonline.com/{tenant id}/v2.0`). An unknown tenant is
//! answered with AADSTS90002, in words here.

use crate::error::{AuthError, AuthErrorKind, TokenErrorBody};
use std::path::Path;
use std::time::Duration;
use url::Url;

/// The tenant id (a GUID) of `tenant` (an id or a verified domain).
pub async fn tenant_id(
    login_url: &Url,
    tenant: &str,
    ca_file: Option<&Path>,
) -> Result<String, AuthError> {
    let http = crate::http::http_client(ca_file, Duration::from_secs(30))
        .map_err(|e| AuthError::new(AuthErrorKind::Config, e))?;
    let base = login_url.as_str().trim_end_matches('/');
    let url = format!(
        "{base}/{}/v2.0/.well-known/openid-configuration",
        tenant.trim()
    );
    let network = |e: reqwest::Error| {
        AuthError::new(
            AuthErrorKind::Network,
            format!("cannot reach {base} to look up the tenant {tenant}: {e}; check the network (and a proxy), or entra.login_url"),
        )
    };
    let resp = http.get(&url).send().await.map_err(network)?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(network)?;
    if !status.is_success() {
        return Err(match serde_json::from_slice::<TokenErrorBody>(&body) {
            Ok(e) => e.to_auth_error(),
            Err(_) => AuthError::new(
                AuthErrorKind::Other,
                format!("looking up the tenant {tenant} at {base} failed with HTTP {status}"),
            ),
        });
    }
    let doc: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        AuthError::new(
            AuthErrorKind::Other,
            format!("{url} did not return a discovery document ({e}); check entra.login_url"),
        )
    })?;
    issuer_tenant(doc["issuer"].as_str().unwrap_or_default()).ok_or_else(|| {
        AuthError::new(
            AuthErrorKind::Other,
            format!("the discovery document of {tenant} names no tenant id in its issuer"),
        )
    })
}

/// The tenant id in an issuer URL (`https://login.microsoftonline.com/{id}/v2.0`).
pub fn issuer_tenant(issuer: &str) -> Option<String> {
    let url = Url::parse(issuer).ok()?;
    let id = url.path_segments()?.next()?.to_ascii_lowercase();
    let ok = id.len() == 36
        && id.chars().enumerate().all(|(i, c)| {
            matches!(i, 8 | 13 | 18 | 23) == (c == '-') && (c == '-' || c.is_ascii_hexdigit())
        });
    ok.then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tenant_id_is_read_from_the_issuer() {
        assert_eq!(
            issuer_tenant(
                "https://login.microsoftonline.com/8F3C1D2E-5A6B-4C7D-9E8F-0A1B2C3D4E5F/v2.0"
            )
            .as_deref(),
            Some("8f3c1d2e-5a6b-4c7d-9e8f-0a1b2c3d4e5f")
        );
        assert_eq!(
            issuer_tenant("https://login.microsoftonline.com/{tenantid}/v2.0"),
            None
        );
        assert_eq!(issuer_tenant("not a url"), None);
    }
}
