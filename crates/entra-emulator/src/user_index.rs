//! Look-up indexes over the tenant's users (they never change after loading): object id,
//! user principal name, on-premises immutable id and security identifier. A `$filter` that pins
//! one of these to a few values is answered from here instead of a scan of every user, so a
//! 50,000-user tenant answers a look-up in microseconds, as Graph does.

use std::collections::HashMap;

use crate::fixture::FixtureUser;

/// A key property that can be looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserKey {
    Id,
    UserPrincipalName,
    /// Compared case-sensitively (base64).
    OnPremisesImmutableId,
    OnPremisesSecurityIdentifier,
}

impl UserKey {
    /// Every indexed key with its OData property name.
    pub const ALL: [(&'static str, UserKey); 4] = [
        ("id", UserKey::Id),
        ("userPrincipalName", UserKey::UserPrincipalName),
        ("onPremisesImmutableId", UserKey::OnPremisesImmutableId),
        (
            "onPremisesSecurityIdentifier",
            UserKey::OnPremisesSecurityIdentifier,
        ),
    ];

    fn of(self, u: &FixtureUser) -> Option<&str> {
        match self {
            UserKey::Id => Some(u.id.as_str()),
            UserKey::UserPrincipalName => Some(u.user_principal_name.as_str()),
            UserKey::OnPremisesImmutableId => u.on_premises_immutable_id.as_deref(),
            UserKey::OnPremisesSecurityIdentifier => u.on_premises_security_identifier.as_deref(),
        }
    }

    fn normalise(self, v: &str) -> String {
        match self {
            UserKey::OnPremisesImmutableId => v.to_owned(),
            UserKey::Id => crate::ids::norm(v).to_ascii_lowercase(),
            _ => v.to_ascii_lowercase(),
        }
    }
}

/// Positions in the user list by key value (several users may share a value, e.g. a SID copied
/// by mistake, so each value maps to a list).
#[derive(Debug, Default, Clone)]
pub(crate) struct UserIndex {
    maps: [HashMap<String, Vec<usize>>; 4],
}

impl UserIndex {
    /// Indexes these users.
    pub fn build(users: &[FixtureUser]) -> Self {
        let mut idx = UserIndex::default();
        for (i, u) in users.iter().enumerate() {
            for (n, (_, key)) in UserKey::ALL.iter().enumerate() {
                if let Some(v) = key.of(u) {
                    idx.maps[n].entry(key.normalise(v)).or_default().push(i);
                }
            }
        }
        idx
    }

    fn map(&self, key: UserKey) -> &HashMap<String, Vec<usize>> {
        let n = UserKey::ALL
            .iter()
            .position(|(_, k)| *k == key)
            .unwrap_or(0);
        &self.maps[n]
    }

    /// The position of the user with this object id.
    pub fn by_id(&self, id: &str) -> Option<usize> {
        self.map(UserKey::Id)
            .get(&UserKey::Id.normalise(id))
            .and_then(|v| v.first().copied())
    }

    /// Positions (in list order, no duplicates) of the users whose `key` is one of `values`.
    pub fn positions(&self, key: UserKey, values: &[&str]) -> Vec<usize> {
        let map = self.map(key);
        let mut out: Vec<usize> = values
            .iter()
            .filter_map(|v| map.get(&key.normalise(v)))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, upn: &str, anchor: Option<&str>) -> FixtureUser {
        serde_json::from_value(serde_json::json!({
            "id": id, "userPrincipalName": upn, "displayName": upn,
            "onPremisesImmutableId": anchor,
        }))
        .unwrap()
    }

    #[test]
    fn looks_up_in_list_order_with_each_keys_case_rule() {
        let users = vec![
            user("b", "Bob@contoso.com", Some("AAA=")),
            user("a", "alice@contoso.com", Some("aaa=")),
        ];
        let idx = UserIndex::build(&users);
        assert_eq!(idx.by_id("A"), Some(1));
        assert_eq!(
            idx.positions(
                UserKey::UserPrincipalName,
                &["ALICE@contoso.com", "bob@CONTOSO.com"]
            ),
            vec![0, 1]
        );
        assert_eq!(
            idx.positions(UserKey::OnPremisesImmutableId, &["aaa="]),
            vec![1]
        );
        assert!(idx
            .positions(UserKey::OnPremisesSecurityIdentifier, &["S-1"])
            .is_empty());
    }
}
