//! Well-known security identifiers: their names ([MS-DTYP] 2.4.2.4 "Well-Known SID Structures"),
//! which of them stand for (nearly) every account, and the Tier-0 trustees whose control of the
//! role groups is expected and not reported.

use crate::ids::Sid;

/// Names of well-known SIDs that are the same in every domain.
const FIXED: &[(&str, &str)] = &[
    ("S-1-1-0", "Everyone"),
    ("S-1-3-0", "CREATOR OWNER"),
    ("S-1-3-4", "OWNER RIGHTS"),
    ("S-1-5-2", "NETWORK"),
    ("S-1-5-4", "INTERACTIVE"),
    ("S-1-5-7", "ANONYMOUS LOGON"),
    ("S-1-5-9", "Enterprise Domain Controllers"),
    ("S-1-5-10", "SELF"),
    ("S-1-5-11", "Authenticated Users"),
    ("S-1-5-18", "SYSTEM"),
    ("S-1-5-32-544", "Administrators"),
    ("S-1-5-32-545", "Users"),
    ("S-1-5-32-546", "Guests"),
    ("S-1-5-32-548", "Account Operators"),
    ("S-1-5-32-549", "Server Operators"),
    ("S-1-5-32-550", "Print Operators"),
    ("S-1-5-32-551", "Backup Operators"),
    ("S-1-5-32-554", "Pre-Windows 2000 Compatible Access"),
    ("S-1-5-32-560", "Windows Authorization Access Group"),
];

/// Names of the relative identifiers of a domain's well-known groups (`S-1-5-21-…-RID`).
const DOMAIN_RIDS: &[(u32, &str)] = &[
    (498, "Enterprise Read-only Domain Controllers"),
    (500, "Administrator"),
    (512, "Domain Admins"),
    (513, "Domain Users"),
    (514, "Domain Guests"),
    (515, "Domain Computers"),
    (516, "Domain Controllers"),
    (517, "Cert Publishers"),
    (518, "Schema Admins"),
    (519, "Enterprise Admins"),
    (520, "Group Policy Creator Owners"),
    (521, "Read-only Domain Controllers"),
    (526, "Key Admins"),
    (527, "Enterprise Key Admins"),
];

/// SIDs that stand for every (or nearly every) account: a right they hold is held by all.
const BROAD_FIXED: &[&str] = &[
    "S-1-1-0",
    "S-1-5-2",
    "S-1-5-4",
    "S-1-5-7",
    "S-1-5-11",
    "S-1-5-32-545",
    "S-1-5-32-546",
    "S-1-5-32-554",
];
const BROAD_RIDS: &[u32] = &[513, 514, 515];

/// SIDs that name no principal of their own on an object's DACL: `SELF` (the object itself, a
/// group here, which cannot act) and `CREATOR OWNER` (replaced when inherited).
const PLACEHOLDERS: &[&str] = &["S-1-5-10", "S-1-3-0"];

/// `OWNER RIGHTS`: an ACE for it gives the owner exactly its rights ([MS-DTYP] 2.5.3.2).
pub const OWNER_RIGHTS: &str = "S-1-3-4";

/// The Tier-0 trustees not reported when none are configured (`[exposure] expected`).
pub const DEFAULT_EXPECTED: &[&str] = &[
    "Domain Admins",
    "Enterprise Admins",
    "Administrators",
    "SYSTEM",
    "Domain Controllers",
    "Enterprise Domain Controllers",
];

/// The relative identifier of a domain SID (`S-1-5-21-a-b-c-RID`).
pub fn domain_rid(sid: &Sid) -> Option<u32> {
    let parts: Vec<&str> = sid.as_str().split('-').collect();
    if parts.len() == 8 && parts[1] == "1" && parts[2] == "5" && parts[3] == "21" {
        parts[7].parse().ok()
    } else {
        None
    }
}

/// The name of a well-known SID.
pub fn name(sid: &Sid) -> Option<&'static str> {
    FIXED
        .iter()
        .find(|(s, _)| sid.as_str().eq_ignore_ascii_case(s))
        .map(|(_, n)| *n)
        .or_else(|| {
            let rid = domain_rid(sid)?;
            DOMAIN_RIDS.iter().find(|(r, _)| *r == rid).map(|(_, n)| *n)
        })
}

/// Whether a right held by this SID is held by every account (or nearly).
pub fn is_broad(sid: &Sid) -> bool {
    BROAD_FIXED
        .iter()
        .any(|s| sid.as_str().eq_ignore_ascii_case(s))
        || domain_rid(sid).is_some_and(|r| BROAD_RIDS.contains(&r))
}

/// Whether the SID is a placeholder that names no principal on this object (SELF, CREATOR OWNER).
pub fn is_placeholder(sid: &Sid) -> bool {
    PLACEHOLDERS
        .iter()
        .any(|s| sid.as_str().eq_ignore_ascii_case(s))
}

