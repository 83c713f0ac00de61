//! Identifier newtypes: AD object GUIDs and SIDs in their wire forms, Entra object and role ids,
//! and case-insensitive AD names (distinguished names, UPNs).

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// Error for an identifier that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} `{value}` is not valid: {why}")]
pub struct IdError {
    kind: &'static str,
    value: String,
    why: &'static str,
}

/// An AD `objectGUID` (or `mS-DS-ConsistencyGuid`).
///
/// Stored as the 16 bytes exactly as AD stores them: the first three fields little-endian, as .NET
/// `Guid.ToByteArray()` returns them. Displayed in the usual text form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectGuid([u8; 16]);

impl ObjectGuid {
    /// From the raw attribute bytes as AD returns them over LDAP.
    pub fn from_ad_bytes(bytes: &[u8]) -> Result<Self, IdError> {
        let arr: [u8; 16] = bytes.try_into().map_err(|_| IdError {
            kind: "objectGUID",
            value: format!("{} bytes", bytes.len()),
            why: "an object GUID has exactly 16 bytes",
        })?;
        Ok(Self(arr))
    }

    /// The raw bytes in AD order.
    pub fn ad_bytes(&self) -> [u8; 16] {
        self.0
    }

    /// Entra ID's `onPremisesImmutableId` for this anchor: base64 of the AD bytes.
    pub fn immutable_id(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }

    /// Parses an `onPremisesImmutableId` back into the GUID it encodes, if it encodes one.
    pub fn from_immutable_id(value: &str) -> Option<Self> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .ok()?;
        Self::from_ad_bytes(&bytes).ok()
    }

    /// Parses the text form `bcd2e574-8d58-4136-a9df-8a19b145db79` (braces allowed).
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let err = |why| IdError {
            kind: "GUID",
            value: text.to_string(),
            why,
        };
        let t = text.trim().trim_start_matches('{').trim_end_matches('}');
        let hex: String = t.chars().filter(|c| *c != '-').collect();
        let groups: Vec<usize> = t.split('-').map(str::len).collect();
        if hex.len() != 32 || groups != [8, 4, 4, 4, 12] {
            return Err(err(
                "expected the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
            ));
        }
        let mut be = [0u8; 16];
        for (i, b) in be.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16)
                .map_err(|_| err("contains a character that is not hexadecimal"))?;
        }
        Ok(Self(swap_guid_fields(be)))
    }
}

/// Converts between the text (big-endian) byte order and AD's mixed-endian order; it is its own inverse.
fn swap_guid_fields(b: [u8; 16]) -> [u8; 16] {
    let mut o = b;
    o[0..4].reverse();
    o[4..6].reverse();
    o[6..8].reverse();
    o
}

impl fmt::Display for ObjectGuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = swap_guid_fields(self.0);
        for (i, byte) in b.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ObjectGuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectGuid({self})")
    }
}

impl Serialize for ObjectGuid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ObjectGuid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A Windows security identifier in its canonical text form `S-1-5-21-…`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sid(String);

impl Sid {
    /// Decodes the binary `objectSid` attribute.
    pub fn from_bytes(b: &[u8]) -> Result<Self, IdError> {
        let err = |why| IdError {
            kind: "objectSid",
            value: format!("{} bytes", b.len()),
            why,
        };
        if b.len() < 8 {
            return Err(err("a SID has at least 8 bytes"));
        }
        let count = b[1] as usize;
        if b.len() != 8 + 4 * count {
            return Err(err("the sub-authority count does not match the length"));
        }
        let authority = b[2..8].iter().fold(0u64, |acc, x| (acc << 8) | *x as u64);
        let mut s = format!("S-{}-{}", b[0], authority);
        for i in 0..count {
            let o = 8 + 4 * i;
            let sub = u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
            s.push_str(&format!("-{sub}"));
        }
        Ok(Self(s))
    }

