//! Reading what decides who can change the role groups, for `rolesync exposure`
//! ([`rolesync_core::exposure`] assesses it).
//!
//! 1. The role groups: the groups directly in the roles OU and the mappings' extra groups.
//! 2. Each of them and, when nested membership counts, every group nested in it (found with
//!    `memberOf=<group>` searches, so the role groups' own members are never read): `cn`,
//!    `objectSid`, `managedBy` and `nTSecurityDescriptor` read with the SD-flags control
//!    ([`crate::security_descriptor::sd_flags_control`]: owner, group and DACL, which any reader
//!    with Read permissions gets; without it AD asks for the SACL too and returns nothing to an
//!    account without `SeSecurityPrivilege`). A descriptor that is not returned or cannot be
//!    decoded is [`Descriptor::Unreadable`]: "cannot see who can change GROUP", never clean.
//! 3. Every principal the descriptors and `managedBy` name, looked up by `objectSid` (20 a
//!    search) or DN, and the members of those that are groups — `member` and the accounts whose
//!    `primaryGroupID` is the group's RID — transitively (groups that stand for every account —
//!    Domain Users, Authenticated Users… — are not expanded).

use super::connect::Session;
use super::search::{self, Entry};
use crate::entry::Attrs;
use crate::security_descriptor::{self, sd_flags_control};
use futures::stream::{self, StreamExt};
use ldap3::{ldap_escape, Scope, SearchEntry};
use rolesync_core::directory::SourceScope;
use rolesync_core::exposure::{
    wellknown, Descriptor, DirectoryPrincipal, ExposureSnapshot, GuardedGroup, PrincipalKind,
};
use rolesync_core::ids::{Dn, Sid};
use rolesync_core::traits::{ReadError, ReadErrorKind};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use super::errors::{ldap_error, result_error};

/// How many group reads are in flight on the connection.
const CONCURRENT: usize = 8;

/// What is read from each guarded group.
const GROUP_ATTRS: &[&str] = &["cn", "objectSid", "managedBy", "nTSecurityDescriptor"];

/// What is read from each principal.
const PRINCIPAL_ATTRS: &[&str] = &[
    "objectClass",
    "cn",
    "sAMAccountName",
    "objectSid",
    "userAccountControl",
    search::FIRST_MEMBER_RANGE,
];

/// Reads the exposure snapshot over an open session. `who` names the bind account in reasons.
pub async fn read(
    s: &Session,
    t: Duration,
    scope: &SourceScope,
    who: &str,
) -> Result<ExposureSnapshot, ReadError> {
    let ou = scope.ou.as_str();
    if search::read_entry(s, t, ou, &["objectClass"])
        .await?
        .is_none()
    {
        return Err(ReadError::of(
            ReadErrorKind::NotFound,
            format!(
                "the OU {ou} does not exist on {}; check [directory] ou (the DN of the OU that holds the role groups)",
                s.server
            ),
        ));
    }
    let mut snap = ExposureSnapshot::default();
    let found = search::paged(
        s,
        t,
        ou,
        Scope::OneLevel,
        "(objectClass=group)",
        &["cn"],
        &format!("the groups in {ou}"),
    )
    .await?;
    let mut roles: BTreeMap<String, (Dn, String)> = BTreeMap::new();
    for e in &found {
        let dn = Dn::new(&e.dn);
        let name = crate::entry::group_name(&e.dn, e);
        roles.insert(dn.folded(), (dn, name));
    }
    for extra in &scope.extra_groups {
        if roles.contains_key(&extra.folded()) {
            continue;
        }
        match search::read_entry(s, t, extra.as_str(), &["cn", "objectClass"]).await? {
            Some(e) if crate::entry::kind(&e) == crate::entry::EntryKind::Group => {
                let name = crate::entry::group_name(&e.dn, &e);
                roles.insert(extra.folded(), (extra.clone(), name));
            }
            Some(_) => snap
                .problems
                .push(format!("{extra} on {} is not a group", s.server)),
            None => snap
                .problems
                .push(format!("group {extra} does not exist on {}", s.server)),
        }
    }
    snap.role_groups = roles.into_values().collect();

    // The role groups and the groups nested in them, level by level.
    let mut seen: HashSet<String> = HashSet::new();
    let mut pending: Vec<Dn> = snap.role_groups.iter().map(|(d, _)| d.clone()).collect();
    while !pending.is_empty() {
        let batch: Vec<Dn> = std::mem::take(&mut pending)
            .into_iter()
            .filter(|d| seen.insert(d.folded()))
            .collect();
        let read: Vec<Result<Option<GuardedGroup>, ReadError>> = stream::iter(batch)
            .map(|dn| async move { guarded(s, t, dn, scope.transitive, who).await })
            .buffered(CONCURRENT)
            .collect()
            .await;
        for g in read {
            let Some(g) = g? else { continue };
            pending.extend(g.nested.iter().cloned());
            snap.groups.push(g);
        }
    }

    // Everyone the descriptors and managedBy name, and the members of groups among them.
    let mut sids: Vec<Sid> = Vec::new();
    let mut dns: Vec<Dn> = Vec::new();
    for g in &snap.groups {
        if let Descriptor::Read { descriptor } = &g.descriptor {
            sids.extend(descriptor.owner.iter().cloned());
            for a in descriptor.dacl.iter().flatten() {
                sids.push(a.trustee.clone());
            }
        }
        dns.extend(g.managed_by.iter().cloned());
    }
    snap.principals = principals(s, t, sids, dns).await?;
    Ok(snap)
}

