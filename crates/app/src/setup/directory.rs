//! The directory part of the setup: which domain this machine is in (a suggestion), its domain
//! controllers found as every run finds them (`rolesync_ad::configured`: DNS SRV records, LDAPS
//! or StartTLS, the bind, the base DN from the DC's RootDSE), the OUs under the base, and the
//! groups of the chosen OU with the role each maps to (by the planner's own mapping rules, over
//! the built-in roles; a custom role of the tenant maps too, which only a run can see).

use super::{answers, SetupAnswers, SetupLine, SetupSecrets};
use crate::{App, AppError};
use rolesync_config::{DirectoryConfig, DirectorySource};
use rolesync_core::checks::CheckLine;
use rolesync_core::directory::DirectoryGroup;
use rolesync_core::ids::Dn;
use rolesync_core::policy::MappingRules;
use rolesync_core::tenant::AssignmentKind;
use rolesync_secrets::CredentialName;
use serde::Serialize;
use ts_rs::TS;

/// One group of the OU and the role it maps to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GroupRole {
    /// The group's name.
    pub name: String,
    /// Its DN.
    pub dn: String,
    /// The role it maps to, when one does.
    pub role: Option<String>,
    /// Why it maps to none.
    pub reason: Option<String>,
}

/// What the directory step found.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryFound {
    /// ✓ or ✗ with the fix: the DCs in DNS, the one that answered, the bind, the base, the OU.
    pub lines: Vec<SetupLine>,
    /// The search base (`DC=contoso,DC=com`), once a DC answered.
    pub base_dn: Option<String>,
    /// The OUs under the base (the likely role OUs first).
    pub ous: Vec<String>,
    /// The OU the groups were read from (the one given, else the default when it exists).
    pub ou: Option<String>,
    /// Its groups with their roles.
    pub groups: Vec<GroupRole>,
}

/// The domain this machine is in, and where that was found: Windows asks the OS; elsewhere the
/// Kerberos default realm (`KRB5_CONFIG` or `/etc/krb5.conf`), else the DNS search domain.
pub fn suggested_domain() -> (Option<String>, String) {
    if cfg!(windows) {
        return match rolesync_ad::ldap::locate::machine_domain() {
            Ok(d) => (Some(d), "this computer's domain".into()),
            Err(_) => (None, String::new()),
        };
    }
    let krb5 = std::env::var_os("KRB5_CONFIG")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/etc/krb5.conf".into());
    if let Some(realm) = std::fs::read_to_string(&krb5)
        .ok()
        .and_then(|t| default_realm(&t))
    {
        return (
            Some(realm.to_ascii_lowercase()),
            format!("the Kerberos default realm in {}", krb5.display()),
        );
    }
    if let Some(d) = std::fs::read_to_string("/etc/resolv.conf")
        .ok()
        .and_then(|t| search_domain(&t))
    {
        return (Some(d), "the DNS search domain in /etc/resolv.conf".into());
    }
    (None, String::new())
}

/// `default_realm = CONTOSO.COM` in a krb5.conf's `[libdefaults]`.
fn default_realm(krb5: &str) -> Option<String> {
    let mut in_libdefaults = false;
    for line in krb5.lines().map(str::trim) {
        if line.starts_with('[') {
            in_libdefaults = line == "[libdefaults]";
        } else if in_libdefaults {
            if let Some((k, v)) = line.split_once('=') {
                if k.trim() == "default_realm" && !v.trim().is_empty() {
                    return Some(v.trim().to_string());
                }
            }
        }
    }
    None
}

/// The first `search` (or `domain`) entry of a resolv.conf.
fn search_domain(resolv: &str) -> Option<String> {
    resolv.lines().find_map(|l| {
        let mut w = l.split_whitespace();
        matches!(w.next(), Some("search" | "domain"))
            .then(|| {
                w.next()
                    .map(|d| d.trim_end_matches('.').to_ascii_lowercase())
            })
            .flatten()
            .filter(|d| d.contains('.') && d != "localdomain")
    })
}

