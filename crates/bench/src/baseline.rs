//! The baseline: what the retired MSOnline script did, done honestly over Graph with `reqwest` —
//! one sequential request per role read (following pages), per user look-up and per change. No
//! batching, no concurrency. At 50 ms a request the full run takes minutes, so the benchmark
//! measures a proportional sample of each request type and extrapolates (see [`Baseline`]).

use serde_json::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A sequential Graph client with one bearer token.
pub struct SequentialClient {
    http: reqwest::Client,
    graph: String,
    token: String,
    /// Requests sent.
    pub requests: u64,
}

/// Mean time per request type over the sample, and the counts for the full work.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Baseline {
    /// Role reads: every mapped role measured (pages followed), plus the role-definition list.
    pub role_reads: Duration,
    /// Requests for the role reads.
    pub role_read_requests: u64,
    /// Pages of the role-definition list.
    pub role_definition_pages: u64,
    /// The most pages any one role's assignment list took.
    pub max_role_pages: u64,
    /// Sampled look-ups and their total time.
    pub lookups_sampled: u64,
    /// Time for the sampled look-ups.
    pub lookups_time: Duration,
    /// Sampled grants.
    pub grants_sampled: u64,
    /// Time for the sampled grants.
    pub grants_time: Duration,
    /// Sampled revokes.
    pub revokes_sampled: u64,
    /// Time for the sampled revokes.
    pub revokes_time: Duration,
}

impl Baseline {
    /// Extrapolated wall time for `lookups` look-ups, `grants` grants and `revokes` revokes.
    pub fn extrapolate(&self, lookups: u64, grants: u64, revokes: u64) -> Duration {
        let per = |t: Duration, n: u64| t.as_secs_f64() / n.max(1) as f64;
        Duration::from_secs_f64(
            self.role_reads.as_secs_f64()
                + per(self.lookups_time, self.lookups_sampled) * lookups as f64
                + per(self.grants_time, self.grants_sampled) * grants as f64
                + per(self.revokes_time, self.revokes_sampled) * revokes as f64,
        )
    }

    /// Requests the full baseline run sends.
    pub fn requests(&self, lookups: u64, grants: u64, revokes: u64) -> u64 {
        self.role_read_requests + lookups + grants + revokes
    }
}

