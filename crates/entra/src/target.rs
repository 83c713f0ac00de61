//! [`GraphTarget`]: the role target over Microsoft Graph — role definitions and assignments from
//! the unified RBAC API, PIM activations and eligibilities with their end dates, the mapped
//! roles' PIM settings ([`crate::role_settings`]), users by source anchor, SID or UPN (batched
//! look-ups with `$select`), and changes applied in `$batch`es of up to 20: direct role
//! assignments, or PIM schedule requests (`adminAssign`, `adminExtend`, `adminRemove`) with the
//! expiration, justification and ticket the role's settings ask for.

use crate::batch::{send_batch, MAX_BATCH};
use crate::error::{GraphError, GraphErrorBody};
use crate::holders::{condense, with_users, Holder};
use crate::http::GraphClient;
use crate::model::{
    BatchRequestItem, BatchResponseItem, DirectoryObjectDto, Page, RoleAssignmentDto,
    RoleDefinitionDto, ScheduleInstanceDto, USER_SELECT,
};
use crate::paging::collect_all;
use crate::role_settings::is_pim_unavailable;
use async_trait::async_trait;
use futures::stream::{self, StreamExt, TryStreamExt};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use rolesync_core::checks::CheckLine;
use rolesync_core::ids::{DirectoryScopeId, RoleDefinitionId};
use rolesync_core::pim::PimRequest;
use rolesync_core::plan::{Action, Change};
use rolesync_core::tenant::{
    AdministrativeUnit, AssignmentKind, EntraUser, RoleAssignment, RoleDefinition, UserKey,
};
use rolesync_core::traits::{ChangeOutcome, Pace, PimRead, ReadError, RoleTarget};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// Values per `in (…)` list in one `$filter`. Graph caps the expressions in one filter (15 is the
/// figure Microsoft gives for `in` on directory objects; the reference in `shared/` does not
/// confirm it for `/users`), so RoleSync stays at 15 — which also keeps URLs far below length
/// limits.
pub const MAX_IN_VALUES: usize = 15;

const ASSIGNMENTS: &str = "roleManagement/directory/roleAssignments";
const ELIGIBILITY_REQUESTS: &str = "roleManagement/directory/roleEligibilityScheduleRequests";
const ASSIGNMENT_REQUESTS: &str = "roleManagement/directory/roleAssignmentScheduleRequests";
const ASSIGNMENT_INSTANCES: &str = "roleManagement/directory/roleAssignmentScheduleInstances";
const ELIGIBILITY_INSTANCES: &str = "roleManagement/directory/roleEligibilityScheduleInstances";
const ADMINISTRATIVE_UNITS: &str = "directory/administrativeUnits";

/// What a query string must escape: everything that would change its meaning (`+` above all:
/// it would turn into a space inside base64 immutable ids).
const QUERY: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'>')
    .add(b'=')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Characters escaped in a path segment (a UPN in `/users/{upn}`).
const PATH_SEGMENT: &AsciiSet = &QUERY.add(b'/').add(b'\'').add(b'$');

/// Encodes a query parameter value.
pub fn encode_query_value(v: &str) -> String {
    utf8_percent_encode(v, QUERY).to_string()
}

/// An OData string literal: `'…'` with `'` doubled.
pub fn odata_literal(v: &str) -> String {
    format!("'{}'", v.replace('\'', "''"))
}

/// `prop in ('a','b')` filters, at most [`MAX_IN_VALUES`] values each.
pub fn in_filters(prop: &str, values: &[String]) -> Vec<String> {
    values
        .chunks(MAX_IN_VALUES)
        .map(|c| {
            let list: Vec<String> = c.iter().map(|v| odata_literal(v)).collect();
            format!("{prop} in ({})", list.join(","))
        })
        .collect()
}

fn users_query(filter: &str) -> String {
    format!(
        "users?$filter={}&$select={USER_SELECT}",
        encode_query_value(filter)
    )
}

/// Microsoft Graph as the role target.
pub struct GraphTarget {
    client: Arc<GraphClient>,
    name: String,
    read_concurrency: usize,
    write_concurrency: usize,
}

