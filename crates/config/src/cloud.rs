//! Microsoft's clouds and the two endpoint settings, `entra.login_url` and `entra.graph_url`:
//! what an admin may write, what RoleSync makes of it, and the error when it cannot be right.
//!
//! Microsoft Graph answers only under a version segment (`https://graph.microsoft.com/v1.0/…`; an
//! unversioned path is refused with "Invalid version"), and RoleSync speaks v1.0 only. So
//! `graph_url` is a host (`https://graph.microsoft.com`) or that host with `/v1.0`; the base
//! RoleSync uses always ends in `/v1.0`. `login_url` is the identity platform's host only: the
//! tenant and `oauth2/v2.0/…` are added by RoleSync. Hosts of the national clouds are paired as
//! Microsoft lists them ("National cloud deployments", Microsoft Graph docs,
//! <https://learn.microsoft.com/graph/deployments>): setting one of a pair implies the other, and
//! a pair from two different clouds is refused. Any other host (a local emulator, a test) is
//! taken as given; plain `http` only on loopback.

use url::Url;

/// One of Microsoft's clouds: its identity platform host and its Graph hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cloud {
    /// A name for messages.
    pub name: &'static str,
    /// Identity platform host, e.g. `login.microsoftonline.com`.
    pub login_host: &'static str,
    /// Graph host, e.g. `graph.microsoft.com`.
    pub graph_host: &'static str,
}

/// The clouds from Microsoft's "National cloud deployments" page (Graph and Entra ID endpoints).
pub const CLOUDS: &[Cloud] = &[
    Cloud {
        name: "the global service",
        login_host: "login.microsoftonline.com",
        graph_host: "graph.microsoft.com",
    },
    Cloud {
        name: "US Government L4",
        login_host: "login.microsoftonline.us",
        graph_host: "graph.microsoft.us",
    },
    Cloud {
        name: "US Government L5 (DOD)",
        login_host: "login.microsoftonline.us",
        graph_host: "dod-graph.microsoft.us",
    },
    Cloud {
        name: "Microsoft Graph China operated by 21Vianet",
        login_host: "login.chinacloudapi.cn",
        graph_host: "microsoftgraph.chinacloudapi.cn",
    },
];

/// The global service (the default when neither URL is set).
pub const GLOBAL: Cloud = CLOUDS[0];

/// The Graph version RoleSync speaks; every request path starts with it.
pub const GRAPH_VERSION: &str = "v1.0";

/// A mistake in one endpoint setting: what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointError {
    /// The key (`entra.graph_url` or `entra.login_url`).
    pub key: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

