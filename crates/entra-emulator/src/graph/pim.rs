//! PIM for directory roles: `roleEligibilityScheduleRequests` and
//! `roleAssignmentScheduleRequests` (create: adminAssign, adminUpdate/Extend/Renew, adminRemove,
//! selfActivate, selfDeactivate; list), and the `…Schedules` and `…ScheduleInstances` lists, in
//! the shapes of Graph v1.0's `unifiedRoleEligibilityScheduleRequest`,
//! `unifiedRoleAssignmentScheduleRequest`, `unifiedRoleEligibilitySchedule`,
//! `unifiedRoleAssignmentSchedule` and their instances ("PIM for Microsoft Entra roles APIs",
//! <https://learn.microsoft.com/graph/api/resources/privilegedidentitymanagementv3-overview>).
//! Request ids are GUIDs, as in Microsoft's examples.
//!
//! Requests are checked against the role's PIM settings ([`crate::role_policy`]); their
//! schedules are honoured ([`crate::schedules`]): a later start is provisioned but not active yet,
//! an end ends it, `afterDuration` is answered as given. `adminExtend` changes the schedule of an
//! eligibility or assignment in force ("For administrators to extend expiring role
//! eligibilities"), `adminRenew` brings back one that has expired ("to renew expired
//! eligibilities") — the action list of "Create roleEligibilityScheduleRequest"
//! (<https://learn.microsoft.com/graph/api/rbacapplication-post-roleeligibilityschedulerequests>).
//! `isValidationOnly` checks everything and changes nothing ("Determines whether the call is a
//! validation or an actual call", same page). A tenant without PIM licence answers
//! `AadPremiumLicenseRequired` ([`licensed`]).

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::role_assignments::{check_expand, expand};
use super::{check_filter, collection, GraphResponse, Rq};
use crate::role_policy::{failed_rules, Caller, Level, RequestFacts};
use crate::schedules::{schedule_from, Expiration, Schedule};
use crate::state::{AssignmentKind, Eligibility, Span};

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

/// A tenant without Microsoft Entra ID P2 or Microsoft Entra ID Governance has no PIM
/// ("Microsoft Entra ID Governance licensing fundamentals", entra-docs
/// `includes/licensing-governance.md`: Privileged Identity Management needs one of them). The
/// error as the PIM service answers it — 400 `AadPremiumLicenseRequired` "The tenant needs an AAD
/// Premium 2 license." — is quoted in JulianHayward/Azure-MG-Sub-Governance-Reporting issue 114
/// and microsoft/EntraExporter issue 61.
pub(crate) fn licensed(rq: &Rq<'_>) -> Result<(), GraphResponse> {
    if crate::server::lock(&rq.ctx.state).without_pim_license {
        return Err(GraphResponse::error(
            400,
            "AadPremiumLicenseRequired",
            "The tenant needs an AAD Premium 2 license.",
        ));
    }
    Ok(())
}

/// A request that breaks the role's PIM settings: 400
/// `RoleAssignmentRequestPolicyValidationFailed` naming the rules (see [`crate::role_policy`]).
fn policy_failed(rules: &[&str]) -> GraphResponse {
    let list: Vec<String> = rules.iter().map(|r| format!("\"{r}\"")).collect();
    GraphResponse::error(
        400,
        "RoleAssignmentRequestPolicyValidationFailed",
        format!("The following policy rules failed: [{}]", list.join(",")),
    )
}

fn fmt(d: &DateTime<Utc>) -> String {
    crate::schedules::fmt(d)
}

