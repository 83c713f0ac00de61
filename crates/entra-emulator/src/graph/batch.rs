//! JSON `$batch` ("Combine multiple HTTP requests using JSON batching",
//! <https://learn.microsoft.com/graph/json-batching>): at most 20 requests with relative URLs and
//! ids unique regardless of case; `dependsOn` may only name requests earlier in the list (Graph's
//! "Known issues" for JSON batching, as Microsoft's own Graph JavaScript client checks it) — an
//! unknown, later or own id is a 400; a request whose dependency failed gets 424; independent
//! requests run concurrently, each through the full pipeline (auth, throttling, faults, latency);
//! responses come back in a seeded shuffled order.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde_json::{json, Map, Value};

use super::{dispatch_boxed, GraphRequest, GraphResponse, Outcome};
use crate::faults::{FaultDecision, PostFault};
use crate::server::Ctx;

/// Microsoft's documented limit of requests in one batch.
pub(crate) const MAX_BATCH: usize = 20;

struct Item {
    id: String,
    req: GraphRequest,
    depends_on: Vec<String>,
    fault: FaultDecision,
}

fn bad(msg: impl Into<String>) -> Outcome {
    Outcome::Respond(GraphResponse::error(400, "BadRequest", msg))
}

/// `POST /$batch`.
pub(crate) async fn handle(ctx: &Ctx, outer: &GraphRequest, outer_fault: FaultDecision) -> Outcome {
    let Ok(body) = serde_json::from_slice::<Value>(&outer.body) else {
        return bad("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
    };
    let Some(reqs) = body.get("requests").and_then(Value::as_array) else {
        return bad("Invalid batch payload format.");
    };
    if reqs.is_empty() {
        return bad("Invalid batch payload format.");
    }
    if reqs.len() > MAX_BATCH {
        return bad(format!(
            "The number of requests in the batch ({}) exceeds the limit of {MAX_BATCH}.",
            reqs.len()
        ));
    }
    let mut items = Vec::new();
    // Ids compared without regard to case ("1a" and "1A" are the same request id).
    let mut ids = HashSet::new();
    for r in reqs {
        let id = match r.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return bad("Batch request id is required."),
        };
        if !ids.insert(id.to_lowercase()) {
            return bad(format!(
                "Batch request ids must be unique; the id '{id}' is used more than once."
            ));
        }
        let Some(method) = r.get("method").and_then(Value::as_str) else {
            return bad(format!("The request with id '{id}' has no method."));
        };
        let Some(url) = r.get("url").and_then(Value::as_str) else {
            return bad(format!("The request with id '{id}' has no url."));
        };
        if url.contains("://") {
            return bad(format!(
                "Invalid request URL '{url}': batch request URLs must be relative."
            ));
        }
        let url = url.trim_start_matches('/');
        let url = url.strip_prefix("v1.0/").unwrap_or(url);
        let (path, query) = match url.split_once('?') {
            Some((p, q)) => (format!("/{p}"), Some(q.to_owned())),
            None => (format!("/{url}"), None),
        };
        let mut headers: Vec<(String, String)> = outer
            .headers
            .iter()
            .filter(|(k, _)| k == "authorization" || k == "client-request-id")
            .cloned()
            .collect();
        if let Some(Value::Object(h)) = r.get("headers") {
            for (k, v) in h {
                if let Some(v) = v.as_str() {
                    headers.retain(|(x, _)| !x.eq_ignore_ascii_case(k));
                    headers.push((k.to_ascii_lowercase(), v.to_owned()));
                }
            }
        }
        let body = match r.get("body") {
            None | Some(Value::Null) => Vec::new(),
            Some(b) => {
                if !headers.iter().any(|(k, _)| k == "content-type") {
                    return bad(format!("Content-Type header is required for the request with id '{id}' because it has a body."));
                }
                serde_json::to_vec(b).unwrap_or_default()
            }
        };
        let depends_on = match r.get("dependsOn") {
            None => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
            Some(_) => return bad(format!("Invalid dependsOn for the request with id '{id}'.")),
        };
        items.push(Item {
            id,
            req: GraphRequest {
                origin: outer.origin.clone(),
                method: method.to_ascii_uppercase(),
                path,
                query,
                headers,
                body,
            },
            depends_on,
            fault: FaultDecision::default(),
        });
    }
    for (i, it) in items.iter().enumerate() {
        for d in &it.depends_on {
            let earlier = items[..i].iter().any(|e| e.id.eq_ignore_ascii_case(d));
            if !earlier {
                let what = if items[i..].iter().any(|e| e.id.eq_ignore_ascii_case(d)) {
                    "a request that is not earlier in the batch"
                } else {
                    "an unknown request"
                };
                return bad(format!(
                    "The dependsOn of the request with id '{}' names {what} '{d}'.",
                    it.id
                ));
            }
        }
    }
    // Faults for inner requests are drawn in request order before anything runs, so that the
    // sequence is deterministic even though the requests run concurrently.
    let shuffle_seed;
    {
        let mut f = crate::server::lock(&ctx.faults);
        for it in &mut items {
            it.fault = f.draw();
        }
        shuffle_seed = f.next_seed();
    }
    let ctx_arc: Arc<Ctx> = ctx.self_arc();
    let mut done: HashMap<String, u16> = HashMap::new();
    let mut write_committed = false;
    let mut responses: Vec<Value> = Vec::new();
    let mut pending: Vec<Item> = items;
    while !pending.is_empty() {
        let (ready, rest): (Vec<Item>, Vec<Item>) = pending.into_iter().partition(|it| {
            it.depends_on
                .iter()
                .all(|d| done.contains_key(&d.to_lowercase()))
        });
        pending = rest;
        if ready.is_empty() {
            // A dependency cycle: fail what is left.
            for it in pending.drain(..) {
                done.insert(it.id.to_lowercase(), 424);
                responses.push(failed_dependency(&it.id));
            }
            break;
        }
        let mut set = tokio::task::JoinSet::new();
        for it in ready {
            if it.depends_on.iter().any(|d| {
                done.get(&d.to_lowercase())
                    .is_some_and(|s| !(200..300).contains(s))
            }) {
                done.insert(it.id.to_lowercase(), 424);
                responses.push(failed_dependency(&it.id));
                continue;
            }
            let c = ctx_arc.clone();
            set.spawn(async move {
                let is_write = it.req.method != "GET";
                let out = dispatch_boxed(c, it.req, it.fault).await;
                (it.id, is_write, out)
            });
        }
        while let Some(j) = set.join_next().await {
            let Ok((id, is_write, out)) = j else { continue };
            let resp = match out {
                Outcome::Respond(r) => r,
                Outcome::Drop => GraphResponse::error(
                    504,
                    "gatewayTimeout",
                    "The gateway did not receive a response in time.",
                ),
            };
            write_committed |= is_write && resp.is_success();
            done.insert(id.to_lowercase(), resp.status);
            responses.push(to_json(&id, resp));
        }
    }
    responses.shuffle(&mut StdRng::seed_from_u64(shuffle_seed));
    if write_committed && outer_fault.post == Some(PostFault::Drop) {
        ctx.stats.count_fault();
        return Outcome::Drop;
    }
    Outcome::Respond(GraphResponse::json(200, json!({"responses": responses})))
}

fn failed_dependency(id: &str) -> Value {
    let mut r = GraphResponse::error(
        424,
        "FailedDependency",
        "The request failed because of a failed dependency.",
    );
    if let Some(Value::Object(e)) = r.body.as_mut().and_then(|b| b.get_mut("error")) {
        e.remove("innerError");
    }
    r.headers
        .push(("Content-Type".to_owned(), "application/json".to_owned()));
    to_json(id, r)
}

fn to_json(id: &str, r: GraphResponse) -> Value {
    let headers: Map<String, Value> = r
        .headers
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert("status".into(), json!(r.status));
    m.insert("headers".into(), Value::Object(headers));
    if let Some(b) = r.body {
        m.insert("body".into(), b);
    }
    Value::Object(m)
}