    /// Encodes the SID in the binary form AD stores.
    pub fn to_bytes(&self) -> Vec<u8> {
        let parts: Vec<u64> = self.0[2..]
            .split('-')
            .filter_map(|p| p.parse().ok())
            .collect();
        let mut out = vec![parts[0] as u8, (parts.len() - 2) as u8];
        out.extend_from_slice(&parts[1].to_be_bytes()[2..8]);
        for sub in &parts[2..] {
            out.extend_from_slice(&(*sub as u32).to_le_bytes());
        }
        out
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let t = text.trim();
        let upper = t.to_ascii_uppercase();
        let ok = upper.starts_with("S-1-")
            && upper[2..]
                .split('-')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            && upper[2..].split('-').count() >= 2
            && upper[2..].split('-').count() <= 17;
        if !ok {
            return Err(IdError {
                kind: "SID",
                value: text.to_string(),
                why: "expected the form S-1-5-21-…",
            });
        }
        Ok(Self(upper))
    }

    /// The text form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sid {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}

impl From<Sid> for String {
    fn from(s: Sid) -> String {
        s.0
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sid({})", self.0)
    }
}

/// Defines a string identifier that compares, hashes and orders without regard to ASCII case,
/// and keeps the spelling it was given for display.
macro_rules! caseless_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[derive(Clone, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value (surrounding white space removed).
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into().trim().to_string())
            }
            /// The value as given.
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// The value in lower case, for keys.
            pub fn folded(&self) -> String {
                self.0.to_ascii_lowercase()
            }
        }
        impl PartialEq for $name {
            fn eq(&self, o: &Self) -> bool {
                self.0.eq_ignore_ascii_case(&o.0)
            }
        }
        impl Eq for $name {}
        impl Hash for $name {
            fn hash<H: Hasher>(&self, h: &mut H) {
                for b in self.0.bytes() {
                    h.write_u8(b.to_ascii_lowercase());
                }
            }
        }
        impl PartialOrd for $name {
            fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
                Some(self.cmp(o))
            }
        }
        impl Ord for $name {
            fn cmp(&self, o: &Self) -> Ordering {
                self.folded().cmp(&o.folded())
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }
        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::new(s)
            }
        }
    };
}

caseless_id!(
    /// An AD distinguished name, e.g. `CN=Exchange Administrator,OU=Office 365 Roles Management,DC=contoso,DC=com`.
    Dn
);
caseless_id!(
    /// A user principal name (`alice@contoso.com`).
    Upn
);
caseless_id!(
    /// An Entra directory object id (a GUID in text form).
    EntraObjectId
);
caseless_id!(
    /// A `unifiedRoleDefinition` id; for built-in roles it equals the role template id.
    RoleDefinitionId
);
caseless_id!(
    /// Where a role assignment applies (`unifiedRoleAssignment.directoryScopeId`): `/` for the
    /// whole tenant, `/administrativeUnits/{id}` for an administrative unit.
    DirectoryScopeId
);

impl DirectoryScopeId {
    /// The whole tenant: `/`.
    pub fn tenant() -> Self {
        Self::new("/")
    }

    /// An administrative unit's scope: `/administrativeUnits/{id}`.
    pub fn administrative_unit(id: &str) -> Self {
        Self::new(format!("/administrativeUnits/{}", id.trim()))
    }

    /// Whether this is the whole tenant (`/`).
    pub fn is_tenant(&self) -> bool {
        self.0 == "/"
    }

    /// The administrative unit's id, for an administrative-unit scope.
    pub fn administrative_unit_id(&self) -> Option<&str> {
        let (kind, id) = self.0.strip_prefix('/')?.split_once('/')?;
        (kind.eq_ignore_ascii_case("administrativeUnits") && !id.is_empty() && !id.contains('/'))
            .then_some(id)
    }
}

impl Default for DirectoryScopeId {
    fn default() -> Self {
        Self::tenant()
    }
}

impl Dn {
    /// Whether this DN lies at or below `base` (compared without regard to case or spaces after commas).
    pub fn is_within(&self, base: &Dn) -> bool {
        let me = normalise_dn(&self.0);
        let b = normalise_dn(&base.0);
        me == b || me.ends_with(&format!(",{b}"))
    }