/// The `[directory]` section alone, validated as a configuration file would be.
fn directory_config(app: &App, a: &SetupAnswers) -> Result<DirectoryConfig, Vec<SetupLine>> {
    let q = |s: &str| serde_json::to_string(s.trim()).unwrap_or_default();
    let mut text = String::from("[directory]\n");
    if !a.url.trim().is_empty() {
        text.push_str(&format!("url = {}\n", q(&a.url)));
    } else {
        text.push_str(&format!("domain = {}\n", q(&a.domain)));
    }
    let bind =
        answers::bind_account(a).unwrap_or_else(|| rolesync_config::schema::defaults::BIND.into());
    text.push_str(&format!(
        "bind = {}\nstart_tls = {}\n",
        q(&bind),
        a.start_tls
    ));
    if !a.ca_file.trim().is_empty() {
        text.push_str(&format!("ca_file = {}\n", q(&a.ca_file)));
    }
    if !a.ou.trim().is_empty() {
        text.push_str(&format!("ou = {}\n", q(&a.ou)));
    }
    let parsed = rolesync_config::parse(app.config_file(), &text).map_err(|errs| {
        errs.0
            .into_iter()
            .map(|e| {
                SetupLine::of(
                    "directory",
                    CheckLine::fail(format!("`{}` is usable", e.key), e.message, e.fix),
                )
            })
            .collect::<Vec<_>>()
    })?;
    parsed.directory.ok_or_else(Vec::new)
}

/// The bind account's password: the one entered now, else the saved `ldap` credential.
pub(super) fn ldap_password(
    app: &App,
    a: &SetupAnswers,
    s: &SetupSecrets,
) -> Result<Option<String>, SetupLine> {
    let Some(account) = answers::bind_account(a) else {
        return Ok(None);
    };
    if let Some(p) = s.ldap_password.clone().filter(|p| !p.is_empty()) {
        return Ok(Some(p));
    }
    match app.credentials().saved(CredentialName::Ldap) {
        Some(c) => Ok(Some(c.secret.expose().to_string())),
        None => Err(SetupLine::of(
            "directory",
            CheckLine::fail(
                format!("bind as {account}"),
                "no password was entered for the bind account",
                "enter its password (it is saved in the keyring as \"ldap\"), or use integrated sign-in (Kerberos as this account, no password stored)",
            ),
        )),
    }
}

/// The groups with the role each maps to, by the planner's rules over the built-in roles.
pub fn group_roles(
    groups: &[rolesync_ad::ldap::browse::GroupEntry],
    ou: &Dn,
    a: &SetupAnswers,
) -> Vec<GroupRole> {
    let dir: Vec<DirectoryGroup> = groups
        .iter()
        .map(|g| DirectoryGroup {
            dn: g.dn.clone(),
            name: g.name.clone(),
            members: Vec::new(),
            nested_groups: Vec::new(),
        })
        .collect();
    let roles: Vec<_> = rolesync_core::builtin::builtin_roles()
        .map(|r| r.definition())
        .collect();
    let rules = MappingRules {
        ou: ou.clone(),
        prefix: Some(a.prefix.trim().to_string()).filter(|p| !p.is_empty()),
        default_kind: if a.eligible {
            AssignmentKind::Eligible
        } else {
            AssignmentKind::Active
        },
        explicit: Vec::new(),
        owned_only: Vec::new(),
    };
    let r = rolesync_core::mapping::resolve(&dir, &roles, &[], &rules);
    groups
        .iter()
        .map(|g| {
            let role = r
                .mappings
                .iter()
                .find(|m| m.groups.contains(&g.dn))
                .map(|m| m.role.display_name.clone());
            let reason = role.is_none().then(|| {
                r.unmapped
                    .iter()
                    .find(|u| u.group == g.dn)
                    .map(|u| u.reason.clone())
                    .unwrap_or_else(|| {
                        "maps to no built-in role (a custom role of this name maps too)".into()
                    })
            });
            GroupRole {
                name: g.name.clone(),
                dn: g.dn.to_string(),
                role,
                reason,
            }
        })
        .collect()
}

/// The line about the groups and their roles.
pub fn groups_line(ou: &str, groups: &[GroupRole]) -> SetupLine {
    let mapped = groups.iter().filter(|g| g.role.is_some()).count();
    let title = "the role groups are readable and map to roles";
    SetupLine::of(
        "directory",
        if mapped > 0 {
            CheckLine::ok(
                title,
                Some(format!(
                    "{} group(s) in {ou}, {mapped} map to a role",
                    groups.len()
                )),
            )
        } else {
            CheckLine::fail(
                title,
                format!("{} group(s) in {ou}, none maps to a role", groups.len()),
                "name each group exactly like its Entra role (\"Exchange Administrator\"), optionally after a prefix, or choose the OU that holds them",
            )
        },
    )
}

