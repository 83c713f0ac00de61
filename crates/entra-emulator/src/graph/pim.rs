//! PIM for directory roles: `roleEligibilityScheduleRequests` and
//! `roleAssignmentScheduleRequests` (create: adminAssign, adminUpdate/Extend/Renew, adminRemove,
//! selfActivate, selfDeactivate; list), and the `…Schedules` and `…ScheduleInstances` lists, in
//! the shapes of Graph v1.0's `unifiedRoleEligibilityScheduleRequest`,
//! `unifiedRoleAssignmentScheduleRequest`, `unifiedRoleEligibilitySchedule`,
//! `unifiedRoleAssignmentSchedule` and their instances ("PIM for Microsoft Entra roles APIs",
//! <https://learn.microsoft.com/graph/api/resources/privilegedidentitymanagementv3-overview>).
//! Request ids are GUIDs, as in Microsoft's examples.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::role_assignments::{check_expand, expand};
use super::{check_filter, collection, GraphResponse, Rq};
use crate::state::{AssignmentKind, Eligibility};

const ACTIONS: &[&str] = &[
    "adminAssign",
    "adminUpdate",
    "adminRemove",
    "selfActivate",
    "selfDeactivate",
    "adminExtend",
    "adminRenew",
    "selfExtend",
    "selfRenew",
];

fn exists() -> GraphResponse {
    GraphResponse::error(
        400,
        "RoleAssignmentExists",
        "The Role assignment already exists.",
    )
}

/// Removing or changing something that is not there. Microsoft's PIM uses documented-style
/// codes of this form; the exact one for this case is the emulator's choice.
fn missing() -> GraphResponse {
    GraphResponse::error(
        400,
        "RoleAssignmentDoesNotExist",
        "The Role assignment does not exist.",
    )
}

/// Parses an ISO 8601 duration of the forms PnD, PTnH, PTnM, PTnS, PnDTnH...
fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.strip_prefix('P')?;
    let (days, time) = match s.split_once('T') {
        Some((d, t)) => (d, t),
        None => (s, ""),
    };
    let mut total = Duration::zero();
    if let Some(d) = days.strip_suffix('D') {
        total += Duration::days(d.parse().ok()?);
    } else if !days.is_empty() {
        return None;
    }
    let mut num = String::new();
    for c in time.chars() {
        match c {
            '0'..='9' | '.' => num.push(c),
            'H' => total += Duration::hours(num.parse().ok()?),
            'M' => total += Duration::minutes(num.parse().ok()?),
            'S' => total += Duration::seconds(num.parse::<f64>().ok()? as i64),
            _ => return None,
        }
        if c.is_ascii_alphabetic() {
            num.clear();
        }
    }
    Some(total)
}

/// End of a schedule from `scheduleInfo.expiration`.
fn schedule_end(
    body: &Value,
    start: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, GraphResponse> {
    let exp = &body["scheduleInfo"]["expiration"];
    match exp.get("type").and_then(Value::as_str).unwrap_or("noExpiration") {
        "noExpiration" => Ok(None),
        "afterDateTime" => exp
            .get("endDateTime")
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|d| Some(d.with_timezone(&Utc)))
            .ok_or_else(|| GraphResponse::bad_request("Invalid value specified for property 'endDateTime' of resource 'expirationPattern'.")),
        "afterDuration" => exp
            .get("duration")
            .and_then(Value::as_str)
            .and_then(parse_duration)
            .map(|d| Some(start + d))
            .ok_or_else(|| GraphResponse::bad_request("Invalid value specified for property 'duration' of resource 'expirationPattern'.")),
        other => Err(GraphResponse::bad_request(format!("Invalid expiration type '{other}'."))),
    }
}

fn fmt(d: &DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

struct Parsed {
    action: String,
    principal: String,
    role: String,
    scope: String,
    body: Value,
}

fn parse(rq: &Rq<'_>, kind: &str) -> Result<Parsed, GraphResponse> {
    let body = rq.body_json()?;
    let s = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let invalid = |p: &str| {
        GraphResponse::bad_request(format!(
            "Invalid value specified for property '{p}' of resource '{kind}'."
        ))
    };
    let action = s("action").ok_or_else(|| invalid("action"))?;
    let Some(action) = ACTIONS
        .iter()
        .find(|a| a.eq_ignore_ascii_case(&action))
        .map(|a| (*a).to_owned())
    else {
        return Err(invalid("action"));
    };
    let principal = crate::ids::norm(&s("principalId").ok_or_else(|| invalid("principalId"))?);
    let role_in = s("roleDefinitionId").ok_or_else(|| invalid("roleDefinitionId"))?;
    let scope = s("directoryScopeId").unwrap_or_else(|| "/".to_owned());
    let st = crate::server::lock(&rq.ctx.state);
    let role = st
        .role(&role_in)
        .map(|r| r.id.clone())
        .ok_or_else(|| invalid("roleDefinitionId"))?;
    if st.principal(&principal).is_none() {
        return Err(invalid("principalId"));
    }
    if action.starts_with("admin") && action != "adminRemove" {
        super::role_assignments::assignable(&st, &principal, &scope)?;
    }
    Ok(Parsed {
        action,
        principal,
        role,
        scope,
        body,
    })
}

/// Which PIM collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `roleEligibility…`.
    Eligibility,
    /// `roleAssignment…`.
    Assignment,
}