impl std::fmt::Debug for GraphTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphTarget")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl GraphTarget {
    /// A target over this client. `name` is shown in logs and reports.
    pub fn new(client: Arc<GraphClient>, name: impl Into<String>) -> Self {
        GraphTarget {
            client,
            name: name.into(),
            read_concurrency: crate::connect::DEFAULT_READ_CONCURRENCY,
            write_concurrency: crate::connect::DEFAULT_WRITE_CONCURRENCY,
        }
    }

    /// Bounds on concurrent reads and concurrent write batches (defaults
    /// [`DEFAULT_READ_CONCURRENCY`](crate::connect::DEFAULT_READ_CONCURRENCY) and
    /// [`DEFAULT_WRITE_CONCURRENCY`](crate::connect::DEFAULT_WRITE_CONCURRENCY)); the pacer keeps
    /// the resource-unit and write budgets whatever these are.
    pub fn with_concurrency(mut self, reads: usize, writes: usize) -> Self {
        self.read_concurrency = reads.max(1);
        self.write_concurrency = writes.max(1);
        self
    }

    /// The Graph client.
    pub fn client(&self) -> &Arc<GraphClient> {
        &self.client
    }

    /// Runs GET queries in `$batch`es (20 per batch, batches concurrently), following
    /// `nextLink`s, and returns every object found.
    async fn batched_get(
        &self,
        queries: Vec<String>,
    ) -> Result<Vec<DirectoryObjectDto>, GraphError> {
        let chunks: Vec<Vec<String>> = queries.chunks(MAX_BATCH).map(<[String]>::to_vec).collect();
        let results: Vec<Vec<DirectoryObjectDto>> = stream::iter(chunks)
            .map(|chunk| async move {
                let items: Vec<BatchRequestItem> = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, url)| BatchRequestItem {
                        id: (i + 1).to_string(),
                        method: "GET".into(),
                        url: format!("/{url}"),
                        headers: None,
                        body: None,
                    })
                    .collect();
                let mut out = Vec::new();
                for (_, r) in send_batch(&self.client, items).await {
                    let r = r?;
                    let status = r.status;
                    let body = r.body.unwrap_or_default();
                    if !(200..300).contains(&status) {
                        let e = GraphErrorBody::from_value(&body).unwrap_or_default();
                        return Err(GraphError::Api {
                            status,
                            code: e.code,
                            message: e.message,
                            request_id: e.inner_error.and_then(|i| i.request_id),
                        });
                    }
                    let page: Page<DirectoryObjectDto> = serde_json::from_value(body)
                        .map_err(|e| GraphError::Decode(e.to_string()))?;
                    out.extend(page.value);
                    if let Some(next) = page.next_link {
                        out.extend(collect_all::<DirectoryObjectDto>(&self.client, next).await?);
                    }
                }
                Ok::<_, GraphError>(out)
            })
            .buffer_unordered(self.read_concurrency)
            .try_collect()
            .await?;
        Ok(crate::paging::concat(results))
    }

    /// Users by object id (lower case), with the on-premises properties.
    async fn users_by_id(&self, ids: &[String]) -> Result<HashMap<String, EntraUser>, GraphError> {
        let queries: Vec<String> = in_filters("id", ids)
            .iter()
            .map(|f| users_query(f))
            .collect();
        Ok(self
            .batched_get(queries)
            .await?
            .into_iter()
            .map(|u| (u.id.to_ascii_lowercase(), u.to_user()))
            .collect())
    }

    /// One role's active assignments, activations and eligibilities at one scope: each list
    /// filtered by `roleDefinitionId` and `directoryScopeId` (both `$filter` `eq` properties of
    /// `unifiedRoleAssignment` and of the PIM schedule instances in Graph v1.0).
    async fn role_assignments(
        &self,
        role: &RoleDefinitionId,
        scope: &DirectoryScopeId,
    ) -> Result<
        (
            Vec<RoleAssignmentDto>,
            Vec<ScheduleInstanceDto>,
            Vec<ScheduleInstanceDto>,
        ),
        ReadError,
    > {
        let by_unit = encode_query_value(&format!(
            "roleDefinitionId eq {} and directoryScopeId eq {}",
            odata_literal(role.as_str()),
            odata_literal(scope.as_str())
        ));
        let at = if scope.is_tenant() {
            String::new()
        } else {
            format!(" at {scope}")
        };
        let active = collect_all::<RoleAssignmentDto>(
            &self.client,
            format!("{ASSIGNMENTS}?$filter={by_unit}&$expand=principal"),
        );
        let instances = collect_all::<ScheduleInstanceDto>(
            &self.client,
            format!("{ASSIGNMENT_INSTANCES}?$filter={by_unit}"),
        );
        let eligible = collect_all::<ScheduleInstanceDto>(
            &self.client,
            format!("{ELIGIBILITY_INSTANCES}?$filter={by_unit}&$expand=principal"),
        );
        let (active, instances, eligible) = tokio::join!(active, instances, eligible);
        let active = active
            .map_err(|e| e.to_read_error(&format!("reading the assignments of role {role}{at}")))?;
        let pim = |r: Result<Vec<ScheduleInstanceDto>, GraphError>, what: &str| match r {
            Ok(v) => Ok(v),
            Err(e) if is_pim_unavailable(&e) => {
                tracing::warn!(role = %role, error = %e, "PIM is not available in this tenant (no Entra ID P2); no {what}", what = what);
                Ok(Vec::new())
            }
            Err(e) => Err(e.to_read_error(&format!("reading the PIM {what} of role {role}{at}"))),
        };
        Ok((
            active,
            pim(instances, "activations")?,
            pim(eligible, "eligibilities")?,
        ))
    }

    async fn exists(&self, change: &Change) -> Result<bool, GraphError> {
        let filter = encode_query_value(&format!(
            "roleDefinitionId eq {} and principalId eq {}",
            odata_literal(change.role_id.as_str()),
            odata_literal(change.principal_id.as_str())
        ));
        let scope = change.directory_scope_id.as_str();
        match change.kind {
            AssignmentKind::Active => {
                let v = collect_all::<RoleAssignmentDto>(
                    &self.client,
                    format!("{ASSIGNMENTS}?$filter={filter}"),
                )
                .await?;
                Ok(v.iter()
                    .any(|a| in_scope(a.directory_scope_id.as_deref(), scope)))
            }
            AssignmentKind::Eligible => {
                let v = collect_all::<ScheduleInstanceDto>(
                    &self.client,
                    format!("{ELIGIBILITY_INSTANCES}?$filter={filter}"),
                )
                .await?;
                Ok(v.iter()
                    .any(|a| in_scope(a.directory_scope_id.as_deref(), scope)))
            }
        }
    }

    async fn active_assignment_id(&self, change: &Change) -> Result<Option<String>, GraphError> {
        let filter = encode_query_value(&format!(
            "roleDefinitionId eq {} and principalId eq {}",
            odata_literal(change.role_id.as_str()),
            odata_literal(change.principal_id.as_str())
        ));
        let v = collect_all::<RoleAssignmentDto>(
            &self.client,
            format!("{ASSIGNMENTS}?$filter={filter}"),
        )
        .await?;
        Ok(v.into_iter()
            .find(|a| {
                in_scope(
                    a.directory_scope_id.as_deref(),
                    change.directory_scope_id.as_str(),
                )
            })
            .map(|a| a.id))
    }

    /// The request for one change. `now` is Graph's time (the start of PIM schedules).
    fn request_for(
        change: &Change,
        id: String,
        assignment_id: Option<&str>,
        now: &str,
    ) -> BatchRequestItem {
        let json = Some(HashMap::from([(
            "Content-Type".to_owned(),
            "application/json".to_owned(),
        )]));
        let post = |url: &str, body: serde_json::Value| BatchRequestItem {
            id: id.clone(),
            method: "POST".into(),
            url: format!("/{url}"),
            headers: json.clone(),
            body: serde_json::value::to_raw_value(&body).ok(),
        };
        let requests = match change.kind {
            AssignmentKind::Active => ASSIGNMENT_REQUESTS,
            AssignmentKind::Eligible => ELIGIBILITY_REQUESTS,
        };
        match (change.action, change.kind, &change.pim) {
            (Action::Grant, AssignmentKind::Active, None) => post(
                ASSIGNMENTS,
                serde_json::json!({
                    "@odata.type": "#microsoft.graph.unifiedRoleAssignment",
                    "roleDefinitionId": change.role_id.as_str(),
                    "principalId": change.principal_id.as_str(),
                    "directoryScopeId": change.directory_scope_id.as_str(),
                }),
            ),
            (Action::Revoke, AssignmentKind::Active, _) => BatchRequestItem {
                id: id.clone(),
                method: "DELETE".into(),
                url: format!(
                    "/{ASSIGNMENTS}/{}",
                    encode_query_value(assignment_id.unwrap_or_default())
                ),
                headers: None,
                body: None,
            },
            (Action::Revoke, AssignmentKind::Eligible, pim) => post(
                requests,
                serde_json::json!({
                    "action": "adminRemove",
                    "justification": justification(change, pim.as_ref()),
                    "roleDefinitionId": change.role_id.as_str(),
                    "directoryScopeId": change.directory_scope_id.as_str(),
                    "principalId": change.principal_id.as_str(),
                }),
            ),
            (action, _, pim) => {
                let verb = if action == Action::Renew {
                    "adminExtend"
                } else {
                    "adminAssign"
                };
                post(requests, schedule_request(verb, change, pim.as_ref(), now))
            }
        }
    }

    /// Turns one item's final answer into an outcome; re-reads when "already done" is ambiguous.
    async fn outcome(
        &self,
        change: &Change,
        r: &Result<BatchResponseItem, GraphError>,
    ) -> ChangeOutcome {
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                return ChangeOutcome::Failed {
                    code: "batchFailed".into(),
                    message: format!("{e}{}", e.hint()),
                }
            }
        };
        if (200..300).contains(&r.status) {
            return ChangeOutcome::Done;
        }
        let err = r
            .body
            .as_ref()
            .and_then(GraphErrorBody::from_value)
            .unwrap_or_default();
        let failed = || ChangeOutcome::Failed {
            code: if err.code.is_empty() {
                r.status.to_string()
            } else {
                err.code.clone()
            },
            message: if err.message.is_empty() {
                format!("Microsoft Graph answered {}", r.status)
            } else {
                err.message.clone()
            },
        };
        let code = err.code.to_ascii_lowercase();
        let msg = err.message.to_ascii_lowercase();
        match change.action {
            Action::Grant => {
                if code == "roleassignmentexists" || msg.contains("already exist") {
                    return ChangeOutcome::AlreadyDone;
                }
                // The duplicate error is undocumented: on any other client error, look.
                if (400..500).contains(&r.status) && !matches!(r.status, 401 | 403 | 429) {
                    match self.exists(change).await {
                        Ok(true) => return ChangeOutcome::AlreadyDone,
                        Ok(false) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "re-reading after a failed grant failed")
                        }
                    }
                }
                failed()
            }
            // An extension that failed is a failure: the next run sees the assignment again (and
            // grants it anew once it has ended); it is never a reason to revoke.
            Action::Renew => failed(),
            Action::Revoke => {
                if change.kind == AssignmentKind::Active && r.status == 404 {
                    return ChangeOutcome::AlreadyDone;
                }
                if (400..500).contains(&r.status) && !matches!(r.status, 401 | 403 | 429) {
                    match self.exists(change).await {
                        Ok(false) => return ChangeOutcome::AlreadyDone,
                        Ok(true) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "re-reading after a failed revoke failed")
                        }
                    }
                }
                failed()
            }
        }
    }

    async fn apply_chunk(&self, changes: &[Change]) -> Vec<ChangeOutcome> {
        let now = self
            .client
            .server_now()
            .unwrap_or_else(chrono::Utc::now)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let mut outcomes: Vec<Option<ChangeOutcome>> = vec![None; changes.len()];
        let mut items = Vec::new();
        for (i, c) in changes.iter().enumerate() {
            let mut assignment_id = c.assignment_id.clone();
            if c.action == Action::Revoke
                && c.kind == AssignmentKind::Active
                && assignment_id.is_none()
            {
                match self.active_assignment_id(c).await {
                    Ok(Some(id)) => assignment_id = Some(id),
                    Ok(None) => {
                        outcomes[i] = Some(ChangeOutcome::AlreadyDone);
                        continue;
                    }
                    Err(e) => {
                        outcomes[i] = Some(ChangeOutcome::Failed {
                            code: "lookupFailed".into(),
                            message: e.to_string(),
                        });
                        continue;
                    }
                }
            }
            items.push(Self::request_for(
                c,
                (i + 1).to_string(),
                assignment_id.as_deref(),
                &now,
            ));
        }
        if !items.is_empty() {
            let results = send_batch(&self.client, items).await;

            for (i, c) in changes.iter().enumerate() {
                if outcomes[i].is_some() {
                    continue;
                }
                let r = results
                    .get(&(i + 1).to_string())
                    .cloned()
                    .unwrap_or_else(|| Err(GraphError::Decode("no answer for this change".into())));
                outcomes[i] = Some(self.outcome(c, &r).await);
            }
        }
        outcomes
            .into_iter()
            .map(|o| {
                o.unwrap_or(ChangeOutcome::Failed {
                    code: "noResult".into(),
                    message: "no result".into(),
                })
            })
            .collect()
    }
}

