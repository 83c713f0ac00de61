//! The scenario's directory in a Samba AD DC: `directory.ldif` rewritten as `ldbadd` input for
//! the testkit's Samba harness ([`rolesync_testkit::samba::dc`]), which provisions
//! `CONTOSO.TEST`, loads the input into the offline `sam.ldb` with the relax control and caches
//! the result as a template keyed by the input's hash.
//!
//! The rewrite: the naming context `DC=contoso,DC=com` becomes the harness's
//! `DC=contoso,DC=test` (the domain root entry is left out: provisioning made it), `objectSid`
//! is written as text (Samba's LDIF reader takes SIDs as `S-1-…`), and groups come after every
//! group they name in `member` (Samba resolves a `member` value when the group is added). The
//! scenario's `objectGUID` and `objectSid` values are kept (the relax control lets them be set),
//! so the DC serves the same identities as the LDIF.

use anyhow::Context as _;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rolesync_ad::entry::{self, EntryKind};
use rolesync_ad::ldif::{self, LdifEntry};
use rolesync_core::ids::{Dn, Sid};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

/// The scenario's naming context.
pub const SCENARIO_BASE: &str = "DC=contoso,DC=com";
/// The harness's naming context.
pub const BASE: &str = "DC=contoso,DC=test";

/// The role OU in the DC.
pub fn ou() -> String {
    crate::OU.replace(SCENARIO_BASE, BASE)
}

/// The scenario's LDIF with DNs in the harness's domain (the export a DC loaded with
/// [`ldbadd_input`] would give).
pub fn renamed(scenario_ldif: &str) -> String {
    scenario_ldif.replace(SCENARIO_BASE, BASE)
}

fn safe_text(v: &[u8]) -> Option<&str> {
    let s = std::str::from_utf8(v).ok()?;
    let bad_start = s.starts_with([' ', ':', '<']);
    let bad = s.ends_with(' ') || s.bytes().any(|b| b == b'\n' || b == b'\r' || b == 0);
    (!bad_start && !bad).then_some(s)
}

fn write_entry(out: &mut String, e: &LdifEntry) -> anyhow::Result<()> {
    let _ = writeln!(out, "dn: {}", e.dn);
    for (name, value) in &e.attrs {
        if name.eq_ignore_ascii_case("objectSid") {
            let sid = Sid::from_bytes(value)
                .map_err(|err| anyhow::anyhow!("{}: objectSid: {err}", e.dn))?;
            let _ = writeln!(out, "{name}: {sid}");
        } else if let Some(text) = safe_text(value) {
            let _ = writeln!(out, "{name}: {text}");
        } else {
            let _ = writeln!(out, "{name}:: {}", STANDARD.encode(value));
        }
    }
    out.push('\n');
    Ok(())
}

/// `ldbadd` input for the scenario's `directory.ldif` (see the module docs).
pub fn ldbadd_input(scenario_ldif: &str) -> anyhow::Result<String> {
    let text = renamed(scenario_ldif);
    let base = Dn::new(BASE).folded();
    let mut out = String::with_capacity(text.len());
    let mut groups: Vec<LdifEntry> = Vec::new();
    let mut failed: Option<anyhow::Error> = None;
    ldif::each_entry(&text, |e| {
        if failed.is_some() || Dn::new(&e.dn).folded() == base {
            return;
        }
        if entry::kind(&e) == EntryKind::Group {
            groups.push(e);
        } else if let Err(err) = write_entry(&mut out, &e) {
            failed = Some(err);
        }
    })
    .context("reading the scenario's LDIF")?;
    if let Some(err) = failed {
        return Err(err);
    }
    // Groups in post-order of their group members (nested groups first); a cycle is an error
    // (Samba would refuse the dangling member anyway).
    let index: HashMap<String, usize> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (Dn::new(&g.dn).folded(), i))
        .collect();
    let subs: Vec<Vec<usize>> = groups
        .iter()
        .map(|g| {
            g.values("member")
                .filter_map(|m| index.get(&Dn::new(String::from_utf8_lossy(m)).folded()))
                .copied()
                .collect()
        })
        .collect();
    let mut done: HashSet<usize> = HashSet::new();
    let mut order: Vec<usize> = Vec::with_capacity(groups.len());
    for start in 0..groups.len() {
        if done.contains(&start) {
            continue;
        }
        // Iterative DFS over (group, index of the next group member to visit).
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        let mut on_path: HashSet<usize> = HashSet::from([start]);
        while let Some(&(g, next)) = stack.last() {
            if let Some(&sub) = subs[g].get(next) {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                anyhow::ensure!(
                    !on_path.contains(&sub),
                    "the scenario's groups form a cycle through {}",
                    groups[sub].dn
                );
                if !done.contains(&sub) {
                    on_path.insert(sub);
                    stack.push((sub, 0));
                }
            } else {
                stack.pop();
                on_path.remove(&g);
                if done.insert(g) {
                    order.push(g);
                }
            }
        }
    }
    for g in order {
        write_entry(&mut out, &groups[g])?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{generate, ScenarioSize};

    #[test]
    fn nested_groups_come_first_and_sids_are_text() {
        let s = generate(&ScenarioSize::small(3));
        let out = ldbadd_input(&s.ldif).unwrap();
        assert!(!out.contains(SCENARIO_BASE));
        assert!(!out.contains("\ndn: DC=contoso,DC=test\n") && !out.starts_with("dn: DC="));
        assert!(out.contains("objectSid: S-1-5-21-"));
        let entries = ldif::parse(&out).unwrap();
        let mut added: HashSet<String> = HashSet::new();
        for e in &entries {
            for m in e.texts("member") {
                assert!(added.contains(&Dn::new(&m).folded()), "{} before {m}", e.dn);
            }
            added.insert(Dn::new(&e.dn).folded());
        }
        let before = ldif::parse(&renamed(&s.ldif)).unwrap();
        assert_eq!(entries.len(), before.len() - 1, "all but the domain root");
    }
}
