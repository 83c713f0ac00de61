//! `ldap-bench`: the large-scenario LDAP benchmark. Generates the scenario, loads its directory
//! into a Samba AD DC on loopback (the testkit harness; the loaded directory is cached as a
//! template under the target dir, keyed by its hash, so only the first run pays for the load),
//! checks that RoleSync's `LdapSource` reads from the DC exactly what the scenario's LDIF holds,
//! then measures, in the same run and interleaved round by round, the source reading all role
//! groups (connect, bind, OU check, group search, member entries, nested expansion: what
//! `rolesync sync` does) against `ldapsearch` doing the same reads
//! ([`rolesync_bench::ldapsearch`]), and prints the medians and their ratio (target ≤ 1.5×).

use clap::Parser;
use rolesync_ad::entry::ATTRIBUTES;
use rolesync_ad::ldap::{Bind, LdapConfig, LdapSource};
use rolesync_ad::snapshot::LdifSource;
use rolesync_bench::ldapsearch::{Counts, Ldapsearch};
use rolesync_bench::{generate, samba, ScenarioSize};
use rolesync_core::directory::{DirectorySnapshot, SourceScope};
use rolesync_core::ids::Dn;
use rolesync_core::traits::DirectorySource;
use rolesync_testkit::samba::dc::{Dc, Directory};
use rolesync_testkit::samba::fixture::{ADMIN_PASS, ADMIN_UPN};
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// The target: the source may take at most this many times `ldapsearch`'s time.
const TARGET_RATIO: f64 = 1.5;

/// The LDAP benchmark.
#[derive(Parser, Debug)]
struct Args {
    /// The scenario's size (`--changes`, `--cloud-only` and `--protected` change only the
    /// tenant, which this benchmark does not read).
    #[command(flatten)]
    size: ScenarioSize,
    /// Measured rounds of each side (after one warm-up round each).
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// The DC's loopback address (the harness's certificate names 127.0.0.1, .2, .4 and .5;
    /// the tests use .1, .2 and .4).
    #[arg(long, default_value = "127.0.0.5")]
    addr: String,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// A snapshot in a comparable form: group (folded DN) → name, members (identity and state),
/// nested groups (folded DNs).
type Comparable = BTreeMap<String, (String, BTreeSet<String>, BTreeSet<String>)>;

fn comparable(s: &DirectorySnapshot) -> Comparable {
    s.groups
        .iter()
        .map(|g| {
            let members = g
                .members
                .iter()
                .map(|u| {
                    format!(
                        "{} {} {:?} {:?} {:?} {}",
                        u.dn.folded(),
                        u.object_guid,
                        u.sid.as_ref().map(ToString::to_string),
                        u.upn.as_ref().map(ToString::to_string),
                        u.sam_account_name,
                        u.enabled
                    )
                })
                .collect();
            let nested = g.nested_groups.iter().map(Dn::folded).collect();
            (g.dn.folded(), (g.name.clone(), members, nested))
        })
        .collect()
}

fn samba_version() -> String {
    Command::new("samba")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "samba (version unknown)".into())
}

