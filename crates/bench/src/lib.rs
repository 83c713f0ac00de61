//! Large-tenant scenarios for RoleSync's benchmarks and resilience suite: a seeded generator that
//! writes the AD side as an `ldifde`-style LDIF export and the Entra side as an emulator
//! [`TenantFixture`], together with the role assignments a correct sync must end with; the
//! scenario's directory as a Samba DC loads it ([`samba`]) and the `ldapsearch` side of the LDAP
//! benchmark ([`ldapsearch`]).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, RngCore, SeedableRng};
use rolesync_core::builtin::builtin_roles;
use rolesync_core::ids::Sid;
use rolesync_core::policy::Policy;
use rolesync_entra_emulator::{
    demo_tenant, immutable_id_from_guid, FixtureRoleAssignment, FixtureRoleDefinition, FixtureUser,
    RolePermission, TenantFixture, UserType,
};
use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;
use uuid::Uuid;

pub mod baseline;
pub mod ldapsearch;
pub mod measure;
pub mod samba;

/// The role OU of generated directories.
pub const OU: &str = "OU=Office 365 Roles Management,DC=contoso,DC=com";
/// The app that signs in to the emulator (from the demo tenant).
pub const APP_ID: &str = "11111111-1111-4111-8111-111111111111";
/// Its client secret (demo only).
pub const APP_SECRET: &str = "demo-secret-not-for-production";
const SID_PREFIX: &str = "S-1-5-21-1004336348-1177238915-682003330";

/// How big a scenario is (also the benchmarks' command-line options, `#[command(flatten)]`).
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct ScenarioSize {
    /// The seed: the same seed and sizes give byte-identical output.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// AD users (each synced to Entra, except the last 0.5 %, which are "not synced yet").
    #[arg(long, default_value_t = 50_000)]
    pub users: usize,
    /// Mapped roles (built-in role names as group names in the role OU).
    #[arg(long, default_value_t = 40)]
    pub roles: usize,
    /// Desired role memberships (role, user) after expanding nested groups.
    #[arg(long, default_value_t = 5_000)]
    pub memberships: usize,
    /// Changes a sync has to make: three quarters grants (unless `--grants` says otherwise),
    /// the rest revokes.
    #[arg(long, default_value_t = 2_000)]
    pub changes: usize,
    /// Grants among the changes (default: three quarters of them).
    #[arg(long = "grants")]
    pub grant_count: Option<usize>,
    /// Cloud-only users holding mapped roles (never touched).
    #[arg(long, default_value_t = 100)]
    pub cloud_only: usize,
    /// Protected synced users holding a mapped role without being in its group (never revoked).
    #[arg(long, default_value_t = 5)]
    pub protected: usize,
    /// The onboarding scenario's sizes instead ([`ScenarioSize::onboarding`]; the seed stays).
    #[arg(long)]
    pub onboarding: bool,
}

impl Default for ScenarioSize {
    fn default() -> Self {
        ScenarioSize {
            seed: 1,
            users: 50_000,
            roles: 40,
            memberships: 5_000,
            changes: 2_000,
            grant_count: None,
            cloud_only: 100,
            protected: 5,
            onboarding: false,
        }
    }
}

impl ScenarioSize {
    /// A small scenario for tests (200 users, 5 roles, 100 memberships, 40 changes).
    pub fn small(seed: u64) -> Self {
        ScenarioSize {
            seed,
            users: 200,
            roles: 5,
            memberships: 100,
            changes: 40,
            grant_count: None,
            cloud_only: 6,
            protected: 2,
            onboarding: false,
        }
    }

    /// The onboarding scenario (issue 18): the first sync of a large organisation adopting
    /// RoleSync — 200,000 users, 150 mapped roles (the 111 built-in roles other than Global
    /// Administrator and 39 custom roles), 24,000 desired memberships of which 12,000 are new
    /// (grants), 3,000 revokes, 400 cloud-only and 20 protected holders. Per role: 160 members,
    /// 80 grants, 20 revokes of 100 managed holders (20 %, inside the default revoke limit of 25 %).
    pub fn onboarding(seed: u64) -> Self {
        ScenarioSize {
            seed,
            users: 200_000,
            roles: 150,
            memberships: 24_000,
            changes: 15_000,
            grant_count: Some(12_000),
            cloud_only: 400,
            protected: 20,
            onboarding: false,
        }
    }

    /// These sizes, or the onboarding scenario's when `onboarding` is set.
    pub fn effective(&self) -> Self {
        if self.onboarding {
            ScenarioSize::onboarding(self.seed)
        } else {
            self.clone()
        }
    }

    /// Grants among the changes.
    pub fn grants(&self) -> usize {
        self.grant_count
            .unwrap_or(self.changes * 3 / 4)
            .min(self.changes)
    }