    /// The value of the first RDN (`CN=Exchange Administrator,…` → `Exchange Administrator`).
    pub fn first_rdn_value(&self) -> &str {
        let first = split_dn(&self.0).next().unwrap_or("");
        first
            .split_once('=')
            .map(|(_, v)| v.trim())
            .unwrap_or(first)
    }
}

impl Upn {
    /// The part after `@`, if any.
    pub fn suffix(&self) -> Option<&str> {
        self.0.rsplit_once('@').map(|(_, d)| d)
    }
}

/// Splits a DN on unescaped commas.
fn split_dn(dn: &str) -> impl Iterator<Item = &str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes = dn.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b',' => {
                parts.push(&dn[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&dn[start..]);
    parts.into_iter()
}

fn normalise_dn(dn: &str) -> String {
    split_dn(dn)
        .map(|p| p.trim().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

/// The template id of the Global Administrator role, which the planner never leaves empty.
pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immutable_id_matches_microsoft_example() {
        let g = ObjectGuid::parse("bcd2e574-8d58-4136-a9df-8a19b145db79").unwrap();
        assert_eq!(
            g.ad_bytes(),
            [
                0x74, 0xE5, 0xD2, 0xBC, 0x58, 0x8D, 0x36, 0x41, 0xA9, 0xDF, 0x8A, 0x19, 0xB1, 0x45,
                0xDB, 0x79
            ]
        );
        assert_eq!(g.immutable_id(), "dOXSvFiNNkGp34oZsUXbeQ==");
        assert_eq!(g.to_string(), "bcd2e574-8d58-4136-a9df-8a19b145db79");
        assert_eq!(
            ObjectGuid::from_immutable_id("dOXSvFiNNkGp34oZsUXbeQ=="),
            Some(g)
        );
    }

    #[test]
    fn bad_guid_is_rejected() {
        assert!(ObjectGuid::parse("bcd2e574-8d58-4136-a9df").is_err());
        assert!(ObjectGuid::parse("zcd2e574-8d58-4136-a9df-8a19b145db79").is_err());
        assert!(ObjectGuid::from_ad_bytes(&[1, 2, 3]).is_err());
    }

    #[test]
    fn sid_round_trips_binary_form() {
        let s = Sid::parse("S-1-5-21-1004336348-1177238915-682003330-1114").unwrap();
        let b = s.to_bytes();
        assert_eq!(b.len(), 28);
        assert_eq!(Sid::from_bytes(&b).unwrap(), s);
        assert!(Sid::parse("S-1-x").is_err());
        assert!(Sid::from_bytes(&b[..20]).is_err());
    }

    #[test]
    fn directory_scopes() {
        assert!(DirectoryScopeId::tenant().is_tenant());
        assert!(DirectoryScopeId::default().is_tenant());
        let au = DirectoryScopeId::administrative_unit("7b0f5e3a-0000-4000-8000-000000000001");
        assert_eq!(
            au.as_str(),
            "/administrativeUnits/7b0f5e3a-0000-4000-8000-000000000001"
        );
        assert_eq!(
            DirectoryScopeId::new("/AdministrativeUnits/7B0F5E3A-0000-4000-8000-000000000001"),
            au
        );
        assert_eq!(
            au.administrative_unit_id(),
            Some("7b0f5e3a-0000-4000-8000-000000000001")
        );
        assert!(!au.is_tenant());
        assert_eq!(
            DirectoryScopeId::new("/app-object-id").administrative_unit_id(),
            None
        );
    }

    #[test]
    fn names_compare_without_case() {
        assert_eq!(Upn::new("Alice@Contoso.com"), Upn::new("alice@contoso.COM"));
        let ou = Dn::new("OU=Office 365 Roles Management,DC=contoso,DC=com");
        let g =
            Dn::new("CN=Exchange Administrator, ou=office 365 roles management,dc=Contoso,DC=com");
        assert!(g.is_within(&ou));
        assert!(!ou.is_within(&g));
        assert!(!Dn::new("CN=x,OU=Other,DC=contoso,DC=com").is_within(&ou));
        assert_eq!(g.first_rdn_value(), "Exchange Administrator");
        assert_eq!(
            Dn::new(r"CN=Smith\, John,DC=x").first_rdn_value(),
            r"Smith\, John"
        );
    }
}