#[async_trait]
impl RoleTarget for GraphTarget {
    async fn role_definitions(&self) -> Result<Vec<RoleDefinition>, ReadError> {
        let v = collect_all::<RoleDefinitionDto>(
            &self.client,
            "roleManagement/directory/roleDefinitions",
        )
        .await
        .map_err(|e| e.to_read_error("reading the role definitions from Microsoft Graph"))?;
        Ok(v.iter().map(RoleDefinitionDto::to_core).collect())
    }

    async fn assignments(
        &self,
        roles: &[RoleDefinitionId],
    ) -> Result<Vec<RoleAssignment>, ReadError> {
        let units: Vec<(RoleDefinitionId, DirectoryScopeId)> = roles
            .iter()
            .map(|r| (r.clone(), DirectoryScopeId::tenant()))
            .collect();
        self.scoped_assignments(&units).await
    }

    async fn scoped_assignments(
        &self,
        units: &[(RoleDefinitionId, DirectoryScopeId)],
    ) -> Result<Vec<RoleAssignment>, ReadError> {
        // Each role's lists are made small as soon as they arrive (crate::holders).
        let per_role: Vec<Vec<Holder>> = stream::iter(units.iter().cloned())
            .map(|(r, scope)| async move {
                let (active, instances, eligible) = self.role_assignments(&r, &scope).await?;
                Ok::<_, ReadError>(condense(&r, &scope, active, instances, eligible))
            })
            .buffer_unordered(self.read_concurrency)
            .try_collect()
            .await?;
        // Users need their on-premises properties, which `$expand` does not return.
        let ids: Vec<String> = per_role
            .iter()
            .flatten()
            .filter_map(|h| h.user_id.clone())
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect();
        let users = self
            .users_by_id(&ids)
            .await
            .map_err(|e| e.to_read_error("reading the users who hold the roles"))?;
        Ok(with_users(per_role, &users))
    }

