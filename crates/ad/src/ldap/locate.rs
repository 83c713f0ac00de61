//! Which domain controllers to try, in which order: the configured URL, or the DCs of a domain
//! found in DNS the way Windows' DC locator finds them — the SRV records
//! `_ldap._tcp.dc._msdcs.<domain>` (every writable DC of the domain registers one), ordered by
//! priority and, within a priority, by a weighted random draw (RFC 2782). The resolver reads the
//! system's configuration (`/etc/resolv.conf`, or the Windows network settings).

use super::{LdapConfig, Servers};
use hickory_resolver::proto::rr::RData;
use hickory_resolver::TokioResolver;
use rolesync_core::traits::ReadError;
use std::fmt;

/// The SRV owner name of a domain's LDAP-serving domain controllers.
pub fn srv_name(domain: &str) -> String {
    format!("_ldap._tcp.dc._msdcs.{}", domain.trim_end_matches('.'))
}

/// One SRV record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrvTarget {
    /// The DC's host name, without the trailing dot.
    pub host: String,
    /// The port the record names (389 for LDAP).
    pub port: u16,
    /// Lower is tried first.
    pub priority: u16,
    /// Share of the draws within a priority.
    pub weight: u16,
}

/// How a DC was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoundBy {
    /// `directory.url`.
    Configured,
    /// A DNS SRV record of this name.
    Srv {
        /// The record's owner name (`_ldap._tcp.dc._msdcs.contoso.com`).
        name: String,
        /// The record.
        record: SrvTarget,
        /// Whether the domain was the machine's own (not configured).
        machine_domain: bool,
    },
}

impl fmt::Display for FoundBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FoundBy::Configured => f.write_str("configured as directory.url"),
            FoundBy::Srv {
                name,
                record,
                machine_domain,
            } => write!(
                f,
                "found in DNS: SRV {name} (priority {}, weight {}){}",
                record.priority,
                record.weight,
                if *machine_domain {
                    ", the machine's domain"
                } else {
                    ""
                }
            ),
        }
    }
}

/// A domain controller to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The URL connected to (`ldaps://dc1.contoso.com:636`).
    pub url: String,
    /// The host name (or address) in it.
    pub host: String,
    /// Where it came from.
    pub found_by: FoundBy,
}

/// The DCs to try, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// In the order to try them.
    pub candidates: Vec<Candidate>,
    /// The domain whose SRV records were looked up (`None` for a configured URL).
    pub domain: Option<String>,
}

impl Located {
    /// `2 in DNS (SRV _ldap._tcp.dc._msdcs.contoso.com): dc1.contoso.com:389, …`, or the URL.
    pub fn describe(&self) -> String {
        match &self.domain {
            None => self
                .candidates
                .first()
                .map(|c| format!("{} (configured)", c.url))
                .unwrap_or_default(),
            Some(d) => {
                let list: Vec<String> = self
                    .candidates
                    .iter()
                    .map(|c| match &c.found_by {
                        FoundBy::Srv { record, .. } => format!(
                            "{}:{} (priority {}, weight {})",
                            record.host, record.port, record.priority, record.weight
                        ),
                        FoundBy::Configured => c.url.clone(),
                    })
                    .collect();
                format!(
                    "{} in DNS (SRV {}): {}",
                    self.candidates.len(),
                    srv_name(d),
                    list.join(", ")
                )
            }
        }
    }
}

/// Orders SRV records as RFC 2782 says: by priority, lowest first; within one priority by
/// repeated weighted draws (records of weight 0 first in the list, so that they are drawn only
/// when the others are gone or by chance of a zero draw). `draw(n)` returns a uniform integer in
/// `0..=n`.
pub fn order(mut records: Vec<SrvTarget>, draw: &mut dyn FnMut(u32) -> u32) -> Vec<SrvTarget> {
    records.sort_by_key(|r| (r.priority, r.weight != 0));
    let mut out = Vec::with_capacity(records.len());
    let mut rest = records.as_slice();
    while let Some(first) = rest.first() {
        let n = rest
            .iter()
            .take_while(|r| r.priority == first.priority)
            .count();
        let mut group: Vec<SrvTarget> = rest[..n].to_vec();
        rest = &rest[n..];
        while !group.is_empty() {
            let total: u32 = group.iter().map(|r| u32::from(r.weight)).sum();
            let pick = draw(total);
            let mut running = 0u32;
            let mut chosen = group.len() - 1;
            for (i, r) in group.iter().enumerate() {
                running += u32::from(r.weight);
                if running >= pick {
                    chosen = i;
                    break;
                }
            }
            out.push(group.remove(chosen));
        }
    }
    out
}

