//! [`LdapSource`]: the directory source over LDAP, and [`check`] for `rolesync check`.
//!
//! A read binds, checks that the role OU exists, finds the role groups (the groups directly in
//! the OU, one-level search, plus the scope's extra groups) and reads each group's members:
//! with [`Expansion::InChain`] one paged in-chain search per group; with [`Expansion::Client`]
//! level by level — the groups' first `member` range comes with the group search, member
//! entries are read 20 DNs a search (`(|(distinguishedName=…)…)`, several searches in flight),
//! nested groups bring their first `member` range along, further ranges are read per group —
//! and each group is expanded with cycle detection by [`DirectoryIndex`]. Fail closed: a failed
//! search is an error, a member that cannot be read is a [`SourceProblem`].

use super::connect::{self, Phase, Session, Transport};
use super::locate::{self, Located};
use super::search::{self, Entry};
use super::{Expansion, LdapConfig};
use crate::entry::{self, EntryKind, ATTRIBUTES};
use crate::expand::{DirectoryIndex, GroupEntry};
use async_trait::async_trait;
use futures::stream::{self, StreamExt};
use ldap3::{ldap_escape, Scope};
use rolesync_core::checks::CheckLine;
use rolesync_core::directory::{DirectoryGroup, DirectorySnapshot, SourceProblem, SourceScope};
use rolesync_core::ids::Dn;
use rolesync_core::traits::{DirectorySource, ReadError, ReadErrorKind};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// How many single-entry reads the client-side expansion keeps in flight on the connection.
const CONCURRENT_READS: usize = 32;

/// How many searches of member entries by DN the client-side expansion keeps in flight.
const CONCURRENT_SEARCHES: usize = 4;

/// OID of `LDAP_MATCHING_RULE_IN_CHAIN`.
pub const IN_CHAIN: &str = "1.2.840.113556.1.4.1941";

type Once<T> = Arc<tokio::sync::OnceCell<Result<T, ReadError>>>;

/// Reads role groups from AD over LDAP.
#[derive(Debug, Clone)]
pub struct LdapSource {
    config: LdapConfig,
    /// The DCs to try, looked up once per source (one DNS lookup per run).
    located: Once<Located>,
    /// The search base, once known.
    base_dn: Once<String>,
}