    async fn administrative_units(
        &self,
        names: &[String],
    ) -> Result<Vec<AdministrativeUnit>, ReadError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        // "List administrativeUnits" (GET /directory/administrativeUnits) with `$filter` `eq` on
        // `id` or `displayName`, both filterable properties of the administrativeUnit type.
        let queries: Vec<String> = names
            .iter()
            .map(|n| {
                let prop = if is_guid(n) { "id" } else { "displayName" };
                format!(
                    "{ADMINISTRATIVE_UNITS}?$filter={}&$select=id,displayName",
                    encode_query_value(&format!("{prop} eq {}", odata_literal(n.trim())))
                )
            })
            .collect();
        let found = self.batched_get(queries).await.map_err(|e| {
            let hint = if matches!(e, GraphError::Api { status: 403, .. }) {
                " — the app needs the Microsoft Graph permission AdministrativeUnit.Read.All (application permission, admin consent granted) to read administrative units"
            } else {
                ""
            };
            let mut r = e.to_read_error("reading the administrative units the mappings name");
            r.message.push_str(hint);
            r
        })?;
        let mut seen = HashSet::new();
        Ok(found
            .into_iter()
            .filter(|u| seen.insert(u.id.to_ascii_lowercase()))
            .map(|u| AdministrativeUnit {
                display_name: u.display_name.unwrap_or_default(),
                id: u.id,
            })
            .collect())
    }

    async fn missing_principals(&self, keys: &[String]) -> Result<Vec<String>, ReadError> {
        // An object id names any directory object (a break-glass user, a group, an app); a UPN
        // names a user. One GET each, 20 to a `$batch`.
        let path_of = |k: &str| {
            let k = k.trim();
            if uuid::Uuid::parse_str(k).is_ok() {
                format!("/directoryObjects/{k}?$select=id")
            } else {
                format!("/users/{}?$select=id", utf8_percent_encode(k, PATH_SEGMENT))
            }
        };
        let mut missing = Vec::new();
        for chunk in keys.chunks(MAX_BATCH) {
            let items: Vec<BatchRequestItem> = chunk
                .iter()
                .enumerate()
                .map(|(i, k)| BatchRequestItem {
                    id: (i + 1).to_string(),
                    method: "GET".into(),
                    url: path_of(k),
                    headers: None,
                    body: None,
                })
                .collect();
            for (id, r) in send_batch(&self.client, items).await {
                let r = r.map_err(|e| e.to_read_error("looking up the protected accounts"))?;
                let key = id
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| chunk.get(i - 1))
                    .cloned()
                    .unwrap_or(id);
                match r.status {
                    200..=299 => {}
                    404 => missing.push(key),
                    status => {
                        let e = GraphErrorBody::from_value(&r.body.unwrap_or_default())
                            .unwrap_or_default();
                        return Err(GraphError::Api {
                            status,
                            code: e.code,
                            message: e.message,
                            request_id: None,
                        }
                        .to_read_error(&format!("looking up the protected account {key}")));
                    }
                }
            }
        }
        missing.sort();
        Ok(missing)
    }

    async fn find_users(&self, keys: &[UserKey]) -> Result<Vec<EntraUser>, ReadError> {
        let uniq = |v: Vec<String>| -> Vec<String> {
            let s: BTreeSet<String> = v.into_iter().filter(|x| !x.is_empty()).collect();
            s.into_iter().collect()
        };
        // Source anchors first; SIDs and UPNs only for the keys whose anchor found nobody (the
        // planner matches by anchor before SID and UPN, so those are the only ones it reads).
        let anchors = uniq(keys.iter().map(|k| k.immutable_id.clone()).collect());
        let query = |prop: &str, values: &[String]| -> Vec<String> {
            in_filters(prop, values)
                .iter()
                .map(|f| users_query(f))
                .collect()
        };
        let err = |e: GraphError| e.to_read_error("looking up the AD members' Entra users");
        let mut found = self
            .batched_get(query("onPremisesImmutableId", &anchors))
            .await
            .map_err(err)?;
        let anchored: HashSet<&str> = found
            .iter()
            .filter_map(|u| u.on_premises_immutable_id.as_deref())
            .collect();
        let rest: Vec<&UserKey> = keys
            .iter()
            .filter(|k| !anchored.contains(k.immutable_id.as_str()))
            .collect();
        let sids = uniq(
            rest.iter()
                .filter_map(|k| k.sid.as_ref().map(|s| s.to_string()))
                .collect(),
        );
        let upns = uniq(
            rest.iter()
                .filter_map(|k| k.upn.as_ref().map(|u| u.as_str().to_owned()))
                .collect(),
        );
        let mut queries = query("onPremisesSecurityIdentifier", &sids);
        queries.extend(query("userPrincipalName", &upns));
        if !queries.is_empty() {
            found.extend(self.batched_get(queries).await.map_err(err)?);
        }
        let mut seen = HashSet::new();
        let mut users: Vec<EntraUser> = found
            .into_iter()
            .filter(|u| seen.insert(u.id.to_ascii_lowercase()))
            .map(|u| u.to_user())
            .collect();
        // Collected in place, the list keeps the larger buffer of Graph's objects; the
        // tenant snapshot keeps it for the whole run.
        users.shrink_to_fit();
        Ok(users)
    }

    async fn pim_settings(&self, roles: &[RoleDefinitionId]) -> PimRead {
        let settings = crate::role_settings::read(&self.client, roles, self.read_concurrency).await;
        let mfa = match self.client.tokens().access_token().await {
            Ok(t) => signed_in_with_mfa(t.secret().expose()),
            Err(_) => false,
        };
        PimRead {
            settings,
            now: self.client.server_now(),
            mfa,
        }
    }

    async fn signed_in_as(&self) -> Option<String> {
        let token = self.client.tokens().access_token().await.ok()?;
        signed_in_user(token.secret().expose())
    }

    async fn directory_audits(
        &self,
        since: chrono::DateTime<chrono::Utc>,
    ) -> rolesync_core::drift::AuditLookup {
        let delegated = match self.client.tokens().access_token().await {
            Ok(t) => is_delegated(&token_claims(t.secret().expose())),
            Err(_) => false,
        };
        crate::audit_log::directory_audits(&self.client, since, delegated).await
    }

    async fn rolesync_pim_assignments(
        &self,
        roles: &[RoleDefinitionId],
    ) -> Result<Vec<rolesync_core::ownership::PimGrant>, ReadError> {
        crate::audit_log::rolesync_requests(&self.client, roles, self.read_concurrency).await
    }

    async fn apply(&self, changes: &[Change]) -> Vec<ChangeOutcome> {
        let mut out = Vec::with_capacity(changes.len());
        for chunk in changes.chunks(MAX_BATCH) {
            out.extend(self.apply_chunk(chunk).await);
        }
        out
    }

    fn max_chunk(&self) -> usize {
        MAX_BATCH
    }

    fn concurrency(&self) -> usize {
        self.write_concurrency
    }

    /// The pacer's model: the writes beyond what the write budget holds now, at the rate it
    /// refills, and what is held back.
    fn pace(&self, remaining: usize) -> Option<Pace> {
        let pacer = self.client.pacer();
        Some(Pace {
            eta: pacer.eta(remaining)?,
            waiting: pacer.waiting(),
        })
    }

    async fn pace_tick(&self) {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }

    async fn preflight(&self) -> Vec<CheckLine> {
        let title = "sign in to Entra ID";
        let token = match self.client.tokens().access_token().await {
            Ok(t) => t,
            Err(e) => {
                return vec![CheckLine::fail(
                    title,
                    e.to_string(),
                    "check [entra] tenant, client_id and the sign-in credential",
                )]
            }
        };
        let mut lines = vec![CheckLine::ok(title, Some(self.client.tokens().describe()))];
        let granted = granted_permissions(token.secret().expose());
        lines.push(permissions_line(&granted));
        lines.push(audit_log_line(&granted));
        lines
    }

    fn describe(&self) -> String {
        self.name.clone()
    }
}

