//! The listener: one HTTP/1.1 (optionally TLS) server for login and Graph on loopback, with
//! connection-level fault injection (closing a connection without a response), and the
//! [`RunningEmulator`] handle.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tower::ServiceExt as _;

use crate::config::{EmulatorConfig, Lifetimes};
use crate::error::EmulatorError;
use crate::faults::FaultInjector;
use crate::fixture::TenantFixture;
use crate::graph::{self, GraphRequest, Outcome};
use crate::login::{self, LoginState};
use crate::record::{RecordedRequest, Recorder};
use crate::state::TenantState;
use crate::throttle::Throttler;
use crate::tokens::Signer;

/// Locks a mutex, ignoring poisoning (state stays usable after a panicking handler).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Counters of what the emulator served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Graph requests received over HTTP (a `$batch` counts once here).
    pub requests: u64,
    /// Graph requests inside `$batch` requests.
    pub batch_inner_requests: u64,
    /// Resource units charged.
    pub resource_units: u64,
    /// 429 responses sent (throttling and injected), including inside batches.
    pub throttled: u64,
    /// Writes that took effect.
    pub writes: u64,
    /// Injected faults (before and after commit).
    pub faults_injected: u64,
    /// Requests to the login endpoints (token, authorize, devicecode).
    pub login_requests: u64,
    /// TCP connections accepted (HTTP/2 carries many requests on one).
    pub connections: u64,
    /// Graph reads (GET, inside a `$batch` or not) that reached throttling: served or throttled.
    pub read_requests: u64,
    /// Graph writes (inside a `$batch` or not) that reached throttling: taken effect, throttled,
    /// refused or redundant.
    pub write_requests: u64,
    /// Writes that found their change already made: a grant of an assignment that exists, a
    /// revoke of one that does not (a client that makes these sent a change twice).
    pub redundant_writes: u64,
}

#[derive(Debug, Default)]
pub(crate) struct StatCounters {
    requests: AtomicU64,
    batch_inner: AtomicU64,
    ru: AtomicU64,
    throttled: AtomicU64,
    writes: AtomicU64,
    faults: AtomicU64,
    login: AtomicU64,
    connections: AtomicU64,
    reads: AtomicU64,
    write_requests: AtomicU64,
    redundant: AtomicU64,
}

impl StatCounters {
    pub fn count_request(&self, in_batch: bool) {
        if in_batch {
            &self.batch_inner
        } else {
            &self.requests
        }
        .fetch_add(1, Ordering::Relaxed);
    }
    pub fn add_resource_units(&self, n: u32) {
        self.ru.fetch_add(u64::from(n), Ordering::Relaxed);
    }
    pub fn count_throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }
    pub fn count_write(&self) {
        self.writes.fetch_add(1, Ordering::Relaxed);
    }
    pub fn count_routed(&self, write: bool) {
        if write {
            &self.write_requests
        } else {
            &self.reads
        }
        .fetch_add(1, Ordering::Relaxed);
    }
    pub fn count_redundant_write(&self) {
        self.redundant.fetch_add(1, Ordering::Relaxed);
    }
    pub fn count_fault(&self) {
        self.faults.fetch_add(1, Ordering::Relaxed);
    }
    pub fn count_login(&self) {
        self.login.fetch_add(1, Ordering::Relaxed);
    }
    fn count_connection(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }
    fn snapshot(&self) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            batch_inner_requests: self.batch_inner.load(Ordering::Relaxed),
            resource_units: self.ru.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            faults_injected: self.faults.load(Ordering::Relaxed),
            login_requests: self.login.load(Ordering::Relaxed),
            connections: self.connections.load(Ordering::Relaxed),
            read_requests: self.reads.load(Ordering::Relaxed),
            write_requests: self.write_requests.load(Ordering::Relaxed),
            redundant_writes: self.redundant.load(Ordering::Relaxed),
        }
    }
}