impl LdapSource {
    /// Checks the configuration (URL, transport policy) without connecting.
    pub fn new(config: LdapConfig) -> Result<Self, ReadError> {
        connect::check_policy(&config)?;
        Ok(Self {
            config,
            located: Arc::default(),
            base_dn: Arc::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &LdapConfig {
        &self.config
    }

    /// The domain controllers to try, in order (looked up in DNS once; a failed lookup is kept
    /// and returned again).
    pub async fn located(&self) -> Result<Located, ReadError> {
        self.located
            .get_or_init(|| locate::locate(&self.config))
            .await
            .clone()
    }

    /// The search base: `base_dn`, or the `defaultNamingContext` of the first DC that answers
    /// (read anonymously from its RootDSE, before any bind). Known once per source.
    pub async fn base_dn(&self) -> Result<String, ReadError> {
        if let Some(b) = &self.config.base_dn {
            return Ok(b.clone());
        }
        self.base_dn
            .get_or_init(|| async {
                let located = self.located().await?;
                let c = connect::first_answering(&self.config, &located, false)
                    .await
                    .map_err(|n| n.error)?;
                let mut ldap = c.session.ldap.clone();
                let _ = ldap.unbind().await;
                Ok(c.session.base_dn)
            })
            .await
            .clone()
    }

    /// Connects to the first DC that answers and binds (what every read does first).
    pub async fn connect(&self) -> Result<Session, ReadError> {
        let located = self.located().await?;
        connect::connect_located(&self.config, &located)
            .await
            .map(|c| c.session)
            .map_err(|n| n.error)
    }

    /// The role groups: the groups directly in the OU and the scope's extra groups. With
    /// `with_members`, each with its direct `member` values (the first range comes with the
    /// search, further ranges are read after it).
    async fn read_groups(
        &self,
        s: &Session,
        scope: &SourceScope,
        with_members: bool,
    ) -> Result<(Vec<GroupEntry>, Vec<SourceProblem>), ReadError> {
        let t = self.config.timeout;
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
        let mut attrs = vec!["cn", "objectClass"];
        if with_members {
            attrs.push(search::FIRST_MEMBER_RANGE);
        }
        let found = search::paged(
            s,
            t,
            ou,
            Scope::OneLevel,
            "(objectClass=group)",
            &attrs,
            &format!("the groups in {ou}"),
        )
        .await?;
        let mut groups: BTreeMap<String, GroupEntry> = BTreeMap::new();
        for e in &found {
            groups.insert(
                Dn::new(&e.dn).folded(),
                group_entry(s, t, e, with_members).await?,
            );
        }
        let mut problems = Vec::new();
        for extra in &scope.extra_groups {
            if groups.contains_key(&extra.folded()) {
                continue;
            }
            match search::read_entry(s, t, extra.as_str(), &attrs).await? {
                Some(e) if entry::kind(&e) == EntryKind::Group => {
                    groups.insert(extra.folded(), group_entry(s, t, &e, with_members).await?);
                }
                Some(_) => problems.push(SourceProblem {
                    group: Some(extra.clone()),
                    message: format!("{extra} on {} is not a group", s.server),
                }),
                None => problems.push(SourceProblem {
                    group: Some(extra.clone()),
                    message: format!("group {extra} does not exist on {}", s.server),
                }),
            }
        }
        Ok((groups.into_values().collect(), problems))
    }

    /// Members by in-chain searches (or `memberOf=` equality when not transitive).
    async fn in_chain(
        &self,
        s: &Session,
        group: &GroupEntry,
        transitive: bool,
    ) -> Result<(DirectoryGroup, Vec<SourceProblem>), ReadError> {
        let t = self.config.timeout;
        let base = &s.base_dn;
        let dn = ldap_escape(group.dn.as_str());
        let rule = if transitive {
            format!("memberOf:{IN_CHAIN}:")
        } else {
            "memberOf".to_string()
        };
        let users = search::paged(
            s,
            t,
            base,
            Scope::Subtree,
            &format!("(&(objectClass=user)({rule}={dn}))"),
            ATTRIBUTES,
            &format!("the members of {}", group.dn),
        )
        .await?;
        let mut problems = Vec::new();
        let mut members = BTreeMap::new();
        for e in &users {
            if entry::kind(e) != EntryKind::User {
                continue;
            }
            match entry::user(&e.dn, e) {
                Ok(u) => {
                    members.insert(u.dn.folded(), u);
                }
                Err(message) => problems.push(SourceProblem {
                    group: Some(group.dn.clone()),
                    message,
                }),
            }
        }
        let mut nested_groups = Vec::new();
        if transitive {
            let nested = search::paged(
                s,
                t,
                base,
                Scope::Subtree,
                &format!("(&(objectClass=group)({rule}={dn}))"),
                &["cn"],
                &format!("the nested groups of {}", group.dn),
            )
            .await?;
            nested_groups = nested
                .iter()
                .map(|e| Dn::new(&e.dn))
                .filter(|d| d != &group.dn)
                .collect();
            nested_groups.sort();
        }
        Ok((
            DirectoryGroup {
                dn: group.dn.clone(),
                name: group.name.clone(),
                members: members.into_values().collect(),
                nested_groups,
            },
            problems,
        ))
    }

    /// Reads every group's `member` values and every member entry once, into `index`, level by
    /// level: the role groups' members, then the members of the nested groups among them, and so
    /// on. Member entries are read [`search::DNS_PER_FILTER`] at a time with one search by DN
    /// ([`search::dn_filter`]) under `base_dn`, [`CONCURRENT_SEARCHES`] searches in flight on the
    /// connection; a group's first range of `member` values comes with its entry. A member the
    /// searches did not return (outside `base_dn`, or written differently) is read by itself,
    /// as a base read of its DN.
    async fn fill_index(
        &self,
        s: &Session,
        groups: &[GroupEntry],
        transitive: bool,
        index: &mut DirectoryIndex,
    ) -> Result<(), ReadError> {
        let t = self.config.timeout;
        let mut seen: HashSet<String> = HashSet::new();
        let mut pending: Vec<Dn> = Vec::new();
        for g in groups {
            seen.insert(g.dn.folded());
            pending.extend(g.members.iter().cloned());
            index.groups.insert(g.dn.folded(), g.clone());
        }
        let mut attrs: Vec<&str> = ATTRIBUTES.to_vec();
        if transitive {
            attrs.push(search::FIRST_MEMBER_RANGE);
        }
        let attrs = &attrs;
        while !pending.is_empty() {
            let batch: Vec<Dn> = std::mem::take(&mut pending)
                .into_iter()
                .filter(|d| seen.insert(d.folded()))
                .collect();
            let base = s.base_dn.as_str();
            // Owned filters: the stream's closures must not borrow the batch (`Send` futures).
            let filters: Vec<(usize, String)> = batch
                .chunks(search::DNS_PER_FILTER)
                .map(|c| (c.len(), search::dn_filter(c.iter().map(Dn::as_str))))
                .collect();
            let found: Vec<Result<Vec<Entry>, ReadError>> = stream::iter(filters)
                .map(|(n, filter)| async move {
                    search::unpaged(
                        s,
                        t,
                        base,
                        Scope::Subtree,
                        &filter,
                        attrs,
                        &format!("the entries of {n} group members"),
                    )
                    .await
                })
                .buffered(CONCURRENT_SEARCHES)
                .collect()
                .await;
            let mut by_dn: HashMap<String, Entry> = HashMap::new();
            for r in found {
                for e in r? {
                    by_dn.insert(Dn::new(&e.dn).folded(), e);
                }
            }
            // Members the searches did not return: read each by its DN.
            let missing: Vec<Dn> = batch
                .iter()
                .filter(|d| !by_dn.contains_key(&d.folded()))
                .cloned()
                .collect();
            let read: Vec<Result<(String, Option<Entry>), ReadError>> = stream::iter(missing)
                .map(|dn| async move {
                    let e = search::read_entry(s, t, dn.as_str(), attrs).await?;
                    Ok((dn.folded(), e))
                })
                .buffer_unordered(CONCURRENT_READS)
                .collect()
                .await;
            for r in read {
                let (key, e) = r?;
                // A member that does not exist (or that the bind account cannot see) stays out
                // of the index; expansion reports it as a problem.
                if let Some(e) = e {
                    by_dn.insert(key, e);
                }
            }
            for dn in &batch {
                let Some(e) = by_dn.get(&dn.folded()) else {
                    continue;
                };
                match entry::kind(e) {
                    EntryKind::User => match entry::user(&e.dn, e) {
                        Ok(u) => {
                            index.users.insert(dn.folded(), u);
                        }
                        Err(m) => tracing::warn!(dn = %dn, "{m}"),
                    },
                    EntryKind::Group => {
                        let mut g = GroupEntry {
                            dn: dn.clone(),
                            name: entry::group_name(&e.dn, e),
                            members: Vec::new(),
                        };
                        if transitive {
                            g.members = search::members_of_entry(s, t, e)
                                .await?
                                .into_iter()
                                .map(Dn::new)
                                .collect();
                            pending.extend(g.members.iter().cloned());
                        }
                        index.groups.insert(g.dn.folded(), g);
                    }
                    EntryKind::Other => {
                        index.others.insert(dn.folded());
                    }
                }
            }
        }
        Ok(())
    }

    async fn read_with(
        &self,
        scope: &SourceScope,
        via: Expansion,
    ) -> Result<DirectorySnapshot, ReadError> {
        let s = self.connect().await?;
        let (groups, mut problems) = self
            .read_groups(&s, scope, via == Expansion::Client)
            .await?;
        let mut out = Vec::new();
        match via {
            Expansion::InChain => {
                for g in &groups {
                    let (group, p) = self.in_chain(&s, g, scope.transitive).await?;
                    out.push(group);
                    problems.extend(p);
                }
            }
            Expansion::Client => {
                let mut index = DirectoryIndex::default();
                self.fill_index(&s, &groups, scope.transitive, &mut index)
                    .await?;
                for g in &groups {
                    let full = index.groups.get(&g.dn.folded()).unwrap_or(g);
                    let (group, p) = index.expand(full, scope.transitive);
                    out.push(group);
                    problems.extend(p);
                }
            }
        }
        let mut ldap = s.ldap.clone();
        let _ = ldap.unbind().await;
        Ok(DirectorySnapshot {
            groups: out,
            problems,
        })
    }

    /// Reads with an explicit expansion method (the benchmark compares both).
    pub async fn read_via(
        &self,
        scope: &SourceScope,
        via: Expansion,
    ) -> Result<DirectorySnapshot, ReadError> {
        self.read_with(scope, via).await
    }
}

/// A group entry; with `with_members`, its direct members (`e` was read with the first range).
async fn group_entry(
    s: &Session,
    t: std::time::Duration,
    e: &Entry,
    with_members: bool,
) -> Result<GroupEntry, ReadError> {
    let members = if with_members {
        search::members_of_entry(s, t, e)
            .await?
            .into_iter()
            .map(Dn::new)
            .collect()
    } else {
        Vec::new()
    };
    Ok(GroupEntry {
        dn: Dn::new(&e.dn),
        name: entry::group_name(&e.dn, e),
        members,
    })
}

#[async_trait]
impl DirectorySource for LdapSource {
    async fn read(&self, scope: &SourceScope) -> Result<DirectorySnapshot, ReadError> {
        self.read_with(scope, self.config.transitive_via).await
    }

    async fn preflight(&self, scope: &SourceScope) -> Vec<CheckLine> {
        check_source(self, &scope.ou).await
    }

    fn describe(&self) -> String {
        self.config.describe()
    }

    fn has_security_descriptors(&self) -> bool {
        true
    }

    async fn read_exposure(
        &self,
        scope: &SourceScope,
    ) -> Result<rolesync_core::exposure::ExposureSnapshot, ReadError> {
        let s = self.connect().await?;
        let who = self.config.bind.who();
        let r = super::exposure::read(&s, self.config.timeout, scope, &who).await;
        let mut ldap = s.ldap.clone();
        let _ = ldap.unbind().await;
        r
    }
}

/// Splits "what happened; how to fix it" messages for check lines.
fn fail_line(title: &str, e: &ReadError) -> CheckLine {
    match e.message.split_once("; ") {
        Some((detail, fix)) => CheckLine::fail(title, detail, fix),
        None => CheckLine::fail(title, e.message.clone(), "see the message"),
    }
}

/// `rolesync check` lines for the directory: where the DCs were found, which one answered (and
/// which did not), the bind, the search base, the role OU. Stops at the first failure (later
/// checks depend on it).
pub async fn check(config: &LdapConfig, ou: &Dn) -> Vec<CheckLine> {
    match LdapSource::new(config.clone()) {
        Ok(s) => check_source(&s, ou).await,
        Err(e) => vec![fail_line("the directory settings are usable", &e)],
    }
}

async fn check_source(source: &LdapSource, ou: &Dn) -> Vec<CheckLine> {
    let config = &source.config;
    let mut lines = Vec::new();
    let located = match source.located().await {
        Ok(l) => l,
        Err(e) => {
            lines.push(fail_line("the domain controllers are found in DNS", &e));
            return lines;
        }
    };
    if located.domain.is_some() {
        lines.push(CheckLine::ok(
            "the domain controllers are found in DNS",
            Some(located.describe()),
        ));
    }
    let reach = "the directory server is reachable and its certificate is trusted";
    let bind_title = match &config.bind {
        super::Bind::Integrated => format!(
            "sign-in with Kerberos as the running account ({})",
            super::kerberos::credential_source()
        ),
        b => format!("bind as {}", b.who()),
    };
    let connected = match connect::connect_located(config, &located).await {
        Ok(c) => c,
        Err(n) => {
            let skipped = skipped_note(&n.skipped);
            match n.phase {
                Phase::Reach => lines.push(fail_line(reach, &n.error)),
                Phase::Bind | Phase::BaseDn => {
                    let detail = match (n.answered.clone(), skipped) {
                        (Some(a), Some(s)) => Some(format!("{a}; {s}")),
                        (a, s) => a.or(s),
                    };
                    lines.push(CheckLine::ok(reach, detail));
                    let title = if n.phase == Phase::Bind {
                        bind_title.as_str()
                    } else {
                        "the search base is known"
                    };
                    lines.push(fail_line(title, &n.error));
                }
            }
            return lines;
        }
    };
    let s = &connected.session;
    let how = match s.transport {
        Transport::Ldaps => "LDAPS, certificate verified",
        Transport::StartTls => "StartTLS, certificate verified",
        Transport::Plain => "clear text (allow_insecure)",
    };
    let mut detail = format!("{} ({how}); {}", s.server, s.dc.found_by);
    if let Some(note) = skipped_note(&connected.skipped) {
        detail.push_str("; ");
        detail.push_str(&note);
    }
    lines.push(CheckLine::ok(reach, Some(detail)));
    let bind_detail = match &config.bind {
        super::Bind::Integrated => connect::kerberos_host(s).map(|h| {
            format!(
                "service principal {}",
                super::kerberos::service_principal(&h, s.root.realm.as_deref())
            )
        }),
        _ => None,
    };
    lines.push(CheckLine::ok(bind_title, bind_detail));
    if config.base_dn.is_none() {
        lines.push(CheckLine::ok(
            "the search base is known",
            Some(format!(
                "{} (the domain controller's defaultNamingContext)",
                s.base_dn
            )),
        ));
    }
    let title = "the role OU exists";
    match search::read_entry(s, config.timeout, ou.as_str(), &["objectClass"]).await {
        Ok(Some(_)) => lines.push(CheckLine::ok(title, Some(ou.to_string()))),
        Ok(None) => lines.push(CheckLine::fail(
            title,
            format!("the OU {ou} does not exist on {}", s.server),
            "check [directory] ou (the DN of the OU that holds the role groups; by default OU=Office 365 Roles Management under the base DN)",
        )),
        Err(e) => lines.push(fail_line(title, &e)),
    }
    let mut ldap = s.ldap.clone();
    let _ = ldap.unbind().await;
    lines
}

/// "dc1.contoso.com did not answer (…)" for the DCs skipped before the one that answered.
fn skipped_note(skipped: &[(locate::Candidate, ReadError)]) -> Option<String> {
    (!skipped.is_empty()).then(|| {
        skipped
            .iter()
            .map(|(c, e)| format!("{} did not answer ({})", c.url, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    })
}
