//! Identifier schemes: immutable ids from AD objectGUIDs, Microsoft's observed role-assignment
//! id scheme, and deterministic ids for derived objects.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use uuid::Uuid;

/// `onPremisesImmutableId` for an AD objectGUID: base64 of the GUID's bytes in the order AD
/// stores them (.NET `Guid.ToByteArray()`: first three fields little-endian).
///
/// ```
/// let g = uuid::Uuid::parse_str("bcd2e574-8d58-4136-a9df-8a19b145db79").unwrap();
/// assert_eq!(rolesync_entra_emulator::immutable_id_from_guid(&g), "dOXSvFiNNkGp34oZsUXbeQ==");
/// ```
pub fn immutable_id_from_guid(guid: &Uuid) -> String {
    STANDARD.encode(guid.to_bytes_le())
}

/// The id Microsoft gives a directory-scope (`/`) role assignment (observed, undocumented):
/// `base64url(roleDefinitionId bytes_le ‖ principalId bytes_le) + "-1"`. Clients must treat
/// ids as opaque. Falls back to a random GUID when either id is not a GUID.
pub fn role_assignment_id(role_definition_id: &str, principal_id: &str) -> String {
    match (
        Uuid::parse_str(role_definition_id),
        Uuid::parse_str(principal_id),
    ) {
        (Ok(r), Ok(p)) => {
            let mut bytes = Vec::with_capacity(32);
            bytes.extend_from_slice(&r.to_bytes_le());
            bytes.extend_from_slice(&p.to_bytes_le());
            format!("{}-1", URL_SAFE_NO_PAD.encode(bytes))
        }
        _ => Uuid::new_v4().to_string(),
    }
}

/// Id of a role assignment at a scope other than `/` (opaque, deterministic).
pub(crate) fn scoped_assignment_id(role: &str, principal: &str, scope: &str) -> String {
    let base = role_assignment_id(role, principal);
    let h = Uuid::new_v5(&Uuid::NAMESPACE_OID, scope.as_bytes());
    format!(
        "{}-{}",
        base.trim_end_matches("-1"),
        &h.simple().to_string()[..8]
    )
}

/// Deterministic id of the legacy `directoryRole` object for a role template in a tenant.
pub(crate) fn directory_role_id(tenant_id: &str, template_id: &str) -> String {
    let ns = Uuid::new_v5(&Uuid::NAMESPACE_URL, tenant_id.as_bytes());
    Uuid::new_v5(&ns, template_id.as_bytes()).to_string()
}

/// A fresh random GUID string.
pub(crate) fn new_guid() -> String {
    Uuid::new_v4().to_string()
}

/// Normalises a GUID string to lower case hyphenated form when it is one.
pub(crate) fn norm(id: &str) -> String {
    match Uuid::parse_str(id) {
        Ok(u) => u.to_string(),
        Err(_) => id.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immutable_id_matches_reference_example() {
        let g = Uuid::parse_str("bcd2e574-8d58-4136-a9df-8a19b145db79").expect("guid");
        assert_eq!(immutable_id_from_guid(&g), "dOXSvFiNNkGp34oZsUXbeQ==");
    }

    #[test]
    fn assignment_id_matches_observed_scheme() {
        // Global Administrator + a principal: the id starts with the role's bytes.
        let id = role_assignment_id(
            "62e90394-69f5-4237-9190-012177145e10",
            "ace08ec9-aa11-4ada-9145-addf0398233e",
        );
        assert_eq!(id, "lAPpYvVpN0KRkAEhdxReEMmO4KwRqtpKkUWt3wOYIz4-1");
    }
}