/// Shared state of a running emulator.
pub(crate) struct Ctx {
    me: Weak<Ctx>,
    pub state: Mutex<TenantState>,
    pub login: Mutex<LoginState>,
    pub signer: Signer,
    pub throttle: Mutex<Throttler>,
    pub faults: Mutex<FaultInjector>,
    pub stats: StatCounters,
    pub latency: Duration,
    pub lifetimes: Lifetimes,
    pub tenant_id: String,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// The listen address as a base URL (the origin when a request names no host).
    pub login_base: String,
    pub graph_base: String,
    /// Where requests are recorded, when asked.
    pub recorder: Option<Recorder>,
    /// The emulator's clock (tests move it forward).
    pub clock: crate::clock::Clock,
}

impl Ctx {
    /// The origin (`scheme://host[:port]`) the client addressed: the `Host` header (HTTP/2's
    /// `:authority` is copied there when a request arrives), else the listen address. URLs the
    /// emulator hands out (next links, discovery documents, token issuers and audiences) use it,
    /// as Microsoft's own endpoints answer with their public names.
    pub fn origin(&self, headers: &HeaderMap) -> String {
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
            });
        match host {
            Some(h) => format!("{}://{}", self.scheme, h.to_ascii_lowercase()),
            None => self.login_base.clone(),
        }
    }

    /// Records a request when recording is on.
    pub fn record(&self, r: impl FnOnce() -> RecordedRequest) {
        if let Some(rec) = &self.recorder {
            rec.write(&r());
        }
    }
}

impl Ctx {
    /// An owning handle to this context (for spawned tasks).
    pub fn self_arc(&self) -> Arc<Ctx> {
        // `me` is set by `Arc::new_cyclic` and the context only lives inside that Arc.
        self.me
            .upgrade()
            .unwrap_or_else(|| unreachable!("Ctx outlived its Arc"))
    }
}

/// Closes the current connection without a response when notified.
#[derive(Clone)]
struct ConnKill(Arc<Notify>);

/// A running emulator. Dropping it without [`RunningEmulator::shutdown`] also stops the listener.
pub struct RunningEmulator {
    addr: SocketAddr,
    ctx: Arc<Ctx>,
    ca_pem_path: Option<PathBuf>,
    /// A temporary state directory the emulator created (removed when it stops).
    temp_dir: Option<PathBuf>,
    shutdown_tx: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("addr", &self.addr)
            .field("tls", &self.ca_pem_path.is_some())
            .finish()
    }
}