/// Whether an answer's `directoryScopeId` (absent: `/`) is `scope`.
pub(crate) fn in_scope(answered: Option<&str>, scope: &str) -> bool {
    answered.unwrap_or("/").eq_ignore_ascii_case(scope)
}

/// A GUID in its text form (an object id rather than a display name).
fn is_guid(s: &str) -> bool {
    uuid::Uuid::parse_str(s.trim()).is_ok() && s.trim().len() == 36
}

/// The justification of a PIM request: the one the run stamped, else a plain one.
fn justification(change: &Change, pim: Option<&PimRequest>) -> String {
    match pim {
        Some(p) if !p.justification.is_empty() => p.justification.clone(),
        _ => match change.action {
            Action::Revoke => format!(
                "RoleSync: {} is no longer in the AD group for {}",
                change.user, change.role_name
            ),
            _ => format!(
                "RoleSync: {} is a member of the AD group for {}",
                change.user, change.role_name
            ),
        },
    }
}

/// An `adminAssign` or `adminExtend` schedule request: from `now`, with no end or for the
/// duration the role's PIM settings allow, the justification, and `ticketInfo` where the
/// settings require a ticket ("Create roleEligibilityScheduleRequest",
/// <https://learn.microsoft.com/graph/api/rbacapplication-post-roleeligibilityschedulerequests>;
/// `adminExtend` as in "Extend or renew Microsoft Entra role assignments in PIM").
fn schedule_request(
    action: &str,
    change: &Change,
    pim: Option<&PimRequest>,
    now: &str,
) -> serde_json::Value {
    let expiration = match pim.and_then(|p| p.duration) {
        None => serde_json::json!({"type": "noExpiration"}),
        Some(d) => serde_json::json!({"type": "afterDuration", "duration": d.to_iso()}),
    };
    let mut body = serde_json::json!({
        "action": action,
        "justification": justification(change, pim),
        "roleDefinitionId": change.role_id.as_str(),
        "directoryScopeId": change.directory_scope_id.as_str(),
        "principalId": change.principal_id.as_str(),
        "scheduleInfo": {"startDateTime": now, "expiration": expiration},
    });
    if let Some(p) = pim.filter(|p| p.ticket) {
        body["ticketInfo"] = serde_json::json!({
            "ticketNumber": p.run_id,
            "ticketSystem": PimRequest::TICKET_SYSTEM,
        });
    }
    body
}

