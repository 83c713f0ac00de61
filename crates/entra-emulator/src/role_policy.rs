//! PIM role settings: one `unifiedRoleManagementPolicy` per directory role with its 17 rules,
//! Microsoft's defaults for a new tenant unless the fixture overrides rules, and the check of a
//! schedule request against them.
//!
//! Sources:
//! - "List roleManagementPolicyAssignments", example 2 (a tenant's policy of a directory role with
//!   its rules expanded: the defaults below — permanent eligible and active assignments allowed
//!   with maximum durations P365D and P180D, justification required on active assignment,
//!   activation up to PT8H with MFA and justification, no approval)
//!   (<https://learn.microsoft.com/graph/api/policyroot-list-rolemanagementpolicyassignments>);
//! - "Rules in PIM - mapping guide" (the 17 rule ids and the admin center settings they are)
//!   (<https://learn.microsoft.com/graph/identity-governance-pim-rules-overview>);
//! - "Configure Microsoft Entra role settings in PIM" (what each setting demands of an
//!   assignment) (<https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-how-to-change-default-settings>);
//! - the rule types: "unifiedRoleManagementPolicyExpirationRule" (`isExpirationRequired`,
//!   `maximumDuration`) and "unifiedRoleManagementPolicyEnablementRule" (`enabledRules`:
//!   `Justification`, `Ticketing`, `MultiFactorAuthentication`);
//! - the error a request that breaks them gets, 400 `RoleAssignmentRequestPolicyValidationFailed`
//!   "The following policy rules failed: [\"ExpirationRule\"]" and its `JustificationRule`,
//!   `TicketingRule` and `MfaRule` forms: the PIM request errors Microsoft lists in its Azure
//!   REST documentation ("Common errors", <https://learn.microsoft.com/rest/api/authorization/includes/privileged-role-common-errors>),
//!   the same PIM service; the Graph form is quoted in MicrosoftDocs/azure-docs issue 80426.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::schedules::parse_duration;

/// The 17 rule ids and their `@odata.type` (without the `#microsoft.graph.` prefix).
pub(crate) const RULES: &[(&str, &str)] = &[
    ("Expiration_Admin_Eligibility", EXPIRATION),
    ("Enablement_Admin_Eligibility", ENABLEMENT),
    ("Notification_Admin_Admin_Eligibility", NOTIFICATION),
    ("Notification_Requestor_Admin_Eligibility", NOTIFICATION),
    ("Notification_Approver_Admin_Eligibility", NOTIFICATION),
    ("Expiration_Admin_Assignment", EXPIRATION),
    ("Enablement_Admin_Assignment", ENABLEMENT),
    ("Notification_Admin_Admin_Assignment", NOTIFICATION),
    ("Notification_Requestor_Admin_Assignment", NOTIFICATION),
    ("Notification_Approver_Admin_Assignment", NOTIFICATION),
    ("Expiration_EndUser_Assignment", EXPIRATION),
    ("Enablement_EndUser_Assignment", ENABLEMENT),
    ("Approval_EndUser_Assignment", APPROVAL),
    ("AuthenticationContext_EndUser_Assignment", AUTH_CONTEXT),
    ("Notification_Admin_EndUser_Assignment", NOTIFICATION),
    ("Notification_Requestor_EndUser_Assignment", NOTIFICATION),
    ("Notification_Approver_EndUser_Assignment", NOTIFICATION),
];

const EXPIRATION: &str = "unifiedRoleManagementPolicyExpirationRule";
const ENABLEMENT: &str = "unifiedRoleManagementPolicyEnablementRule";
const NOTIFICATION: &str = "unifiedRoleManagementPolicyNotificationRule";
const APPROVAL: &str = "unifiedRoleManagementPolicyApprovalRule";
const AUTH_CONTEXT: &str = "unifiedRoleManagementPolicyAuthenticationContextRule";

/// The properties a rule of this type may carry (v1.0), besides `id` and `target`.
fn properties(odata_type: &str) -> &'static [&'static str] {
    match odata_type {
        EXPIRATION => &["isExpirationRequired", "maximumDuration"],
        ENABLEMENT => &["enabledRules"],
        NOTIFICATION => &[
            "notificationType",
            "recipientType",
            "notificationLevel",
            "isDefaultRecipientsEnabled",
            "notificationRecipients",
        ],
        APPROVAL => &["setting"],
        _ => &["isEnabled", "claimValue"],
    }
}