/// Keeps a created request (201) for `GET …ScheduleRequests`; passes the response on.
fn keep(rq: &Rq<'_>, kind: Kind, resp: GraphResponse) -> GraphResponse {
    if resp.status == 201 {
        if let Some(mut stored) = resp.body.clone() {
            if let Value::Object(m) = &mut stored {
                m.remove("@odata.context");
            }
            let mut st = crate::server::lock(&rq.ctx.state);
            match kind {
                Kind::Eligibility => st.eligibility_requests.push(stored),
                Kind::Assignment => st.assignment_requests.push(stored),
            }
        }
    }
    resp
}

const REQUEST_FILTERABLE: &[&str] = &[
    "id",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
    "status",
    "action",
    "targetScheduleId",
];

/// `GET …/roleEligibilityScheduleRequests` and `…/roleAssignmentScheduleRequests`.
pub(crate) fn list_requests(rq: &Rq<'_>, kind: Kind) -> GraphResponse {
    let (entity, type_name) = match kind {
        Kind::Eligibility => (
            "roleEligibilityScheduleRequests",
            "unifiedRoleEligibilityScheduleRequest",
        ),
        Kind::Assignment => (
            "roleAssignmentScheduleRequests",
            "unifiedRoleAssignmentScheduleRequest",
        ),
    };
    if let Err(e) = check_filter(rq, REQUEST_FILTERABLE, type_name, true)
        .and_then(|_| check_expand(rq, type_name))
    {
        return e;
    }
    let st = crate::server::lock(&rq.ctx.state);
    let all = match kind {
        Kind::Eligibility => &st.eligibility_requests,
        Kind::Assignment => &st.assignment_requests,
    };
    let items: Vec<Value> = all
        .iter()
        .filter(|v| rq.q.filter.as_ref().is_none_or(|f| f.eval(v, &[])))
        .map(|v| {
            let p = v["principalId"].as_str().unwrap_or_default().to_owned();
            let r = v["roleDefinitionId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            expand(rq, &st, v.clone(), &p, &r)
        })
        .collect();
    drop(st);
    let path = format!("/roleManagement/directory/{entity}");
    collection(
        rq,
        items,
        rq.context(&format!("roleManagement/directory/{entity}")),
        &path,
        100,
    )
}

fn schedule_info(start: &DateTime<Utc>, end: Option<&DateTime<Utc>>) -> Value {
    let expiration = match end {
        None => json!({"type": "noExpiration", "endDateTime": null, "duration": null}),
        Some(e) => json!({"type": "afterDateTime", "endDateTime": fmt(e), "duration": null}),
    };
    json!({"startDateTime": fmt(start), "recurrence": null, "expiration": expiration})
}

/// `GET …/roleEligibilitySchedules`.
pub(crate) fn eligibility_schedules(rq: &Rq<'_>) -> GraphResponse {
    let type_name = "unifiedRoleEligibilitySchedule";
    if let Err(e) = check_filter(rq, INSTANCE_FILTERABLE, type_name, true)
        .and_then(|_| check_expand(rq, type_name))
    {
        return e;
    }
    let st = crate::server::lock(&rq.ctx.state);
    let items: Vec<Value> = st
        .eligibilities
        .iter()
        .filter_map(|e| {
            let v = json!({
                "id": e.id,
                "principalId": e.principal_id,
                "roleDefinitionId": e.role_definition_id,
                "directoryScopeId": e.directory_scope_id,
                "appScopeId": null,
                "createdUsing": e.id,
                "createdDateTime": fmt(&e.start),
                "modifiedDateTime": null,
                "status": "Provisioned",
                "memberType": "Direct",
                "scheduleInfo": schedule_info(&e.start, e.end.as_ref()),
            });
            let keep = rq.q.filter.as_ref().is_none_or(|f| f.eval(&v, &[]));
            keep.then(|| expand(rq, &st, v, &e.principal_id, &e.role_definition_id))
        })
        .collect();
    drop(st);
    let entity = "roleManagement/directory/roleEligibilitySchedules";
    collection(rq, items, rq.context(entity), &format!("/{entity}"), 100)
}

/// `GET …/roleAssignmentSchedules`: permanent and PIM-activated active assignments.
pub(crate) fn assignment_schedules(rq: &Rq<'_>) -> GraphResponse {
    let type_name = "unifiedRoleAssignmentSchedule";
    if let Err(e) = check_filter(rq, INSTANCE_FILTERABLE, type_name, true)
        .and_then(|_| check_expand(rq, type_name))
    {
        return e;
    }
    let st = crate::server::lock(&rq.ctx.state);
    let items: Vec<Value> = st
        .assignments
        .iter()
        .filter_map(|a| {
            let activated = a.kind == AssignmentKind::Activated;
            let v = json!({
                "id": a.id,
                "principalId": a.principal_id,
                "roleDefinitionId": a.role_definition_id,
                "directoryScopeId": a.directory_scope_id,
                "appScopeId": null,
                "createdUsing": a.id,
                "createdDateTime": fmt(&a.start),
                "modifiedDateTime": null,
                "status": "Provisioned",
                "assignmentType": if activated { "Activated" } else { "Assigned" },
                "memberType": "Direct",
                "scheduleInfo": schedule_info(&a.start, a.end.as_ref()),
            });
            let keep = rq.q.filter.as_ref().is_none_or(|f| f.eval(&v, &[]));
            keep.then(|| expand(rq, &st, v, &a.principal_id, &a.role_definition_id))
        })
        .collect();
    drop(st);
    let entity = "roleManagement/directory/roleAssignmentSchedules";
    collection(rq, items, rq.context(entity), &format!("/{entity}"), 100)
}

fn request_json(
    rq: &Rq<'_>,
    entity: &str,
    p: &Parsed,
    status: &str,
    target: &str,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
) -> Value {
    let now = rq.ctx.clock.now();
    let expiration = match end {
        None => json!({"type": "noExpiration", "endDateTime": null, "duration": null}),
        Some(e) => json!({"type": "afterDateTime", "endDateTime": fmt(&e), "duration": null}),
    };
    json!({
        "@odata.context": rq.context(&format!("roleManagement/directory/{entity}/$entity")),
        "id": uuid::Uuid::new_v4().to_string(),
        "status": status,
        "createdDateTime": fmt(&now),
        "completedDateTime": fmt(&now),
        "approvalId": null,
        "customData": null,
        "action": p.action,
        "principalId": p.principal,
        "roleDefinitionId": p.role,
        "directoryScopeId": p.scope,
        "appScopeId": null,
        "isValidationOnly": false,
        "targetScheduleId": target,
        "justification": p.body.get("justification").cloned().unwrap_or(Value::Null),
        "createdBy": {"application": null, "device": null, "user": {"displayName": null, "id": rq.token.user_oid}},
        "scheduleInfo": {"startDateTime": fmt(&start), "recurrence": null, "expiration": expiration},
        "ticketInfo": {"ticketNumber": null, "ticketSystem": null},
    })
}

fn admin_guard(rq: &Rq<'_>, action: &str) -> Result<(), GraphResponse> {
    if action.starts_with("admin") && !rq.delegated_role_admin() {
        return Err(GraphResponse::denied());
    }
    if action.starts_with("self") && rq.token.user_oid.is_none() {
        return Err(GraphResponse::bad_request(
            "Self-service actions require a delegated (user) token.",
        ));
    }
    Ok(())
}

/// `POST .../roleEligibilityScheduleRequests`.
pub(crate) fn eligibility_request(rq: &Rq<'_>) -> GraphResponse {
    keep(rq, Kind::Eligibility, eligibility_change(rq))
}

fn eligibility_change(rq: &Rq<'_>) -> GraphResponse {
    let entity = "roleEligibilityScheduleRequests";
    let p = match parse(rq, "UnifiedRoleEligibilityScheduleRequest") {
        Ok(p) => p,
        Err(e) => return e,
    };
    if let Err(e) = admin_guard(rq, &p.action) {
        return e;
    }
    let now = rq.ctx.clock.now();
    let end = match schedule_end(&p.body, now) {
        Ok(e) => e,
        Err(e) => return e,
    };
    let mut st = crate::server::lock(&rq.ctx.state);
    let existing = st
        .find_eligibility(&p.principal, &p.role, &p.scope)
        .map(|e| e.id.clone());
    match p.action.as_str() {
        "adminAssign" => {
            if existing.is_some() {
                return exists();
            }
            let id = uuid::Uuid::new_v4().to_string();
            st.eligibilities.push(Eligibility {
                id: id.clone(),
                principal_id: p.principal.clone(),
                role_definition_id: p.role.clone(),
                directory_scope_id: p.scope.clone(),
                start: now,
                end,
            });
            GraphResponse::json(
                201,
                request_json(rq, entity, &p, "Provisioned", &id, now, end),
            )
        }
        "adminRemove" => {
            let Some(id) = existing else { return missing() };
            st.eligibilities.retain(|e| e.id != id);
            GraphResponse::json(201, request_json(rq, entity, &p, "Revoked", &id, now, None))
        }
        "adminUpdate" | "adminExtend" | "adminRenew" => {
            let Some(id) = existing else { return missing() };
            if let Some(e) = st.eligibilities.iter_mut().find(|e| e.id == id) {
                e.end = end;
            }
            GraphResponse::json(
                201,
                request_json(rq, entity, &p, "Provisioned", &id, now, end),
            )
        }
        other => GraphResponse::bad_request(format!(
            "The action '{other}' is not supported for role eligibility schedule requests."
        )),
    }
}

/// `POST .../roleAssignmentScheduleRequests`.
pub(crate) fn assignment_request(rq: &Rq<'_>) -> GraphResponse {
    keep(rq, Kind::Assignment, assignment_change(rq))
}

fn assignment_change(rq: &Rq<'_>) -> GraphResponse {
    let entity = "roleAssignmentScheduleRequests";
    let p = match parse(rq, "UnifiedRoleAssignmentScheduleRequest") {
        Ok(p) => p,
        Err(e) => return e,
    };
    if let Err(e) = admin_guard(rq, &p.action) {
        return e;
    }
    let now = rq.ctx.clock.now();
    let end = match schedule_end(&p.body, now) {
        Ok(e) => e,
        Err(e) => return e,
    };
    let mut st = crate::server::lock(&rq.ctx.state);
    let existing = st
        .find_assignment(&p.principal, &p.role, &p.scope)
        .map(|a| (a.id.clone(), a.kind));
    match p.action.as_str() {
        "adminAssign" => {
            if existing.is_some() {
                return exists();
            }
            match st.add_assignment(
                &p.principal,
                &p.role,
                &p.scope,
                AssignmentKind::Assigned,
                end,
            ) {
                Some(a) => GraphResponse::json(
                    201,
                    request_json(rq, entity, &p, "Provisioned", &a.id, now, end),
                ),
                None => exists(),
            }
        }
        "adminRemove" => match existing {
            Some((id, AssignmentKind::Assigned)) => {
                st.remove_assignment(&id);
                GraphResponse::json(201, request_json(rq, entity, &p, "Revoked", &id, now, None))
            }
            _ => missing(),
        },
        "adminUpdate" | "adminExtend" | "adminRenew" => match existing {
            Some((id, AssignmentKind::Assigned)) => {
                if let Some(a) = st.assignments.iter_mut().find(|a| a.id == id) {
                    a.end = end;
                }
                GraphResponse::json(
                    201,
                    request_json(rq, entity, &p, "Provisioned", &id, now, end),
                )
            }
            _ => missing(),
        },
        "selfActivate" => {
            if rq.token.user_oid.as_deref() != Some(p.principal.as_str()) {
                return GraphResponse::denied();
            }
            if st
                .find_eligibility(&p.principal, &p.role, &p.scope)
                .is_none()
            {
                return GraphResponse::error(
                    400,
                    "RoleEligibilityScheduleDoesNotExist",
                    "The Role eligibility schedule does not exist.",
                );
            }
            if existing.is_some() {
                return exists();
            }
            let end = end.or(Some(now + Duration::hours(8)));
            match st.add_assignment(
                &p.principal,
                &p.role,
                &p.scope,
                AssignmentKind::Activated,
                end,
            ) {
                Some(a) => GraphResponse::json(
                    201,
                    request_json(rq, entity, &p, "Provisioned", &a.id, now, end),
                ),
                None => exists(),
            }
        }
        "selfDeactivate" => {
            if rq.token.user_oid.as_deref() != Some(p.principal.as_str()) {
                return GraphResponse::denied();
            }
            match existing {
                Some((id, AssignmentKind::Activated)) => {
                    st.remove_assignment(&id);
                    GraphResponse::json(
                        201,
                        request_json(rq, entity, &p, "Revoked", &id, now, None),
                    )
                }
                _ => missing(),
            }
        }
        other => GraphResponse::bad_request(format!(
            "The action '{other}' is not supported by the emulator."
        )),
    }
}

const INSTANCE_FILTERABLE: &[&str] = &[
    "id",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "assignmentType",
    "memberType",
    "appScopeId",
];

/// `GET .../roleAssignmentScheduleInstances`: permanent (`Assigned`) and PIM-activated
/// (`Activated`) active assignments.
pub(crate) fn assignment_instances(rq: &Rq<'_>) -> GraphResponse {
    if let Err(e) = check_filter(
        rq,
        INSTANCE_FILTERABLE,
        "UnifiedRoleAssignmentScheduleInstance",
        true,
    )
    .and_then(|_| check_expand(rq, "unifiedRoleAssignmentScheduleInstance"))
    {
        return e;
    }
    let pre_check = rq.q.filter.as_ref().map(|f| f.role_pair_pre_check());
    let pre_check = |r: &str, p: &str| pre_check.as_ref().is_none_or(|c| c(r, p));
    let st = crate::server::lock(&rq.ctx.state);
    let items: Vec<Value> = st
        .assignments
        .iter()
        .filter(|x| pre_check(&x.role_definition_id, &x.principal_id))
        .filter_map(|a| {
            let origin = match a.kind {
                AssignmentKind::Assigned => a.id.clone(),
                AssignmentKind::Activated => st
                    .find_eligibility(&a.principal_id, &a.role_definition_id, &a.directory_scope_id)
                    .map(|e| e.id.clone())
                    .unwrap_or_else(|| a.id.clone()),
            };
            let v = json!({
                "id": a.id,
                "principalId": a.principal_id,
                "roleDefinitionId": a.role_definition_id,
                "directoryScopeId": a.directory_scope_id,
                "appScopeId": null,
                "startDateTime": fmt(&a.start),
                "endDateTime": a.end.as_ref().map(fmt),
                "assignmentType": if a.kind == AssignmentKind::Activated { "Activated" } else { "Assigned" },
                "memberType": "Direct",
                "roleAssignmentOriginId": origin,
                "roleAssignmentScheduleId": a.id,
            });
            let keep = rq.q.filter.as_ref().is_none_or(|f| f.eval(&v, &[]));
            keep.then(|| expand(rq, &st, v, &a.principal_id, &a.role_definition_id))
        })
        .collect();
    drop(st);
    let c = rq.context("roleManagement/directory/roleAssignmentScheduleInstances");
    collection(
        rq,
        items,
        c,
        "/roleManagement/directory/roleAssignmentScheduleInstances",
        100,
    )
}

/// `GET .../roleEligibilityScheduleInstances`.
pub(crate) fn eligibility_instances(rq: &Rq<'_>) -> GraphResponse {
    if let Err(e) = check_filter(
        rq,
        INSTANCE_FILTERABLE,
        "UnifiedRoleEligibilityScheduleInstance",
        true,
    )
    .and_then(|_| check_expand(rq, "unifiedRoleEligibilityScheduleInstance"))
    {
        return e;
    }
    let pre_check = rq.q.filter.as_ref().map(|f| f.role_pair_pre_check());
    let pre_check = |r: &str, p: &str| pre_check.as_ref().is_none_or(|c| c(r, p));
    let st = crate::server::lock(&rq.ctx.state);
    let items: Vec<Value> = st
        .eligibilities
        .iter()
        .filter(|x| pre_check(&x.role_definition_id, &x.principal_id))
        .filter_map(|e| {
            let v = json!({
                "id": e.id,
                "principalId": e.principal_id,
                "roleDefinitionId": e.role_definition_id,
                "directoryScopeId": e.directory_scope_id,
                "appScopeId": null,
                "startDateTime": fmt(&e.start),
                "endDateTime": e.end.as_ref().map(fmt),
                "memberType": "Direct",
                "roleEligibilityScheduleId": e.id,
            });
            let keep = rq.q.filter.as_ref().is_none_or(|f| f.eval(&v, &[]));
            keep.then(|| expand(rq, &st, v, &e.principal_id, &e.role_definition_id))
        })
        .collect();
    drop(st);
    let c = rq.context("roleManagement/directory/roleEligibilityScheduleInstances");
    collection(
        rq,
        items,
        c,
        "/roleManagement/directory/roleEligibilityScheduleInstances",
        100,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT8H"), Some(Duration::hours(8)));
        assert_eq!(
            parse_duration("P1DT2H30M"),
            Some(Duration::hours(26) + Duration::minutes(30))
        );
        assert_eq!(parse_duration("P365D"), Some(Duration::days(365)));
        assert_eq!(parse_duration("8H"), None);
    }
}