fn token_claims(token: &str) -> serde_json::Value {
    use base64::Engine as _;
    token
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p.trim_end_matches('='))
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .unwrap_or_default()
}

/// Whether an access token's claims are a person's (delegated: the token has `scp`); an
/// application's own token has `roles` instead.
fn is_delegated(claims: &serde_json::Value) -> bool {
    claims["scp"].is_string()
}

/// The person an access token was issued to (delegated: it has `scp`), by `upn`, else
/// `unique_name` or `preferred_username` (Microsoft identity platform "Access token claims
/// reference"); `None` for an application's own token.
pub fn signed_in_user(token: &str) -> Option<String> {
    let c = token_claims(token);
    if !is_delegated(&c) {
        return None;
    }
    ["upn", "unique_name", "preferred_username"]
        .iter()
        .find_map(|k| c[*k].as_str().filter(|v| !v.trim().is_empty()))
        .map(str::to_owned)
}

/// Whether an access token is a user's who signed in with multifactor authentication
/// (delegated, `amr` has `mfa`). An application's token never is.
pub fn signed_in_with_mfa(token: &str) -> bool {
    let c = token_claims(token);
    is_delegated(&c)
        && c["amr"]
            .as_array()
            .is_some_and(|a| a.iter().any(|m| m == "mfa"))
}

