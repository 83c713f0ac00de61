//! `@odata.nextLink` paging as a stream of pages; each link is followed exactly as returned —
//! but only to the Graph endpoint's own origin ([`GraphClient::url`] refuses any other), never
//! the same link twice, never a link longer than any Graph link is, and never more pages than a
//! collection RoleSync reads can have. A server that pages forever fails the read instead of
//! holding the sync (and its run lock) forever.

use crate::error::GraphError;
use crate::http::{GraphClient, Request};
use crate::model::Page;
use futures::stream::{self, Stream, TryStreamExt};
use serde::de::DeserializeOwned;
use std::collections::HashSet;

/// The most pages one collection is read in: 100,000 pages are 10 million items at Graph's
/// default page size of 100 — more than a directory holds (Entra ID's object limit is far
/// below), so a server past this is paging forever.
pub const MAX_PAGES: usize = 100_000;

/// The longest next link followed. Graph's links carry the query and an opaque `$skiptoken`;
/// a link longer than this keeps growing.
pub const MAX_LINK_LEN: usize = 16 * 1024;

struct Cursor {
    next: Option<String>,
    seen: HashSet<String>,
    pages: usize,
}

/// The pages of a collection, starting at `first` (relative or absolute).
pub fn pages<'a, T: DeserializeOwned + 'a>(
    client: &'a GraphClient,
    first: String,
) -> impl Stream<Item = Result<Vec<T>, GraphError>> + 'a {
    let start = Cursor {
        next: Some(first),
        seen: HashSet::new(),
        pages: 0,
    };
    stream::try_unfold(start, move |mut cur| async move {
        let Some(url) = cur.next.take() else {
            return Ok(None);
        };
        let page: Page<T> = client.send(&Request::get(url)).await?.json()?;
        cur.pages += 1;
        if let Some(n) = &page.next_link {
            tracing::debug!(next = %n, "following @odata.nextLink");
            check_next(&mut cur, n)?;
        }
        cur.next = page.next_link;
        Ok(Some((page.value, cur)))
    })
}

fn check_next(cur: &mut Cursor, next: &str) -> Result<(), GraphError> {
    if next.len() > MAX_LINK_LEN {
        return Err(GraphError::Paging(format!(
            "a next link of {} characters (over {MAX_LINK_LEN}); the read stopped",
            next.len()
        )));
    }
    if !cur.seen.insert(next.to_owned()) {
        return Err(GraphError::Paging(format!(
            "the same next link came back after {} page(s); the read stopped",
            cur.pages
        )));
    }
    if cur.pages >= MAX_PAGES {
        return Err(GraphError::Paging(format!(
            "more than {MAX_PAGES} pages; the read stopped"
        )));
    }
    Ok(())
}

/// Every item of a collection.
pub async fn collect_all<T: DeserializeOwned>(
    client: &GraphClient,
    first: impl Into<String>,
) -> Result<Vec<T>, GraphError> {
    let pages: Vec<Vec<T>> = pages(client, first.into()).try_collect().await?;
    Ok(concat(pages))
}

/// The items of several lists in one, allocated once at its final size (collecting a
/// flattened iterator grows the list by doubling, up to twice the memory it needs).
pub fn concat<T>(lists: Vec<Vec<T>>) -> Vec<T> {
    let mut all = Vec::with_capacity(lists.iter().map(Vec::len).sum());
    for l in lists {
        all.extend(l);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_overlong_links_stop_the_read() {
        let mut cur = Cursor {
            next: None,
            seen: HashSet::new(),
            pages: 1,
        };
        assert!(check_next(
            &mut cur,
            "https://graph.microsoft.com/v1.0/users?$skiptoken=a"
        )
        .is_ok());
        let again = check_next(
            &mut cur,
            "https://graph.microsoft.com/v1.0/users?$skiptoken=a",
        );
        assert!(matches!(again, Err(GraphError::Paging(m)) if m.contains("same next link")));
        let long = format!(
            "https://graph.microsoft.com/v1.0/users?$skiptoken={}",
            "x".repeat(MAX_LINK_LEN)
        );
        assert!(matches!(
            check_next(&mut cur, &long),
            Err(GraphError::Paging(_))
        ));
        cur.pages = MAX_PAGES;
        assert!(check_next(
            &mut cur,
            "https://graph.microsoft.com/v1.0/users?$skiptoken=b"
        )
        .is_err());
    }
}
