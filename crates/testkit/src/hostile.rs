//! A small hostile server on loopback for the hardening tests: it speaks just enough HTTP/1.1
//! (optionally over TLS with a certificate the test chooses) to answer RoleSync's requests with
//! whatever a test needs — a next link to another host, a page that never ends, a body of
//! hundreds of megabytes, an echo of the request, silence — and counts what it received. One
//! thread per connection; dropping the server stops accepting (threads end with their
//! connections).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A request as received.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What to answer.
pub enum Reply {
    /// A status, headers and a body (Content-Length is added).
    Full(u16, Vec<(String, String)>, Vec<u8>),
    /// A JSON body with status 200.
    Json(serde_json::Value),
    /// Headers announcing `len` bytes, then that many bytes of `fill` streamed.
    Huge {
        /// Bytes announced and sent.
        len: u64,
        /// The byte sent.
        fill: u8,
    },
    /// Never answer (the connection stays open until the client gives up).
    Silence,
    /// Close the connection without an answer.
    Close,
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// A running hostile server.
pub struct HostileServer {
    addr: SocketAddr,
    /// Every request received, in order.
    pub requests: Arc<Mutex<Vec<Request>>>,
    /// Connections accepted.
    pub connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl HostileServer {
    /// Starts a plain HTTP server on 127.0.0.1.
    pub fn http(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> HostileServer {
        Self::start(None, Arc::new(handler))
    }

    /// Starts an HTTPS server on 127.0.0.1 presenting `cert_pem` (chain) with `key_pem`.
    pub fn https(
        cert_pem: &str,
        key_pem: &str,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> HostileServer {
        let certs: Vec<rustls::pki_types::CertificateDer<'static>> =
            rustls_pemfile::certs(&mut cert_pem.as_bytes())
                .collect::<Result<_, _>>()
                .unwrap();
        let key = rustls_pemfile::private_key(&mut key_pem.as_bytes())
            .unwrap()
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        Self::start(Some(Arc::new(config)), Arc::new(handler))
    }

    fn start(tls: Option<Arc<rustls::ServerConfig>>, handler: Arc<Handler>) -> HostileServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, c, s) = (requests.clone(), connections.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                c.fetch_add(1, Ordering::SeqCst);
                let (r, h, tls, s) = (r.clone(), handler.clone(), tls.clone(), s.clone());
                std::thread::spawn(move || match tls {
                    None => serve(stream, &r, &*h, &s),
                    Some(cfg) => {
                        let Ok(conn) = rustls::ServerConnection::new(cfg) else {
                            return;
                        };
                        serve(rustls::StreamOwned::new(conn, stream), &r, &*h, &s);
                    }
                });
            }
        });
        HostileServer {
            addr,
            requests,
            connections,
            stop,
        }
    }

    /// `http(s)://127.0.0.1:PORT` — with `https` when it serves TLS.
    pub fn base(&self, scheme: &str) -> String {
        format!("{scheme}://{}", self.addr)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The requests so far.
    pub fn received(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn read_request(r: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        target,
        headers,
        body,
    })
}

fn serve<S: Read + Write>(
    stream: S,
    log: &Mutex<Vec<Request>>,
    handler: &Handler,
    stop: &AtomicBool,
) {
    let mut r = BufReader::new(stream);
    while let Some(req) = read_request(&mut r) {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        log.lock().unwrap().push(req.clone());
        let reply = handler(&req);
        let w = r.get_mut();
        let ok = match reply {
            Reply::Json(v) => {
                let body = serde_json::to_vec(&v).unwrap();
                write_reply(
                    w,
                    200,
                    &[("content-type".into(), "application/json".into())],
                    &body,
                )
            }
            Reply::Full(status, headers, body) => write_reply(w, status, &headers, &body),
            Reply::Huge { len, fill } => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len}\r\n\r\n"
                );
                let chunk = vec![fill; 64 * 1024];
                let mut sent = 0u64;
                let mut ok = w.write_all(head.as_bytes()).is_ok();
                while ok && sent < len {
                    let n = chunk.len().min((len - sent) as usize);
                    ok = w.write_all(&chunk[..n]).is_ok();
                    sent += n as u64;
                }
                ok
            }
            Reply::Silence => {
                // Hold the connection: read until the client closes it.
                let mut sink = [0u8; 1024];
                while matches!(r.get_mut().read(&mut sink), Ok(n) if n > 0) {}
                return;
            }
            Reply::Close => return,
        };
        if !ok {
            return;
        }
    }
}

fn write_reply(w: &mut impl Write, status: u16, headers: &[(String, String)], body: &[u8]) -> bool {
    let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    w.write_all(head.as_bytes()).is_ok() && w.write_all(body).is_ok() && w.flush().is_ok()
}

/// A self-signed server certificate with its key (one PEM), and a CA certificate with its key
/// (for a server that presents a CA certificate as its own); neither is trusted anywhere.
pub fn untrusted_pki() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    // A CA certificate, presented by a server as its own.
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(vec!["127.0.0.1".into()]).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    (
        cert.pem() + &key.serialize_pem(),
        ca_cert.pem(),
        ca_key.serialize_pem(),
    )
}
