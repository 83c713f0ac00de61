//! The one send path to Microsoft Graph: a rustls `reqwest` client (optionally trusting an extra
//! CA file), a `client-request-id` per attempt, pacing, retries on 429/500/502/503/504 and
//! connection failures for requests that are safe to repeat, `Retry-After` as seconds or an HTTP
//! date, capped exponential backoff with jitter, a cap on attempts and total time, and a trace
//! line for every decision (never a token).

use crate::auth::TokenSource;
use crate::error::GraphError;
use crate::pacing::{estimate_cost, Pacer, Pacing};
use rand::Rng;
use reqwest::header::HeaderMap;
use reqwest::Method;
use rolesync_core::events::WaitReason;
use serde::de::DeserializeOwned;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// Builds the HTTP client used for Graph and the identity platform: rustls with the built-in web
/// roots, plus the certificates of `ca_file` (PEM) when given — verification is never switched off.
pub fn http_client(ca_file: Option<&Path>, timeout: Duration) -> Result<reqwest::Client, String> {
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("RoleSync/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            format!(
                "the CA file {} holds no PEM certificate: {e}",
                path.display()
            )
        })?;
        if certs.is_empty() {
            return Err(format!(
                "the CA file {} holds no PEM certificate",
                path.display()
            ));
        }
        for c in certs {
            b = b.add_root_certificate(c);
        }
    }
    b.build().map_err(|e| format!("cannot set up HTTPS: {e}"))
}

/// When and how often to retry.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all (the first one included).
    pub max_attempts: u32,
    /// First backoff.
    pub base_delay: Duration,
    /// Largest backoff between two attempts.
    pub max_delay: Duration,
    /// Largest `Retry-After` honoured; a longer one gives up.
    pub max_retry_after: Duration,
    /// Total time one request may take, waits included.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
            max_total: Duration::from_secs(600),
        }
    }
}

impl RetryPolicy {
    /// Backoff before attempt `attempt + 1`: `base · 2^(attempt-1)`, capped, with full jitter in
    /// its upper half.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let capped = exp.min(self.max_delay);
        let j = rand::thread_rng().gen_range(0.5..=1.0);
        capped.mul_f64(j)
    }
}

/// Parses `Retry-After`: delta seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(s) = v.parse::<f64>() {
        return (s.is_finite() && s >= 0.0).then(|| Duration::from_secs_f64(s));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let d = when.signed_duration_since(chrono::Utc::now());
    Some(d.to_std().unwrap_or(Duration::ZERO))
}

/// Status codes worth another attempt.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// One request to Graph.
#[derive(Debug, Clone)]
pub struct Request {
    /// Method.
    pub method: Method,
    /// Relative to the Graph base (`users?$filter=…`) or absolute (an `@odata.nextLink`).
    pub url: String,
    /// JSON body, serialized once when the request is made (a request waiting for the write
    /// budget holds its text, not a tree of JSON values).
    pub body: Option<Vec<u8>>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Safe to send again after a failure whose effect is unknown (reads, and writes whose
    /// repetition the caller recognises as "already done").
    pub retry_safe: bool,
    /// Estimated resource units (for pacing).
    pub resource_units: f64,
    /// Writes (for pacing).
    pub writes: f64,
}

impl Request {
    /// A GET.
    pub fn get(url: impl Into<String>) -> Self {
        let url = url.into();
        Request {
            resource_units: estimate_cost("GET", &url),
            method: Method::GET,
            url,
            body: None,
            headers: Vec::new(),
            retry_safe: true,
            writes: 0.0,
        }
    }

    /// A POST with a JSON body.
    pub fn post(url: impl Into<String>, body: &impl serde::Serialize, retry_safe: bool) -> Self {
        Request {
            method: Method::POST,
            url: url.into(),
            // Serializing plain data to JSON text cannot fail (no maps with non-string keys).
            body: Some(serde_json::to_vec(body).unwrap_or_default()),
            headers: Vec::new(),
            retry_safe,
            resource_units: 1.0,
            writes: 1.0,
        }
    }
}

/// A successful response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Vec<u8>,
    /// For a request with writes: the pacer's [`Permit::mark`](crate::pacing::Permit::mark)
    /// when it went (the answers inside a `$batch` correct the pacer with it).
    pub pace_mark: Option<f64>,
}

impl Response {
    /// Decodes the JSON body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, GraphError> {
        serde_json::from_slice(&self.body).map_err(|e| GraphError::Decode(e.to_string()))
    }
}

fn header_f64(h: &HeaderMap, name: &str) -> Option<f64> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

fn header_str<'h>(h: &'h HeaderMap, name: &str) -> Option<&'h str> {
    h.get(name)?.to_str().ok()
}