impl RunningEmulator {
    /// Binds the listener (loopback only), generates TLS material when asked, and starts serving.
    pub async fn start(cfg: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
        if !cfg.listen.ip().is_loopback() {
            return Err(EmulatorError::NotLoopback(cfg.listen));
        }
        let state = TenantState::from_fixture(&cfg.tenant)?;
        let signer = Signer::load().map_err(EmulatorError::Fixture)?;
        let listener = TcpListener::bind(cfg.listen).await?;
        let addr = listener.local_addr()?;
        let mut temp_dir = None;
        let (tls, ca_pem_path) = if cfg.tls {
            let dir = match &cfg.state_dir {
                Some(d) => d.clone(),
                None => {
                    let d = std::env::temp_dir().join(format!(
                        "rolesync-entra-emulator-{}",
                        uuid::Uuid::new_v4().simple()
                    ));
                    temp_dir = Some(d.clone());
                    d
                }
            };
            let m = crate::tls::generate(&dir, &cfg.tls_names)?;
            (
                Some(tokio_rustls::TlsAcceptor::from(m.config)),
                Some(m.ca_pem_path),
            )
        } else {
            (None, None)
        };
        let scheme = if cfg.tls { "https" } else { "http" };
        let host = match addr {
            SocketAddr::V4(a) => a.to_string(),
            SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
        };
        let login_base = format!("{scheme}://{host}");
        let graph_base = format!("{login_base}/v1.0");
        let user_count = state.user_count();
        let recorder = match &cfg.record {
            Some(p) => Some(
                Recorder::open(p).map_err(|source| EmulatorError::StateFile {
                    path: p.clone(),
                    source,
                })?,
            ),
            None => None,
        };
        let tenant_id = state.tenant_id.clone();
        let ctx = Arc::new_cyclic(|me| Ctx {
            me: me.clone(),
            state: Mutex::new(state),
            login: Mutex::new(LoginState::default()),
            signer,
            throttle: Mutex::new(Throttler::new(cfg.throttling.clone(), user_count)),
            faults: Mutex::new(FaultInjector::new(cfg.faults.clone())),
            stats: StatCounters::default(),
            latency: cfg.latency,
            lifetimes: cfg.lifetimes.clone(),
            tenant_id,
            scheme,
            login_base,
            graph_base,
            recorder,
            clock: crate::clock::Clock::default(),
        });
        let router = Router::new()
            .route("/v1.0", axum::routing::any(graph_entry))
            .route("/v1.0/{*rest}", axum::routing::any(graph_entry))
            .merge(login::router())
            .fallback(graph::unversioned)
            .with_state(ctx.clone());
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, tls, router, ctx.clone(), shutdown_rx));
        Ok(RunningEmulator {
            addr,
            ctx,
            ca_pem_path,
            temp_dir,
            shutdown_tx,
            task: Some(task),
        })
    }

    /// Base URL of the login endpoints, e.g. `http://127.0.0.1:PORT` (append `/{tenant}/oauth2/v2.0/token`).
    pub fn login_base_url(&self) -> String {
        self.ctx.login_base.clone()
    }

    /// Base URL of Graph v1.0, e.g. `http://127.0.0.1:PORT/v1.0`.
    pub fn graph_base_url(&self) -> String {
        self.ctx.graph_base.clone()
    }

    /// The tenant id.
    pub fn tenant_id(&self) -> String {
        self.ctx.tenant_id.clone()
    }

    /// The token endpoint of the tenant.
    pub fn token_endpoint(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/token",
            self.ctx.login_base, self.ctx.tenant_id
        )
    }

    /// The socket address listened on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Path of the generated CA certificate (PEM) when TLS is on.
    pub fn ca_pem_path(&self) -> Option<&Path> {
        self.ca_pem_path.as_deref()
    }

    /// The current tenant state as a fixture (serialisable, reloadable).
    pub fn snapshot(&self) -> TenantFixture {
        let mut st = lock(&self.ctx.state);
        st.settle(self.ctx.clock.now());
        st.to_fixture()
    }

    /// Counters of what was served so far.
    pub fn stats(&self) -> Stats {
        self.ctx.stats.snapshot()
    }

    /// Test hook: the user (UPN or object id) approves a device-code sign-in.
    pub fn approve_device_code(&self, user_code: &str, user: &str) -> Result<(), String> {
        login::approve(&self.ctx, user_code, user)
    }

    /// Test hook: moves the emulator's clock forward (token, code and PIM schedule expiry).
    pub fn advance_clock(&self, by: Duration) {
        self.ctx.clock.advance(by);
    }

    /// Test hook: the user declines a device-code sign-in.
    pub fn decline_device_code(&self, user_code: &str) -> Result<(), String> {
        login::decline(&self.ctx, user_code)
    }

    /// Stops accepting connections and closes open ones. A temporary directory the emulator
    /// created for TLS files is removed; a configured `state_dir` is kept.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(d) = self.temp_dir.take() {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    router: Router,
    ctx: Arc<Ctx>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            r = listener.accept() => {
                let Ok((tcp, _)) = r else { continue };
                ctx.stats.count_connection();
                let _ = tcp.set_nodelay(true);
                let router = router.clone();
                let tls = tls.clone();
                let sd = shutdown.clone();
                let ctx = ctx.clone();
                tokio::spawn(async move {
                    match tls {
                        None => serve_conn(tcp, router, ctx, sd).await,
                        Some(acc) => {
                            if let Ok(s) = acc.accept(tcp).await {
                                serve_conn(s, router, ctx, sd).await;
                            }
                        }
                    }
                });
            }
            _ = shutdown.changed() => break,
        }
    }
}

