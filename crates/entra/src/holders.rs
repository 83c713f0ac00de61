//! A role's holders as read from Graph, made small as soon as that role's lists arrive: the
//! three lists of one role at one scope (active assignments with `$expand=principal`, PIM
//! assignment instances, eligibility instances with `$expand=principal`) become one
//! [`RoleAssignment`] per holder, each still waiting for its user's on-premises properties
//! (which `$expand` does not return). The raw lists of one role are dropped before the next
//! role's are kept, so reading 150 roles never holds 150 roles' worth of Graph's JSON objects —
//! at onboarding size (15,000 holders) that was most of the read's peak memory.

use crate::model::{DirectoryObjectDto, RoleAssignmentDto, ScheduleInstanceDto};
use crate::target::in_scope;
use rolesync_core::ids::{DirectoryScopeId, EntraObjectId, RoleDefinitionId};
use rolesync_core::tenant::{
    AssignmentKind, AssignmentOrigin, EntraUser, Principal, RoleAssignment,
};
use std::collections::{HashMap, HashSet};

/// One assignment as read, before its user is looked up by id.
#[derive(Debug)]
pub(crate) struct Holder {
    /// The assignment, its principal as `$expand` gave it (a user without on-premises
    /// properties; `Other` when Graph expanded nothing).
    pub assignment: RoleAssignment,
    /// The principal's id in lower case when it is, or may be, a user: looked up by id.
    pub user_id: Option<String>,
    /// Graph expanded the principal as a user: not finding it by id is worth a warning.
    pub expanded_user: bool,
}

/// One role's holders at one scope from its three lists. Time-bound active assignments end when
/// their (`Assigned`) schedule instance does; an active assignment with an `Activated` instance
/// is an activation.
pub(crate) fn condense(
    role: &RoleDefinitionId,
    scope: &DirectoryScopeId,
    active: Vec<RoleAssignmentDto>,
    instances: Vec<ScheduleInstanceDto>,
    eligible: Vec<ScheduleInstanceDto>,
) -> Vec<Holder> {
    let here = |s: Option<&str>| in_scope(s, scope.as_str());
    let mut ends: HashMap<String, chrono::DateTime<chrono::Utc>> = HashMap::new();
    let mut activated: HashSet<String> = HashSet::new();
    for i in instances
        .iter()
        .filter(|i| here(i.directory_scope_id.as_deref()))
    {
        let kind = i.assignment_type.as_deref();
        if kind.is_none_or(|t| t.eq_ignore_ascii_case("assigned")) {
            if let Some(e) = i.end_date_time {
                ends.insert(i.principal_id.to_ascii_lowercase(), e);
            }
        } else if kind.is_some_and(|t| t.eq_ignore_ascii_case("activated")) {
            activated.insert(i.principal_id.to_ascii_lowercase());
        }
    }
    drop(instances);
    let holder = |id: String,
                  principal_id: &str,
                  principal: Option<DirectoryObjectDto>,
                  kind: AssignmentKind,
                  origin: AssignmentOrigin,
                  end| {
        let may_be_user = principal.as_ref().is_none_or(DirectoryObjectDto::is_user);
        Holder {
            user_id: may_be_user.then(|| principal_id.to_ascii_lowercase()),
            expanded_user: principal.as_ref().is_some_and(DirectoryObjectDto::is_user),
            assignment: RoleAssignment {
                id,
                role_definition_id: role.clone(),
                directory_scope_id: scope.clone(),
                principal: match principal {
                    Some(p) => p.to_principal(),
                    None => Principal::Other {
                        id: EntraObjectId::new(principal_id.to_owned()),
                        odata_type: "unknown".into(),
                    },
                },
                kind,
                origin,
                end,
            },
        }
    };
    let mut out = Vec::with_capacity(active.len() + eligible.len());
    for a in active
        .into_iter()
        .filter(|a| here(a.directory_scope_id.as_deref()))
    {
        let key = a.principal_id.to_ascii_lowercase();
        let origin = if activated.contains(&key) {
            AssignmentOrigin::Activated
        } else {
            AssignmentOrigin::Assigned
        };
        let end = ends.get(&key).copied();
        out.push(holder(
            a.id,
            &a.principal_id,
            a.principal,
            AssignmentKind::Active,
            origin,
            end,
        ));
    }
    for e in eligible
        .into_iter()
        .filter(|e| here(e.directory_scope_id.as_deref()))
    {
        out.push(holder(
            e.id,
            &e.principal_id,
            e.principal,
            AssignmentKind::Eligible,
            AssignmentOrigin::Assigned,
            e.end_date_time,
        ));
    }
    out
}