fn main() -> anyhow::Result<ExitCode> {
    let a = Args::parse();
    anyhow::ensure!(a.rounds >= 1, "--rounds must be at least 1");
    let size = a.size.effective();
    let t0 = Instant::now();
    let scenario = generate(&size);
    let add = samba::ldbadd_input(&scenario.ldif)?;
    eprintln!(
        "scenario (seed {}, {} users, {} role groups, {} memberships) generated in {:.1} s",
        size.seed,
        size.users,
        size.roles,
        size.memberships,
        t0.elapsed().as_secs_f64()
    );
    let t0 = Instant::now();
    let Some(dc) = Dc::start_with(
        &a.addr,
        &Directory {
            name: "the LDAP benchmark scenario",
            add: &add,
            modify: "",
        },
    ) else {
        eprintln!("SKIPPED: no Samba AD DC (see the message above)");
        return Ok(ExitCode::from(2));
    };
    let dc_ready = t0.elapsed();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let scope = SourceScope {
        ou: Dn::new(samba::ou()),
        extra_groups: Vec::new(),
        transitive: true,
    };
    let mut config = LdapConfig::new(
        format!("ldaps://{}", dc.addr),
        Bind::Simple {
            dn_or_upn: ADMIN_UPN.into(),
            password: ADMIN_PASS.into(),
        },
        samba::BASE,
    );
    config.ca_file = Some(dc.ca_file());
    config.timeout = Duration::from_secs(120);
    let source = LdapSource::new(config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let tool = Ldapsearch {
        url: format!("ldaps://{}", dc.addr),
        ca_file: dc.ca_file(),
        bind: ADMIN_UPN.into(),
        password: ADMIN_PASS.into(),
        base: samba::BASE.into(),
        work_dir: dc.dir.clone(),
    };
    let ou = samba::ou();

    // Warm-up, and the correctness check: the DC serves what the LDIF holds.
    let read = |src: &LdapSource| -> anyhow::Result<(Duration, DirectorySnapshot)> {
        let t = Instant::now();
        let snap = rt
            .block_on(src.read(&scope))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok((t.elapsed(), snap))
    };
    let (first_source, snap) = read(&source)?;
    let (first_tool, tool_counts) = tool.read_role_groups(&ou, ATTRIBUTES)?;
    let expected = rt
        .block_on(
            LdifSource::parse("the scenario's LDIF", &samba::renamed(&scenario.ldif))?.read(&scope),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let same = comparable(&snap) == comparable(&expected)
        && snap.problems.len() == expected.problems.len();
    let users: BTreeSet<String> = snap
        .groups
        .iter()
        .flat_map(|g| g.members.iter().map(|u| u.dn.folded()))
        .collect();
    let nested: BTreeSet<String> = snap
        .groups
        .iter()
        .flat_map(|g| g.nested_groups.iter().map(Dn::folded))
        .collect();
    let resolved: usize = snap.groups.iter().map(|g| g.members.len()).sum();

    let mut source_times = Vec::new();
    let mut tool_times = Vec::new();
    let mut counts_agree = true;
    for round in 0..a.rounds {
        // Alternate which side goes first, so that neither always follows the other.
        let mut one_round = |tool_first: bool| -> anyhow::Result<()> {
            for side in [tool_first, !tool_first] {
                if side {
                    let (t, c) = tool.read_role_groups(&ou, ATTRIBUTES)?;
                    counts_agree &= c == tool_counts;
                    tool_times.push(t);
                } else {
                    let (t, s) = read(&source)?;
                    counts_agree &= comparable(&s) == comparable(&snap);
                    source_times.push(t);
                }
            }
            Ok(())
        };
        one_round(round % 2 == 0)?;
    }
    let all = |v: &[Duration]| v.iter().map(|d| ms(*d)).collect::<Vec<_>>().join(", ");
    let source_median = median(source_times.clone());
    let tool_median = median(tool_times.clone());
    let ratio = source_median.as_secs_f64() / tool_median.as_secs_f64();
    let Counts {
        processes,
        searches,
        entries,
        role_groups,
        users: tool_users,
        nested_groups: tool_nested,
    } = tool_counts;

    println!(
        "LDAP benchmark: the scenario's role groups (seed {}, {} users, {} role groups, {} memberships)",
        size.seed, size.users, size.roles, size.memberships
    );
    println!(
        "read from {} over LDAPS (ldaps://{}, certificate verified against the harness CA), median of {} rounds after one warm-up round each",
        samba_version(),
        dc.addr,
        a.rounds
    );
    println!(
        "DC ready in {:.1} s: template {}, copy and start {:.2} s",
        dc_ready.as_secs_f64(),
        if dc_ready > dc.start_time + Duration::from_secs(2) {
            "built (first run for this scenario)"
        } else {
            "cached"
        },
        dc.start_time.as_secs_f64()
    );
    println!();
    println!("| figure | RoleSync LdapSource | ldapsearch |");
    println!("| --- | --- | --- |");
    println!("| role groups | {} | {role_groups} |", snap.groups.len());
    println!("| nested groups read | {} | {tool_nested} |", nested.len());
    println!("| user entries read | {} | {tool_users} |", users.len());
    println!(
        "| entries read (groups + nested + users) | {} | {entries} |",
        snap.groups.len() + nested.len() + users.len()
    );
    println!(
        "| members resolved (sum over role groups, transitive) | {resolved} | — (not expanded) |"
    );
    println!("| processes / connections | 1 / 1 | {processes} / {processes} |");
    println!("| searches | (not counted) | {searches} |");
    println!(
        "| warm-up round | {} | {} |",
        ms(first_source),
        ms(first_tool)
    );
    println!("| rounds | {} | {} |", all(&source_times), all(&tool_times));
    println!(
        "| **median** | **{}** | **{}** |",
        ms(source_median),
        ms(tool_median)
    );
    println!(
        "| ratio LdapSource / ldapsearch | **{ratio:.2}×** (target ≤ {TARGET_RATIO}×: {}) | |",
        if ratio <= TARGET_RATIO {
            "met"
        } else {
            "MISSED"
        }
    );
    println!();
    println!(
        "check: the DC's snapshot equals the LDIF's: {}; every round read the same: {}",
        if same { "yes" } else { "NO" },
        if counts_agree { "yes" } else { "NO" }
    );
    drop(dc);
    Ok(if same && counts_agree {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