async fn serve_conn<I>(io: I, router: Router, ctx: Arc<Ctx>, mut shutdown: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let kill = Arc::new(Notify::new());
    let k = kill.clone();
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnKill(k.clone()));
        // HTTP/2 carries the host as `:authority` (in the URI), HTTP/1.1 as `Host`: keep one.
        if !req.headers().contains_key(axum::http::header::HOST) {
            if let Some(v) = req
                .uri()
                .authority()
                .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
            {
                req.headers_mut().insert(axum::http::header::HOST, v);
            }
        }
        let r = router.clone();
        let ctx = ctx.clone();
        async move {
            let req = req.map(axum::body::Body::new);
            if ctx.recorder.is_none() || req.uri().path().starts_with("/v1.0") {
                // Graph requests are recorded by the pipeline, with their bodies.
                return r.oneshot(req).await;
            }
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, 1 << 20)
                .await
                .unwrap_or_default();
            let form_keys = form_urlencoded::parse(&bytes)
                .map(|(k, _)| k.into_owned())
                .collect();
            let (host, method, path, query) = (
                ctx.origin(&parts.headers),
                parts.method.to_string(),
                parts.uri.path().to_owned(),
                parts.uri.query().map(str::to_owned),
            );
            let resp = r
                .oneshot(axum::http::Request::from_parts(
                    parts,
                    axum::body::Body::from(bytes),
                ))
                .await;
            let status = resp.as_ref().map_or(0, |x| x.status().as_u16());
            let unversioned = resp.as_ref().is_ok_and(|x| {
                x.extensions()
                    .get::<graph::UnversionedGraphPath>()
                    .is_some()
            });
            ctx.record(|| RecordedRequest {
                api: if unversioned { "graph" } else { "login" }.into(),
                host: host.split("://").nth(1).unwrap_or_default().to_owned(),
                method,
                path,
                query,
                body: None,
                form_keys,
                in_batch: false,
                status,
            });
            resp
        }
    });
    // HTTP/1.1 or HTTP/2 (negotiated by ALPN over TLS, or the HTTP/2 preface in clear text);
    // a dropped-connection fault drops every stream of the connection, as a real reset does.
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    let conn = builder.serve_connection(TokioIo::new(io), svc);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
        _ = shutdown.changed() => {}
    }
}

async fn graph_entry(
    State(ctx): State<Arc<Ctx>>,
    kill: Option<Extension<ConnKill>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().strip_prefix("/v1.0").unwrap_or("").to_owned();
    let req = GraphRequest {
        origin: ctx.origin(&headers),
        method: method.as_str().to_owned(),
        path,
        query: uri.query().map(str::to_owned),
        headers: headers
            .iter()
            .filter_map(|(k, v)| {
                v.to_str()
                    .ok()
                    .map(|v| (k.as_str().to_ascii_lowercase(), v.to_owned()))
            })
            .collect(),
        body: body.to_vec(),
    };
    let fault = lock(&ctx.faults).draw();
    match graph::dispatch(&ctx, req, fault, false).await {
        Outcome::Respond(r) => {
            let status =
                StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut resp = match r.body {
                Some(b) => (status, serde_json::to_vec(&b).unwrap_or_default()).into_response(),
                None => status.into_response(),
            };
            for (k, v) in r.headers {
                if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::try_from(v)) {
                    resp.headers_mut().insert(k, v);
                }
            }
            // The time by the emulator's clock (RFC 9110 `Date`), so that a client reading the
            // service's time sees the clock tests move.
            let date = ctx
                .clock
                .now()
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string();
            if let Ok(v) = HeaderValue::try_from(date) {
                resp.headers_mut().insert(axum::http::header::DATE, v);
            }
            resp
        }
        Outcome::Drop => match kill {
            Some(Extension(ConnKill(n))) => {
                n.notify_one();
                std::future::pending::<Response>().await
            }
            None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
    }
}