/// The permissions an access token carries: application `roles`, or delegated `scp`. The token
/// is not verified here (Graph verifies it); this only reads what was granted.
pub fn granted_permissions(token: &str) -> BTreeSet<String> {
    let payload = token_claims(token);
    let mut out: BTreeSet<String> = payload["roles"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(scp) = payload["scp"].as_str() {
        out.extend(scp.split_whitespace().map(str::to_owned));
    }
    out
}

/// The Microsoft Graph application permissions a sync needs; `eligible` (PIM-eligible mappings)
/// adds `RoleEligibilitySchedule.ReadWrite.Directory`. README "Sign-in to Entra ID".
pub fn required_permissions(eligible: bool) -> Vec<&'static str> {
    let mut p = vec!["RoleManagement.ReadWrite.Directory", "User.Read.All"];
    if eligible {
        p.push("RoleEligibilitySchedule.ReadWrite.Directory");
    }
    p
}

/// Microsoft Graph permissions RoleSync uses when granted, each with its purpose; a sync runs
/// without them. "List directoryAudits" asks for AuditLog.Read.All together with
/// Directory.Read.All.
pub const OPTIONAL_PERMISSIONS: &[(&str, &str)] = &[
    (
        "AuditLog.Read.All",
        "who changed a mapped role's assignments outside RoleSync, and when (drift), from Entra's audit log",
    ),
    (
        "Directory.Read.All",
        "needed with AuditLog.Read.All to read the audit log",
    ),
];

/// Whether `granted` lets RoleSync read the directory audit log (AuditLog.Read.All and
/// Directory.Read.All, or Directory.ReadWrite.All in place of the latter).
pub fn may_read_audit_log(granted: &BTreeSet<String>) -> bool {
    granted.contains("AuditLog.Read.All")
        && (granted.contains("Directory.Read.All") || granted.contains("Directory.ReadWrite.All"))
}

/// The check line for the optional audit-log permissions: always passed (a sync does not need
/// them), its detail says what they add and how to grant them when they are missing.
fn audit_log_line(granted: &BTreeSet<String>) -> CheckLine {
    let title = "the app may read Entra's audit log (optional: who and when of drift)";
    if may_read_audit_log(granted) {
        CheckLine::ok(
            title,
            Some("AuditLog.Read.All and Directory.Read.All granted".into()),
        )
    } else {
        CheckLine::ok(
            title,
            Some("not granted: drift is reported with who and when unknown; to name them, add the Microsoft Graph application permissions AuditLog.Read.All and Directory.Read.All to the app registration and grant admin consent".into()),
        )
    }
}

/// The permissions of [`required_permissions`] that `granted` (from [`granted_permissions`])
/// lacks. `Directory.Read.All` or `Directory.ReadWrite.All` stand in for `User.Read.All`, and
/// `RoleManagement.ReadWrite.Directory` for the PIM eligibility permission (it covers PIM).
pub fn missing_permissions(granted: &BTreeSet<String>, eligible: bool) -> Vec<&'static str> {
    let has = |p: &str| granted.contains(p);
    required_permissions(eligible)
        .into_iter()
        .filter(|p| match *p {
            "User.Read.All" => {
                !(has(p) || has("Directory.Read.All") || has("Directory.ReadWrite.All"))
            }
            "RoleEligibilitySchedule.ReadWrite.Directory" => {
                !(has(p) || has("RoleManagement.ReadWrite.Directory"))
            }
            _ => !has(p),
        })
        .collect()
}