/// The candidate URL for a discovered DC: LDAPS on 636, or with `start_tls` the record's own
/// port (389) upgraded with StartTLS.
fn candidate_url(host: &str, port: u16, start_tls: bool) -> String {
    if start_tls {
        format!("ldap://{host}:{port}")
    } else {
        format!("ldaps://{host}:636")
    }
}

/// The domain controllers the configuration names, in the order to try them.
pub async fn locate(config: &LdapConfig) -> Result<Located, ReadError> {
    let (domain, machine) = match &config.servers {
        Servers::Url(u) => {
            let host = url::Url::parse(u)
                .ok()
                .and_then(|p| p.host_str().map(str::to_string))
                .unwrap_or_default();
            return Ok(Located {
                candidates: vec![Candidate {
                    url: u.trim_end_matches('/').to_string(),
                    host: host.trim_matches(['[', ']']).to_string(),
                    found_by: FoundBy::Configured,
                }],
                domain: None,
            });
        }
        Servers::Domain(d) => (d.trim_end_matches('.').to_ascii_lowercase(), false),
        Servers::MachineDomain => (machine_domain()?, true),
    };
    let name = srv_name(&domain);
    let records = lookup_srv(&domain, &name).await?;
    let mut rng = rand::thread_rng();
    let ordered = order(records, &mut |n| rand::Rng::gen_range(&mut rng, 0..=n));
    let candidates = ordered
        .into_iter()
        .map(|r| Candidate {
            url: candidate_url(&r.host, r.port, config.start_tls),
            host: r.host.clone(),
            found_by: FoundBy::Srv {
                name: name.clone(),
                record: r,
                machine_domain: machine,
            },
        })
        .collect();
    Ok(Located {
        candidates,
        domain: Some(domain),
    })
}

/// The SRV records of `name` (`_ldap._tcp.dc._msdcs.<domain>`), through the system's resolver.
async fn lookup_srv(domain: &str, name: &str) -> Result<Vec<SrvTarget>, ReadError> {
    let resolver = TokioResolver::builder_tokio()
        .map_err(|e| {
            ReadError::new(format!(
                "finding the domain controllers of {domain}: cannot read this machine's DNS configuration ({e}); check /etc/resolv.conf (Windows: the network adapter's DNS servers), or set directory.url"
            ))
        })?
        .build()
        .map_err(|e| {
            ReadError::new(format!(
                "finding the domain controllers of {domain}: cannot set up the DNS resolver ({e}); check the DNS configuration, or set directory.url"
            ))
        })?;
    // A fully qualified name: the resolver's search list must not be appended.
    let lookup = match resolver.srv_lookup(format!("{name}.")).await {
        Ok(l) => l,
        Err(e) if e.is_no_records_found() || e.is_nx_domain() => {
            return Err(no_records(domain, name, &e.to_string()))
        }
        Err(e) => {
            return Err(ReadError::new(format!(
                "finding the domain controllers of {domain}: the DNS lookup of the SRV records {name} failed ({e}); check that this machine's DNS servers (/etc/resolv.conf; Windows: the network adapter's settings) are the domain's, or set directory.url"
            )))
        }
    };
    let records: Vec<SrvTarget> = lookup
        .answers()
        .iter()
        .filter_map(|r| match &r.data {
            RData::SRV(srv) => Some(SrvTarget {
                host: srv.target.to_utf8().trim_end_matches('.').to_string(),
                port: srv.port,
                priority: srv.priority,
                weight: srv.weight,
            }),
            _ => None,
        })
        // RFC 2782: a target of "." means the service is decidedly not available.
        .filter(|r| !r.host.is_empty())
        .collect();
    if records.is_empty() {
        return Err(no_records(
            domain,
            name,
            "the answer holds no usable SRV record",
        ));
    }
    tracing::debug!(%name, records = ?records, "domain controllers found in DNS");
    Ok(records)
}

fn no_records(domain: &str, name: &str, detail: &str) -> ReadError {
    ReadError::new(format!(
        "no domain controller of {domain} was found: DNS has no SRV records {name} ({detail}); check the domain's DNS name (directory.domain, e.g. contoso.com — not the NetBIOS name) and that this machine uses the domain's DNS servers, or set directory.url to a domain controller"
    ))
}