    /// Revokes among the changes.
    pub fn revokes(&self) -> usize {
        self.changes - self.grants()
    }
}

/// One generated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The sizes it was made with.
    pub size: ScenarioSize,
    /// The AD export.
    pub ldif: String,
    /// The tenant before the sync.
    pub tenant: TenantFixture,
    /// (role definition id, principal id) pairs a correct sync ends with, sorted.
    pub expected: BTreeSet<(String, String)>,
    /// Mapped role names with their ids.
    pub roles: Vec<(String, String)>,
    /// UPNs on the protected list.
    pub protected: Vec<String>,
    /// Distinct AD users that are desired members (the user look-ups a sync needs).
    pub desired_users: usize,
    /// Distinct users holding a mapped role before the sync.
    pub holders: usize,
}

fn uuid_from(rng: &mut StdRng) -> Uuid {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    uuid::Builder::from_random_bytes(b).into_uuid()
}

struct AdUser {
    cn: String,
    guid: Uuid,
    sid: String,
    entra_id: Option<String>,
}

fn user_dn(cn: &str) -> String {
    format!("CN={cn},OU=Staff,DC=contoso,DC=com")
}

/// The built-in roles a scenario maps: simple names, Global Administrator left out (the
/// "last Global Administrator" check is not what a benchmark measures). Microsoft's list has
/// 112 built-in roles, so this gives 111; [`generate`] adds custom roles beyond that.
pub fn mappable_roles() -> Vec<(String, String)> {
    builtin_roles()
        .filter(|r| r.name != "Global Administrator")
        .filter(|r| {
            r.name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ')
        })
        .map(|r| (r.name.to_owned(), r.template_id.to_owned()))
        .collect()
}

/// Custom role definitions (`isBuiltIn: false`, as an organisation creates them) for the
/// roles a scenario maps beyond the built-in ones: "Contoso Delegated Role 001", … with seeded
/// ids. Drawn from a generator of their own, so a scenario within the built-in roles is the
/// same as before they existed.
fn custom_roles(seed: u64, n: usize) -> Vec<FixtureRoleDefinition> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0c05_7011_e5ee_d000);
    (1..=n)
        .map(|i| FixtureRoleDefinition {
            id: uuid_from(&mut rng).to_string(),
            display_name: format!("Contoso Delegated Role {i:03}"),
            description: Some("A custom role of the benchmark tenant.".into()),
            is_enabled: true,
            template_id: None,
            role_permissions: vec![RolePermission {
                allowed_resource_actions: vec!["microsoft.directory/users/basic/update".into()],
                condition: None,
            }],
        })
        .collect()
}

