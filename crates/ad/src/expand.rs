//! Membership expansion over an index of entries: direct members, or transitive through nested
//! groups with cycle detection. Used by the LDIF source and by the LDAP source when it expands
//! groups itself.

use rolesync_core::directory::{DirectoryGroup, DirectoryUser, SourceProblem};
use rolesync_core::ids::Dn;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A group with its direct member DNs.
#[derive(Debug, Clone)]
pub struct GroupEntry {
    /// DN.
    pub dn: Dn,
    /// Name.
    pub name: String,
    /// Direct members (users, groups, or other objects).
    pub members: Vec<Dn>,
}

/// Users and groups by folded DN.
#[derive(Debug, Default, Clone)]
pub struct DirectoryIndex {
    /// Users.
    pub users: HashMap<String, DirectoryUser>,
    /// Groups.
    pub groups: HashMap<String, GroupEntry>,
    /// DNs of other objects (contacts, computers…), which are not role members.
    pub others: HashSet<String>,
}

impl DirectoryIndex {
    /// Expands one group. Unknown member DNs are problems (the read is incomplete).
    pub fn expand(
        &self,
        group: &GroupEntry,
        transitive: bool,
    ) -> (DirectoryGroup, Vec<SourceProblem>) {
        let mut members: BTreeMap<String, DirectoryUser> = BTreeMap::new();
        let mut nested = Vec::new();
        let mut problems = Vec::new();
        let mut seen: HashSet<String> = HashSet::from([group.dn.folded()]);
        let mut queue: Vec<&GroupEntry> = vec![group];
        while let Some(g) = queue.pop() {
            for m in &g.members {
                let key = m.folded();
                if let Some(u) = self.users.get(&key) {
                    members.entry(key).or_insert_with(|| u.clone());
                } else if let Some(sub) = self.groups.get(&key) {
                    if transitive && seen.insert(key) {
                        nested.push(sub.dn.clone());
                        queue.push(sub);
                    }
                } else if !self.others.contains(&key) {
                    problems.push(SourceProblem {
                        group: Some(group.dn.clone()),
                        message: format!("member {m} of {} could not be read", g.dn),
                    });
                }
            }
        }
        nested.sort();
        (
            DirectoryGroup {
                dn: group.dn.clone(),
                name: group.name.clone(),
                members: members.into_values().collect(),
                nested_groups: nested,
            },
            problems,
        )
    }
}