impl App {
    /// Finds the domain's DCs, signs in to one, and lists the OUs and the chosen OU's groups
    /// with their roles. Changes nothing.
    pub async fn setup_directory(&self, a: &SetupAnswers, s: &SetupSecrets) -> DirectoryFound {
        let mut found = DirectoryFound {
            lines: Vec::new(),
            base_dn: None,
            ous: Vec::new(),
            ou: None,
            groups: Vec::new(),
        };
        let dir = match directory_config(self, a) {
            Ok(d) => d,
            Err(lines) => {
                found.lines = lines;
                return found;
            }
        };
        let DirectorySource::Ldap(l) = &dir.source else {
            return found;
        };
        let password = match ldap_password(self, a, s) {
            Ok(p) => p,
            Err(line) => {
                found.lines.push(line);
                return found;
            }
        };
        let source = match rolesync_ad::configured::source(l, password) {
            Ok(s) => s,
            Err(e) => {
                found.lines.push(SetupLine::of(
                    "directory",
                    CheckLine::fail(
                        "the directory settings are usable",
                        e.message,
                        "fix the domain, the DC's URL or the TLS settings",
                    ),
                ));
                return found;
            }
        };
        let base = source.base_dn().await.ok();
        let ou = dir
            .ou
            .clone()
            .or_else(|| base.as_deref().map(rolesync_config::default_ou));
        let check_ou = ou
            .clone()
            .unwrap_or_else(|| Dn::new(rolesync_config::DEFAULT_OU_RDN));
        let lines = rolesync_ad::ldap::check(source.config(), &check_ou).await;
        let ou_exists = lines.iter().all(|l| l.ok);
        // Signed in when nothing failed but (at most) the OU.
        let bound = lines
            .iter()
            .find(|l| !l.ok)
            .is_none_or(|l| l.title == "the role OU exists");
        found.lines = lines
            .into_iter()
            .map(|l| SetupLine::of("directory", l))
            .collect();
        found.base_dn = base;
        if !bound {
            return found;
        }
        if let Ok(b) = rolesync_ad::ldap::browse::organizational_units(&source).await {
            let mut ous = b.ous;
            // The likely role OUs first.
            ous.sort_by_key(|o| !o.to_ascii_lowercase().contains("role"));
            found.ous = ous;
        }
        if !ou_exists {
            return found;
        }
        match rolesync_ad::ldap::browse::groups_in(&source, check_ou.as_str()).await {
            Ok(groups) => {
                found.groups = group_roles(&groups, &check_ou, a);
                found
                    .lines
                    .push(groups_line(check_ou.as_str(), &found.groups));
                found.ou = Some(check_ou.to_string());
            }
            Err(e) => found.lines.push(SetupLine::of(
                "directory",
                CheckLine::fail(
                    "the role groups are readable",
                    e.message,
                    "give the account read access to the OU and its groups",
                ),
            )),
        }
        found
    }

    /// [`App::setup_directory`] on a runtime of its own.
    pub fn setup_directory_blocking(
        &self,
        a: &SetupAnswers,
        s: &SetupSecrets,
    ) -> Result<DirectoryFound, AppError> {
        Ok(crate::run::runtime()?.block_on(self.setup_directory(a, s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rolesync_ad::ldap::browse::GroupEntry;

    #[test]
    fn the_domain_is_suggested_from_kerberos_or_dns() {
        let krb5 =
            "[libdefaults]\n  dns_lookup_realm = false\n  default_realm = CONTOSO.TEST\n[realms]\n";
        assert_eq!(default_realm(krb5).as_deref(), Some("CONTOSO.TEST"));
        assert_eq!(default_realm("[realms]\ndefault_realm = X\n"), None);
        assert_eq!(
            search_domain("nameserver 10.0.0.1\nsearch corp.contoso.com. other\n").as_deref(),
            Some("corp.contoso.com")
        );
        assert_eq!(search_domain("search localdomain\n"), None);
    }

    #[test]
    fn groups_map_by_name_after_the_prefix() {
        let ou = Dn::new("OU=Roles,DC=contoso,DC=test");
        let g = |n: &str| GroupEntry {
            dn: Dn::new(format!("CN={n},OU=Roles,DC=contoso,DC=test")),
            name: n.into(),
        };
        let a = SetupAnswers {
            prefix: "M365-".into(),
            ..SetupAnswers::default()
        };
        let roles = group_roles(
            &[g("M365-Exchange Administrator"), g("Coffee Machine Admins")],
            &ou,
            &a,
        );
        assert_eq!(roles[0].role.as_deref(), Some("Exchange Administrator"));
        assert!(roles[1].role.is_none());
        assert!(
            roles[1].reason.as_deref().unwrap_or("").contains("prefix"),
            "{:?}",
            roles[1]
        );
        assert!(groups_line("OU=Roles", &roles).ok);
        assert!(!groups_line("OU=Roles", &roles[1..]).ok);
    }
}