/// Generates a scenario. Deterministic for a given [`ScenarioSize`].
pub fn generate(size: &ScenarioSize) -> Scenario {
    let size = &size.effective();
    let mut rng = StdRng::seed_from_u64(size.seed);
    let builtin = mappable_roles();
    let custom = custom_roles(size.seed, size.roles.saturating_sub(builtin.len()));
    let roles: Vec<(String, String)> = builtin
        .into_iter()
        .chain(
            custom
                .iter()
                .map(|c| (c.display_name.clone(), c.id.clone())),
        )
        .take(size.roles)
        .collect();
    assert_eq!(roles.len(), size.roles);
    let unsynced_from = size.users - size.users / 200;
    let users: Vec<AdUser> = (0..size.users)
        .map(|i| {
            let guid = uuid_from(&mut rng);
            let entra = uuid_from(&mut rng);
            AdUser {
                cn: format!("u{i:06}"),
                guid,
                sid: format!("{SID_PREFIX}-{}", 1000 + i),
                entra_id: (i < unsynced_from).then(|| entra.to_string()),
            }
        })
        .collect();
    let synced: Vec<usize> = (0..unsynced_from).collect();

    // Desired members per role; all grants and revokes are among synced users.
    let per_role =
        |total: usize, r: usize| total / size.roles + usize::from(r < total % size.roles);
    let mut desired: Vec<Vec<usize>> = Vec::new();
    let mut not_synced_members: Vec<Vec<usize>> = Vec::new();
    for r in 0..size.roles {
        let n = per_role(size.memberships, r);
        desired.push(synced.choose_multiple(&mut rng, n).copied().collect());
        // A few members that are not synced yet: skipped with a reason.
        let extra = if unsynced_from < size.users { 1 } else { 0 };
        not_synced_members.push(
            (0..extra)
                .map(|_| rng.gen_range(unsynced_from..size.users))
                .collect(),
        );
    }
    let mut initial: BTreeSet<(String, String)> = BTreeSet::new();
    let mut expected: BTreeSet<(String, String)> = BTreeSet::new();
    for r in 0..size.roles {
        let role_id = &roles[r].1;
        let grants = per_role(size.grants(), r).min(desired[r].len());
        for (k, &u) in desired[r].iter().enumerate() {
            let id = users[u].entra_id.clone().unwrap_or_default();
            expected.insert((role_id.clone(), id.clone()));
            if k >= grants {
                initial.insert((role_id.clone(), id));
            }
        }
        let want: HashSet<usize> = desired[r].iter().copied().collect();
        let mut revokes = per_role(size.revokes(), r);
        while revokes > 0 {
            let u = synced[rng.gen_range(0..synced.len())];
            let id = users[u].entra_id.clone().unwrap_or_default();
            if !want.contains(&u) && initial.insert((role_id.clone(), id)) {
                revokes -= 1;
            }
        }
    }

    // The tenant: the demo tenant's apps, the generated users.
    let mut tenant = demo_tenant();
    tenant.display_name = "Contoso (benchmark)".into();
    tenant.users.clear();
    tenant.groups.clear();
    tenant.role_assignments.clear();
    tenant.role_eligibilities.clear();
    tenant.role_activations.clear();
    tenant.activated_role_template_ids.clear();
    tenant.custom_roles = custom;
    tenant.service_principals.retain(|sp| sp.app_id == APP_ID);
    tenant.interactive_user = None;
    let base_user = |id: String, upn: String, name: String| FixtureUser {
        id,
        display_name: name,
        user_principal_name: upn.clone(),
        user_type: UserType::Member,
        account_enabled: true,
        on_premises_sync_enabled: None,
        on_premises_immutable_id: None,
        on_premises_security_identifier: None,
        on_premises_sam_account_name: None,
        on_premises_user_principal_name: None,
        on_premises_domain_name: None,
        on_premises_distinguished_name: None,
        mail: Some(upn),
        given_name: None,
        surname: None,
        password: None,
        mfa_required: false,
    };
    for u in &users {
        if let Some(id) = &u.entra_id {
            let upn = format!("{}@contoso.com", u.cn);
            tenant.users.push(FixtureUser {
                on_premises_sync_enabled: Some(true),
                on_premises_immutable_id: Some(immutable_id_from_guid(&u.guid)),
                on_premises_security_identifier: Some(u.sid.clone()),
                on_premises_sam_account_name: Some(u.cn.clone()),
                on_premises_user_principal_name: Some(upn.clone()),
                on_premises_domain_name: Some("contoso.com".into()),
                on_premises_distinguished_name: Some(user_dn(&u.cn)),
                ..base_user(id.clone(), upn, u.cn.clone())
            });
        }
    }
    // Cloud-only holders: kept as they are.
    for i in 0..size.cloud_only {
        let id = uuid_from(&mut rng).to_string();
        tenant.users.push(base_user(
            id.clone(),
            format!("cloud{i:04}@contoso.onmicrosoft.com"),
            format!("cloud{i:04}"),
        ));
        let pair = (roles[i % size.roles].1.clone(), id);
        initial.insert(pair.clone());
        expected.insert(pair);
    }
    // Protected synced holders outside the groups, holding nothing else and wanted nowhere
    // (a protected user is never revoked anywhere): kept.
    let mut protected = Vec::new();
    let taken: HashSet<String> = initial.iter().map(|(_, p)| p.clone()).collect();
    let mut i = 0;
    while protected.len() < size.protected && i < synced.len() * 4 {
        i += 1;
        let u = &users[synced[rng.gen_range(0..synced.len())]];
        let id = u.entra_id.clone().unwrap_or_default();
        let upn = format!("{}@contoso.com", u.cn);
        if taken.contains(&id)
            || protected.contains(&upn)
            || desired
                .iter()
                .flatten()
                .any(|&d| users[d].entra_id.as_deref() == Some(id.as_str()))
        {
            continue;
        }
        let role = roles[(protected.len() * 7) % size.roles].1.clone();
        protected.push(upn);
        initial.insert((role.clone(), id.clone()));
        expected.insert((role, id));
    }
    let holders: HashSet<&String> = initial.iter().map(|(_, p)| p).collect();
    let holders = holders.len();
    tenant.role_assignments = initial
        .iter()
        .map(|(role, principal)| FixtureRoleAssignment {
            id: None,
            principal_id: principal.clone(),
            role_definition_id: role.clone(),
            directory_scope_id: "/".into(),
            ..Default::default()
        })
        .collect();

    let desired_users: HashSet<usize> = desired
        .iter()
        .chain(&not_synced_members)
        .flatten()
        .copied()
        .collect();
    let ldif = write_ldif(&users, &roles, &desired, &not_synced_members);
    Scenario {
        size: size.clone(),
        ldif,
        tenant,
        expected,
        roles,
        protected,
        desired_users: desired_users.len(),
        holders,
    }
}

