//! The `ldapsearch` side of the LDAP benchmark: the reads RoleSync's LDAP source makes, done by
//! OpenLDAP's `ldapsearch` the way an administrator would script them, over the same transport
//! (LDAPS, verified against the harness's CA through `LDAPTLS_CACERT`, simple bind).
//!
//! Level by level, one `ldapsearch` process per level (each connects, binds, runs its searches
//! one after another on that connection, and unbinds):
//!
//! 1. the role groups: one paged one-level search of the role OU for `(objectClass=group)`
//!    with `cn`, `objectClass` and `member;range=0-1499`;
//! 2. their members: the member DNs not read yet, [`DNS_PER_FILTER`] to a filter
//!    `(|(distinguishedName=…)(distinguishedName=…)…)`, one unpaged subtree search of the
//!    naming context per filter (`-f FILE '(|%s)'`: one search per line of the file, each line
//!    the filter's terms), with the attributes RoleSync reads plus `member;range=0-1499` (a
//!    member that is a group brings its members along). Unpaged because a filter matches at
//!    most [`DNS_PER_FILTER`] entries, and Samba's paged-results control costs more than these
//!    searches (measured: 0.41 s paged, 0.15 s unpaged for 1,700 entries in searches of 20);
//!    20 DNs a filter is the fastest size for `ldapsearch` too (10: 0.12 s, 20: 0.12–0.17 s,
//!    60: 0.14–0.16 s, 100: 0.19–0.25 s for the same 1,713 entries, 2,000-user scenario);
//! 3. again for the members of the nested groups found in step 2, and so on until no group
//!    brings new members.
//!
//! A group with more than 1,500 members would need further ranged reads; the scenario has none
//! (checked: a `member;range=0-1499` that does not end in `*` is an error here).

use anyhow::{bail, Context as _};
use rolesync_ad::ldap::search::dn_filter;
use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// Member DNs per OR filter (the same batch size RoleSync's source uses).
pub const DNS_PER_FILTER: usize = rolesync_ad::ldap::search::DNS_PER_FILTER;

/// Where and how `ldapsearch` connects.
#[derive(Debug, Clone)]
pub struct Ldapsearch {
    /// `ldaps://host`.
    pub url: String,
    /// The CA file (PEM) that verifies the server.
    pub ca_file: PathBuf,
    /// Bind DN or UPN.
    pub bind: String,
    /// Its password.
    pub password: String,
    /// The naming context.
    pub base: String,
    /// Where the filter files go.
    pub work_dir: PathBuf,
}

/// What one read found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// `ldapsearch` processes run.
    pub processes: usize,
    /// Searches sent.
    pub searches: usize,
    /// Entries returned (groups, nested groups and member entries).
    pub entries: usize,
    /// Groups in the role OU.
    pub role_groups: usize,
    /// Users read.
    pub users: usize,
    /// Nested groups read.
    pub nested_groups: usize,
}

/// One entry of `ldapsearch -LLL` output: DN, object classes, member values.
#[derive(Debug, Default)]
struct Found {
    dn: String,
    group: bool,
    members: Vec<String>,
    range_end: Option<String>,
}

fn parse(out: &str) -> Vec<Found> {
    let mut found = Vec::new();
    let mut cur: Option<Found> = None;
    for line in out.lines() {
        if let Some(dn) = line.strip_prefix("dn: ") {
            found.extend(cur.take());
            cur = Some(Found {
                dn: dn.to_string(),
                ..Found::default()
            });
        } else if let Some(c) = cur.as_mut() {
            if let Some((name, value)) = line.split_once(": ") {
                let lower = name.to_ascii_lowercase();
                if lower == "objectclass" && value.eq_ignore_ascii_case("group") {
                    c.group = true;
                } else if let Some(range) = lower.strip_prefix("member;range=") {
                    c.members.push(value.to_string());
                    c.range_end = range.rsplit('-').next().map(str::to_string);
                }
            }
        }
    }
    found.extend(cur);
    found
}

impl Ldapsearch {
    fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = Command::new("ldapsearch")
            .env("LDAPTLS_CACERT", &self.ca_file)
            .args(["-LLL", "-o", "ldif-wrap=no", "-x", "-H", &self.url])
            .args(["-D", &self.bind, "-w", &self.password])
            .args(args)
            .output()
            .context("running ldapsearch")?;
        if !out.status.success() {
            bail!(
                "ldapsearch {args:?} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        String::from_utf8(out.stdout).context("ldapsearch output")
    }

    /// Reads the role groups of `ou` and every (transitive) member entry; returns the time and
    /// what was read.
    pub fn read_role_groups(&self, ou: &str, attrs: &[&str]) -> anyhow::Result<(Duration, Counts)> {
        let t0 = Instant::now();
        let mut counts = Counts {
            processes: 1,
            searches: 1,
            ..Counts::default()
        };
        let out = self.run(&[
            "-E",
            "pr=900/noprompt",
            "-s",
            "one",
            "-b",
            ou,
            "(objectClass=group)",
            "cn",
            "objectClass",
            "member;range=0-1499",
        ])?;
        let groups = parse(&out);
        counts.entries += groups.len();
        counts.role_groups = groups.len();
        let mut seen: HashSet<String> = groups.iter().map(|g| g.dn.to_ascii_lowercase()).collect();
        let mut pending: Vec<String> = Vec::new();
        for g in &groups {
            check_range(g)?;
            pending.extend(g.members.iter().cloned());
        }
        let mut level = 0;
        while !pending.is_empty() {
            level += 1;
            let batch: Vec<String> = std::mem::take(&mut pending)
                .into_iter()
                .filter(|d| seen.insert(d.to_ascii_lowercase()))
                .collect();
            if batch.is_empty() {
                break;
            }
            // `-f` substitutes each line for `%s` in the pattern `(|%s)`; a line is the terms of
            // RoleSync's filter for the same DNs.
            let lines: Vec<String> = batch
                .chunks(DNS_PER_FILTER)
                .map(|c| {
                    let f = dn_filter(c.iter().map(String::as_str));
                    f["(|".len()..f.len() - 1].to_string()
                })
                .collect();
            let file = self.work_dir.join(format!("ldapsearch-level{level}.txt"));
            std::fs::write(&file, lines.join("\n") + "\n")?;
            let file = file.to_string_lossy().into_owned();
            let mut args = vec!["-b", self.base.as_str(), "-f", file.as_str(), "(|%s)"];
            args.extend_from_slice(attrs);
            args.push("member;range=0-1499");
            let out = self.run(&args)?;
            counts.processes += 1;
            counts.searches += lines.len();
            for e in parse(&out) {
                counts.entries += 1;
                if e.group {
                    check_range(&e)?;
                    counts.nested_groups += 1;
                    pending.extend(e.members);
                } else {
                    counts.users += 1;
                }
            }
        }
        Ok((t0.elapsed(), counts))
    }
}

fn check_range(g: &Found) -> anyhow::Result<()> {
    match g.range_end.as_deref() {
        None | Some("*") => Ok(()),
        Some(end) => bail!(
            "{} has more than 1,500 members (range ends at {end}); this baseline reads one range",
            g.dn
        ),
    }
}