/// The check line for the Graph permissions a sync needs.
fn permissions_line(granted: &BTreeSet<String>) -> CheckLine {
    let title = "the app has the Microsoft Graph permissions a sync needs";
    let missing = missing_permissions(granted, false);
    if missing.is_empty() {
        let pim = if missing_permissions(granted, true).is_empty() {
            "; PIM eligible assignments allowed"
        } else {
            "; no RoleEligibilitySchedule.ReadWrite.Directory: eligible (PIM) mappings will fail"
        };
        CheckLine::ok(
            title,
            Some(format!(
                "{}{pim}",
                granted.iter().cloned().collect::<Vec<_>>().join(", ")
            )),
        )
    } else {
        CheckLine::fail(
            title,
            format!("missing {}", missing.join(", ")),
            "in the app registration add these Microsoft Graph permissions (application permissions for app-only sign-in) and grant admin consent",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_chunked_and_quoted() {
        let values: Vec<String> = (0..16).map(|i| format!("v{i}")).collect();
        let f = in_filters("x", &values);
        assert_eq!(f.len(), 2);
        assert!(f[1] == "x in ('v15')");
        assert_eq!(odata_literal("o'brien"), "'o''brien'");
    }

    #[test]
    fn a_batch_post_carries_each_request_body_as_a_json_object() {
        use crate::http::Request;
        use crate::model::BatchBody;
        let change = Change {
            action: Action::Grant,
            kind: AssignmentKind::Eligible,
            role_id: RoleDefinitionId::new("r1"),
            role_name: "Role".into(),
            directory_scope_id: DirectoryScopeId::tenant(),
            principal_id: rolesync_core::ids::EntraObjectId::new("u1"),
            user: "u1@contoso.com".into(),
            assignment_id: None,
            reason: rolesync_core::plan::ChangeReason::MemberOfGroup {
                matched_by: rolesync_core::plan::MatchedBy::SourceAnchor,
            },
            pim: None,
        };
        let item = GraphTarget::request_for(&change, "1".into(), None, "2026-12-02T00:00:00Z");
        let req = Request::post("$batch", &BatchBody { requests: &[item] }, true);
        let sent: serde_json::Value = serde_json::from_slice(req.body.as_deref().unwrap()).unwrap();
        let r = &sent["requests"][0];
        assert_eq!(r["method"], "POST");
        assert_eq!(r["url"], format!("/{ELIGIBILITY_REQUESTS}"));
        assert_eq!(r["headers"]["Content-Type"], "application/json");
        assert_eq!(r["body"]["action"], "adminAssign");
        assert_eq!(r["body"]["principalId"], "u1");
        assert_eq!(
            r["body"]["scheduleInfo"]["expiration"]["type"],
            "noExpiration"
        );
    }

    #[test]
    fn plus_in_immutable_ids_is_escaped() {
        assert_eq!(
            encode_query_value("a eq 'x+y/z=='"),
            "a%20eq%20'x%2By/z%3D%3D'"
        );
    }
}

#[cfg(test)]
mod preflight_tests {
    use super::*;
    use base64::Engine as _;

    fn token(claims: serde_json::Value) -> String {
        let b = |v: &serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        format!(
            "{}.{}.sig",
            b(&serde_json::json!({"alg": "RS256"})),
            b(&claims)
        )
    }

    #[test]
    fn permissions_are_read_from_roles_or_scp_and_missing_ones_named() {
        let app = granted_permissions(&token(
            serde_json::json!({"roles": ["RoleManagement.ReadWrite.Directory", "User.Read.All"]}),
        ));
        assert!(permissions_line(&app).ok);
        assert_eq!(
            signed_in_user(&token(
                serde_json::json!({"scp": "RoleManagement.ReadWrite.Directory", "upn": "ada@contoso.com"})
            ))
            .as_deref(),
            Some("ada@contoso.com")
        );
        assert_eq!(
            signed_in_user(&token(
                serde_json::json!({"roles": ["RoleManagement.ReadWrite.Directory"], "upn": "x@contoso.com"})
            )),
            None
        );
        let delegated = granted_permissions(&token(
            serde_json::json!({"scp": "Directory.Read.All RoleManagement.ReadWrite.Directory"}),
        ));
        assert!(permissions_line(&delegated).ok);
        let read_only = granted_permissions(&token(
            serde_json::json!({"roles": ["RoleManagement.Read.Directory"]}),
        ));
        let line = permissions_line(&read_only);
        assert!(!line.ok);
        assert_eq!(
            line.detail.as_deref(),
            Some("missing RoleManagement.ReadWrite.Directory, User.Read.All")
        );
        assert!(line.fix.unwrap().contains("admin consent"));
        assert!(granted_permissions("not a token").is_empty());
    }

    #[test]
    fn the_audit_log_permissions_are_optional_and_their_grant_explained() {
        let without = granted_permissions(&token(
            serde_json::json!({"roles": ["RoleManagement.ReadWrite.Directory", "User.Read.All", "AuditLog.Read.All"]}),
        ));
        let line = audit_log_line(&without);
        assert!(line.ok, "optional: never fails the check");
        assert!(line
            .detail
            .unwrap()
            .contains("add the Microsoft Graph application permissions AuditLog.Read.All and Directory.Read.All"));
        let with = granted_permissions(&token(
            serde_json::json!({"roles": ["AuditLog.Read.All", "Directory.Read.All"]}),
        ));
        assert!(may_read_audit_log(&with));
        assert!(!may_read_audit_log(&without));
    }

    #[test]
    fn missing_permissions_are_named_one_by_one() {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(
            missing_permissions(&set(&[]), true),
            [
                "RoleManagement.ReadWrite.Directory",
                "User.Read.All",
                "RoleEligibilitySchedule.ReadWrite.Directory"
            ]
        );
        assert_eq!(
            missing_permissions(&set(&["RoleManagement.ReadWrite.Directory"]), true),
            ["User.Read.All"]
        );
        assert!(missing_permissions(
            &set(&["RoleManagement.ReadWrite.Directory", "Directory.Read.All"]),
            true
        )
        .is_empty());
        assert_eq!(
            missing_permissions(&set(&["User.Read.All"]), false),
            ["RoleManagement.ReadWrite.Directory"]
        );
    }
}