fn sid_bytes(sid: &str) -> Vec<u8> {
    Sid::parse(sid).map(|s| s.to_bytes()).unwrap_or_default()
}

fn write_ldif(
    users: &[AdUser],
    roles: &[(String, String)],
    desired: &[Vec<usize>],
    not_synced: &[Vec<usize>],
) -> String {
    let mut s = String::with_capacity(users.len() * 330);
    s.push_str("# RoleSync benchmark directory: contoso.com, as `ldifde -f` would export it.\nversion: 1\n\n");
    s.push_str("dn: DC=contoso,DC=com\nobjectClass: top\nobjectClass: domainDNS\n\n");
    for ou in ["Office 365 Roles Management", "Staff", "Groups"] {
        let _ = write!(
            s,
            "dn: OU={ou},DC=contoso,DC=com\nobjectClass: top\nobjectClass: organizationalUnit\n\n"
        );
    }
    for u in users {
        let _ = write!(
            s,
            "dn: {}\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\ncn: {cn}\nsAMAccountName: {cn}\nuserPrincipalName: {cn}@contoso.com\nobjectGUID:: {}\nobjectSid:: {}\nuserAccountControl: 512\n\n",
            user_dn(&u.cn),
            STANDARD.encode(u.guid.to_bytes_le()),
            STANDARD.encode(sid_bytes(&u.sid)),
            cn = u.cn,
        );
    }
    // Each role group holds 70 % of its members directly, 20 % through a nested group and 10 %
    // through a group nested in that one.
    for (r, (name, _)) in roles.iter().enumerate() {
        let m = &desired[r];
        let (direct, rest) = m.split_at(m.len() * 7 / 10);
        let (nested, deep) = rest.split_at(rest.len() * 2 / 3);
        let nested_dn = format!("CN={name} Team,OU=Groups,DC=contoso,DC=com");
        let deep_dn = format!("CN={name} Team Core,OU=Groups,DC=contoso,DC=com");
        let group = |s: &mut String, dn: &str, cn: &str, members: Vec<String>| {
            let _ = writeln!(
                s,
                "dn: {dn}\nobjectClass: top\nobjectClass: group\ncn: {cn}\nsAMAccountName: {cn}"
            );
            for mdn in members {
                let _ = writeln!(s, "member: {mdn}");
            }
            s.push('\n');
        };
        let dns =
            |v: &[usize]| -> Vec<String> { v.iter().map(|&u| user_dn(&users[u].cn)).collect() };
        let mut top = dns(direct);
        top.extend(dns(&not_synced[r]));
        top.push(nested_dn.clone());
        group(&mut s, &format!("CN={name},{OU}"), name, top);
        let mut mid = dns(nested);
        mid.push(deep_dn.clone());
        group(&mut s, &nested_dn, &format!("{name} Team"), mid);
        group(&mut s, &deep_dn, &format!("{name} Team Core"), dns(deep));
    }
    s
}

/// The policy a scenario is synced with: the role OU, the protected accounts, default limits.
pub fn policy(s: &Scenario) -> Policy {
    let mut p = Policy::for_ou(OU);
    p.protected = s.protected.clone();
    p
}

/// The `rolesync.toml` for a scenario: the LDIF snapshot as the directory, the emulator as the
/// tenant, app-only sign-in with a client secret.
pub fn config_toml(s: &Scenario, ldif_path: &str, login_url: &str, graph_url: &str) -> String {
    let protected: Vec<String> = s.protected.iter().map(|p| format!("{p:?}")).collect();
    format!(
        "[directory]\nldif = {ldif_path:?}\nou = {OU:?}\nnested = true\n\n[entra]\ntenant = {tenant:?}\nclient_id = {APP_ID:?}\nsign_in = \"secret\"\nlogin_url = {login_url:?}\ngraph_url = {graph_url:?}\n\n[safety]\nprotected = [{}]\n",
        protected.join(", "),
        tenant = s.tenant.tenant_id,
    )
}

/// The tenant's role assignments as sorted (role, principal) pairs, ids left out.
pub fn assignment_pairs(t: &TenantFixture) -> BTreeSet<(String, String)> {
    t.role_assignments
        .iter()
        .filter(|a| a.directory_scope_id == "/")
        .map(|a| {
            (
                a.role_definition_id.to_ascii_lowercase(),
                a.principal_id.to_ascii_lowercase(),
            )
        })
        .collect()
}

/// [`Scenario::expected`] in the form of [`assignment_pairs`].
pub fn expected_pairs(s: &Scenario) -> BTreeSet<(String, String)> {
    s.expected
        .iter()
        .map(|(r, p)| (r.to_ascii_lowercase(), p.to_ascii_lowercase()))
        .collect()
}