struct Parsed {
    action: String,
    principal: String,
    role: String,
    scope: String,
    body: Value,
    schedule: Schedule,
    /// `isValidationOnly`: check everything, change nothing.
    validation_only: bool,
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
    drop(st);
    let schedule = if action == "adminRemove" || action == "selfDeactivate" {
        crate::schedules::Schedule {
            start: rq.ctx.clock.now(),
            expiration: Expiration::Never,
        }
    } else {
        schedule_from(&body, rq.ctx.clock.now()).map_err(GraphResponse::bad_request)?
    };
    let validation_only = body["isValidationOnly"].as_bool().unwrap_or(false);
    Ok(Parsed {
        action,
        principal,
        role,
        scope,
        body,
        schedule,
        validation_only,
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
    let validation = resp
        .body
        .as_ref()
        .is_some_and(|b| b["isValidationOnly"] == true);
    if resp.status == 201 && !validation {
        if let Some(mut stored) = resp.body.clone() {
            if let Value::Object(m) = &mut stored {
                m.remove("@odata.context");
            }
            let mut st = crate::server::lock(&rq.ctx.state);
            st.log_pim_request(
                &crate::audit::Actor::of(&rq.token),
                kind == Kind::Eligibility,
                &stored,
                rq.ctx.clock.now(),
            );
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
    if let Err(e) = licensed(rq)
        .and_then(|_| check_filter(rq, REQUEST_FILTERABLE, type_name, true))
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

/// A schedule's `scheduleInfo`: its start and its expiration as the request gave it.
fn schedule_info(
    start: &DateTime<Utc>,
    end: Option<&DateTime<Utc>>,
    duration: Option<&str>,
) -> Value {
    let expiration = match (duration, end) {
        (Some(d), _) => json!({"type": "afterDuration", "endDateTime": null, "duration": d}),
        (None, None) => json!({"type": "noExpiration", "endDateTime": null, "duration": null}),
        (None, Some(e)) => {
            json!({"type": "afterDateTime", "endDateTime": fmt(e), "duration": null})
        }
    };
    json!({"startDateTime": fmt(start), "recurrence": null, "expiration": expiration})
}

/// `GET …/roleEligibilitySchedules`: eligibilities in force and those whose start lies ahead.
pub(crate) fn eligibility_schedules(rq: &Rq<'_>) -> GraphResponse {
    let type_name = "unifiedRoleEligibilitySchedule";
    if let Err(e) = licensed(rq)
        .and_then(|_| check_filter(rq, INSTANCE_FILTERABLE, type_name, true))
        .and_then(|_| check_expand(rq, type_name))
    {
        return e;
    }
    let st = crate::server::lock(&rq.ctx.state);
    let items: Vec<Value> = st
        .eligibilities
        .iter()
        .chain(&st.pending_eligibilities)
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
                "scheduleInfo": schedule_info(&e.start, e.end.as_ref(), e.duration.as_deref()),
            });
            let keep = rq.q.filter.as_ref().is_none_or(|f| f.eval(&v, &[]));
            keep.then(|| expand(rq, &st, v, &e.principal_id, &e.role_definition_id))
        })
        .collect();
    drop(st);
    let entity = "roleManagement/directory/roleEligibilitySchedules";
    collection(rq, items, rq.context(entity), &format!("/{entity}"), 100)
}

/// `GET …/roleAssignmentSchedules`: permanent, time-bound and PIM-activated active assignments
/// in force, and those whose start lies ahead.
pub(crate) fn assignment_schedules(rq: &Rq<'_>) -> GraphResponse {
    let type_name = "unifiedRoleAssignmentSchedule";
    if let Err(e) = licensed(rq)
        .and_then(|_| check_filter(rq, INSTANCE_FILTERABLE, type_name, true))
        .and_then(|_| check_expand(rq, type_name))
    {
        return e;
    }
    let st = crate::server::lock(&rq.ctx.state);
    let items: Vec<Value> = st
        .assignments
        .iter()
        .chain(&st.pending_assignments)
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
                "scheduleInfo": schedule_info(&a.start, a.end.as_ref(), a.duration.as_deref()),
            });
            let keep = rq.q.filter.as_ref().is_none_or(|f| f.eval(&v, &[]));
            keep.then(|| expand(rq, &st, v, &a.principal_id, &a.role_definition_id))
        })
        .collect();
    drop(st);
    let entity = "roleManagement/directory/roleAssignmentSchedules";
    collection(rq, items, rq.context(entity), &format!("/{entity}"), 100)
}