/// What an `[exposure] expected` entry matches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Matcher {
    /// This SID.
    Sid(String),
    /// A domain group by relative identifier, in any domain (Domain Admins: 512).
    Rid(u32),
    /// A principal with this DN.
    Dn(String),
    /// A principal with this name (sAMAccountName or cn), without case.
    Name(String),
}

/// The expected Tier-0 trustees: SIDs, DNs, names, and the well-known names of groups
/// (`Domain Admins` is every domain's `…-512`, whatever the directory's language calls it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    entries: Vec<(String, Matcher)>,
}

impl Expected {
    /// From configured entries (a SID `S-1-…`, a DN, a well-known name or an account name).
    pub fn new(entries: &[String]) -> Self {
        let entries = entries
            .iter()
            .map(|e| {
                let t = e.trim();
                let m = if t.to_ascii_uppercase().starts_with("S-1-") {
                    Matcher::Sid(t.to_ascii_uppercase())
                } else if t.contains('=') {
                    Matcher::Dn(crate::ids::Dn::new(t).folded())
                } else if let Some((s, _)) = FIXED.iter().find(|(_, n)| n.eq_ignore_ascii_case(t)) {
                    Matcher::Sid((*s).to_string())
                } else if let Some((r, _)) =
                    DOMAIN_RIDS.iter().find(|(_, n)| n.eq_ignore_ascii_case(t))
                {
                    Matcher::Rid(*r)
                } else {
                    Matcher::Name(t.to_ascii_lowercase())
                };
                (t.to_string(), m)
            })
            .collect();
        Self { entries }
    }

    /// The built-in list ([`DEFAULT_EXPECTED`]).
    pub fn defaults() -> Self {
        let v: Vec<String> = DEFAULT_EXPECTED.iter().map(|s| (*s).to_string()).collect();
        Self::new(&v)
    }

    /// The entries as configured.
    pub fn names(&self) -> Vec<String> {
        self.entries.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Whether a principal (by SID, DN and names) is expected.
    pub fn matches(&self, sid: Option<&Sid>, dn: Option<&crate::ids::Dn>, names: &[&str]) -> bool {
        self.entries.iter().any(|(_, m)| match m {
            Matcher::Sid(s) => sid.is_some_and(|x| x.as_str().eq_ignore_ascii_case(s)),
            Matcher::Rid(r) => sid.and_then(domain_rid) == Some(*r),
            Matcher::Dn(d) => dn.is_some_and(|x| x.folded() == *d),
            Matcher::Name(n) => names.iter().any(|x| x.eq_ignore_ascii_case(n)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sid(s: &str) -> Sid {
        Sid::parse(s).unwrap()
    }

    #[test]
    fn well_known_sids_are_named_and_broad_ones_known() {
        assert_eq!(name(&sid("S-1-1-0")), Some("Everyone"));
        assert_eq!(name(&sid("S-1-5-21-1-2-3-512")), Some("Domain Admins"));
        assert_eq!(name(&sid("S-1-5-21-1-2-3-1105")), None);
        assert!(is_broad(&sid("S-1-5-11")));
        assert!(is_broad(&sid("S-1-5-21-1-2-3-513")));
        assert!(!is_broad(&sid("S-1-5-21-1-2-3-512")));
        assert!(is_placeholder(&sid("S-1-5-10")));
        assert_eq!(domain_rid(&sid("S-1-5-32-544")), None);
    }

    #[test]
    fn expected_entries_match_by_sid_rid_dn_and_name() {
        let e = Expected::defaults();
        assert!(e.matches(Some(&sid("S-1-5-21-9-8-7-512")), None, &[]));
        assert!(e.matches(Some(&sid("S-1-5-32-544")), None, &[]));
        assert!(e.matches(Some(&sid("S-1-5-18")), None, &[]));
        assert!(e.matches(Some(&sid("S-1-5-9")), None, &[]));
        assert!(!e.matches(Some(&sid("S-1-5-32-548")), None, &["Account Operators"]));
        let c = Expected::new(&[
            "Tier0 Admins".into(),
            "CN=svc-pam,OU=Tier0,DC=contoso,DC=com".into(),
            "s-1-5-21-1-2-3-1105".into(),
        ]);
        assert!(c.matches(None, None, &["tier0 admins"]));
        assert!(c.matches(
            None,
            Some(&crate::ids::Dn::new(
                "cn=SVC-PAM,ou=tier0,dc=contoso,dc=com"
            )),
            &[]
        ));
        assert!(c.matches(Some(&sid("S-1-5-21-1-2-3-1105")), None, &[]));
        assert!(!c.matches(Some(&sid("S-1-5-21-1-2-3-512")), None, &["Domain Admins"]));
    }
}