fn target(id: &str) -> Value {
    let mut parts = id.split('_');
    let caller = parts.nth(1).unwrap_or("Admin");
    let caller = if id.starts_with("Notification_") {
        parts.next().unwrap_or(caller)
    } else {
        caller
    };
    let level = id.rsplit('_').next().unwrap_or("Assignment");
    json!({
        "caller": caller,
        "operations": ["all"],
        "level": level,
        "inheritableSettings": [],
        "enforcedSettings": [],
    })
}

/// One rule with Microsoft's default values for a new tenant.
fn default_rule(id: &str, odata_type: &str) -> Value {
    let mut r = json!({"@odata.type": format!("#microsoft.graph.{odata_type}"), "id": id});
    let m = r.as_object_mut().expect("object");
    match odata_type {
        EXPIRATION => {
            let (required, max) = match id {
                "Expiration_Admin_Eligibility" => (false, "P365D"),
                "Expiration_Admin_Assignment" => (false, "P180D"),
                _ => (true, "PT8H"),
            };
            m.insert("isExpirationRequired".into(), json!(required));
            m.insert("maximumDuration".into(), json!(max));
        }
        ENABLEMENT => {
            let enabled = match id {
                "Enablement_Admin_Assignment" => json!(["Justification"]),
                "Enablement_EndUser_Assignment" => {
                    json!(["MultiFactorAuthentication", "Justification"])
                }
                _ => json!([]),
            };
            m.insert("enabledRules".into(), enabled);
        }
        NOTIFICATION => {
            let recipient = id.split('_').nth(1).unwrap_or("Admin");
            m.insert("notificationType".into(), json!("Email"));
            m.insert("recipientType".into(), json!(recipient));
            m.insert("notificationLevel".into(), json!("All"));
            m.insert("isDefaultRecipientsEnabled".into(), json!(true));
            m.insert("notificationRecipients".into(), json!([]));
        }
        APPROVAL => {
            m.insert(
                "setting".into(),
                json!({
                    "isApprovalRequired": false,
                    "isApprovalRequiredForExtension": false,
                    "isRequestorJustificationRequired": true,
                    "approvalMode": "SingleStage",
                    "approvalStages": [{
                        "approvalStageTimeOutInDays": 1,
                        "isApproverJustificationRequired": true,
                        "escalationTimeInMinutes": 0,
                        "isEscalationEnabled": false,
                        "primaryApprovers": [],
                        "escalationApprovers": [],
                    }],
                }),
            );
        }
        _ => {
            m.insert("isEnabled".into(), json!(false));
            m.insert("claimValue".into(), Value::Null);
        }
    }
    m.insert("target".into(), target(id));
    r
}

/// Microsoft's default rules of a directory role's policy in a new tenant.
pub(crate) fn default_rules() -> Vec<Value> {
    RULES.iter().map(|(id, t)| default_rule(id, t)).collect()
}

/// Lays rule overrides (`{"id": "...", property: value, ...}`) over `rules`. Unknown rule ids
/// and properties a rule of that type does not have are errors.
pub(crate) fn apply_overrides(rules: &mut [Value], overrides: &[Value]) -> Result<(), String> {
    for o in overrides {
        let id = o
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("a rule override has no \"id\": {o}"))?;
        let (_, odata_type) = RULES
            .iter()
            .find(|(r, _)| r.eq_ignore_ascii_case(id))
            .ok_or_else(|| format!("unknown PIM policy rule id \"{id}\""))?;
        let Some(rule) = rules
            .iter_mut()
            .find(|r| r["id"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(id)))
        else {
            return Err(format!("rule {id} is missing"));
        };
        for (k, v) in o.as_object().into_iter().flatten() {
            if k == "id" || k == "@odata.type" {
                continue;
            }
            if !properties(odata_type).contains(&k.as_str()) {
                return Err(format!("rule {id} ({odata_type}) has no property \"{k}\""));
            }
            rule[k.as_str()] = v.clone();
        }
    }
    Ok(())
}

/// Which assignments a request makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// Eligible assignments (`roleEligibilityScheduleRequests`).
    Eligibility,
    /// Active assignments (`roleAssignmentScheduleRequests`).
    Assignment,
}

/// Who makes it: an administrator (`admin*` actions) or the principal (`self*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caller {
    Admin,
    EndUser,
}

/// What a request brings that the rules look at.
#[derive(Debug, Clone)]
pub(crate) struct RequestFacts {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub justification: bool,
    pub ticket: bool,
    /// The caller signed in with multifactor authentication (a delegated token whose `amr`
    /// says `mfa`; an application never does).
    pub mfa: bool,
}

fn rule<'a>(rules: &'a [Value], id: &str) -> Option<&'a Value> {
    rules.iter().find(|r| r["id"] == id)
}