fn is_loopback(u: &Url) -> bool {
    match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Parses an endpoint setting: an absolute `https` URL (`http` only on loopback) with no user,
/// query or fragment. Returns the URL and its path without a trailing `/`.
fn parse_base(
    key: &'static str,
    text: &str,
    example: &str,
) -> Result<(Url, String), EndpointError> {
    let err = |message: String, fix: String| EndpointError { key, message, fix };
    let u = Url::parse(text.trim()).map_err(|e| {
        err(
            format!("\"{text}\" is not a valid URL ({e})"),
            format!("write it as {example}, or leave it out for Microsoft's global service"),
        )
    })?;
    if !(u.scheme() == "https" || (u.scheme() == "http" && is_loopback(&u))) {
        return Err(err(
            format!("\"{text}\" must use https://"),
            format!("use {example} (http:// is allowed only for a local emulator on loopback)"),
        ));
    }
    if u.host_str().is_none() || !u.username().is_empty() || u.password().is_some() {
        return Err(err(
            format!("\"{text}\" names no host, or carries a user name"),
            format!("write just the scheme and host, e.g. {example}"),
        ));
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err(err(
            format!("\"{text}\" carries a query or fragment"),
            format!("write just the scheme and host, e.g. {example}"),
        ));
    }
    let path = u.path().trim_end_matches('/').to_owned();
    Ok((u, path))
}

fn with_path(u: &Url, path: &str) -> Url {
    let mut b = u.clone();
    b.set_path(path);
    b
}

fn cloud_of_graph(u: &Url) -> Option<Cloud> {
    let h = u.host_str()?;
    CLOUDS
        .iter()
        .copied()
        .find(|c| c.graph_host.eq_ignore_ascii_case(h))
}

fn clouds_of_login(u: &Url) -> Vec<Cloud> {
    let h = u.host_str().unwrap_or_default();
    CLOUDS
        .iter()
        .copied()
        .filter(|c| c.login_host.eq_ignore_ascii_case(h))
        .collect()
}

/// The Graph base for `entra.graph_url`: `scheme://host[:port]/v1.0`. A host alone or with
/// `/v1.0` is accepted; any other path (`/beta`, a typo) is an error naming the fix.
pub fn graph_base(text: &str) -> Result<Url, EndpointError> {
    let key = "entra.graph_url";
    let (u, path) = parse_base(key, text, "https://graph.microsoft.com")?;
    let versioned = format!("/{GRAPH_VERSION}");
    if !(path.is_empty() || path == versioned) {
        let what = if path.eq_ignore_ascii_case("/beta") {
            "the beta endpoint is not supported: RoleSync uses Microsoft Graph v1.0 only".to_owned()
        } else {
            format!("\"{path}\" is not a Microsoft Graph version RoleSync uses")
        };
        return Err(EndpointError {
            key,
            message: format!("\"{text}\": {what}"),
            fix: format!(
                "write the host only, e.g. {}://{} (RoleSync adds /{GRAPH_VERSION}), or leave it out for Microsoft's global service",
                u.scheme(),
                host_port(&u)
            ),
        });
    }
    Ok(with_path(&u, &versioned))
}

/// The identity platform base for `entra.login_url`: `scheme://host[:port]` (RoleSync adds
/// `/{tenant}/oauth2/v2.0/…`). Any path is an error naming the fix.
pub fn login_base(text: &str) -> Result<Url, EndpointError> {
    let key = "entra.login_url";
    let (u, path) = parse_base(key, text, "https://login.microsoftonline.com")?;
    if !path.is_empty() {
        let tenantish = path.trim_start_matches('/').split('/').next().unwrap_or("");
        let hint = if tenantish.contains('.') || tenantish.len() == 36 || tenantish == "common" {
            " (the tenant goes in entra.tenant)"
        } else {
            ""
        };
        return Err(EndpointError {
            key,
            message: format!("\"{text}\" has a path, \"{path}\"{hint}"),
            fix: format!(
                "write the host only, e.g. {}://{} — RoleSync adds /<tenant>/oauth2/v2.0/…",
                u.scheme(),
                host_port(&u)
            ),
        });
    }
    Ok(with_path(&u, ""))
}

fn host_port(u: &Url) -> String {
    let host = u.host_str().unwrap_or_default();
    match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

/// Both endpoints from the two optional settings: each defaults to Microsoft's global service, or
/// to the partner of a national cloud's host given in the other; two hosts of different clouds are
/// an error on `entra.login_url`.
pub fn endpoints(
    login_url: Option<&str>,
    graph_url: Option<&str>,
) -> Result<(Url, Url), Vec<EndpointError>> {
    let login = login_url.map(login_base).transpose();
    let graph = graph_url.map(graph_base).transpose();
    let (login, graph) = match (login, graph) {
        (Ok(l), Ok(g)) => (l, g),
        (l, g) => return Err(l.err().into_iter().chain(g.err()).collect()),
    };
    match (login, graph) {
        (Some(l), Some(g)) => {
            let lc = clouds_of_login(&l);
            if let Some(gc) = cloud_of_graph(&g) {
                if !lc.is_empty() && !lc.contains(&gc) {
                    return Err(vec![EndpointError {
                        key: "entra.login_url",
                        message: format!(
                            "{} belongs to {}, but entra.graph_url {} belongs to {}",
                            host_port(&l),
                            lc[0].name,
                            host_port(&g),
                            gc.name
                        ),
                        fix: format!(
                            "use https://{} with https://{} (or leave login_url out)",
                            gc.login_host, gc.graph_host
                        ),
                    }]);
                }
            }
            Ok((l, g))
        }
        (Some(l), None) => {
            let graph_host = clouds_of_login(&l)
                .first()
                .map_or(GLOBAL.graph_host, |c| c.graph_host);
            Ok((
                l,
                with_path(&https(graph_host), &format!("/{GRAPH_VERSION}")),
            ))
        }
        (None, Some(g)) => {
            let login_host = cloud_of_graph(&g).map_or(GLOBAL.login_host, |c| c.login_host);
            Ok((https(login_host), g))
        }
        (None, None) => Ok(default_endpoints()),
    }
}

/// Microsoft's global service: `https://login.microsoftonline.com` and
/// `https://graph.microsoft.com/v1.0`.
pub fn default_endpoints() -> (Url, Url) {
    (
        https(GLOBAL.login_host),
        with_path(&https(GLOBAL.graph_host), &format!("/{GRAPH_VERSION}")),
    )
}

/// `https://{host}` for one of the constant hosts above.
fn https(host: &str) -> Url {
    Url::parse(&format!("https://{host}")).expect("the hosts of CLOUDS are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &str) -> String {
        graph_base(s)
            .map(|u| u.to_string())
            .unwrap_or_else(|e| format!("ERR {}", e.message))
    }

    #[test]
    fn graph_url_gets_the_version_once() {
        assert_eq!(
            g("https://graph.microsoft.com"),
            "https://graph.microsoft.com/v1.0"
        );
        assert_eq!(
            g("https://graph.microsoft.com/"),
            "https://graph.microsoft.com/v1.0"
        );
        assert_eq!(
            g("https://graph.microsoft.com/v1.0"),
            "https://graph.microsoft.com/v1.0"
        );
        assert_eq!(
            g("https://graph.microsoft.com/v1.0/"),
            "https://graph.microsoft.com/v1.0"
        );
        assert_eq!(g("http://127.0.0.1:8400"), "http://127.0.0.1:8400/v1.0");
        assert_eq!(
            g("https://dod-graph.microsoft.us"),
            "https://dod-graph.microsoft.us/v1.0"
        );
    }

    #[test]
    fn other_paths_are_errors_with_the_fix() {
        let e = graph_base("https://graph.microsoft.com/beta").unwrap_err();
        assert_eq!(e.key, "entra.graph_url");
        assert!(e.message.contains("beta"), "{}", e.message);
        assert!(e.fix.contains("https://graph.microsoft.com"), "{}", e.fix);
        assert!(g("https://graph.microsoft.com/v1").starts_with("ERR"));
        assert!(g("https://graph.microsoft.com/v1.0/users").starts_with("ERR"));
        assert!(g("https://graph.microsoft.com/?x=1").starts_with("ERR"));
        assert!(g("http://graph.microsoft.com").starts_with("ERR"));
        let e =
            login_base("https://login.microsoftonline.com/contoso.onmicrosoft.com").unwrap_err();
        assert!(e.message.contains("entra.tenant"), "{}", e.message);
        assert!(login_base("https://login.microsoftonline.com/").is_ok());
    }

    #[test]
    fn national_clouds_pair_up() {
        let (l, g) = endpoints(None, Some("https://microsoftgraph.chinacloudapi.cn")).unwrap();
        assert_eq!(l.as_str(), "https://login.chinacloudapi.cn/");
        assert_eq!(g.as_str(), "https://microsoftgraph.chinacloudapi.cn/v1.0");
        let (l, g) = endpoints(Some("https://login.microsoftonline.us"), None).unwrap();
        assert_eq!(
            (l.as_str(), g.as_str()),
            (
                "https://login.microsoftonline.us/",
                "https://graph.microsoft.us/v1.0"
            )
        );
        assert!(endpoints(
            Some("https://login.microsoftonline.us"),
            Some("https://dod-graph.microsoft.us")
        )
        .is_ok());
        let e = endpoints(
            Some("https://login.microsoftonline.com"),
            Some("https://graph.microsoft.us"),
        )
        .unwrap_err();
        assert_eq!(e[0].key, "entra.login_url");
        assert!(
            e[0].fix.contains("login.microsoftonline.us"),
            "{}",
            e[0].fix
        );
        let (l, g) = endpoints(None, None).unwrap();
        assert_eq!(
            (l.as_str(), g.as_str()),
            (
                "https://login.microsoftonline.com/",
                "https://graph.microsoft.com/v1.0"
            )
        );
        // An emulator: taken as given.
        let (l, g) = endpoints(Some("http://127.0.0.1:9"), Some("http://127.0.0.1:9")).unwrap();
        assert_eq!(
            (l.as_str(), g.as_str()),
            ("http://127.0.0.1:9/", "http://127.0.0.1:9/v1.0")
        );
    }
}
