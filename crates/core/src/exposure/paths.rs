//! The assessment (pure): from each role group down through the groups nested in it; for each
//! group every ACE and the owner that allow changing its membership, the trustee expanded
//! transitively to the accounts that hold the right, each checked against the DACL in order as
//! Windows' access check walks it ([MS-DTYP] 2.5.3.2: the first ACE that covers a right and
//! applies to the account decides it, so a deny before an allow takes the right away; the owner
//! holds `WRITE_DAC` whatever the DACL says unless an `OWNER RIGHTS` ACE limits it).

use super::access::{Ace, Capability, Right};
use super::wellknown::{self, Expected};
use super::{
    Descriptor, DirectoryPrincipal, ExposureFinding, ExposureReport, ExposureSettings,
    ExposureSnapshot, FindingGroup, FindingKind, FindingPrincipal, GuardedGroup, PrincipalKind,
    RoleGroup, Severity,
};
use crate::ids::{Dn, Sid};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

/// An account (or a stand-in for many) that holds a right, and the groups it holds it through.
#[derive(Debug, Clone)]
struct Leaf {
    /// Its SID, else `dn:` and its DN: what deny ACEs are matched against.
    key: String,
    principal: FindingPrincipal,
    /// Innermost group first, the ACE's trustee last; empty when the ACE names it.
    via: Vec<String>,
    /// A stand-in for every account (Everyone, Authenticated Users, Domain Users…).
    broad: bool,
}

/// How a group reaches a role group: the names from the group to the role group.
#[derive(Debug, Clone)]
struct Reach {
    role: usize,
    chain: Vec<String>,
}

struct Directory<'a> {
    by_dn: HashMap<String, &'a DirectoryPrincipal>,
    by_sid: HashMap<String, &'a DirectoryPrincipal>,
    expected: Expected,
    /// Every account key reachable from a SID, for deny evaluation (no pruning).
    reachable: RefCell<HashMap<String, HashSet<String>>>,
}

fn sid_key(s: &Sid) -> String {
    s.as_str().to_ascii_uppercase()
}

impl<'a> Directory<'a> {
    fn new(snap: &'a ExposureSnapshot, expected: Expected) -> Self {
        let mut by_dn = HashMap::new();
        let mut by_sid = HashMap::new();
        for p in &snap.principals {
            by_dn.insert(p.dn.folded(), p);
            if let Some(s) = &p.sid {
                by_sid.insert(sid_key(s), p);
            }
        }
        Self {
            by_dn,
            by_sid,
            expected,
            reachable: RefCell::new(HashMap::new()),
        }
    }

    fn is_expected(&self, p: &DirectoryPrincipal) -> bool {
        self.expected
            .matches(p.sid.as_ref(), Some(&p.dn), &[p.name.as_str()])
    }

    fn leaf(p: &DirectoryPrincipal, via: Vec<String>) -> Leaf {
        let broad = p.sid.as_ref().is_some_and(wellknown::is_broad);
        Leaf {
            key: p
                .sid
                .as_ref()
                .map(sid_key)
                .unwrap_or_else(|| format!("dn:{}", p.dn.folded())),
            principal: FindingPrincipal {
                name: p.name.clone(),
                kind: p.kind,
                dn: Some(p.dn.clone()),
                sid: p.sid.clone(),
                enabled: p.enabled,
            },
            via,
            broad,
        }
    }

    /// The accounts a trustee stands for. With `prune`, expected trustees, expected groups on
    /// the way and expected accounts are left out.
    fn expand(&self, sid: &Sid, prune: bool) -> Vec<Leaf> {
        if wellknown::is_placeholder(sid) {
            return Vec::new();
        }
        let known = self.by_sid.get(&sid_key(sid)).copied();
        let expected = match known {
            Some(p) => self.is_expected(p),
            None => self.expected.matches(Some(sid), None, &[]),
        };
        if prune && expected {
            return Vec::new();
        }
        match known {
            Some(p) if p.kind == PrincipalKind::Group && !wellknown::is_broad(sid) => {
                self.expand_group(p, prune)
            }
            Some(p) => vec![Self::leaf(p, Vec::new())],
            None => {
                let (name, kind) = match wellknown::name(sid) {
                    Some(n) => (n.to_string(), PrincipalKind::WellKnown),
                    None => (sid.to_string(), PrincipalKind::Unknown),
                };
                vec![Leaf {
                    key: sid_key(sid),
                    principal: FindingPrincipal {
                        name,
                        kind,
                        dn: None,
                        sid: Some(sid.clone()),
                        enabled: None,
                    },
                    via: Vec::new(),
                    broad: wellknown::is_broad(sid),
                }]
            }
        }
    }