/// The DNS domain this machine is joined to.
#[cfg(windows)]
pub fn machine_domain() -> Result<String, ReadError> {
    match super::machine_domain_windows::dns_domain() {
        Some(d) if !d.is_empty() => Ok(d.to_ascii_lowercase()),
        _ => Err(ReadError::new(
            "this machine is not joined to a domain (its DNS domain is empty), so there is no domain to find the domain controllers of; set [directory] domain = \"contoso.com\" or url = \"ldaps://dc1.contoso.com\"",
        )),
    }
}

/// The DNS domain this machine is joined to: only known on Windows.
#[cfg(not(windows))]
pub fn machine_domain() -> Result<String, ReadError> {
    Err(ReadError::new(
        "the machine's own domain is only looked up on Windows; set [directory] domain = \"contoso.com\" (its domain controllers are found in DNS) or url = \"ldaps://dc1.contoso.com\"",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(host: &str, priority: u16, weight: u16) -> SrvTarget {
        SrvTarget {
            host: host.into(),
            port: 389,
            priority,
            weight,
        }
    }

    fn hosts(v: &[SrvTarget]) -> Vec<&str> {
        v.iter().map(|r| r.host.as_str()).collect()
    }

    #[test]
    fn lower_priority_first_whatever_the_weights() {
        let recs = vec![rec("b", 10, 100), rec("a", 0, 1), rec("c", 20, 65535)];
        // Draws at either end of the range.
        for d in [0u32, u32::MAX] {
            let out = order(recs.clone(), &mut |n| d.min(n));
            assert_eq!(hosts(&out), ["a", "b", "c"]);
        }
    }

    #[test]
    fn weights_share_the_first_place_in_proportion() {
        // RFC 2782's draw: the zero-weight record first, then the others as listed; running
        // sums 0, 30, 40: a draw of 0 picks w0, 1..=30 w30, 31..=40 w10.
        let recs = vec![rec("w30", 0, 30), rec("w10", 0, 10), rec("w0", 0, 0)];
        let mut firsts = std::collections::BTreeMap::new();
        for d in 0..=40u32 {
            let mut first = true;
            let out = order(recs.clone(), &mut |n| {
                let v = if first { d } else { 0 };
                first = false;
                v.min(n)
            });
            assert_eq!(out.len(), 3);
            *firsts.entry(out[0].host.clone()).or_insert(0) += 1;
        }
        assert_eq!(firsts["w0"], 1);
        assert_eq!(firsts["w30"], 30);
        assert_eq!(firsts["w10"], 10);
    }

    #[test]
    fn every_record_is_kept_once() {
        let recs: Vec<SrvTarget> = (0..20)
            .map(|i| rec(&format!("dc{i}"), (i % 3) as u16, (i * 7 % 5) as u16))
            .collect();
        let mut state = 12345u32;
        let out = order(recs.clone(), &mut |n| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            state % (n + 1)
        });
        let mut a = hosts(&out);
        let mut b = hosts(&recs);
        a.sort();
        b.sort();
        assert_eq!(a, b);
        assert!(out.windows(2).all(|w| w[0].priority <= w[1].priority));
    }

    #[test]
    fn urls_and_descriptions() {
        assert_eq!(
            candidate_url("dc1.contoso.com", 389, false),
            "ldaps://dc1.contoso.com:636"
        );
        assert_eq!(
            candidate_url("dc1.contoso.com", 389, true),
            "ldap://dc1.contoso.com:389"
        );
        assert_eq!(srv_name("contoso.com."), "_ldap._tcp.dc._msdcs.contoso.com");
        let f = FoundBy::Srv {
            name: srv_name("contoso.com"),
            record: rec("dc1.contoso.com", 0, 100),
            machine_domain: true,
        };
        assert_eq!(
            f.to_string(),
            "found in DNS: SRV _ldap._tcp.dc._msdcs.contoso.com (priority 0, weight 100), the machine's domain"
        );
    }

    #[tokio::test]
    async fn a_configured_url_is_the_only_candidate() {
        let c = LdapConfig::new("ldaps://[::1]:1636/", super::super::Bind::Anonymous, "DC=x");
        let l = locate(&c).await.unwrap();
        assert_eq!(l.candidates.len(), 1);
        assert_eq!(l.candidates[0].url, "ldaps://[::1]:1636");
        assert_eq!(l.candidates[0].host, "::1");
        assert_eq!(l.candidates[0].found_by, FoundBy::Configured);
    }
}
