//! Checks recorded Graph requests against Microsoft's description of Graph v1.0
//! (`tests/data/graph-v1.0-contract.json`, written by `scripts/gen-graph-contract.py` from
//! Microsoft's Graph SDK for Python): the path must match one of the described URL templates, the
//! method must be one that template offers, every query option must be one it names, and a write's
//! JSON body may hold only the properties of the type the operation takes (nested complex values
//! checked the same way). `$batch` itself is not an operation of that description; its body is
//! checked against the request format of "Combine multiple HTTP requests using JSON batching"
//! (<https://learn.microsoft.com/graph/json-batching>), and each request inside is recorded and
//! checked on its own.

use rolesync_entra_emulator::RecordedRequest;
use serde_json::Value;
use std::collections::BTreeMap;

/// The trimmed description.
pub struct Contract {
    operations: Vec<Operation>,
    types: BTreeMap<String, TypeDesc>,
    /// Where it came from (for messages).
    pub source: String,
}

/// One URL template with what it offers.
struct Operation {
    template: Vec<Segment>,
    /// Query option names, lower case.
    query: Vec<String>,
    /// Method → the type of its body, if it takes one.
    methods: BTreeMap<String, Option<String>>,
}

/// A type a request body can hold.
struct TypeDesc {
    base: Option<String>,
    /// Property → its nested type (`None` for a primitive value).
    properties: BTreeMap<String, Option<String>>,
}

/// One path segment of a URL template: literal text and `{parameter}` holes.
enum Segment {
    Literal(String),
    /// Literal pieces between holes, e.g. `users(userPrincipalName='` and `')`.
    Pattern(Vec<String>),
}

