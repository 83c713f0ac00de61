//! The LDIF snapshot source: plans offline from an `ldifde` or `ldapsearch` export, and serves
//! the built-in demo directory.

use crate::entry::{self, EntryKind};
use crate::expand::{DirectoryIndex, GroupEntry};
use crate::ldif::{self, LdifError};
use async_trait::async_trait;
use rolesync_core::directory::{DirectorySnapshot, SourceProblem, SourceScope};
use rolesync_core::ids::Dn;
use rolesync_core::traits::{DirectorySource, ReadError, ReadErrorKind};
use std::collections::HashSet;

/// A directory read from an LDIF export.
#[derive(Debug, Clone)]
pub struct LdifSource {
    name: String,
    index: DirectoryIndex,
    containers: Vec<Dn>,
    problems: Vec<SourceProblem>,
}

/// The largest LDIF export read: a 200,000-user directory with its role groups exports to about
/// 200 MB; a file over this is not an export of role groups.
pub const MAX_LDIF_BYTES: u64 = 1 << 30;
/// The longest line of an LDIF export (a long `member` value, or base64 of a large attribute, is
/// a few KB; a file without line ends — `/dev/zero` — is not LDIF).
pub const MAX_LDIF_LINE: usize = 1 << 20;

impl LdifSource {
    /// Reads an export from a file, refusing one larger than [`MAX_LDIF_BYTES`] or with a line
    /// longer than [`MAX_LDIF_LINE`] before it fills memory.
    pub fn read_file(path: &std::path::Path) -> Result<Self, ReadError> {
        use std::io::{BufRead, Read};
        let shown = path.display().to_string();
        let io = |e: std::io::Error| {
            let kind = match e.kind() {
                std::io::ErrorKind::NotFound => ReadErrorKind::NotFound,
                _ => ReadErrorKind::Other,
            };
            ReadError::of(kind, format!("cannot read the LDIF export {shown}: {e}"))
        };
        let f = std::fs::File::open(path).map_err(io)?;
        let mut r = std::io::BufReader::new(f.take(MAX_LDIF_BYTES + 1));
        let mut text = Vec::new();
        let mut line = Vec::new();
        let mut n = 0usize;
        loop {
            line.clear();
            let got = (&mut r)
                .take(MAX_LDIF_LINE as u64 + 1)
                .read_until(b'\n', &mut line)
                .map_err(io)?;
            if got == 0 {
                break;
            }
            n += 1;
            if line.len() > MAX_LDIF_LINE && !line.ends_with(b"\n") {
                return Err(ReadError::new(format!(
                    "{shown} is not an LDIF export: line {n} is longer than {MAX_LDIF_LINE} bytes; give directory.ldif an export made with ldifde or ldapsearch"
                )));
            }
            text.extend_from_slice(&line);
            if text.len() as u64 > MAX_LDIF_BYTES {
                return Err(ReadError::new(format!(
                    "{shown} is larger than {} MiB, more than an export of role groups can be; give directory.ldif an export of the role groups and their members",
                    MAX_LDIF_BYTES >> 20
                )));
            }
        }
        let text = String::from_utf8(text).map_err(|e| {
            ReadError::new(format!(
                "{shown} is not UTF-8 text (at byte {}); export it again as UTF-8 (ldifde -u)",
                e.utf8_error().valid_up_to()
            ))
        })?;
        Self::parse(shown.clone(), &text).map_err(|e| ReadError::new(format!("{shown}: {e}")))
    }

    /// Parses an export; `name` describes it in logs (a file path, or `demo directory`).
    ///
    /// Only the users some group names as a member are kept (no others can be in a snapshot;
    /// every user is still checked, and one that cannot be read is a problem as before): a first
    /// pass collects the groups' members, so that an export of a whole domain (200,000 users for
    /// a few thousand role members) never holds every user in memory.
    pub fn parse(name: impl Into<String>, text: &str) -> Result<Self, LdifError> {
        let mut members: HashSet<String> = HashSet::new();
        ldif::each_entry(text, |e| {
            if entry::kind(&e) == EntryKind::Group {
                members.extend(e.texts("member").iter().map(|m| Dn::new(m).folded()));
            }
        })?;
        let mut index = DirectoryIndex::default();
        let mut containers = Vec::new();
        let mut problems = Vec::new();
        ldif::each_entry(text, |e| {
            let key = Dn::new(&e.dn).folded();
            match entry::kind(&e) {
                EntryKind::User => match entry::user(&e.dn, &e) {
                    Ok(u) => {
                        if members.contains(&key) {
                            index.users.insert(key, u);
                        }
                    }
                    Err(message) => problems.push(SourceProblem {
                        group: None,
                        message,
                    }),
                },
                EntryKind::Group => {
                    index.groups.insert(
                        key,
                        GroupEntry {
                            dn: Dn::new(&e.dn),
                            name: entry::group_name(&e.dn, &e),
                            members: e.texts("member").into_iter().map(Dn::new).collect(),
                        },
                    );
                }
                EntryKind::Other => {
                    index.others.insert(key);
                    containers.push(Dn::new(&e.dn));
                }
            }
        })?;
        Ok(Self {
            name: name.into(),
            index,
            containers,
            problems,
        })
    }
}

#[async_trait]
impl DirectorySource for LdifSource {
    async fn read(&self, scope: &SourceScope) -> Result<DirectorySnapshot, ReadError> {
        if !self.containers.contains(&scope.ou)
            && !self
                .index
                .groups
                .values()
                .any(|g| g.dn.is_within(&scope.ou))
        {
            return Err(ReadError::of(
                ReadErrorKind::NotFound,
                format!(
                    "the OU {} is not in {}; check [directory] ou, or export that OU too",
                    scope.ou, self.name
                ),
            ));
        }
        let mut snap = DirectorySnapshot {
            groups: Vec::new(),
            problems: self.problems.clone(),
        };
        let mut wanted: Vec<&GroupEntry> = self
            .index
            .groups
            .values()
            .filter(|g| {
                let parent_is_ou = g.dn.is_within(&scope.ou) && g.dn != scope.ou;
                parent_is_ou || scope.extra_groups.contains(&g.dn)
            })
            .collect();
        wanted.sort_by(|a, b| a.dn.cmp(&b.dn));
        for extra in &scope.extra_groups {
            if !wanted.iter().any(|g| &g.dn == extra) {
                snap.problems.push(SourceProblem {
                    group: Some(extra.clone()),
                    message: format!("group {extra} is not in {}", self.name),
                });
            }
        }
        for g in wanted {
            let (group, problems) = self.index.expand(g, scope.transitive);
            snap.groups.push(group);
            snap.problems.extend(problems);
        }
        Ok(snap)
    }

    fn describe(&self) -> String {
        self.name.clone()
    }
}
