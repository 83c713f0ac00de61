//! Microsoft's public host names, paired per cloud, so that an emulator reached under one of them
//! (a test that makes `graph.microsoft.com` resolve to it) answers with its partner's name where
//! Microsoft's own service does: Graph's `WWW-Authenticate` names the login host, the OpenID
//! discovery document names the Graph host. Pairs from Microsoft Graph's "National cloud
//! deployments" page (<https://learn.microsoft.com/graph/deployments>). Under any other name
//! (loopback, `localhost`) both sides are the one listener.

/// (identity platform host, Graph host) of each cloud.
const PAIRS: &[(&str, &str)] = &[
    ("login.microsoftonline.com", "graph.microsoft.com"),
    ("login.microsoftonline.us", "graph.microsoft.us"),
    ("login.microsoftonline.us", "dod-graph.microsoft.us"),
    ("login.chinacloudapi.cn", "microsoftgraph.chinacloudapi.cn"),
];

fn split(origin: &str) -> (&str, &str) {
    origin.split_once("://").unwrap_or(("https", origin))
}

/// The login origin that goes with a Graph origin.
pub(crate) fn login_origin_for(graph_origin: &str) -> String {
    let (scheme, host) = split(graph_origin);
    match PAIRS.iter().find(|(_, g)| g.eq_ignore_ascii_case(host)) {
        Some((l, _)) => format!("{scheme}://{l}"),
        None => graph_origin.to_owned(),
    }
}

/// The Graph origin that goes with a login origin (the first Graph host of that cloud).
pub(crate) fn graph_origin_for(login_origin: &str) -> String {
    let (scheme, host) = split(login_origin);
    match PAIRS.iter().find(|(l, _)| l.eq_ignore_ascii_case(host)) {
        Some((_, g)) => format!("{scheme}://{g}"),
        None => login_origin.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_other_hosts() {
        assert_eq!(
            login_origin_for("https://graph.microsoft.com"),
            "https://login.microsoftonline.com"
        );
        assert_eq!(
            graph_origin_for("https://login.chinacloudapi.cn"),
            "https://microsoftgraph.chinacloudapi.cn"
        );
        assert_eq!(
            login_origin_for("http://127.0.0.1:8400"),
            "http://127.0.0.1:8400"
        );
    }
}
