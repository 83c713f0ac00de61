//! Pre-flight findings (`rolesync check`) from what was read: each line is ✓ or ✗ with the fix.

use crate::directory::{is_non_routable_suffix, DirectorySnapshot};
use crate::mapping::resolve;
use crate::plan::{plan, SkipReason};
use crate::policy::Policy;
use crate::tenant::TenantSnapshot;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckLine {
    /// Passed.
    pub ok: bool,
    /// What was checked.
    pub title: String,
    /// Detail (counts, names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// How to fix a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl CheckLine {
    /// A passed check.
    pub fn ok(title: impl Into<String>, detail: Option<String>) -> Self {
        Self {
            ok: true,
            title: title.into(),
            detail,
            fix: None,
        }
    }

    /// A failed check with its fix.
    pub fn fail(
        title: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            ok: false,
            title: title.into(),
            detail: Some(detail.into()),
            fix: Some(fix.into()),
        }
    }
}

/// Findings about mappings and members.
pub fn preflight_lines(
    dir: &DirectorySnapshot,
    tenant: &TenantSnapshot,
    policy: &Policy,
) -> Vec<CheckLine> {
    let mut lines = Vec::new();
    if !policy.protected.is_empty() {
        lines.push(if tenant.missing_protected.is_empty() {
            CheckLine::ok(
                "every protected account is in the tenant",
                Some(policy.protected.join(", ")),
            )
        } else {
            CheckLine::fail(
                "every protected account is in the tenant",
                format!("not found: {}", tenant.missing_protected.join(", ")),
                "correct [safety] protected: each entry is a UPN or object id of an account in the tenant (a sync stops until then)",
            )
        });
    }
    for p in &dir.problems {
        lines.push(CheckLine::fail(
            "every group was read completely",
            p.message.clone(),
            "fix the directory read; a sync stops while any group is unreadable",
        ));
    }
    let res = resolve(
        &dir.groups,
        &tenant.roles,
        &tenant.administrative_units,
        &policy.mapping,
    );
    for unit in &tenant.administrative_units {
        lines.push(CheckLine::ok(
            format!("administrative unit \"{}\" exists", unit.display_name),
            Some(format!("scope {}", unit.scope())),
        ));
    }
    for m in &res.mappings {
        for g in &m.groups {
            let scope = match &m.scope_name {
                Some(n) => format!(" at administrative unit \"{n}\""),
                None => String::new(),
            };
            lines.push(CheckLine::ok(
                format!(
                    "group \"{}\" maps to role \"{}\"{scope}",
                    g.first_rdn_value(),
                    m.role.display_name
                ),
                Some(format!("{:?} assignments", m.kind).to_lowercase()),
            ));
        }
    }
    for m in &res.skipped {
        lines.push(CheckLine::fail(
            format!("{} exists", m.scope),
            format!(
                "group \"{}\" maps to role \"{}\" there: {}",
                m.group.first_rdn_value(),
                m.role,
                m.reason
            ),
            "create the administrative unit in Entra ID (Roles & admins > Admin units), or fix `scope` in the [[mappings]] entry: administrativeUnit:<display name or object id>",
        ));
    }
    for u in &res.unmapped {
        // A name that reads as a role's without being it (look-alike letters, hidden marks).
        let prefix = policy.mapping.prefix.as_deref().unwrap_or("");
        let bare = u.name.strip_prefix(prefix).unwrap_or(&u.name);
        if let Some(role) = tenant
            .roles
            .iter()
            .find(|r| crate::confusable::reads_as(bare, &r.display_name))
        {
            lines.push(CheckLine::fail(
                format!("group \"{}\" has a plain name", crate::redact::visible(&u.name)),
                format!(
                    "it reads as \"{}\" but is spelled with look-alike or invisible characters ({}); it maps to no role, and shows in AD tools like the real role group",
                    role.display_name,
                    u.name.chars().filter(|c| !c.is_ascii()).map(|c| format!("U+{:04X}", c as u32)).collect::<Vec<_>>().join(" ")
                ),
                "rename the group with plain letters, or delete it if nobody made it on purpose — and check who can create groups in the roles OU",
            ));
            continue;
        }
        lines.push(CheckLine::fail(
            format!("group \"{}\" maps to a role", u.name),
            u.reason.clone(),
            "rename the group to the role's display name, or add a [[mappings]] entry",
        ));
    }
    for p in &res.problems {
        lines.push(CheckLine::fail(
            "mappings are valid",
            p.clone(),
            "fix [[mappings]] in the configuration",
        ));
    }

    let mut unroutable = BTreeSet::new();
    for g in &dir.groups {
        for u in &g.members {
            if let Some(s) = u
                .upn
                .as_ref()
                .and_then(|x| x.suffix())
                .filter(|s| is_non_routable_suffix(s))
            {
                unroutable.insert(format!("{} ({s})", u.display()));
            }
        }
    }
    if unroutable.is_empty() {
        lines.push(CheckLine::ok("members have routable UPN suffixes", None));
    } else {
        lines.push(CheckLine::fail(
            "members have routable UPN suffixes",
            unroutable.into_iter().collect::<Vec<_>>().join(", "),
            "add a routable UPN suffix in AD Domains and Trusts and give these users a UPN with it",
        ));
    }

    let p = plan(dir, tenant, policy);
    lines.extend(pim_lines(&p));
    let unmatched: BTreeSet<String> = p
        .roles
        .iter()
        .flat_map(|r| r.skipped.iter())
        .filter(|s| {
            matches!(
                s.reason,
                SkipReason::NotInEntra | SkipReason::NonRoutableUpn { .. }
            )
        })
        .map(|s| s.user.clone())
        .collect();
    if unmatched.is_empty() {
        lines.push(CheckLine::ok(
            "every enabled member has an Entra account",
            None,
        ));
    } else {
        lines.push(CheckLine::fail(
            "every enabled member has an Entra account",
            unmatched.into_iter().collect::<Vec<_>>().join(", "),
            "check Entra Connect sync scope (OU filtering) and wait for the next sync cycle",
        ));
    }
    lines
}

/// One line per role whose PIM settings apply: ✓ with the settings RoleSync meets and how, or ✗
/// naming the setting it cannot meet (or why the settings are unknown) and what to change.
pub fn pim_lines(p: &crate::plan::Plan) -> Vec<CheckLine> {
    let mut lines = Vec::new();
    for r in &p.roles {
        let Some(pim) = &r.pim else { continue };
        let kind = match r.kind {
            crate::tenant::AssignmentKind::Active => "active",
            crate::tenant::AssignmentKind::Eligible => "eligible",
        };
        let title = format!(
            "PIM settings of role \"{}\" allow RoleSync's {kind} assignments",
            r.role_name
        );
        let rules: Vec<String> = pim
            .rules
            .iter()
            .map(|x| {
                format!(
                    "{} {} ({}): {}",
                    if x.ok { "✓" } else { "✗" },
                    x.setting,
                    x.rule_id,
                    x.detail
                )
            })
            .collect();
        match &pim.hold {
            None => lines.push(CheckLine::ok(title, Some(rules.join("; ")))),
            Some(h) => {
                let mut detail = h.message.clone();
                if !rules.is_empty() {
                    detail.push_str(" — ");
                    detail.push_str(&rules.join("; "));
                }
                lines.push(CheckLine::fail(title, detail, h.fix.clone()));
            }
        }
    }
    lines
}