/// One guarded group, or `None` when it does not exist (a nested group deleted meanwhile).
async fn guarded(
    s: &Session,
    t: Duration,
    dn: Dn,
    transitive: bool,
    who: &str,
) -> Result<Option<GuardedGroup>, ReadError> {
    let mut ldap = s.ldap.clone();
    let res = ldap
        .with_controls(sd_flags_control())
        .with_timeout(t)
        .search(
            dn.as_str(),
            Scope::Base,
            "(objectClass=*)",
            GROUP_ATTRS.to_vec(),
        )
        .await
        .map_err(|e| ldap_error(&s.server, &format!("reading {dn}"), t, &e))?;
    let ldap3::SearchResult(entries, result) = res;
    let e = match result.rc {
        0 => entries
            .into_iter()
            .find(|e| !e.is_ref())
            .map(|e| Entry::from(SearchEntry::construct(e))),
        32 => None,
        _ => return Err(result_error(&s.server, dn.as_str(), &result)),
    };
    let Some(e) = e else { return Ok(None) };
    let descriptor = match e.get("nTSecurityDescriptor").first() {
        None => Descriptor::Unreadable {
            reason: format!(
                "{} returned no nTSecurityDescriptor to {who} (the account needs to read the group's permissions: Read permissions, READ_CONTROL)",
                s.server
            ),
        },
        Some(bytes) => match security_descriptor::parse(bytes) {
            Ok(descriptor) => Descriptor::Read { descriptor },
            Err(why) => Descriptor::Unreadable {
                reason: format!("its security descriptor could not be decoded: {why}"),
            },
        },
    };
    let sid = e
        .get("objectSid")
        .first()
        .and_then(|b| Sid::from_bytes(b).ok());
    let mut nested = Vec::new();
    if transitive {
        let found = search::paged(
            s,
            t,
            &s.base_dn,
            Scope::Subtree,
            &format!(
                "(&(objectClass=group)(memberOf={}))",
                ldap_escape(dn.as_str())
            ),
            &["cn"],
            &format!("the groups nested in {dn}"),
        )
        .await?;
        nested = found.iter().map(|g| Dn::new(&g.dn)).collect();
        nested.sort();
    }
    Ok(Some(GuardedGroup {
        name: crate::entry::group_name(&e.dn, &e),
        dn: Dn::new(&e.dn),
        sid,
        descriptor,
        managed_by: e.text("managedBy").map(Dn::new),
        nested,
    }))
}

/// `(|(objectSid=\01\05…)…)`: every byte escaped as RFC 4515 says for binary values.
pub fn sid_filter<'a>(sids: impl IntoIterator<Item = &'a Sid>) -> String {
    let mut f = String::from("(|");
    for sid in sids {
        f.push_str("(objectSid=");
        for b in sid.to_bytes() {
            f.push_str(&format!("\\{b:02x}"));
        }
        f.push(')');
    }
    f.push(')');
    f
}

fn principal_kind(e: &Entry) -> PrincipalKind {
    let classes: Vec<String> = e
        .get("objectClass")
        .iter()
        .map(|v| String::from_utf8_lossy(v).to_ascii_lowercase())
        .collect();
    let has = |c: &str| classes.iter().any(|x| x == c);
    if has("group") {
        PrincipalKind::Group
    } else if has("foreignsecurityprincipal") {
        PrincipalKind::ForeignSecurityPrincipal
    } else if has("msds-groupmanagedserviceaccount") || has("msds-managedserviceaccount") {
        PrincipalKind::ServiceAccount
    } else if has("computer") {
        PrincipalKind::Computer
    } else if has("user") {
        PrincipalKind::User
    } else {
        PrincipalKind::Other
    }
}