/// The request as Graph answers it: `scheduleInfo` and `ticketInfo` as given, the schedule it
/// made or changed in `targetScheduleId`.
fn request_json(
    rq: &Rq<'_>,
    entity: &str,
    p: &Parsed,
    status: &str,
    target: Option<&str>,
) -> Value {
    let now = rq.ctx.clock.now();
    let schedule = if p.action == "adminRemove" || p.action == "selfDeactivate" {
        Value::Null
    } else {
        json!({
            "startDateTime": fmt(&p.schedule.start),
            "recurrence": null,
            "expiration": p.schedule.expiration.to_json(),
        })
    };
    let ticket = &p.body["ticketInfo"];
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
        "isValidationOnly": p.validation_only,
        "targetScheduleId": target,
        "justification": p.body.get("justification").cloned().unwrap_or(Value::Null),
        "createdBy": {"application": null, "device": null, "user": {"displayName": null, "id": rq.token.user_oid}},
        "scheduleInfo": schedule,
        "ticketInfo": {
            "ticketNumber": ticket.get("ticketNumber").cloned().unwrap_or(Value::Null),
            "ticketSystem": ticket.get("ticketSystem").cloned().unwrap_or(Value::Null),
        },
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

/// Checks the request against the role's PIM settings ([`crate::role_policy`]).
fn check_rules(rq: &Rq<'_>, p: &Parsed, level: Level) -> Result<(), GraphResponse> {
    let caller = if p.action.starts_with("self") {
        Caller::EndUser
    } else {
        Caller::Admin
    };
    let text = |v: &Value| v.as_str().is_some_and(|s| !s.trim().is_empty());
    let facts = RequestFacts {
        start: p.schedule.start,
        end: p.schedule.end(),
        justification: text(&p.body["justification"]),
        ticket: text(&p.body["ticketInfo"]["ticketNumber"]),
        mfa: rq.token.mfa,
    };
    let rules = crate::server::lock(&rq.ctx.state).role_rules(&p.role);
    let failed = failed_rules(&rules, level, caller, &facts);
    if failed.is_empty() {
        Ok(())
    } else {
        Err(policy_failed(&failed))
    }
}

/// The answer to an accepted request: 201 with the request, status `Provisioned`, or
/// `ScheduleCreated` when the schedule starts later (the emulator's choice among Graph's request
/// statuses).
fn accepted(rq: &Rq<'_>, entity: &str, p: &Parsed, target: &str) -> GraphResponse {
    let status = if p.schedule.start > rq.ctx.clock.now() {
        "ScheduleCreated"
    } else {
        "Provisioned"
    };
    GraphResponse::json(201, request_json(rq, entity, p, status, Some(target)))
}

/// `POST .../roleEligibilityScheduleRequests`.
pub(crate) fn eligibility_request(rq: &Rq<'_>) -> GraphResponse {
    keep(rq, Kind::Eligibility, eligibility_change(rq))
}

fn eligibility_change(rq: &Rq<'_>) -> GraphResponse {
    let entity = "roleEligibilityScheduleRequests";
    let p = match licensed(rq).and_then(|_| parse(rq, "UnifiedRoleEligibilityScheduleRequest")) {
        Ok(p) => p,
        Err(e) => return e,
    };
    if let Err(e) = admin_guard(rq, &p.action) {
        return e;
    }
    let now = rq.ctx.clock.now();
    let mut st = crate::server::lock(&rq.ctx.state);
    let same = |e: &Eligibility| {
        e.principal_id == p.principal
            && e.role_definition_id == p.role
            && e.directory_scope_id == p.scope
    };
    let current = st
        .eligibilities
        .iter()
        .chain(&st.pending_eligibilities)
        .find(|e| same(e))
        .map(|e| e.id.clone());
    let expired = st
        .expired_eligibilities
        .iter()
        .find(|e| same(e))
        .map(|e| e.id.clone());
    let checked = |st: std::sync::MutexGuard<'_, crate::state::TenantState>| {
        drop(st);
        check_rules(rq, &p, Level::Eligibility)
    };
    match p.action.as_str() {
        "adminAssign" | "adminRenew" => {
            // adminRenew brings back an eligibility that has expired (kept 30 days).
            if current.is_some() {
                return exists();
            }
            if p.action == "adminRenew" && expired.is_none() {
                return missing();
            }
            if let Err(e) = checked(st) {
                return e;
            }
            if p.validation_only {
                return accepted(rq, entity, &p, &expired.unwrap_or_default());
            }
            let mut st = crate::server::lock(&rq.ctx.state);
            if current_eligibility(&st, &p).is_some() {
                return exists();
            }
            let id = match &expired {
                Some(id) => {
                    st.expired_eligibilities.retain(|e| &e.id != id);
                    id.clone()
                }
                None => uuid::Uuid::new_v4().to_string(),
            };
            st.place_eligibility(
                Eligibility {
                    id: id.clone(),
                    principal_id: p.principal.clone(),
                    role_definition_id: p.role.clone(),
                    directory_scope_id: p.scope.clone(),
                    start: p.schedule.start,
                    end: p.schedule.end(),
                    duration: p.schedule.duration(),
                },
                now,
            );
            drop(st);
            accepted(rq, entity, &p, &id)
        }
        "adminRemove" => {
            let Some(id) = current else { return missing() };
            if !p.validation_only {
                st.eligibilities.retain(|e| e.id != id);
                st.pending_eligibilities.retain(|e| e.id != id);
            }
            drop(st);
            GraphResponse::json(201, request_json(rq, entity, &p, "Revoked", None))
        }
        "adminUpdate" | "adminExtend" => {
            let Some(id) = current else { return missing() };
            if let Err(e) = checked(st) {
                return e;
            }
            if !p.validation_only {
                let mut st = crate::server::lock(&rq.ctx.state);
                let found = st
                    .eligibilities
                    .iter()
                    .chain(&st.pending_eligibilities)
                    .find(|e| e.id == id)
                    .cloned();
                let Some(mut e) = found else { return missing() };
                st.eligibilities.retain(|x| x.id != id);
                st.pending_eligibilities.retain(|x| x.id != id);
                e.start = p.schedule.start;
                e.end = p.schedule.end();
                e.duration = p.schedule.duration();
                st.place_eligibility(e, now);
            }
            accepted(rq, entity, &p, &id)
        }
        other => GraphResponse::bad_request(format!(
            "The action '{other}' is not supported for role eligibility schedule requests."
        )),
    }
}