    fn expand_group(&self, g: &DirectoryPrincipal, prune: bool) -> Vec<Leaf> {
        let mut out = Vec::new();
        let mut seen: HashSet<String> = HashSet::from([g.dn.folded()]);
        let mut queue: VecDeque<(&DirectoryPrincipal, Vec<String>)> =
            VecDeque::from([(g, vec![g.name.clone()])]);
        while let Some((grp, via)) = queue.pop_front() {
            for m in &grp.members {
                match self.by_dn.get(&m.folded()).copied() {
                    None => out.push(Leaf {
                        key: format!("dn:{}", m.folded()),
                        principal: FindingPrincipal {
                            name: m.to_string(),
                            kind: PrincipalKind::Unknown,
                            dn: Some(m.clone()),
                            sid: None,
                            enabled: None,
                        },
                        via: via.clone(),
                        broad: false,
                    }),
                    Some(p) if prune && self.is_expected(p) => {}
                    Some(p)
                        if p.kind == PrincipalKind::Group
                            && !p.sid.as_ref().is_some_and(wellknown::is_broad) =>
                    {
                        if seen.insert(p.dn.folded()) {
                            let mut inner = vec![p.name.clone()];
                            inner.extend(via.iter().cloned());
                            queue.push_back((p, inner));
                        }
                    }
                    Some(p) => out.push(Self::leaf(p, via.clone())),
                }
            }
        }
        out
    }

    /// Whether an ACE for `trustee` applies to the account `leaf`.
    fn applies(&self, trustee: &Sid, leaf: &Leaf) -> bool {
        let key = sid_key(trustee);
        if key == leaf.key {
            return true;
        }
        // Everyone and Authenticated Users are in every account's token; Domain Users in every
        // user's and Domain Computers in every computer's (by primary group, at least).
        match key.as_str() {
            "S-1-1-0" | "S-1-5-11" => return true,
            _ => {}
        }
        match wellknown::domain_rid(trustee) {
            Some(513) if leaf.principal.kind == PrincipalKind::User => return true,
            Some(515) if leaf.principal.kind == PrincipalKind::Computer => return true,
            _ => {}
        }
        let mut cache = self.reachable.borrow_mut();
        let set = cache.entry(key).or_insert_with(|| {
            self.expand(trustee, false)
                .into_iter()
                .map(|l| l.key)
                .collect()
        });
        set.contains(&leaf.key)
    }

    /// Whether `leaf` holds `cap` on an object with this DACL: the first ACE in order that
    /// covers it and applies decides. `owner` replaces `OWNER RIGHTS` trustees.
    fn decide(&self, dacl: &[Ace], owner: Option<&Sid>, leaf: &Leaf, cap: Capability) -> bool {
        for ace in dacl {
            if !ace.capabilities().contains(&cap) {
                continue;
            }
            if ace.conditional && !ace.allow {
                continue;
            }
            let trustee = match owner {
                Some(o) if ace.trustee.as_str() == wellknown::OWNER_RIGHTS => o,
                _ => &ace.trustee,
            };
            if wellknown::is_placeholder(trustee) {
                continue;
            }
            if self.applies(trustee, leaf) {
                return ace.allow;
            }
        }
        false
    }
}

/// From each role group down through the groups nested in it: how each group reaches each role
/// group (the shortest chain).
fn reaches<'a>(
    snap: &'a ExposureSnapshot,
    roles: &[RoleGroup],
) -> (
    HashMap<String, Vec<Reach>>,
    HashMap<String, &'a GuardedGroup>,
) {
    let groups: HashMap<String, &GuardedGroup> =
        snap.groups.iter().map(|g| (g.dn.folded(), g)).collect();
    let mut out: HashMap<String, Vec<Reach>> = HashMap::new();
    for (i, r) in roles.iter().enumerate() {
        let Some(start) = groups.get(&r.dn.folded()) else {
            continue;
        };
        let mut parent: HashMap<String, Option<String>> = HashMap::new();
        parent.insert(start.dn.folded(), None);
        let mut queue = VecDeque::from([start.dn.folded()]);
        while let Some(key) = queue.pop_front() {
            let g = groups[&key];
            let mut chain = vec![g.name.clone()];
            let mut at = parent[&key].clone();
            while let Some(p) = at {
                chain.push(groups[&p].name.clone());
                at = parent[&p].clone();
            }
            out.entry(key.clone())
                .or_default()
                .push(Reach { role: i, chain });
            for n in &g.nested {
                let nk = n.folded();
                if groups.contains_key(&nk) && !parent.contains_key(&nk) {
                    parent.insert(nk.clone(), Some(key.clone()));
                    queue.push_back(nk);
                }
            }
        }
    }
    (out, groups)
}