/// The Graph client: base URL, sign-in, retry policy and pacer. Cheap to share (`Arc`).
pub struct GraphClient {
    http: reqwest::Client,
    base: Url,
    tokens: Arc<dyn TokenSource>,
    retry: RetryPolicy,
    pacer: Pacer,
    clock: crate::server_clock::ServerClock,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClient")
            .field("base", &self.base.as_str())
            .field("tokens", &self.tokens.describe())
            .finish_non_exhaustive()
    }
}

impl GraphClient {
    /// A client for the Graph base URL (e.g. `https://graph.microsoft.com/v1.0`).
    pub fn new(
        http: reqwest::Client,
        graph_base: &Url,
        tokens: Arc<dyn TokenSource>,
        retry: RetryPolicy,
        pacing: &Pacing,
    ) -> Self {
        let mut base = graph_base.clone();
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        GraphClient {
            http,
            base,
            tokens,
            retry,
            pacer: Pacer::new(pacing),
            clock: Default::default(),
        }
    }

    /// Microsoft Graph's time now, from the `Date` of its last response
    /// ([`crate::server_clock`]); `None` before the first response.
    pub fn server_now(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.clock.now()
    }

    /// The Graph base URL, ending in `/`.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The pacer (shared with `$batch` item handling).
    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }

    /// The sign-in.
    pub fn tokens(&self) -> &Arc<dyn TokenSource> {
        &self.tokens
    }

    /// Resolves a relative or absolute URL; an absolute one (a `nextLink`) is used exactly.
    ///
    /// An absolute URL must be on the configured Graph endpoint's origin (scheme, host, port):
    /// a link to anywhere else is refused before anything — the bearer token above all — is sent
    /// to it. (A next link is Graph's own URL on its own name; one that leads elsewhere is a
    /// hostile or broken answer.)
    pub fn url(&self, url: &str) -> Result<Url, GraphError> {
        if url.starts_with("https://") || url.starts_with("http://") {
            let u =
                Url::parse(url).map_err(|e| GraphError::Decode(format!("bad URL {url}: {e}")))?;
            let same = u.scheme() == self.base.scheme()
                && u.host_str().map(str::to_ascii_lowercase)
                    == self.base.host_str().map(str::to_ascii_lowercase)
                && u.port_or_known_default() == self.base.port_or_known_default();
            if !same {
                return Err(GraphError::ForeignLink {
                    link_origin: origin_words(&u),
                    graph_origin: origin_words(&self.base),
                });
            }
            Ok(u)
        } else {
            self.base
                .join(url.trim_start_matches('/'))
                .map_err(|e| GraphError::Decode(format!("bad URL {url}: {e}")))
        }
    }

    /// GET and decode.
    pub async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, GraphError> {
        self.send(&Request::get(url)).await?.json()
    }

    /// Sends with pacing and retries; a success status gives `Ok`, anything else `Err`.
    pub async fn send(&self, req: &Request) -> Result<Response, GraphError> {
        let url = self.url(&req.url)?;
        let started = Instant::now();
        let mut attempt = 0u32;
        let mut reauthenticated = false;
        loop {
            attempt += 1;
            let permit = self.pacer.acquire(req.resource_units, req.writes).await;
            let token = self.tokens.access_token().await?;
            let request_id = uuid::Uuid::new_v4().to_string();
            let mut rb = self
                .http
                .request(req.method.clone(), url.clone())
                .bearer_auth(token.secret().expose())
                .header("client-request-id", &request_id)
                .header("return-client-request-id", "true");
            for (k, v) in &req.headers {
                rb = rb.header(k.as_str(), v.as_str());
            }
            if let Some(b) = &req.body {
                rb = rb
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b.clone());
            }
            tracing::debug!(method = %req.method, path = url.path(), attempt, client_request_id = %request_id, "graph request");
            let outcome = match rb.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    match read_capped(resp, MAX_GRAPH_BODY).await {
                        Ok(body) => Ok((status, headers, body)),
                        Err(BodyError::TooLarge { bytes }) => {
                            return Err(GraphError::TooLarge {
                                what: format!("the answer to {} {}", req.method, url.path()),
                                bytes,
                                limit: MAX_GRAPH_BODY,
                            })
                        }
                        Err(BodyError::Transport(e)) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            // Answered (or failed): no longer in flight.
            let mark = (req.writes > 0.0).then(|| permit.mark());
            drop(permit);
            let mut reason = WaitReason::Retry;
            let (delay, failure) = match outcome {
                Err(e) => {
                    if let Some(tls) = rolesync_core::tls::find_in_chain(&e)
                        .filter(|t| rolesync_core::tls::is_certificate_problem(t))
                    {
                        // A certificate does not get better by asking again.
                        return Err(GraphError::Transport(format!(
                            "TLS to {} failed: {}",
                            origin_words(&url),
                            rolesync_core::tls::words(tls, "entra.ca_file")
                        )));
                    }
                    let failure = GraphError::Transport(transport_words(&e));
                    if !req.retry_safe {
                        tracing::warn!(method = %req.method, path = url.path(), attempt, client_request_id = %request_id, error = %failure, "graph request failed; not retried (not safe to repeat)");
                        return Err(failure);
                    }
                    (self.retry.backoff(attempt), failure)
                }
                Ok((status, headers, body)) => {
                    self.clock.observe(&headers);
                    self.pacer.observe(
                        req.resource_units,
                        header_f64(&headers, "x-ms-resource-unit"),
                        header_f64(&headers, "x-ms-throttle-limit-percentage"),
                        mark,
                    );
                    let graph_request_id = header_str(&headers, "request-id").map(str::to_owned);
                    if (200..300).contains(&status) {
                        tracing::debug!(method = %req.method, path = url.path(), status, attempt, request_id = graph_request_id.as_deref().unwrap_or(""), "graph response");
                        return Ok(Response {
                            status,
                            headers,
                            body,
                            pace_mark: mark,
                        });
                    }
                    let failure = GraphError::from_response(status, &body, graph_request_id);
                    if status == 401 && !reauthenticated {
                        reauthenticated = true;
                        tracing::info!(
                            attempt,
                            "graph answered 401; getting a fresh access token and trying once more"
                        );
                        self.tokens.invalidate();
                        continue;
                    }
                    if !is_retryable_status(status) || !req.retry_safe {
                        tracing::debug!(method = %req.method, path = url.path(), status, attempt, error = %failure, "graph request failed; not retryable");
                        return Err(failure);
                    }
                    if status == 429 {
                        reason = WaitReason::Throttled;
                        self.pacer
                            .throttled(header_str(&headers, "x-ms-throttle-information"));
                    }
                    let retry_after =
                        header_str(&headers, "retry-after").and_then(parse_retry_after);
                    if let Some(ra) = retry_after {
                        if ra > self.retry.max_retry_after {
                            tracing::warn!(
                                status,
                                retry_after_s = ra.as_secs(),
                                "graph asks to wait longer than allowed; giving up"
                            );
                            return Err(failure);
                        }
                    }
                    (
                        retry_after.unwrap_or_else(|| self.retry.backoff(attempt)),
                        failure,
                    )
                }
            };
            let elapsed = started.elapsed();
            if attempt >= self.retry.max_attempts || elapsed + delay > self.retry.max_total {
                tracing::warn!(method = %req.method, path = url.path(), attempt, elapsed_ms = elapsed.as_millis() as u64, error = %failure, "graph request: giving up");
                return Err(GraphError::GaveUp {
                    attempts: attempt,
                    seconds: elapsed.as_secs(),
                    last: Box::new(failure),
                });
            }
            tracing::info!(method = %req.method, path = url.path(), attempt, wait_ms = delay.as_millis() as u64, error = %failure, "graph request failed; retrying");
            self.pacer.retry_wait(delay, reason).await;
        }
    }
}

