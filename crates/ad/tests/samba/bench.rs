//! Micro-benchmark (ignored by default): reading the 3,000-member group with in-chain and
//! client expansion, against `ldapsearch` doing the same reads in the same run.
//!
//! `cargo test -p rolesync-ad --test samba -- --ignored bench --nocapture`

use crate::fixture::{self, role, BIG};
use crate::{config, dc, Via};
use rolesync_ad::ldap::{Expansion, LdapSource};
use rolesync_core::directory::SourceScope;
use rolesync_core::ids::Dn;
use std::process::Command;
use std::time::{Duration, Instant};

const ROUNDS: usize = 5;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ldapsearch(dc: &dc::Dc, args: &[&str]) -> (Duration, usize) {
    let t0 = Instant::now();
    let out = Command::new("ldapsearch")
        .env("LDAPTLS_CACERT", dc.ca_file())
        .args(["-LLL", "-o", "ldif-wrap=no", "-x", "-H"])
        .arg(format!("ldaps://{}", dc.addr))
        .args(["-D", fixture::ADMIN_UPN, "-w", fixture::ADMIN_PASS])
        .args(args)
        .output()
        .unwrap();
    let took = t0.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    (
        took,
        text.lines()
            .filter(|l| l.starts_with("dn: ") || l.starts_with("member;range="))
            .count(),
    )
}

/// The whole fixture (five groups, one nested three deep with a cycle) both ways.
#[tokio::test]
#[ignore = "benchmark; run with --ignored bench --nocapture"]
async fn bench_all_role_groups() {
    let Some(dc) = dc::shared() else { return };
    let sc = crate::scope();
    let mut out = Vec::new();
    for e in [Expansion::InChain, Expansion::Client] {
        let src = LdapSource::new(config(dc, Via::Ldaps, e)).unwrap();
        let mut times = Vec::new();
        for _ in 0..3 {
            let t0 = Instant::now();
            src.read_via(&sc, e).await.unwrap();
            times.push(t0.elapsed());
        }
        let t = median(times);
        println!(
            "all role groups + extra group, {e:?}: {:.1} ms (median of 3)",
            t.as_secs_f64() * 1e3
        );
        out.push(t);
    }
    println!(
        "  ratio InChain / Client: {:.1}",
        out[0].as_secs_f64() / out[1].as_secs_f64()
    );
}

#[tokio::test]
#[ignore = "benchmark; run with --ignored bench --nocapture"]
async fn bench_big_group() {
    let Some(dc) = dc::shared() else { return };
    let big = role("Helpdesk Administrator");
    // An OU without groups, so that only the extra (big) group is read.
    let sc = SourceScope {
        ou: Dn::new(fixture::BULK_OU),
        extra_groups: vec![Dn::new(&big)],
        transitive: true,
    };
    let mut results = Vec::new();
    for e in [Expansion::InChain, Expansion::Client] {
        let src = LdapSource::new(config(dc, Via::Ldaps, e)).unwrap();
        let mut times = Vec::new();
        for _ in 0..ROUNDS {
            let t0 = Instant::now();
            let s = src.read_via(&sc, e).await.unwrap();
            times.push(t0.elapsed());
            assert_eq!(s.groups[0].members.len(), BIG);
        }
        results.push((e, median(times)));
    }
    let filter = format!("(&(objectClass=user)(memberOf:1.2.840.113556.1.4.1941:={big}))");
    let attrs = rolesync_ad::entry::ATTRIBUTES;
    let mut chain = Vec::new();
    let mut ranged = Vec::new();
    for _ in 0..ROUNDS {
        let mut args = vec![
            "-E",
            "pr=900/noprompt",
            "-b",
            fixture::BASE,
            filter.as_str(),
        ];
        args.extend_from_slice(attrs);
        let (t, n) = ldapsearch(dc, &args);
        assert_eq!(n, BIG);
        chain.push(t);
        let (t1, _) = ldapsearch(
            dc,
            &[
                "-s",
                "base",
                "-b",
                &big,
                "(objectClass=*)",
                "member;range=0-1499",
            ],
        );
        let (t2, _) = ldapsearch(
            dc,
            &[
                "-s",
                "base",
                "-b",
                &big,
                "(objectClass=*)",
                "member;range=1500-2999",
            ],
        );
        let (t3, _) = ldapsearch(
            dc,
            &[
                "-s",
                "base",
                "-b",
                &big,
                "(objectClass=*)",
                "member;range=3000-4499",
            ],
        );
        ranged.push(t1 + t2 + t3);
    }
    // The client path's member look-ups, as ldapsearch does them: one process, one search per
    // line of a file (`-f`), each line the terms of the source's filter for 20 DNs.
    let list = dc.dir.join("bench-dns.txt");
    let dns: Vec<String> = (1..=BIG)
        .map(|i| crate::fixture::user_dn(&fixture::bulk_name(i)))
        .collect();
    let lines: Vec<String> = dns
        .chunks(rolesync_ad::ldap::search::DNS_PER_FILTER)
        .map(|c| {
            let f = rolesync_ad::ldap::search::dn_filter(c.iter().map(String::as_str));
            f["(|".len()..f.len() - 1].to_string()
        })
        .collect();
    std::fs::write(&list, lines.join("\n") + "\n").unwrap();
    let list = list.to_str().unwrap().to_string();
    let mut lookups = Vec::new();
    for _ in 0..ROUNDS {
        let mut args = vec!["-f", list.as_str(), "-b", fixture::BASE, "(|%s)"];
        args.extend_from_slice(attrs);
        let (t, n) = ldapsearch(dc, &args);
        assert_eq!(n, BIG);
        lookups.push(t);
    }
    let lookups = median(lookups);
    let chain = median(chain);
    let ranged = median(ranged);
    println!("reading the {BIG}-member group over LDAPS, median of {ROUNDS}:");
    for (e, t) in &results {
        println!(
            "  LdapSource {e:?}: {:.1} ms (connect + bind + read)",
            t.as_secs_f64() * 1e3
        );
    }
    println!(
        "  ldapsearch in-chain (one process, paged): {:.1} ms",
        chain.as_secs_f64() * 1e3
    );
    println!(
        "  ldapsearch 3 ranged member reads (3 processes): {:.1} ms",
        ranged.as_secs_f64() * 1e3
    );
    println!(
        "  ldapsearch {BIG} look-ups by DN, 20 a search (-f, one process): {:.1} ms",
        lookups.as_secs_f64() * 1e3
    );
    println!(
        "  ratio Client / (ldapsearch ranged reads + lookups): {:.2}",
        results[1].1.as_secs_f64() / (ranged + lookups).as_secs_f64()
    );
    println!(
        "  ratio InChain / ldapsearch in-chain: {:.2}",
        results[0].1.as_secs_f64() / chain.as_secs_f64()
    );
    println!(
        "  ratio Client / InChain: {:.2}",
        results[1].1.as_secs_f64() / results[0].1.as_secs_f64()
    );
}
