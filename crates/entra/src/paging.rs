//! `@odata.nextLink` paging as a stream of pages; each link is followed exactly as returned.

use crate::error::GraphError;
use crate::http::{GraphClient, Request};
use crate::model::Page;
use futures::stream::{self, Stream, TryStreamExt};
use serde::de::DeserializeOwned;

/// The pages of a collection, starting at `first` (relative or absolute).
pub fn pages<'a, T: DeserializeOwned + 'a>(
    client: &'a GraphClient,
    first: String,
) -> impl Stream<Item = Result<Vec<T>, GraphError>> + 'a {
    stream::try_unfold(Some(first), move |next| async move {
        let Some(url) = next else {
            return Ok(None);
        };
        let page: Page<T> = client.send(&Request::get(url)).await?.json()?;
        if let Some(n) = &page.next_link {
            tracing::debug!(next = %n, "following @odata.nextLink");
        }
        Ok(Some((page.value, page.next_link)))
    })
}

/// Every item of a collection.
pub async fn collect_all<T: DeserializeOwned>(
    client: &GraphClient,
    first: impl Into<String>,
) -> Result<Vec<T>, GraphError> {
    let pages: Vec<Vec<T>> = pages(client, first.into()).try_collect().await?;
    Ok(pages.into_iter().flatten().collect())
}