/// The largest Graph answer read: a page of 999 users with every property RoleSync selects is
/// about 1 MB; anything near this is not an answer to RoleSync's requests.
pub const MAX_GRAPH_BODY: usize = 32 << 20;

/// Why a body could not be read.
pub(crate) enum BodyError {
    /// Longer than allowed (`bytes` read or announced so far).
    TooLarge { bytes: u64 },
    /// The connection failed while reading.
    Transport(reqwest::Error),
}

/// Reads a response body, refusing one longer than `limit` bytes (by its `Content-Length` or
/// while reading) without holding more than `limit` in memory.
pub(crate) async fn read_capped(
    mut resp: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    if let Some(n) = resp.content_length().filter(|n| *n > limit as u64) {
        return Err(BodyError::TooLarge { bytes: n });
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge {
                bytes: (body.len() + chunk.len()) as u64,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `scheme://host[:port]` of a URL, for messages.
pub(crate) fn origin_words(u: &Url) -> String {
    let host = u.host_str().unwrap_or("");
    match u.port() {
        Some(p) => format!("{}://{host}:{p}", u.scheme()),
        None => format!("{}://{host}", u.scheme()),
    }
}

/// A transport error with its causes (the TLS or socket reason is in the chain).
pub(crate) fn transport_words(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        let later = (chrono::Utc::now() + chrono::Duration::seconds(30))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        let d = parse_retry_after(&later).unwrap_or_default();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn backoff_is_capped() {
        let p = RetryPolicy::default();
        assert!(p.backoff(1) <= Duration::from_millis(500));
        assert!(p.backoff(30) <= Duration::from_secs(30));
        assert!(p.backoff(30) >= Duration::from_secs(15));
    }
}
