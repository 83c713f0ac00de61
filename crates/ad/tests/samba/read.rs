//! Reading role groups over LDAPS and StartTLS, with both expansion methods.

use crate::fixture::{self, role, user_dn, BIG};
use crate::{config, dc, scope, Via};
use rolesync_ad::ldap::{Expansion, LdapSource};
use rolesync_core::directory::{DirectoryGroup, DirectorySnapshot};
use rolesync_core::ids::Dn;
use rolesync_core::traits::DirectorySource;
use std::collections::BTreeSet;

fn group<'a>(s: &'a DirectorySnapshot, dn: &str) -> &'a DirectoryGroup {
    s.groups
        .iter()
        .find(|g| g.dn == Dn::new(dn))
        .unwrap_or_else(|| {
            panic!(
                "group {dn} not read; got {:?}",
                s.groups.iter().map(|g| &g.dn).collect::<Vec<_>>()
            )
        })
}

fn dns(g: &DirectoryGroup) -> BTreeSet<String> {
    g.members.iter().map(|u| u.dn.folded()).collect()
}

fn set(items: &[String]) -> BTreeSet<String> {
    items.iter().map(|d| Dn::new(d).folded()).collect()
}

async fn read(via: Via, expansion: Expansion) -> Option<DirectorySnapshot> {
    let dc = dc::shared()?;
    let src = LdapSource::new(config(dc, via, expansion)).unwrap();
    assert_eq!(
        src.describe(),
        format!(
            "{}://{}",
            match via {
                Via::Ldaps => "ldaps",
                Via::StartTls => "ldap",
            },
            dc.addr
        )
    );
    Some(src.read(&scope()).await.unwrap())
}

fn check_snapshot(s: &DirectorySnapshot) {
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    let names: Vec<&str> = s.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Exchange Administrator",
            "Global Administrator",
            "Helpdesk Administrator",
            "Printer Wranglers",
            "Security Reader"
        ],
        "role groups (one level under the OU) plus the extra group, sorted by DN"
    );

    // The 3,000-member group, complete and exact.
    let big = group(s, &role("Helpdesk Administrator"));
    assert_eq!(big.members.len(), BIG);
    let want: Vec<String> = (1..=BIG).map(|i| user_dn(&fixture::bulk_name(i))).collect();
    assert_eq!(dns(big), set(&want));
    assert!(big.members.iter().all(|u| u.enabled && u.sid.is_some()));
    let guids: BTreeSet<_> = big.members.iter().map(|u| u.object_guid).collect();
    assert_eq!(guids.len(), BIG, "every member has its own objectGUID");

    // Nested three deep with a cycle: A → B → C → A.
    let ga = group(s, &role("Global Administrator"));
    let want: Vec<String> = ["alice", "dave", "erin", "frank", "grace", "heidi"]
        .iter()
        .map(|u| user_dn(u))
        .collect();
    assert_eq!(dns(ga), set(&want));
    let nested: BTreeSet<String> = ga.nested_groups.iter().map(Dn::folded).collect();
    assert_eq!(
        nested,
        set(&["Nested-A", "Nested-B", "Nested-C"].map(fixture::nested))
    );

    // Disabled flags, the .local UPN, the consistency GUID, the contact left out.
    let ex = group(s, &role("Exchange Administrator"));
    assert_eq!(dns(ex), set(&["alice", "bob", "carol"].map(user_dn)));
    let by = |g: &DirectoryGroup, sam: &str| {
        g.members
            .iter()
            .find(|u| u.sam_account_name.as_deref() == Some(sam))
            .unwrap()
            .clone()
    };
    assert!(!by(ex, "carol").enabled);
    assert!(by(ex, "alice").enabled);
    assert!(!by(ga, "heidi").enabled);
    assert_eq!(by(ex, "bob").upn.unwrap().as_str(), "bob@contoso.local");
    assert_eq!(by(ex, "bob").mail.as_deref(), Some("bob@contoso.test"));
    let dave = by(ga, "dave");
    assert_eq!(
        dave.consistency_guid.unwrap().ad_bytes(),
        fixture::DAVE_CONSISTENCY
    );
    assert_eq!(dave.source_anchor(), dave.consistency_guid.unwrap());
    assert!(by(ga, "alice").consistency_guid.is_none());

    assert_eq!(
        dns(group(s, &role("Printer Wranglers"))),
        set(&[user_dn("ivan")])
    );
    assert_eq!(
        dns(group(s, fixture::EXTRA_GROUP)),
        set(&[user_dn("grace")])
    );
}

/// Both expansion methods over LDAPS read every role group completely, and agree.
#[tokio::test]
async fn ldaps_reads_every_role_group_both_ways_and_they_agree() {
    let Some(a) = read(Via::Ldaps, Expansion::InChain).await else {
        return;
    };
    check_snapshot(&a);
    let Some(b) = read(Via::Ldaps, Expansion::Client).await else {
        return;
    };
    check_snapshot(&b);
    assert_eq!(a, b);
}

#[tokio::test]
async fn starttls_reads_every_role_group() {
    let Some(s) = read(Via::StartTls, Expansion::Client).await else {
        return;
    };
    check_snapshot(&s);
}

#[tokio::test]
async fn direct_members_only_when_not_transitive() {
    let Some(dc) = dc::shared() else { return };
    for e in [Expansion::InChain, Expansion::Client] {
        let src = LdapSource::new(config(dc, Via::Ldaps, e)).unwrap();
        let mut sc = scope();
        sc.transitive = false;
        let s = src.read(&sc).await.unwrap();
        assert!(s.problems.is_empty(), "{e:?}: {:?}", s.problems);
        let ga = group(&s, &role("Global Administrator"));
        assert_eq!(dns(ga), set(&["alice", "dave"].map(user_dn)), "{e:?}");
        assert!(ga.nested_groups.is_empty());
    }
}

/// objectGUID and objectSid decoding agree with what Samba's own tools report.
#[tokio::test]
async fn guid_and_sid_match_ldbsearch() {
    let Some(dc) = dc::shared() else { return };
    let Some(s) = read(Via::Ldaps, Expansion::InChain).await else {
        return;
    };
    let ga = group(&s, &role("Global Administrator"));
    for sam in ["dave", "erin"] {
        let u = ga
            .members
            .iter()
            .find(|u| u.sam_account_name.as_deref() == Some(sam))
            .unwrap();
        let out = dc.ldbsearch(
            &format!("(sAMAccountName={sam})"),
            &["objectGUID", "objectSid"],
        );
        let value = |attr: &str| {
            out.lines()
                .find_map(|l| l.strip_prefix(&format!("{attr}: ")))
                .unwrap_or_else(|| panic!("no {attr} in {out}"))
                .trim()
                .to_string()
        };
        assert_eq!(
            u.object_guid.to_string(),
            value("objectGUID").to_ascii_lowercase()
        );
        assert_eq!(u.sid.as_ref().unwrap().to_string(), value("objectSid"));
    }
}

#[tokio::test]
async fn check_lines_pass() {
    let Some(dc) = dc::shared() else { return };
    let lines = rolesync_ad::ldap::check(
        &config(dc, Via::Ldaps, Expansion::InChain),
        &Dn::new(fixture::ROLES_OU),
    )
    .await;
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines.iter().all(|l| l.ok), "{lines:?}");
    assert!(lines[0]
        .detail
        .as_deref()
        .unwrap()
        .contains("certificate verified"));
}