fn quoted_roles(r: &RoleGroup) -> String {
    let names: Vec<String> = r.roles.iter().map(|x| format!("\"{x}\"")).collect();
    names.join(", ")
}

fn reach_words(reach: &Reach, role: &RoleGroup) -> String {
    if reach.chain.len() == 1 {
        format!("it is the role group of {}", quoted_roles(role))
    } else {
        format!(
            "reaches {} through {}",
            quoted_roles(role),
            reach.chain.join(" ⊂ ")
        )
    }
}

fn who_words(leaf: &Leaf) -> String {
    let p = &leaf.principal;
    let mut w = match p.kind {
        PrincipalKind::User => format!("user {}", p.name),
        PrincipalKind::Computer => format!("computer {}", p.name),
        PrincipalKind::ServiceAccount => format!("service account {}", p.name),
        PrincipalKind::ForeignSecurityPrincipal => format!(
            "foreign security principal {} (an account of a trusted domain or forest)",
            p.sid
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_else(|| p.name.clone())
        ),
        PrincipalKind::WellKnown => p.name.clone(),
        PrincipalKind::Unknown => match (&p.sid, &p.dn) {
            (Some(s), _) => format!("unknown SID {s}"),
            (None, Some(d)) => format!("member {d}, which could not be read"),
            _ => p.name.clone(),
        },
        PrincipalKind::Group => format!("group {}", p.name),
        PrincipalKind::Other => p.name.clone(),
    };
    if leaf.broad {
        w.push_str(" (every account)");
    }
    if p.enabled == Some(false) {
        w.push_str(" (disabled)");
    }
    if !leaf.via.is_empty() {
        w.push_str(" through ");
        w.push_str(&leaf.via.join(" ⊂ "));
    }
    w
}

fn group_words(g: &GuardedGroup) -> String {
    format!("\"{}\" ({})", g.name, g.dn)
}

