//! Reads the PIM settings of the mapped roles, once per run, in `$batch`es of 20:
//! `GET /policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq
//! 'DirectoryRole' and roleDefinitionId eq '{id}'&$expand=policy($expand=rules)` ("List
//! roleManagementPolicyAssignments", example 2,
//! <https://learn.microsoft.com/graph/api/policyroot-list-rolemanagementpolicyassignments>), and
//! turns each policy's rules into the core's [`RoleSettings`]: `Expiration_Admin_Eligibility` /
//! `Expiration_Admin_Assignment` (`isExpirationRequired`, `maximumDuration`) and
//! `Enablement_Admin_Eligibility` / `Enablement_Admin_Assignment` (`enabledRules`:
//! `Justification`, `Ticketing`, `MultiFactorAuthentication`) — the rule types
//! "unifiedRoleManagementPolicyExpirationRule" and "unifiedRoleManagementPolicyEnablementRule".
//!
//! A role whose settings cannot be read (a permission missing, a failure) or hold a value
//! RoleSync does not understand is reported as [`PimSettings::Unknown`] with the fix — never a
//! guess; a tenant without PIM licence ([`is_pim_unavailable`]) as [`PimSettings::NoLicence`].

use crate::batch::{send_batch, MAX_BATCH};
use crate::error::{GraphError, GraphErrorBody};
use crate::http::GraphClient;
use crate::model::{BatchRequestItem, Page};
use crate::paging::collect_all;
use crate::target::{encode_query_value, odata_literal};
use futures::stream::{self, StreamExt};
use rolesync_core::ids::RoleDefinitionId;
use rolesync_core::pim::{
    AssignmentRules, PimDuration, PimSettings, RolePimSettings, RoleSettings,
};
use serde::Deserialize;
use serde_json::Value;

/// The permission that reads PIM settings and nothing more ("List
/// roleManagementPolicyAssignments", permissions; RoleManagement.ReadWrite.Directory includes it).
pub const READ_PERMISSION: &str = "RoleManagementPolicy.Read.Directory";

/// Whether an error says the tenant has no PIM: no Microsoft Entra ID P2 or ID Governance
/// licence (400 `AadPremiumLicenseRequired` "The tenant needs an AAD Premium 2 license.", as
/// quoted in JulianHayward/Azure-MG-Sub-Governance-Reporting issue 114).
pub fn is_pim_unavailable(e: &GraphError) -> bool {
    matches!(e.root(), GraphError::Api { status: 400 | 403, code, message, .. }
        if code.to_ascii_lowercase().contains("license") || message.to_ascii_lowercase().contains("license"))
}

/// `unifiedRoleManagementPolicyAssignment` with its policy expanded.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyAssignmentDto {
    /// The role.
    #[serde(default)]
    pub role_definition_id: String,
    /// The scope (`/`).
    #[serde(default)]
    pub scope_id: Option<String>,
    /// The policy with its rules.
    #[serde(default)]
    pub policy: Option<PolicyDto>,
}

/// `unifiedRoleManagementPolicy` with `rules` expanded (each rule as Graph sent it).
#[derive(Debug, Clone, Deserialize)]
pub struct PolicyDto {
    /// The rules.
    #[serde(default)]
    pub rules: Vec<Value>,
}

fn query(role: &RoleDefinitionId) -> String {
    let filter = format!(
        "scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq {}",
        odata_literal(role.as_str())
    );
    format!(
        "policies/roleManagementPolicyAssignments?$filter={}&$expand=policy($expand=rules)",
        encode_query_value(&filter)
    )
}