/// The names of the rules a request breaks, as Graph lists them in
/// `RoleAssignmentRequestPolicyValidationFailed`.
pub(crate) fn failed_rules(
    rules: &[Value],
    level: Level,
    caller: Caller,
    facts: &RequestFacts,
) -> Vec<&'static str> {
    let suffix = match (caller, level) {
        (Caller::Admin, Level::Eligibility) => "Admin_Eligibility",
        (Caller::Admin, Level::Assignment) => "Admin_Assignment",
        (Caller::EndUser, _) => "EndUser_Assignment",
    };
    let mut failed = Vec::new();
    if let Some(exp) = rule(rules, &format!("Expiration_{suffix}")) {
        if exp["isExpirationRequired"].as_bool() == Some(true) {
            let max = exp["maximumDuration"].as_str().and_then(parse_duration);
            let ok = match (facts.end, max) {
                (None, _) => false,
                (Some(end), Some(max)) => end - facts.start <= max,
                (Some(_), None) => true,
            };
            if !ok {
                failed.push("ExpirationRule");
            }
        }
    }
    if let Some(en) = rule(rules, &format!("Enablement_{suffix}")) {
        let on = |name: &str| {
            en["enabledRules"]
                .as_array()
                .is_some_and(|a| a.iter().any(|v| v == name))
        };
        if on("Justification") && !facts.justification {
            failed.push("JustificationRule");
        }
        if on("MultiFactorAuthentication") && !facts.mfa {
            failed.push("MfaRule");
        }
        if on("Ticketing") && !facts.ticket {
            failed.push("TicketingRule");
        }
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(days: Option<i64>) -> RequestFacts {
        let start = Utc::now();
        RequestFacts {
            start,
            end: days.map(|d| start + chrono::Duration::days(d)),
            justification: true,
            ticket: false,
            mfa: false,
        }
    }

    #[test]
    fn defaults_are_the_seventeen_rules_with_their_targets() {
        let rules = default_rules();
        assert_eq!(rules.len(), 17);
        let r = rule(&rules, "Notification_Requestor_EndUser_Assignment").unwrap();
        assert_eq!(r["target"]["caller"], "EndUser");
        assert_eq!(r["target"]["level"], "Assignment");
        assert_eq!(r["recipientType"], "Requestor");
        let r = rule(&rules, "Expiration_Admin_Eligibility").unwrap();
        assert_eq!(r["target"]["caller"], "Admin");
        assert_eq!(r["target"]["level"], "Eligibility");
        assert_eq!(r["maximumDuration"], "P365D");
        // Defaults: permanent allowed, justification only on active assignment.
        assert!(failed_rules(&rules, Level::Eligibility, Caller::Admin, &facts(None)).is_empty());
        let mut f = facts(None);
        f.justification = false;
        assert!(failed_rules(&rules, Level::Eligibility, Caller::Admin, &f).is_empty());
        assert_eq!(
            failed_rules(&rules, Level::Assignment, Caller::Admin, &f),
            vec!["JustificationRule"]
        );
    }

    #[test]
    fn overrides_tighten_rules_and_unknown_ones_are_refused() {
        let mut rules = default_rules();
        apply_overrides(
            &mut rules,
            &[
                json!({"id": "Expiration_Admin_Eligibility", "isExpirationRequired": true, "maximumDuration": "P180D"}),
                json!({"id": "Enablement_Admin_Eligibility", "enabledRules": ["Justification", "Ticketing"]}),
                json!({"id": "Enablement_Admin_Assignment", "enabledRules": ["Justification", "MultiFactorAuthentication"]}),
            ],
        )
        .unwrap();
        let el = |f: &RequestFacts| failed_rules(&rules, Level::Eligibility, Caller::Admin, f);
        assert_eq!(el(&facts(None)), vec!["ExpirationRule", "TicketingRule"]);
        assert_eq!(
            el(&facts(Some(181))),
            vec!["ExpirationRule", "TicketingRule"]
        );
        let mut ok = facts(Some(180));
        ok.ticket = true;
        assert!(el(&ok).is_empty());
        assert_eq!(
            failed_rules(&rules, Level::Assignment, Caller::Admin, &facts(None)),
            vec!["MfaRule"]
        );
        assert!(apply_overrides(&mut rules, &[json!({"id": "Expiration_Nobody"})]).is_err());
        assert!(apply_overrides(
            &mut rules,
            &[json!({"id": "Expiration_Admin_Eligibility", "enabledRules": []})]
        )
        .is_err());
    }
}