/// Assesses who can change the role groups' effective membership.
pub fn assess(
    snap: &ExposureSnapshot,
    roles: &[RoleGroup],
    settings: &ExposureSettings,
) -> ExposureReport {
    let expected = Expected::new(&settings.expected);
    let dir = Directory::new(snap, expected);
    let (reach_of, groups) = reaches(snap, roles);
    let role_dns: HashSet<String> = roles.iter().map(|r| r.dn.folded()).collect();
    // Keyed for de-duplication: (account, group, right, role group) → finding; the shortest
    // `via` wins.
    let mut found: BTreeMap<(String, String, Right, String), ExposureFinding> = BTreeMap::new();
    let mut other: Vec<ExposureFinding> = Vec::new();

    let mut keys: Vec<&String> = reach_of.keys().collect();
    keys.sort();
    for key in keys {
        let g = groups[key];
        let outside = !g.dn.is_within(&settings.roles_ou);
        let group = FindingGroup {
            name: g.name.clone(),
            dn: g.dn.clone(),
            outside_roles_ou: outside,
        };
        for reach in &reach_of[key] {
            let role = &roles[reach.role];
            let base = |severity, kind, message: String| ExposureFinding {
                severity,
                kind,
                principal: None,
                via: Vec::new(),
                right: None,
                manager: false,
                group: group.clone(),
                path: reach.chain.clone(),
                role_group: role.dn.clone(),
                roles: role.roles.clone(),
                message,
            };
            if outside && !role_dns.contains(key) {
                other.push(base(
                    Severity::Low,
                    FindingKind::OutsideRolesOu,
                    format!(
                        "nested group {} is outside the roles OU {} → {}; whoever can change it decides who holds the role",
                        group_words(g),
                        settings.roles_ou,
                        reach_words(reach, role)
                    ),
                ));
            }
            let sd = match &g.descriptor {
                Descriptor::Unreadable { reason } => {
                    let severity = if role.privileged {
                        Severity::High
                    } else {
                        Severity::Medium
                    };
                    other.push(base(
                        severity,
                        FindingKind::CannotSee,
                        format!(
                            "cannot see who can change {}: {reason} → {}",
                            group_words(g),
                            reach_words(reach, role)
                        ),
                    ));
                    continue;
                }
                Descriptor::Read { descriptor } => descriptor,
            };
            let mut add = |leaf: Leaf, right: Right, manager: bool| {
                let severity = if role.privileged || leaf.broad || right == Right::NoDacl {
                    Severity::High
                } else {
                    Severity::Medium
                };
                let mut right_words = right.words().to_string();
                if manager {
                    right_words.push_str(
                        " as its manager (managedBy, \"Manager can update membership list\")",
                    );
                }
                let message = format!(
                    "{} → {right_words} → on {} → {}",
                    who_words(&leaf),
                    group_words(g),
                    reach_words(reach, role)
                );
                let k = (leaf.key.clone(), key.clone(), right, role.dn.folded());
                let finding = ExposureFinding {
                    severity,
                    kind: FindingKind::CanChange,
                    principal: Some(leaf.principal.clone()),
                    via: leaf.via.clone(),
                    right: Some(right),
                    manager,
                    group: group.clone(),
                    path: reach.chain.clone(),
                    role_group: role.dn.clone(),
                    roles: role.roles.clone(),
                    message,
                };
                match found.get(&k) {
                    Some(f) if f.via.len() <= finding.via.len() => {}
                    _ => {
                        found.insert(k, finding);
                    }
                }
            };
            let Some(dacl) = &sd.dacl else {
                let everyone = Sid::parse("S-1-1-0").expect("a SID");
                for leaf in dir.expand(&everyone, false) {
                    add(leaf, Right::NoDacl, false);
                }
                continue;
            };
            let owner = sd.owner.as_ref();
            let owner_rights = dacl
                .iter()
                .any(|a| a.trustee.as_str() == wellknown::OWNER_RIGHTS && !a.inherit_only());
            if let (Some(o), false) = (owner, owner_rights) {
                for leaf in dir.expand(o, true) {
                    add(leaf, Right::Owner, false);
                }
            }
            let manager_sid = g
                .managed_by
                .as_ref()
                .and_then(|m| dir.by_dn.get(&m.folded()))
                .and_then(|p| p.sid.clone());
            for ace in dacl {
                let Some(right) = ace.right() else { continue };
                let trustee = match owner {
                    Some(o) if ace.trustee.as_str() == wellknown::OWNER_RIGHTS => o,
                    _ => &ace.trustee,
                };
                let caps = ace.capabilities();
                let manager = manager_sid.as_ref() == Some(trustee)
                    && caps.contains(&Capability::WriteMember);
                for leaf in dir.expand(trustee, true) {
                    if caps.iter().any(|c| dir.decide(dacl, owner, &leaf, *c)) {
                        add(leaf, right, manager);
                    }
                }
            }
        }
    }

    let mut findings: Vec<ExposureFinding> = found.into_values().chain(other).collect();
    for p in &snap.problems {
        findings.push(ExposureFinding {
            severity: Severity::High,
            kind: FindingKind::CannotSee,
            principal: None,
            via: Vec::new(),
            right: None,
            manager: false,
            group: FindingGroup {
                name: String::new(),
                dn: Dn::new(""),
                outside_roles_ou: false,
            },
            path: Vec::new(),
            role_group: Dn::new(""),
            roles: Vec::new(),
            message: format!("cannot see everything that decides the role groups: {p}"),
        });
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.roles.cmp(&b.roles))
            .then_with(|| a.path.len().cmp(&b.path.len()))
            .then_with(|| {
                a.group
                    .name
                    .to_ascii_lowercase()
                    .cmp(&b.group.name.to_ascii_lowercase())
            })
            .then_with(|| a.message.cmp(&b.message))
    });
    ExposureReport {
        findings,
        role_groups: roles
            .iter()
            .filter(|r| groups.contains_key(&r.dn.folded()))
            .count(),
        groups: reach_of.len(),
        expected: dir.expected.names(),
        fail_at: settings.fail_at,
        error: None,
    }
}
