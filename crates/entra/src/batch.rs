//! JSON `$batch`: up to 20 requests per POST; items answered 429/5xx are sent again (in a new
//! batch) after their `Retry-After`; a failed batch POST is retried by the send path.

use crate::error::GraphError;
use crate::http::{is_retryable_status, parse_retry_after, GraphClient, Request};
use crate::model::{BatchBody, BatchRequestItem, BatchResponse, BatchResponseItem};
use crate::pacing::estimate_cost;
use rolesync_core::events::WaitReason;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Microsoft's limit of requests in one `$batch`.
pub const MAX_BATCH: usize = 20;

/// The final answer for each request id: its last response (any status), or the error that
/// failed the whole batch.
pub type BatchResults = HashMap<String, Result<BatchResponseItem, GraphError>>;

/// Sends `items` (at most [`MAX_BATCH`]) as one `$batch`, retrying throttled and failed items.
pub async fn send_batch(client: &GraphClient, items: Vec<BatchRequestItem>) -> BatchResults {
    let policy = client.retry_policy().clone();
    let started = Instant::now();
    let mut results: BatchResults = HashMap::new();
    let mut pending = items;
    let mut round = 0u32;
    while !pending.is_empty() {
        round += 1;
        let estimates: HashMap<String, f64> = pending
            .iter()
            .map(|i| (i.id.clone(), estimate_cost(&i.method, &i.url)))
            .collect();
        let writes = pending.iter().filter(|i| i.method != "GET").count() as f64;
        let req = Request {
            resource_units: estimates.values().sum::<f64>().max(1.0),
            writes,
            ..Request::post("$batch", &BatchBody { requests: &pending }, true)
        };
        let mut mark = None;
        let outer = match client.send(&req).await {
            Ok(r) => {
                mark = r.pace_mark;
                r.json::<BatchResponse>()
            }
            Err(e) => Err(e),
        };
        let resp = match outer {
            Ok(r) => r,
            Err(e) => {
                for i in pending.drain(..) {
                    results.insert(i.id, Err(e.clone()));
                }
                break;
            }
        };
        let mut by_id: HashMap<String, BatchResponseItem> = resp
            .responses
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
        let mut again = Vec::new();
        let mut wait = Duration::ZERO;
        let mut reason = WaitReason::Retry;
        for item in pending.drain(..) {
            match by_id.remove(&item.id) {
                Some(r) => {
                    client.pacer().observe(
                        estimates.get(&item.id).copied().unwrap_or(1.0),
                        r.header("x-ms-resource-unit")
                            .and_then(|v| v.trim().parse().ok()),
                        r.header("x-ms-throttle-limit-percentage")
                            .and_then(|v| v.trim().parse().ok()),
                        (item.method != "GET").then_some(mark.unwrap_or(0.0)),
                    );
                    if is_retryable_status(r.status) && round < policy.max_attempts {
                        if r.status == 429 {
                            reason = WaitReason::Throttled;
                            client
                                .pacer()
                                .throttled(r.header("x-ms-throttle-information"));
                        }
                        let ra = r.header("retry-after").and_then(parse_retry_after);
                        wait = wait.max(ra.unwrap_or_else(|| policy.backoff(round)));
                        tracing::info!(id = %item.id, method = %item.method, status = r.status, round, "batch item failed; sending it again");
                        results.insert(item.id.clone(), Ok(r));
                        again.push(item);
                    } else {
                        results.insert(item.id.clone(), Ok(r));
                    }
                }
                None => {
                    tracing::warn!(id = %item.id, "batch response has no answer for this request; sending it again");
                    if round < policy.max_attempts {
                        again.push(item);
                    } else {
                        results.insert(
                            item.id,
                            Err(GraphError::Decode(
                                "the $batch response had no answer for this request".into(),
                            )),
                        );
                    }
                }
            }
        }
        if again.is_empty() {
            break;
        }
        let wait = wait.max(policy.backoff(round).min(Duration::from_millis(200)));
        if started.elapsed() + wait > policy.max_total || wait > policy.max_retry_after {
            tracing::warn!(
                items = again.len(),
                "batch items still failing; giving up on them"
            );
            for i in again {
                results.entry(i.id).or_insert_with(|| {
                    Err(GraphError::Decode(
                        "no answer for this request within the retry limits".into(),
                    ))
                });
            }
            break;
        }
        tracing::debug!(
            items = again.len(),
            wait_ms = wait.as_millis() as u64,
            "waiting before sending batch items again"
        );
        client.pacer().retry_wait(wait, reason).await;
        pending = again;
    }
    results
}