/// The settings of each role, in the order given. Never fails as a whole.
pub async fn read(
    client: &GraphClient,
    roles: &[RoleDefinitionId],
    concurrency: usize,
) -> Vec<RolePimSettings> {
    let chunks: Vec<Vec<RoleDefinitionId>> = roles
        .chunks(MAX_BATCH)
        .map(<[RoleDefinitionId]>::to_vec)
        .collect();
    let per_chunk: Vec<Vec<RolePimSettings>> = stream::iter(chunks)
        .map(|chunk| async move {
            let items: Vec<BatchRequestItem> = chunk
                .iter()
                .enumerate()
                .map(|(i, r)| BatchRequestItem {
                    id: (i + 1).to_string(),
                    method: "GET".into(),
                    url: format!("/{}", query(r)),
                    headers: None,
                    body: None,
                })
                .collect();
            let results = send_batch(client, items).await;
            let mut out = Vec::with_capacity(chunk.len());
            for (i, role) in chunk.iter().enumerate() {
                let answer = match results.get(&(i + 1).to_string()) {
                    Some(Ok(r)) if (200..300).contains(&r.status) => {
                        let page: Result<Page<PolicyAssignmentDto>, _> =
                            serde_json::from_value(r.body.clone().unwrap_or_default());
                        match page {
                            Ok(p) => {
                                let mut v = p.value;
                                match p.next_link {
                                    Some(next) => collect_all::<PolicyAssignmentDto>(client, next)
                                        .await
                                        .map(|more| {
                                            v.extend(more);
                                            v
                                        }),
                                    None => Ok(v),
                                }
                            }
                            Err(e) => Err(GraphError::Decode(e.to_string())),
                        }
                    }
                    Some(Ok(r)) => {
                        let e = r
                            .body
                            .as_ref()
                            .and_then(GraphErrorBody::from_value)
                            .unwrap_or_default();
                        Err(GraphError::Api {
                            status: r.status,
                            code: e.code,
                            message: e.message,
                            request_id: e.inner_error.and_then(|x| x.request_id),
                        })
                    }
                    Some(Err(e)) => Err(e.clone()),
                    None => Err(GraphError::Decode("no answer for this role".into())),
                };
                let settings = match answer {
                    Ok(v) => settings_of(role, &v),
                    Err(e) => from_error(role, &e),
                };
                out.push(RolePimSettings {
                    role_id: role.clone(),
                    settings,
                });
            }
            out
        })
        .buffered(concurrency.max(1))
        .collect()
        .await;
    per_chunk.into_iter().flatten().collect()
}

/// What a failed read means for the role.
pub fn from_error(role: &RoleDefinitionId, e: &GraphError) -> PimSettings {
    if is_pim_unavailable(e) {
        return PimSettings::NoLicence;
    }
    match e.root() {
        GraphError::Api { status: 403, .. } => PimSettings::Unknown {
            problem: format!("reading the PIM settings of role {role} was refused: {e}"),
            fix: format!("grant the app the Microsoft Graph permission {READ_PERMISSION} (application permission for app-only sign-in) with admin consent; RoleManagement.ReadWrite.Directory includes it"),
        },
        _ => PimSettings::Unknown {
            problem: format!("reading the PIM settings of role {role} failed: {e}"),
            fix: "check the connection to Microsoft Graph and run again; nothing is written for the role until its settings can be read".into(),
        },
    }
}

/// The settings in a role's policy assignments (the one at scope `/`).
pub fn settings_of(role: &RoleDefinitionId, assignments: &[PolicyAssignmentDto]) -> PimSettings {
    let Some(policy) = assignments
        .iter()
        .filter(|a| a.scope_id.as_deref().unwrap_or("/") == "/")
        .find(|a| a.role_definition_id.eq_ignore_ascii_case(role.as_str()))
        .and_then(|a| a.policy.as_ref())
    else {
        return PimSettings::Unknown {
            problem: format!("Microsoft Graph returned no PIM policy for role {role} at scope /"),
            fix: "check the role's PIM settings in the Microsoft Entra admin center (Privileged Identity Management → Microsoft Entra roles → Roles → the role → Role settings)".into(),
        };
    };
    let both = rules_for(&policy.rules, "Admin_Eligibility")
        .and_then(|eligible| Ok((eligible, rules_for(&policy.rules, "Admin_Assignment")?)));
    match both {
        Ok((eligible, active)) => PimSettings::Governed {
            settings: RoleSettings { eligible, active },
        },
        Err(what) => PimSettings::Unknown {
            problem: format!("the PIM settings of role {role} hold {what}, which RoleSync does not understand"),
            fix: "set the role's assignment settings again in the Microsoft Entra admin center (Privileged Identity Management → Microsoft Entra roles → Roles → the role → Role settings → Edit), with durations in days or hours".into(),
        },
    }
}