impl SequentialClient {
    /// Signs in with client credentials.
    pub async fn sign_in(
        login: &str,
        tenant: &str,
        graph: &str,
        client_id: &str,
        secret: &str,
        ca_file: Option<&std::path::Path>,
    ) -> anyhow::Result<Self> {
        let mut http = reqwest::Client::builder();
        if let Some(ca) = ca_file {
            http = http.add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(ca)?)?);
        }
        let http = http.build()?;
        let v: Value = http
            .post(format!("{login}/{tenant}/oauth2/v2.0/token"))
            .form(&[
                ("client_id", client_id),
                ("client_secret", secret),
                ("scope", "https://graph.microsoft.com/.default"),
                ("grant_type", "client_credentials"),
            ])
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let token = v["access_token"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("no access token"))?
            .to_owned();
        Ok(SequentialClient {
            http,
            graph: graph.trim_end_matches('/').to_owned(),
            token,
            requests: 0,
        })
    }

    async fn send(
        &mut self,
        method: reqwest::Method,
        url: &str,
        body: Option<Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let url = if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}/{url}", self.graph)
        };
        let mut rq = self.http.request(method, url).bearer_auth(&self.token);
        if let Some(b) = body {
            rq = rq.json(&b);
        }
        self.requests += 1;
        let resp = rq.send().await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)?
        };
        anyhow::ensure!(status < 300, "HTTP {status}: {text}");
        Ok((status, v))
    }

    /// Reads every page of a list; returns the items and the page count.
    pub async fn list(&mut self, url: &str) -> anyhow::Result<(Vec<Value>, u64)> {
        let mut out = Vec::new();
        let mut next = Some(url.to_owned());
        let mut pages = 0;
        while let Some(u) = next.take() {
            let (_, v) = self.send(reqwest::Method::GET, &u, None).await?;
            pages += 1;
            if let Some(items) = v["value"].as_array() {
                out.extend(items.iter().cloned());
            }
            next = v["@odata.nextLink"].as_str().map(str::to_owned);
        }
        Ok((out, pages))
    }

    /// One role's assignments as principal id → assignment id, and the pages read.
    pub async fn role_members(
        &mut self,
        role_id: &str,
    ) -> anyhow::Result<(HashMap<String, String>, u64)> {
        let (items, pages) = self
            .list(&format!(
                "roleManagement/directory/roleAssignments?$filter=roleDefinitionId%20eq%20'{role_id}'&$expand=principal"
            ))
            .await?;
        Ok((
            items
                .iter()
                .filter_map(|a| {
                    Some((
                        a["principalId"].as_str()?.to_ascii_lowercase(),
                        a["id"].as_str()?.to_owned(),
                    ))
                })
                .collect(),
            pages,
        ))
    }

    /// Looks one user up by source anchor (the script's `Get-MsolUser` per member).
    pub async fn lookup(&mut self, immutable_id: &str) -> anyhow::Result<Option<String>> {
        let enc: String = url::form_urlencoded::byte_serialize(immutable_id.as_bytes()).collect();
        let (v, _) = self
            .list(&format!(
                "users?$filter=onPremisesImmutableId%20eq%20'{enc}'&$select=id,userPrincipalName,onPremisesSyncEnabled,onPremisesImmutableId"
            ))
            .await?;
        Ok(v.first().and_then(|u| u["id"].as_str().map(str::to_owned)))
    }

    /// Grants one role to one user.
    pub async fn grant(&mut self, role_id: &str, principal: &str) -> anyhow::Result<()> {
        self.send(
            reqwest::Method::POST,
            "roleManagement/directory/roleAssignments",
            Some(serde_json::json!({
                "@odata.type": "#microsoft.graph.unifiedRoleAssignment",
                "roleDefinitionId": role_id, "principalId": principal, "directoryScopeId": "/",
            })),
        )
        .await
        .map(|_| ())
    }

    /// Deletes one assignment.
    pub async fn revoke(&mut self, assignment_id: &str) -> anyhow::Result<()> {
        self.send(
            reqwest::Method::DELETE,
            &format!("roleManagement/directory/roleAssignments/{assignment_id}"),
            None,
        )
        .await
        .map(|_| ())
    }
}

/// Runs the baseline on a sample: every role read, `sample` look-ups, and a proportional sample
/// of grants and revokes (3:1). `grants` are (role, principal) pairs; `revokes` (role, principal).
pub async fn run_sample(
    c: &mut SequentialClient,
    roles: &[String],
    anchors: &[String],
    grants: &[(String, String)],
    revokes: &[(String, String)],
    sample: usize,
) -> anyhow::Result<Baseline> {
    let mut b = Baseline::default();
    let t = Instant::now();
    let before = c.requests;
    let (_, def_pages) = c.list("roleManagement/directory/roleDefinitions").await?;
    b.role_definition_pages = def_pages;
    let mut ids: HashMap<(String, String), String> = HashMap::new();
    for r in roles {
        let (m, pages) = c.role_members(r).await?;
        b.max_role_pages = b.max_role_pages.max(pages);
        for (p, id) in m {
            ids.insert((r.to_ascii_lowercase(), p), id);
        }
    }
    b.role_reads = t.elapsed();
    b.role_read_requests = c.requests - before;

    let t = Instant::now();
    for a in anchors.iter().take(sample) {
        anyhow::ensure!(c.lookup(a).await?.is_some(), "anchor {a} not found");
        b.lookups_sampled += 1;
    }
    b.lookups_time = t.elapsed();

    let t = Instant::now();
    for (r, p) in grants.iter().take((sample * 3 / 4).max(1)) {
        c.grant(r, p).await?;
        b.grants_sampled += 1;
    }
    b.grants_time = t.elapsed();

    let t = Instant::now();
    for (r, p) in revokes.iter().take((sample / 4).max(1)) {
        let id = ids
            .get(&(r.to_ascii_lowercase(), p.to_ascii_lowercase()))
            .ok_or_else(|| anyhow::anyhow!("no assignment of {r} to {p}"))?;
        c.revoke(id).await?;
        b.revokes_sampled += 1;
    }
    b.revokes_time = t.elapsed();
    Ok(b)
}