/// The principals these SIDs and DNs name, and the members of groups among them, transitively.
async fn principals(
    s: &Session,
    t: Duration,
    sids: Vec<Sid>,
    dns: Vec<Dn>,
) -> Result<Vec<DirectoryPrincipal>, ReadError> {
    let mut out: BTreeMap<String, DirectoryPrincipal> = BTreeMap::new();
    let mut seen_sids: HashSet<String> = HashSet::new();
    let mut seen_dns: HashSet<String> = HashSet::new();
    let mut pending_sids = sids;
    let mut pending_dns = dns;
    let base = s.base_dn.as_str();
    while !pending_sids.is_empty() || !pending_dns.is_empty() {
        let sids: Vec<Sid> = std::mem::take(&mut pending_sids)
            .into_iter()
            .filter(|x| !wellknown::is_placeholder(x))
            .filter(|x| seen_sids.insert(x.as_str().to_ascii_uppercase()))
            .collect();
        let dns: Vec<Dn> = std::mem::take(&mut pending_dns)
            .into_iter()
            .filter(|d| seen_dns.insert(d.folded()))
            .collect();
        let mut entries: Vec<Entry> = Vec::new();
        for chunk in sids.chunks(search::DNS_PER_FILTER) {
            entries.extend(
                search::unpaged(
                    s,
                    t,
                    base,
                    Scope::Subtree,
                    &sid_filter(chunk),
                    PRINCIPAL_ATTRS,
                    &format!("the accounts of {} SID(s)", chunk.len()),
                )
                .await?,
            );
        }
        let mut by_search: HashSet<String> = HashSet::new();
        for chunk in dns.chunks(search::DNS_PER_FILTER) {
            for e in search::unpaged(
                s,
                t,
                base,
                Scope::Subtree,
                &search::dn_filter(chunk.iter().map(Dn::as_str)),
                PRINCIPAL_ATTRS,
                &format!("the entries of {} member(s)", chunk.len()),
            )
            .await?
            {
                by_search.insert(Dn::new(&e.dn).folded());
                entries.push(e);
            }
        }
        // Members outside the search base: read each by its DN.
        for dn in dns.iter().filter(|d| !by_search.contains(&d.folded())) {
            if let Some(e) = search::read_entry(s, t, dn.as_str(), PRINCIPAL_ATTRS).await? {
                entries.push(e);
            }
        }
        for e in entries {
            let dn = Dn::new(&e.dn);
            seen_dns.insert(dn.folded());
            if out.contains_key(&dn.folded()) {
                continue;
            }
            let sid = e
                .get("objectSid")
                .first()
                .and_then(|b| Sid::from_bytes(b).ok());
            if let Some(x) = &sid {
                seen_sids.insert(x.as_str().to_ascii_uppercase());
            }
            let kind = principal_kind(&e);
            let enabled = match kind {
                PrincipalKind::User | PrincipalKind::Computer | PrincipalKind::ServiceAccount => {
                    let uac: u32 = e
                        .text("userAccountControl")
                        .and_then(|v| v.parse::<i64>().ok())
                        .unwrap_or(0) as u32;
                    Some(uac & crate::entry::ACCOUNTDISABLE == 0)
                }
                _ => None,
            };
            let mut members = Vec::new();
            if kind == PrincipalKind::Group && !sid.as_ref().is_some_and(wellknown::is_broad) {
                members = search::members_of_entry(s, t, &e)
                    .await?
                    .into_iter()
                    .map(Dn::new)
                    .collect();
                // Accounts whose primary group it is are members without a `member` value.
                if let Some(rid) = sid.as_ref().and_then(wellknown::domain_rid) {
                    for p in search::paged(
                        s,
                        t,
                        base,
                        Scope::Subtree,
                        &format!("(primaryGroupID={rid})"),
                        &["cn"],
                        &format!("the accounts whose primary group is {dn}"),
                    )
                    .await?
                    {
                        let m = Dn::new(&p.dn);
                        if !members.contains(&m) {
                            members.push(m);
                        }
                    }
                }
                pending_dns.extend(members.iter().cloned());
            }
            let name = e
                .text("sAMAccountName")
                .or_else(|| e.text("cn"))
                .unwrap_or_else(|| dn.first_rdn_value().to_string());
            out.insert(
                dn.folded(),
                DirectoryPrincipal {
                    sid,
                    dn,
                    name,
                    kind,
                    enabled,
                    members,
                },
            );
        }
    }
    Ok(out.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sid_filter_escapes_every_byte() {
        let sid = Sid::parse("S-1-5-32-544").unwrap();
        assert_eq!(
            sid_filter([&sid]),
            "(|(objectSid=\\01\\02\\00\\00\\00\\00\\00\\05\\20\\00\\00\\00\\20\\02\\00\\00))"
        );
    }
}