fn current_eligibility<'a>(
    st: &'a crate::state::TenantState,
    p: &Parsed,
) -> Option<&'a Eligibility> {
    st.eligibilities
        .iter()
        .chain(&st.pending_eligibilities)
        .find(|e| {
            e.principal_id == p.principal
                && e.role_definition_id == p.role
                && e.directory_scope_id == p.scope
        })
}

/// `POST .../roleAssignmentScheduleRequests`.
pub(crate) fn assignment_request(rq: &Rq<'_>) -> GraphResponse {
    keep(rq, Kind::Assignment, assignment_change(rq))
}

fn assignment_change(rq: &Rq<'_>) -> GraphResponse {
    let entity = "roleAssignmentScheduleRequests";
    let mut p = match licensed(rq).and_then(|_| parse(rq, "UnifiedRoleAssignmentScheduleRequest")) {
        Ok(p) => p,
        Err(e) => return e,
    };
    if let Err(e) = admin_guard(rq, &p.action) {
        return e;
    }
    let now = rq.ctx.clock.now();
    let st = crate::server::lock(&rq.ctx.state);
    let same = |a: &&crate::state::Assignment| {
        a.principal_id == p.principal
            && a.role_definition_id == p.role
            && a.directory_scope_id == p.scope
    };
    let current = st
        .assignments
        .iter()
        .chain(&st.pending_assignments)
        .find(same)
        .map(|a| (a.id.clone(), a.kind));
    let expired = st
        .expired_assignments
        .iter()
        .find(same)
        .filter(|a| a.kind == AssignmentKind::Assigned)
        .map(|a| a.id.clone());
    let eligible = st
        .find_eligibility(&p.principal, &p.role, &p.scope)
        .is_some();
    drop(st);
    let span = |p: &Parsed| Span {
        start: p.schedule.start,
        end: p.schedule.end(),
        duration: p.schedule.duration(),
        now,
    };
    match p.action.as_str() {
        "adminAssign" | "adminRenew" => {
            if current.is_some() {
                return exists();
            }
            if p.action == "adminRenew" && expired.is_none() {
                return missing();
            }
            if let Err(e) = check_rules(rq, &p, Level::Assignment) {
                return e;
            }
            if p.validation_only {
                return accepted(rq, entity, &p, &expired.unwrap_or_default());
            }
            let mut st = crate::server::lock(&rq.ctx.state);
            if let Some(id) = &expired {
                st.expired_assignments.retain(|a| &a.id != id);
            }
            match st.add_assignment(
                &p.principal,
                &p.role,
                &p.scope,
                AssignmentKind::Assigned,
                span(&p),
            ) {
                Some(a) => {
                    drop(st);
                    accepted(rq, entity, &p, &a.id)
                }
                None => exists(),
            }
        }
        "adminRemove" => match current {
            Some((id, AssignmentKind::Assigned)) => {
                if !p.validation_only {
                    let mut st = crate::server::lock(&rq.ctx.state);
                    st.remove_assignment(&id);
                    st.pending_assignments.retain(|a| a.id != id);
                }
                GraphResponse::json(201, request_json(rq, entity, &p, "Revoked", None))
            }
            _ => missing(),
        },
        "adminUpdate" | "adminExtend" => match current {
            Some((id, AssignmentKind::Assigned)) => {
                if let Err(e) = check_rules(rq, &p, Level::Assignment) {
                    return e;
                }
                if !p.validation_only {
                    let mut st = crate::server::lock(&rq.ctx.state);
                    let found = st.remove_assignment(&id).or_else(|| {
                        let i = st.pending_assignments.iter().position(|a| a.id == id)?;
                        Some(st.pending_assignments.remove(i))
                    });
                    let Some(mut a) = found else { return missing() };
                    a.start = p.schedule.start;
                    a.end = p.schedule.end();
                    a.duration = p.schedule.duration();
                    st.place_assignment(a, now);
                }
                accepted(rq, entity, &p, &id)
            }
            _ => missing(),
        },
        "selfActivate" => {
            if rq.token.user_oid.as_deref() != Some(p.principal.as_str()) {
                return GraphResponse::denied();
            }
            if !eligible {
                return GraphResponse::error(
                    400,
                    "RoleEligibilityScheduleDoesNotExist",
                    "The Role eligibility schedule does not exist.",
                );
            }
            if current.is_some() {
                return exists();
            }
            // No expiration asked: the role's maximum activation duration.
            if p.schedule.expiration == Expiration::Never {
                let rules = crate::server::lock(&rq.ctx.state).role_rules(&p.role);
                let max = rules
                    .iter()
                    .find(|r| r["id"] == "Expiration_EndUser_Assignment")
                    .and_then(|r| r["maximumDuration"].as_str())
                    .and_then(|d| crate::schedules::parse_duration(d).map(|l| (d.to_owned(), l)))
                    .unwrap_or_else(|| ("PT8H".to_owned(), Duration::hours(8)));
                p.schedule.expiration = Expiration::After(max.0, max.1);
            }
            if let Err(e) = check_rules(rq, &p, Level::Assignment) {
                return e;
            }
            if p.validation_only {
                return accepted(rq, entity, &p, "");
            }
            let mut st = crate::server::lock(&rq.ctx.state);
            match st.add_assignment(
                &p.principal,
                &p.role,
                &p.scope,
                AssignmentKind::Activated,
                span(&p),
            ) {
                Some(a) => {
                    drop(st);
                    accepted(rq, entity, &p, &a.id)
                }
                None => exists(),
            }
        }
        "selfDeactivate" => {
            if rq.token.user_oid.as_deref() != Some(p.principal.as_str()) {
                return GraphResponse::denied();
            }
            match current {
                Some((id, AssignmentKind::Activated)) => {
                    if !p.validation_only {
                        crate::server::lock(&rq.ctx.state).remove_assignment(&id);
                    }
                    GraphResponse::json(201, request_json(rq, entity, &p, "Revoked", None))
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
    if let Err(e) = licensed(rq)
        .and_then(|_| {
            check_filter(
                rq,
                INSTANCE_FILTERABLE,
                "UnifiedRoleAssignmentScheduleInstance",
                true,
            )
        })
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
    if let Err(e) = licensed(rq)
        .and_then(|_| {
            check_filter(
                rq,
                INSTANCE_FILTERABLE,
                "UnifiedRoleEligibilityScheduleInstance",
                true,
            )
        })
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