/// Every role's assignments in one list, each user's principal replaced by the user found by
/// id (with the on-premises properties); a user Graph expanded but the look-up did not find
/// keeps what `$expand` gave — without on-premises properties it counts as not synced, and is
/// logged.
pub(crate) fn with_users(
    per_role: Vec<Vec<Holder>>,
    users: &HashMap<String, EntraUser>,
) -> Vec<RoleAssignment> {
    let mut out = Vec::with_capacity(per_role.iter().map(Vec::len).sum());
    for h in per_role.into_iter().flatten() {
        let mut a = h.assignment;
        match h.user_id.as_ref().and_then(|id| users.get(id)) {
            Some(u) => a.principal = Principal::User(u.clone()),
            None if h.expanded_user => {
                tracing::warn!(principal = %a.principal.id(), "user holding a role was not found by id; treating it as not synced");
            }
            None => {}
        }
        out.push(a);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dtos<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Vec<T> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn holders_get_ends_activations_and_their_users_found_by_id() {
        let role = RoleDefinitionId::new("r1");
        let scope = DirectoryScopeId::tenant();
        let user = |id: &str| json!({"@odata.type": "#microsoft.graph.user", "id": id, "userPrincipalName": format!("{id}@contoso.com")});
        let active = dtos(json!([
            {"id": "a1", "principalId": "U1", "roleDefinitionId": "r1", "directoryScopeId": "/", "principal": user("U1")},
            {"id": "a2", "principalId": "u2", "roleDefinitionId": "r1", "directoryScopeId": "/", "principal": user("u2")},
            {"id": "a3", "principalId": "g1", "roleDefinitionId": "r1", "directoryScopeId": "/",
             "principal": {"@odata.type": "#microsoft.graph.group", "id": "g1", "displayName": "Ops"}},
            {"id": "a4", "principalId": "u4", "roleDefinitionId": "r1"},
            {"id": "a5", "principalId": "u5", "roleDefinitionId": "r1", "directoryScopeId": "/administrativeUnits/x"},
        ]));
        let instances = dtos(json!([
            {"id": "i1", "principalId": "u1", "roleDefinitionId": "r1", "assignmentType": "Assigned", "endDateTime": "2027-01-01T00:00:00Z"},
            {"id": "i2", "principalId": "u2", "roleDefinitionId": "r1", "assignmentType": "Activated", "endDateTime": "2026-12-02T10:00:00Z"},
        ]));
        let eligible = dtos(json!([
            {"id": "e1", "principalId": "u6", "roleDefinitionId": "r1", "endDateTime": null, "principal": user("u6")},
        ]));
        let holders = condense(&role, &scope, active, instances, eligible);
        let ids: Vec<&str> = holders.iter().map(|h| h.assignment.id.as_str()).collect();
        assert_eq!(
            ids,
            ["a1", "a2", "a3", "a4", "e1"],
            "a5 is at another scope"
        );
        assert_eq!(
            holders[0].assignment.end.map(|e| e.to_rfc3339()),
            Some("2027-01-01T00:00:00+00:00".into())
        );
        assert_eq!(holders[1].assignment.origin, AssignmentOrigin::Activated);
        assert_eq!(
            holders[1].assignment.end, None,
            "an activation's end is not the assignment's"
        );
        assert_eq!(holders[2].user_id, None, "a group is not looked up");
        assert_eq!(
            holders[3].user_id.as_deref(),
            Some("u4"),
            "unexpanded: may be a user"
        );
        assert!(!holders[3].expanded_user);
        assert_eq!(holders[4].assignment.kind, AssignmentKind::Eligible);

        let found = DirectoryObjectDto {
            id: "U1".into(),
            user_principal_name: Some("u1@contoso.com".into()),
            on_premises_immutable_id: Some("anchor1".into()),
            ..Default::default()
        };
        let users = HashMap::from([("u1".to_owned(), found.to_user())]);
        let out = with_users(vec![holders], &users);
        match &out[0].principal {
            Principal::User(u) => {
                assert_eq!(u.on_premises_immutable_id.as_deref(), Some("anchor1"))
            }
            p => panic!("{p:?}"),
        }
        match &out[1].principal {
            Principal::User(u) => {
                assert_eq!(u.on_premises_immutable_id, None, "not found: as expanded")
            }
            p => panic!("{p:?}"),
        }
        assert!(matches!(out[2].principal, Principal::Group { .. }));
        assert!(
            matches!(&out[3].principal, Principal::Other { odata_type, .. } if odata_type == "unknown")
        );
    }
}