impl Segment {
    fn parse(s: &str) -> Segment {
        if !s.contains('{') {
            return Segment::Literal(s.to_ascii_lowercase());
        }
        let mut pieces = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            pieces.push(rest[..open].to_ascii_lowercase());
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
            rest = &rest[close..];
        }
        pieces.push(rest.to_ascii_lowercase());
        Segment::Pattern(pieces)
    }

    fn matches(&self, seg: &str) -> bool {
        let seg = seg.to_ascii_lowercase();
        match self {
            Segment::Literal(l) => *l == seg,
            Segment::Pattern(pieces) => {
                // Each hole takes at least one character; literal pieces in order.
                let mut at = 0;
                for (i, p) in pieces.iter().enumerate() {
                    if i == 0 {
                        if !seg.starts_with(p.as_str()) {
                            return false;
                        }
                        at = p.len();
                        continue;
                    }
                    let last = i == pieces.len() - 1;
                    let found = if last {
                        (seg.len() > at + p.len() && seg.ends_with(p.as_str()))
                            .then(|| seg.len() - p.len())
                    } else {
                        seg.get(at + 1..)
                            .and_then(|s| s.find(p.as_str()))
                            .map(|f| f + at + 1)
                    };
                    match found {
                        Some(f) => at = f + p.len(),
                        None => return false,
                    }
                }
                at == seg.len()
            }
        }
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Contract {
    /// Loads `tests/data/graph-v1.0-contract.json`.
    pub fn load() -> Contract {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/graph-v1.0-contract.json"
        );
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let operations = v["operations"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(path, op)| {
                let segs = path
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(Segment::parse)
                    .collect();
                let query = op["query"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|q| q.as_str().unwrap().to_ascii_lowercase())
                    .collect();
                let methods = op["methods"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(m, body)| (m.clone(), body.as_str().map(str::to_owned)))
                    .collect();
                Operation {
                    template: segs,
                    query,
                    methods,
                }
            })
            .collect();
        let types = v["types"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, t)| {
                let props = t["properties"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(p, nested)| (p.clone(), nested.as_str().map(str::to_owned)))
                    .collect();
                let desc = TypeDesc {
                    base: t["base"].as_str().map(str::to_owned),
                    properties: props,
                };
                (name.clone(), desc)
            })
            .collect();
        Contract {
            operations,
            types,
            source: v["source"].as_str().unwrap_or_default().to_owned(),
        }
    }

    /// The property's nested type (`Some(None)` for a primitive), looking through base types.
    fn property(&self, ty: &str, prop: &str) -> Option<Option<String>> {
        let mut t = Some(ty.to_owned());
        while let Some(name) = t {
            let desc = self.types.get(&name)?;
            if let Some(nested) = desc.properties.get(prop) {
                return Some(nested.clone());
            }
            t = desc.base.clone();
        }
        None
    }

    fn check_body(&self, ty: &str, body: &Value, at: &str, problems: &mut Vec<String>) {
        let Value::Object(m) = body else {
            problems.push(format!("{at}: a {ty} must be a JSON object"));
            return;
        };
        if !self.types.contains_key(ty) {
            problems.push(format!(
                "{at}: {ty} is not described as a request body (an entity inside a write?)"
            ));
            return;
        }
        for (k, v) in m {
            match self.property(ty, k) {
                None => problems.push(format!("{at}.{k}: {ty} has no property `{k}`")),
                Some(Some(nested)) => match v {
                    Value::Null => {}
                    Value::Array(items) => {
                        for (i, item) in items.iter().enumerate() {
                            self.check_body(&nested, item, &format!("{at}.{k}[{i}]"), problems);
                        }
                    }
                    other => self.check_body(&nested, other, &format!("{at}.{k}"), problems),
                },
                Some(None) => {}
            }
        }
    }

    /// The problems of one recorded Graph request (empty when it is within the description).
    pub fn problems(&self, r: &RecordedRequest) -> Vec<String> {
        let what = format!(
            "{} {}?{}",
            r.method,
            r.path,
            r.query.as_deref().unwrap_or("")
        );
        let Some(path) = r.path.strip_prefix("/v1.0") else {
            return vec![format!("{what}: not under /v1.0")];
        };
        let segs: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        if segs.len() == 1 && segs[0] == "$batch" && r.method == "POST" {
            return batch_problems(&what, r.body.as_ref());
        }
        let Some(Operation { query, methods, .. }) = self.operations.iter().find(|o| {
            o.template.len() == segs.len()
                && o.template.iter().zip(&segs).all(|(t, s)| t.matches(s))
        }) else {
            return vec![format!("{what}: no operation of Graph v1.0 has this path")];
        };
        let mut problems = Vec::new();
        let Some(body_type) = methods.get(&r.method) else {
            return vec![format!(
                "{what}: the path offers {:?}, not {}",
                methods.keys().collect::<Vec<_>>(),
                r.method
            )];
        };
        for (k, _) in url::form_urlencoded::parse(r.query.as_deref().unwrap_or("").as_bytes()) {
            // A next link carries the server's own paging token, which the client sends back
            // as given ("Paging Microsoft Graph data in your app",
            // https://learn.microsoft.com/graph/paging): not an option a client chooses.
            if k.eq_ignore_ascii_case("$skiptoken") {
                continue;
            }
            if !query.iter().any(|q| q.eq_ignore_ascii_case(&k)) {
                problems.push(format!(
                    "{what}: query option `{k}` is not one of {query:?}"
                ));
            }
        }
        match (body_type, &r.body) {
            (Some(ty), Some(b)) => self.check_body(ty, b, "body", &mut problems),
            (None, Some(b)) if !b.is_null() => {
                problems.push(format!("{what}: this operation takes no body"))
            }
            _ => {}
        }
        problems
            .into_iter()
            .map(|p| {
                if p.starts_with(&what) {
                    p
                } else {
                    format!("{what}: {p}")
                }
            })
            .collect()
    }

    /// Checks every Graph request of a record; panics listing each problem. Returns how many
    /// requests were checked.
    pub fn check_all(&self, records: &[RecordedRequest]) -> usize {
        let graph: Vec<&RecordedRequest> = records.iter().filter(|r| r.api == "graph").collect();
        let problems: Vec<String> = graph.iter().flat_map(|r| self.problems(r)).collect();
        assert!(
            problems.is_empty(),
            "requests outside Microsoft's description of Graph v1.0 ({}):\n{}",
            self.source,
            problems.join("\n")
        );
        graph.len()
    }
}

/// The JSON batching request format: `requests` (1 to 20), each with `id`, `method`, `url`
/// (relative), optional `headers`, `body`, `dependsOn`.
fn batch_problems(what: &str, body: Option<&Value>) -> Vec<String> {
    let Some(reqs) = body
        .and_then(|b| b.get("requests"))
        .and_then(Value::as_array)
    else {
        return vec![format!("{what}: a $batch body needs `requests`")];
    };
    let mut problems = Vec::new();
    if body
        .and_then(Value::as_object)
        .is_some_and(|m| m.len() != 1)
    {
        problems.push(format!("{what}: a $batch body holds only `requests`"));
    }
    if reqs.is_empty() || reqs.len() > 20 {
        problems.push(format!("{what}: {} requests (1 to 20 allowed)", reqs.len()));
    }
    for r in reqs {
        let Some(m) = r.as_object() else {
            problems.push(format!("{what}: a request must be an object"));
            continue;
        };
        for k in m.keys() {
            if !["id", "method", "url", "headers", "body", "dependsOn"].contains(&k.as_str()) {
                problems.push(format!(
                    "{what}: request property `{k}` is not in the format"
                ));
            }
        }
        for k in ["id", "method", "url"] {
            if !m.contains_key(k) {
                problems.push(format!("{what}: a request needs `{k}`"));
            }
        }
        if m.get("url")
            .and_then(Value::as_str)
            .is_some_and(|u| u.contains("://"))
        {
            problems.push(format!("{what}: request URLs in a batch are relative"));
        }
    }
    problems
}
