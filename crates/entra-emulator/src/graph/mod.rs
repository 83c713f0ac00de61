//! Microsoft Graph v1.0: request pipeline (latency, faults, authentication, throttling,
//! authorization, routing) shared by top-level requests and requests inside `$batch`, and
//! Graph's error shape and headers.

mod administrative_units;
mod audit_logs;
pub(crate) mod batch;
mod directory_roles;
mod objects;
pub(crate) mod odata;
mod pim;
mod policies;
mod role_assignments;
mod role_definitions;
mod users;

use std::time::Instant;

use chrono::Utc;
use serde_json::{json, Value};

use crate::faults::{FaultDecision, PostFault, PreFault};
use crate::record::RecordedRequest;
use crate::roles::{GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN};
use crate::server::Ctx;
use crate::throttle::{resource_units, Admission};
use crate::tokens::{BearerError, TokenInfo};
use odata::QueryOptions;

/// A Graph request, from the wire or from inside a `$batch`.
#[derive(Debug, Clone)]
pub(crate) struct GraphRequest {
    /// The origin the client addressed (`https://graph.microsoft.com`), for the URLs answered.
    pub origin: String,
    pub method: String,
    /// Path after `/v1.0`, still percent-encoded, starting with `/`.
    pub path: String,
    pub query: Option<String>,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl GraphRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A Graph response before it goes on the wire (or into a `$batch` response).
#[derive(Debug, Clone)]
pub(crate) struct GraphResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl GraphResponse {
    pub fn json(status: u16, body: Value) -> GraphResponse {
        GraphResponse {
            status,
            headers: Vec::new(),
            body: Some(body),
        }
    }
    pub fn empty(status: u16) -> GraphResponse {
        GraphResponse {
            status,
            headers: Vec::new(),
            body: None,
        }
    }
    /// Graph's error shape; request ids are filled in by the pipeline.
    pub fn error(status: u16, code: &str, message: impl Into<String>) -> GraphResponse {
        GraphResponse::json(
            status,
            json!({"error": {"code": code, "message": message.into(), "innerError": {
                "date": Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                "request-id": "", "client-request-id": ""}}}),
        )
    }
    pub fn not_found(id: &str) -> GraphResponse {
        GraphResponse::error(
            404,
            "Request_ResourceNotFound",
            format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        )
    }
    pub fn bad_request(message: impl Into<String>) -> GraphResponse {
        GraphResponse::error(400, "Request_BadRequest", message)
    }
    pub fn denied() -> GraphResponse {
        GraphResponse::error(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }
    fn header(mut self, k: &str, v: impl Into<String>) -> GraphResponse {
        self.headers.push((k.to_owned(), v.into()));
        self
    }
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// What the transport must do.
pub(crate) enum Outcome {
    Respond(GraphResponse),
    /// Close the connection without a response.
    Drop,
}

/// Everything a handler sees.
pub(crate) struct Rq<'a> {
    pub ctx: &'a Ctx,
    pub req: &'a GraphRequest,
    pub segs: Vec<String>,
    pub q: QueryOptions,
    pub token: TokenInfo,
}

impl Rq<'_> {
    /// Logs a direct assignment added or removed by this request's caller, now
    /// ([`crate::audit`]).
    pub fn log_direct(
        &self,
        st: &mut crate::state::TenantState,
        added: bool,
        a: &crate::state::Assignment,
    ) {
        st.log_direct(
            &crate::audit::Actor::of(&self.token),
            added,
            a,
            self.ctx.clock.now(),
        );
    }
    /// Absolute URL of a collection path (for `@odata.nextLink`), on the host the client used.
    pub fn url(&self, path: &str) -> String {
        format!("{}/v1.0{}", self.req.origin, path)
    }
    /// `@odata.context` value.
    pub fn context(&self, fragment: &str) -> String {
        format!("{}/v1.0/$metadata#{}", self.req.origin, fragment)
    }
    pub fn body_json(&self) -> Result<Value, GraphResponse> {
        serde_json::from_slice(&self.req.body).map_err(|_| {
            GraphResponse::error(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
        })
    }
    pub fn eventual(&self) -> bool {
        self.req
            .header("consistencylevel")
            .is_some_and(|v| v.eq_ignore_ascii_case("eventual"))
    }
    /// For delegated tokens: the signed-in user holds Global Administrator or Privileged Role
    /// Administrator (required for role writes). App-only tokens pass.
    pub fn delegated_role_admin(&self) -> bool {
        match &self.token.user_oid {
            None => true,
            Some(u) => crate::server::lock(&self.ctx.state)
                .user_holds_any_role(u, &[GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN]),
        }
    }
}

const USER_READ: &[&str] = &[
    "User.Read.All",
    "User.ReadWrite.All",
    "User.ReadBasic.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const ROLE_READ: &[&str] = &[
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
    "RoleManagement.Read.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const ROLE_WRITE: &[&str] = &["RoleManagement.ReadWrite.Directory"];
const ELIG_WRITE: &[&str] = &[
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.ReadWrite.Directory",
];
const ASCHED_WRITE: &[&str] = &[
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleManagement.ReadWrite.Directory",
];
const ELIG_READ: &[&str] = &[
    "RoleEligibilitySchedule.Read.Directory",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
    "RoleManagement.Read.All",
];
const ASCHED_READ: &[&str] = &[
    "RoleAssignmentSchedule.Read.Directory",
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
    "RoleManagement.Read.All",
];
/// Reading PIM role settings ("List roleManagementPolicyAssignments", permissions table).
const POLICY_READ: &[&str] = &[
    "RoleManagementPolicy.Read.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagementPolicy.ReadWrite.Directory",
    "RoleManagement.ReadWrite.Directory",
];
/// Reading administrative units ("List administrativeUnits", permissions table).
const AU_READ: &[&str] = &[
    "AdministrativeUnit.Read.All",
    "AdministrativeUnit.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// Reading the directory audit log ("List directoryAudits": AuditLog.Read.All and
/// Directory.Read.All; the handler checks the second).
const AUDIT_READ: &[&str] = &["AuditLog.Read.All"];
const DIR_READ: &[&str] = &[
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handler {
    Users,
    User,
    GetByIds,
    RoleDefinitions,
    RoleDefinition,
    RoleAssignments,
    RoleAssignment,
    EligibilityRequests,
    AssignmentRequests,
    EligibilityInstances,
    AssignmentInstances,
    EligibilitySchedules,
    AssignmentSchedules,
    DirectoryRoles,
    DirectoryRole,
    DirectoryRoleMembers,
    DirectoryRoleMemberRef,
    DirectoryRoleMemberDelete,
    PolicyAssignments,
    PolicyAssignment,
    Policies,
    Policy,
    AdministrativeUnits,
    AdministrativeUnit,
    DirectoryAudits,
    DirectoryAudit,
}

/// Finds the handler and the methods it allows.
fn route(segs: &[String]) -> Option<(Handler, &'static [&'static str])> {
    let s: Vec<String> = segs.iter().map(|x| x.to_ascii_lowercase()).collect();
    let s: Vec<&str> = s.iter().map(String::as_str).collect();
    use Handler::*;
    Some(match s.as_slice() {
        ["users"] => (Users, &["GET"]),
        [u] if u.starts_with("users(") => (User, &["GET"]),
        ["users", _] => (User, &["GET"]),
        ["directoryobjects", "getbyids"] => (GetByIds, &["POST"]),
        ["directory", "administrativeunits"] => (AdministrativeUnits, &["GET"]),
        ["directory", "administrativeunits", _] => (AdministrativeUnit, &["GET"]),
        ["auditlogs", "directoryaudits"] => (DirectoryAudits, &["GET"]),
        ["auditlogs", "directoryaudits", _] => (DirectoryAudit, &["GET"]),
        ["rolemanagement", "directory", rest @ ..] => match rest {
            ["roledefinitions"] => (RoleDefinitions, &["GET"]),
            ["roledefinitions", _] => (RoleDefinition, &["GET"]),
            ["roleassignments"] => (RoleAssignments, &["GET", "POST"]),
            ["roleassignments", _] => (RoleAssignment, &["GET", "DELETE"]),
            ["roleeligibilityschedulerequests"] => (EligibilityRequests, &["GET", "POST"]),
            ["roleassignmentschedulerequests"] => (AssignmentRequests, &["GET", "POST"]),
            ["roleeligibilityscheduleinstances"] => (EligibilityInstances, &["GET"]),
            ["roleassignmentscheduleinstances"] => (AssignmentInstances, &["GET"]),
            ["roleeligibilityschedules"] => (EligibilitySchedules, &["GET"]),
            ["roleassignmentschedules"] => (AssignmentSchedules, &["GET"]),
            _ => return None,
        },
        ["directoryroles"] => (DirectoryRoles, &["GET", "POST"]),
        [d] if d.starts_with("directoryroles(") => (DirectoryRole, &["GET"]),
        [d, "members"] if d.starts_with("directoryroles(") => (DirectoryRoleMembers, &["GET"]),
        ["directoryroles", _] => (DirectoryRole, &["GET"]),
        ["directoryroles", _, "members"] => (DirectoryRoleMembers, &["GET"]),
        ["directoryroles", _, "members", "$ref"] => (DirectoryRoleMemberRef, &["POST"]),
        ["directoryroles", _, "members", _, "$ref"] => (DirectoryRoleMemberDelete, &["DELETE"]),
        ["policies", "rolemanagementpolicyassignments"] => (PolicyAssignments, &["GET"]),
        ["policies", "rolemanagementpolicyassignments", _] => (PolicyAssignment, &["GET"]),
        ["policies", "rolemanagementpolicies"] => (Policies, &["GET"]),
        ["policies", "rolemanagementpolicies", _]
        | ["policies", "rolemanagementpolicies", _, "rules"]
        | ["policies", "rolemanagementpolicies", _, "rules", _] => (Policy, &["GET"]),
        _ => return None,
    })
}

fn permissions(h: Handler, method: &str) -> &'static [&'static str] {
    use Handler::*;
    match h {
        Users | User => USER_READ,
        GetByIds => DIR_READ,
        RoleDefinitions | RoleDefinition => ROLE_READ,
        RoleAssignments | RoleAssignment if method == "GET" => ROLE_READ,
        RoleAssignments | RoleAssignment => ROLE_WRITE,
        EligibilityRequests if method == "GET" => ELIG_READ,
        AssignmentRequests if method == "GET" => ASCHED_READ,
        EligibilityRequests => ELIG_WRITE,
        AssignmentRequests => ASCHED_WRITE,
        EligibilityInstances | EligibilitySchedules => ELIG_READ,
        AssignmentInstances | AssignmentSchedules => ASCHED_READ,
        DirectoryRoles | DirectoryRole | DirectoryRoleMembers if method == "GET" => ROLE_READ,
        DirectoryRoles
        | DirectoryRole
        | DirectoryRoleMembers
        | DirectoryRoleMemberRef
        | DirectoryRoleMemberDelete => ROLE_WRITE,
        PolicyAssignments | PolicyAssignment | Policies | Policy => POLICY_READ,
        AdministrativeUnits | AdministrativeUnit => AU_READ,
        DirectoryAudits | DirectoryAudit => AUDIT_READ,
    }
}

/// Splits and percent-decodes a path.
pub(crate) fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

fn auth(ctx: &Ctx, req: &GraphRequest) -> Result<TokenInfo, GraphResponse> {
    let raw = req.header("authorization").unwrap_or("").trim();
    let token = raw
        .strip_prefix("Bearer ")
        .or_else(|| raw.strip_prefix("bearer "))
        .unwrap_or(if raw.contains(' ') { "" } else { raw })
        .trim();
    let unauth = |m: &str| {
        GraphResponse::error(401, "InvalidAuthenticationToken", m).header(
            "WWW-Authenticate",
            format!("Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"", crate::hosts::login_origin_for(&req.origin)),
        )
    };
    if token.is_empty() {
        return Err(unauth("Access token is empty."));
    }
    ctx.signer
        .verify_access_token(token, &ctx.tenant_id, ctx.clock.now().timestamp())
        .map_err(|e| match e {
            BearerError::Malformed => unauth("IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format."),
            BearerError::BadSignature => unauth("Access token validation failure."),
            BearerError::Expired => unauth("Access token has expired or is not yet valid."),
            BearerError::WrongAudience => unauth("Access token validation failure. Invalid audience."),
            BearerError::WrongTenant => unauth("Access token validation failure. Invalid issuer."),
        })
}

/// [`dispatch`] for a request inside a `$batch`, boxed as `Send` (breaks the async recursion).
pub(crate) fn dispatch_boxed(
    ctx: std::sync::Arc<Ctx>,
    req: GraphRequest,
    fault: FaultDecision,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Outcome> + Send>> {
    Box::pin(async move { dispatch(&ctx, req, fault, true).await })
}

/// Runs one Graph request through the whole pipeline.
pub(crate) async fn dispatch(
    ctx: &Ctx,
    req: GraphRequest,
    fault: FaultDecision,
    in_batch: bool,
) -> Outcome {
    let request_id = uuid::Uuid::new_v4().to_string();
    let client_request_id = req
        .header("client-request-id")
        .map(str::to_owned)
        .unwrap_or_else(|| request_id.clone());
    ctx.stats.count_request(in_batch);
    if !ctx.latency.is_zero() {
        tokio::time::sleep(ctx.latency).await;
    }
    let mut ru_header = None;
    let mut pct_header = None;
    let outcome = run(ctx, &req, fault, in_batch, &mut ru_header, &mut pct_header).await;
    let status = match &outcome {
        Outcome::Drop => 0,
        Outcome::Respond(r) => r.status,
    };
    ctx.record(|| RecordedRequest {
        api: "graph".into(),
        host: req
            .origin
            .split("://")
            .nth(1)
            .unwrap_or_default()
            .to_owned(),
        method: req.method.clone(),
        path: format!("/v1.0{}", req.path),
        query: req.query.clone(),
        body: serde_json::from_slice(&req.body).ok(),
        form_keys: Vec::new(),
        in_batch,
        status,
    });
    let mut resp = match outcome {
        Outcome::Drop => return Outcome::Drop,
        Outcome::Respond(r) => r,
    };
    if let Some(Value::Object(e)) = resp.body.as_mut().and_then(|b| b.get_mut("error")) {
        if let Some(Value::Object(inner)) = e.get_mut("innerError") {
            inner.insert("request-id".into(), Value::String(request_id.clone()));
            inner.insert(
                "client-request-id".into(),
                Value::String(client_request_id.clone()),
            );
        }
    }
    if resp.status == 429 {
        ctx.stats.count_throttled();
    }
    let mut headers = vec![
        ("request-id".to_owned(), request_id),
        ("client-request-id".to_owned(), client_request_id),
    ];
    if resp.body.is_some() {
        headers.push(("Content-Type".to_owned(), "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8".to_owned()));
    }
    if let Some(ru) = ru_header {
        headers.push(("x-ms-resource-unit".to_owned(), ru.to_string()));
    }
    if let Some(p) = pct_header {
        headers.push((
            "x-ms-throttle-limit-percentage".to_owned(),
            format!("{p:.1}"),
        ));
    }
    headers.append(&mut resp.headers);
    resp.headers = headers;
    Outcome::Respond(resp)
}

async fn run(
    ctx: &Ctx,
    req: &GraphRequest,
    fault: FaultDecision,
    in_batch: bool,
    ru_header: &mut Option<u32>,
    pct_header: &mut Option<f64>,
) -> Outcome {
    let respond = Outcome::Respond;
    let segs = segments(&req.path);
    let is_outer_batch = !in_batch && segs.len() == 1 && segs[0] == "$batch";
    // A `$batch` itself answers 200 (its inner requests get their own faults); only a dropped
    // connection can hit the outer request.
    let pre = match fault.pre {
        Some(PreFault::Drop) => Some(PreFault::Drop),
        Some(_) if is_outer_batch => None,
        other => other,
    };
    match pre {
        None => {}
        Some(f) => {
            ctx.stats.count_fault();
            return respond(match f {
                PreFault::TooManyRequests => {
                    GraphResponse::error(429, "TooManyRequests", "Please retry again later.")
                        .header("Retry-After", "1")
                }
                PreFault::InternalError => GraphResponse::error(
                    500,
                    "InternalServerError",
                    "An internal server error occurred.",
                ),
                PreFault::Unavailable => GraphResponse::error(
                    503,
                    "serviceNotAvailable",
                    "The service is temporarily unavailable. Please retry later.",
                )
                .header("Retry-After", "1"),
                PreFault::GatewayTimeout => GraphResponse::error(
                    504,
                    "gatewayTimeout",
                    "The gateway did not receive a response in time.",
                ),
                PreFault::Drop if in_batch => GraphResponse::error(
                    504,
                    "gatewayTimeout",
                    "The gateway did not receive a response in time.",
                ),
                PreFault::Drop => return Outcome::Drop,
            });
        }
    }
    let method = req.method.to_ascii_uppercase();
    if segs.len() == 1 && segs[0] == "$batch" {
        if in_batch {
            return respond(GraphResponse::error(
                400,
                "BadRequest",
                "Nested batch requests are not supported.",
            ));
        }
        if method != "POST" {
            return respond(GraphResponse::error(
                405,
                "Request_BadRequest",
                "Specified HTTP method is not allowed for the request target.",
            ));
        }
        return batch::handle(ctx, req, fault).await;
    }
    let token = match auth(ctx, req) {
        Ok(t) => t,
        Err(r) => return respond(r),
    };
    let Some((handler, methods)) = route(&segs) else {
        let seg = segs.last().cloned().unwrap_or_default();
        return respond(GraphResponse::error(
            400,
            "BadRequest",
            format!("Resource not found for the segment '{seg}'."),
        ));
    };
    if !methods.contains(&method.as_str()) {
        return respond(GraphResponse::error(
            405,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        ));
    }
    let q = match QueryOptions::parse(req.query.as_deref()) {
        Ok(q) => q,
        Err((code, msg)) => return respond(GraphResponse::error(400, code, msg)),
    };
    let write = method != "GET";
    ctx.stats
        .count_routed(write && handler != Handler::GetByIds);
    let ru = resource_units(
        &method,
        &segs,
        q.select.is_some(),
        q.expand.is_some(),
        q.top,
    );
    *ru_header = Some(ru);
    let admission = crate::server::lock(&ctx.throttle).admit(
        &token.app_id,
        &token.tenant_id,
        ru,
        write,
        Instant::now(),
    );
    match admission {
        Admission::Throttled {
            retry_after,
            limit_percentage,
            scope,
            information,
        } => {
            *pct_header = Some(limit_percentage);
            return respond(
                GraphResponse::error(429, "TooManyRequests", "Please retry again later.")
                    .header("Retry-After", retry_after.to_string())
                    .header("x-ms-throttle-scope", scope)
                    .header("x-ms-throttle-information", information),
            );
        }
        Admission::Allowed { limit_percentage } => {
            ctx.stats.add_resource_units(ru);
            *pct_header = limit_percentage;
        }
    }
    if !token.has_any(permissions(handler, &method)) {
        return respond(GraphResponse::denied());
    }
    // Schedules start and end with the emulator's clock.
    crate::server::lock(&ctx.state).settle(ctx.clock.now());
    let rq = Rq {
        ctx,
        req,
        segs,
        q,
        token,
    };
    use Handler::*;
    let needs_role_admin =
        write && !matches!(handler, EligibilityRequests | AssignmentRequests | GetByIds);
    if needs_role_admin && !rq.delegated_role_admin() {
        return respond(GraphResponse::denied());
    }
    let resp = match handler {
        Users => users::list(&rq),
        User => users::get(&rq),
        GetByIds => objects::get_by_ids(&rq),
        RoleDefinitions => role_definitions::list(&rq),
        RoleDefinition => role_definitions::get(&rq),
        RoleAssignments if method == "POST" => role_assignments::create(&rq),
        RoleAssignments => role_assignments::list(&rq),
        RoleAssignment if method == "DELETE" => role_assignments::delete(&rq),
        RoleAssignment => role_assignments::get(&rq),
        EligibilityRequests if method == "GET" => pim::list_requests(&rq, pim::Kind::Eligibility),
        AssignmentRequests if method == "GET" => pim::list_requests(&rq, pim::Kind::Assignment),
        EligibilityRequests => pim::eligibility_request(&rq),
        AssignmentRequests => pim::assignment_request(&rq),
        EligibilityInstances => pim::eligibility_instances(&rq),
        AssignmentInstances => pim::assignment_instances(&rq),
        EligibilitySchedules => pim::eligibility_schedules(&rq),
        AssignmentSchedules => pim::assignment_schedules(&rq),
        DirectoryRoles if method == "POST" => directory_roles::activate(&rq),
        DirectoryRoles => directory_roles::list(&rq),
        DirectoryRole => directory_roles::get(&rq),
        DirectoryRoleMembers => directory_roles::members(&rq),
        DirectoryRoleMemberRef => directory_roles::add_member(&rq),
        DirectoryRoleMemberDelete => directory_roles::remove_member(&rq),
        PolicyAssignments => policies::list_assignments(&rq),
        PolicyAssignment => policies::get_assignment(&rq),
        Policies => policies::list_policies(&rq),
        Policy => policies::get_policy(&rq),
        AdministrativeUnits => administrative_units::list(&rq),
        AdministrativeUnit => administrative_units::get(&rq),
        DirectoryAudits => audit_logs::list(&rq),
        DirectoryAudit => audit_logs::get(&rq),
    };
    let committed = write && resp.is_success() && handler != GetByIds;
    if write && !committed && handler != GetByIds && already_done(&resp) {
        ctx.stats.count_redundant_write();
    }
    if committed {
        ctx.stats.count_write();
        match fault.post {
            Some(PostFault::Drop) if !in_batch => {
                ctx.stats.count_fault();
                return Outcome::Drop;
            }
            Some(PostFault::Drop) | Some(PostFault::GatewayTimeout) => {
                ctx.stats.count_fault();
                return respond(GraphResponse::error(
                    504,
                    "gatewayTimeout",
                    "The gateway did not receive a response in time.",
                ));
            }
            None => {}
        }
    }
    respond(resp)
}

/// A refused write whose change had been made already: 404 for a removal, or the "exists"
/// errors of a creation (role assignments, PIM requests, directory-role members).
fn already_done(resp: &GraphResponse) -> bool {
    if resp.status == 404 {
        return true;
    }
    let text = |k: &str| {
        resp.body
            .as_ref()
            .and_then(|b| b["error"][k].as_str())
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    (400..500).contains(&resp.status)
        && (text("code") == "roleassignmentexists"
            || text("message").contains("already exist")
            || text("message").contains("a conflicting object"))
}

/// Applies `$filter` validation: every property must be in `allowed`; negation needs advanced
/// query parameters when `negation_needs_advanced`.
pub(crate) fn check_filter(
    rq: &Rq<'_>,
    allowed: &[&str],
    resource: &str,
    negation_needs_advanced: bool,
) -> Result<(), GraphResponse> {
    let Some(f) = &rq.q.filter else { return Ok(()) };
    for p in f.props() {
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(p)) {
            return Err(GraphResponse::error(
                400,
                "Request_UnsupportedQuery",
                format!("Unsupported or invalid query filter clause specified for property '{p}' of resource '{resource}'."),
            ));
        }
    }
    if negation_needs_advanced {
        if let Some(op) = f.negation() {
            if !(rq.eventual() && rq.q.count) {
                return Err(GraphResponse::error(
                    400,
                    "Request_UnsupportedQuery",
                    format!("Operator '{op}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header."),
                ));
            }
        }
    }
    Ok(())
}

/// Builds a collection response with paging.
pub(crate) fn collection(
    rq: &Rq<'_>,
    mut items: Vec<Value>,
    context: String,
    path: &str,
    default_page: usize,
) -> GraphResponse {
    if let Some((prop, desc)) = &rq.q.orderby {
        odata::apply_orderby(&mut items, prop, *desc);
    }
    let total = items.len();
    let (page, next) = match odata::page(items, &rq.q, default_page, &rq.url(path)) {
        Ok(x) => x,
        Err((code, msg)) => return GraphResponse::error(400, code, msg),
    };
    let mut body = serde_json::Map::new();
    body.insert("@odata.context".into(), Value::String(context));
    if rq.q.count {
        body.insert("@odata.count".into(), json!(total));
    }
    if let Some(n) = next {
        body.insert("@odata.nextLink".into(), Value::String(n));
    }
    body.insert("value".into(), Value::Array(page));
    GraphResponse::json(200, Value::Object(body))
}

/// `$count=true` on directory objects needs `ConsistencyLevel: eventual`; so do `$search`, and
/// `$filter` together with `$orderby` ("Advanced query capabilities on Microsoft Entra ID
/// objects", <https://learn.microsoft.com/graph/aad-advanced-queries>: sorting a filtered list is
/// an advanced query and needs `$count=true` with the header).
pub(crate) fn check_count(rq: &Rq<'_>) -> Result<(), GraphResponse> {
    if rq.q.filter.is_some() && rq.q.orderby.is_some() && !(rq.eventual() && rq.q.count) {
        return Err(GraphResponse::error(
            400,
            "Request_UnsupportedQuery",
            "Sorting not supported for current query.",
        ));
    }
    if rq.q.count && !rq.eventual() {
        return Err(GraphResponse::bad_request(
            "$count is not currently supported.",
        ));
    }
    if rq.q.search.is_some() && !rq.eventual() {
        return Err(GraphResponse::bad_request("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'"));
    }
    Ok(())
}

/// Any path outside `/v1.0` and the login endpoints. Microsoft Graph answers a path without a
/// version segment (`https://graph.microsoft.com/users`) with 400 `BadRequest` "Invalid version."
/// — the version is part of every request URL ("Use the Microsoft Graph API",
/// <https://learn.microsoft.com/graph/use-the-api>; the response body as Graph sends it is shown
/// in microsoftgraph/msgraph-sample-blazor-clientside issue 94). The beta endpoint exists in
/// Microsoft Graph but is not emulated: it gets a 400 that says so.
pub(crate) async fn unversioned(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let first = uri
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("");
    let mut resp = if first.eq_ignore_ascii_case("beta") {
        GraphResponse::bad_request(
            "The emulator serves Microsoft Graph v1.0 only; /beta is not emulated.",
        )
    } else {
        GraphResponse::error(400, "BadRequest", "Invalid version.")
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    if let Some(Value::Object(inner)) = resp
        .body
        .as_mut()
        .and_then(|b| b.get_mut("error"))
        .and_then(|e| e.get_mut("innerError"))
    {
        inner.insert("request-id".into(), Value::String(request_id.clone()));
        inner.insert(
            "client-request-id".into(),
            Value::String(request_id.clone()),
        );
    }
    let body = serde_json::to_vec(&resp.body).unwrap_or_default();
    let mut r = (
        axum::http::StatusCode::BAD_REQUEST,
        [
            ("content-type", "application/json"),
            ("request-id", request_id.as_str()),
        ],
        body,
    )
        .into_response();
    // The request record files this under Graph, not login.
    r.extensions_mut().insert(UnversionedGraphPath);
    r
}

/// Marks the answer to a path outside `/v1.0` and the login endpoints.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UnversionedGraphPath;