/// The expiration and enablement rules `Expiration_{suffix}` and `Enablement_{suffix}`; `Err`
/// names what is missing or not understood.
fn rules_for(rules: &[Value], suffix: &str) -> Result<AssignmentRules, String> {
    let find = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(id)))
            .ok_or_else(|| format!("no rule {id}"))
    };
    let exp_id = format!("Expiration_{suffix}");
    let exp = find(&exp_id)?;
    let required = exp["isExpirationRequired"].as_bool().ok_or_else(|| {
        format!(
            "isExpirationRequired {} in rule {exp_id}",
            exp["isExpirationRequired"]
        )
    })?;
    let max = exp["maximumDuration"]
        .as_str()
        .and_then(PimDuration::parse)
        .ok_or_else(|| {
            format!(
                "maximumDuration {} in rule {exp_id}",
                exp["maximumDuration"]
            )
        })?;
    let en_id = format!("Enablement_{suffix}");
    let en = find(&en_id)?;
    let list = en["enabledRules"]
        .as_array()
        .ok_or_else(|| format!("enabledRules {} in rule {en_id}", en["enabledRules"]))?;
    let mut r = AssignmentRules {
        permanent_allowed: !required,
        maximum_duration: max,
        justification: false,
        ticketing: false,
        mfa: false,
    };
    for v in list {
        match v.as_str() {
            Some("Justification") => r.justification = true,
            Some("Ticketing") => r.ticketing = true,
            Some("MultiFactorAuthentication") => r.mfa = true,
            _ => return Err(format!("the enabled rule {v} in rule {en_id}")),
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(exp: Value, en: Value) -> Vec<PolicyAssignmentDto> {
        let mut rules = vec![
            json!({"id": "Expiration_Admin_Assignment", "isExpirationRequired": false, "maximumDuration": "P180D"}),
            json!({"id": "Enablement_Admin_Assignment", "enabledRules": ["Justification"]}),
        ];
        rules.push(json!({"id": "Expiration_Admin_Eligibility"}));
        rules.push(json!({"id": "Enablement_Admin_Eligibility"}));
        let n = rules.len();
        if let (Value::Object(a), Value::Object(b)) = (&mut rules[n - 2], exp) {
            a.extend(b);
        }
        if let (Value::Object(a), Value::Object(b)) = (&mut rules[n - 1], en) {
            a.extend(b);
        }
        vec![PolicyAssignmentDto {
            role_definition_id: "R".into(),
            scope_id: Some("/".into()),
            policy: Some(PolicyDto { rules }),
        }]
    }

    #[test]
    fn rules_become_settings_and_unknown_values_are_not_guessed() {
        let role = RoleDefinitionId::new("r");
        let s = settings_of(
            &role,
            &rules(
                json!({"isExpirationRequired": true, "maximumDuration": "P180D"}),
                json!({"enabledRules": ["Justification", "Ticketing"]}),
            ),
        );
        let PimSettings::Governed { settings } = s else {
            panic!("{s:?}")
        };
        assert!(!settings.eligible.permanent_allowed);
        assert_eq!(settings.eligible.maximum_duration, PimDuration::days(180));
        assert!(settings.eligible.ticketing && !settings.eligible.mfa);
        assert!(settings.active.justification && settings.active.permanent_allowed);

        for (exp, en, what) in [
            (
                json!({"isExpirationRequired": true, "maximumDuration": "P1Y"}),
                json!({"enabledRules": []}),
                "\"P1Y\"",
            ),
            (
                json!({"isExpirationRequired": "yes", "maximumDuration": "P1D"}),
                json!({"enabledRules": []}),
                "isExpirationRequired",
            ),
            (
                json!({"isExpirationRequired": true, "maximumDuration": "P1D"}),
                json!({"enabledRules": ["Approval"]}),
                "\"Approval\"",
            ),
        ] {
            let s = settings_of(&role, &rules(exp, en));
            let PimSettings::Unknown { problem, fix } = s else {
                panic!("{s:?}")
            };
            assert!(problem.contains(what), "{problem}");
            assert!(fix.contains("Role settings"));
        }
        assert!(matches!(
            settings_of(&role, &[]),
            PimSettings::Unknown { .. }
        ));
    }

    #[test]
    fn errors_say_no_licence_or_name_the_permission() {
        let role = RoleDefinitionId::new("r");
        let lic = GraphError::Api {
            status: 400,
            code: "AadPremiumLicenseRequired".into(),
            message: "The tenant needs an AAD Premium 2 license.".into(),
            request_id: None,
        };
        assert_eq!(from_error(&role, &lic), PimSettings::NoLicence);
        let denied = GraphError::Api {
            status: 403,
            code: "Authorization_RequestDenied".into(),
            message: "Insufficient privileges to complete the operation.".into(),
            request_id: None,
        };
        let PimSettings::Unknown { fix, .. } = from_error(&role, &denied) else {
            panic!()
        };
        assert!(fix.contains(READ_PERMISSION));
    }
}
