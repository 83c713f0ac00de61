//! PIM role settings as the planner uses them: per role, the rules that decide whether an
//! administrator's eligible or active assignment is valid (Microsoft Graph's
//! `unifiedRoleManagementPolicy` rules `Expiration_Admin_Eligibility`,
//! `Enablement_Admin_Eligibility`, `Expiration_Admin_Assignment` and
//! `Enablement_Admin_Assignment`), what RoleSync asks for to satisfy them, and the words that
//! name each rule as the PIM role settings page does ("Configure Microsoft Entra role settings in
//! PIM"; the rule ids mapped to the settings in "Rules in PIM - mapping guide").
//!
//! Pure data and decisions: the target reads the settings ([`PimSettings`]), the planner turns
//! them into a [`RolePim`] per mapped role.

use crate::tenant::AssignmentKind;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A length of time as PIM writes it: ISO 8601 with days, weeks, hours, minutes and seconds
/// (`P180D`, `PT8H`, `P1DT12H`). Years and months have no fixed length and are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PimDuration {
    seconds: i64,
}

impl PimDuration {
    /// Whole days.
    pub fn days(n: i64) -> Self {
        Self {
            seconds: n * 86_400,
        }
    }

    /// Seconds.
    pub fn seconds(&self) -> i64 {
        self.seconds
    }

    /// As a `chrono` duration.
    pub fn to_chrono(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.seconds)
    }

    /// Parses `PnW`, `PnD`, `PTnH`, `PTnM`, `PTnS` and their combinations; `None` for anything
    /// else (years, months, fractions, negative or zero lengths).
    pub fn parse(text: &str) -> Option<Self> {
        let s = text.trim().strip_prefix('P')?;
        let (date, time) = match s.split_once('T') {
            Some((d, t)) if !t.is_empty() => (d, t),
            Some(_) => return None,
            None => (s, ""),
        };
        let mut total: i64 = 0;
        let mut num = String::new();
        let mut units = 0;
        for (part, scale) in [
            (date, [("W", 604_800), ("D", 86_400)]),
            (time, [("H", 3_600), ("M", 60)]),
        ] {
            for c in part.chars() {
                if c.is_ascii_digit() {
                    num.push(c);
                    continue;
                }
                let n: i64 = num.parse().ok()?;
                num.clear();
                let unit = c.to_string();
                let mult = match scale.iter().find(|(u, _)| *u == unit) {
                    Some((_, m)) => *m,
                    None if part == time && c == 'S' => 1,
                    None => return None,
                };
                total = total.checked_add(n.checked_mul(mult)?)?;
                units += 1;
            }
            if !num.is_empty() {
                return None;
            }
        }
        (units > 0 && total > 0).then_some(Self { seconds: total })
    }

    /// The ISO 8601 form: `P180D` for whole days, else `PnDTnHnMnS` with the parts that are set.
    pub fn to_iso(&self) -> String {
        let (d, rest) = (self.seconds / 86_400, self.seconds % 86_400);
        let mut s = String::from("P");
        if d > 0 {
            s.push_str(&format!("{d}D"));
        }
        if rest > 0 {
            s.push('T');
            let (h, m, sec) = (rest / 3600, rest % 3600 / 60, rest % 60);
            if h > 0 {
                s.push_str(&format!("{h}H"));
            }
            if m > 0 {
                s.push_str(&format!("{m}M"));
            }
            if sec > 0 {
                s.push_str(&format!("{sec}S"));
            }
        }
        s
    }

    /// In words: `180 days`, `8 hours`, `1 day 12 hours`.
    pub fn words(&self) -> String {
        let (d, h, m) = (
            self.seconds / 86_400,
            self.seconds % 86_400 / 3600,
            self.seconds % 3600 / 60,
        );
        let mut parts = Vec::new();
        for (n, unit) in [(d, "day"), (h, "hour"), (m, "minute")] {
            if n > 0 {
                parts.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
            }
        }
        if parts.is_empty() {
            format!("{} seconds", self.seconds)
        } else {
            parts.join(" ")
        }
    }
}

impl fmt::Display for PimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso())
    }
}

impl Serialize for PimDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_iso())
    }
}

impl<'de> Deserialize<'de> for PimDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PimDuration::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{s}` is not an ISO 8601 duration in days, hours or minutes"
            ))
        })
    }
}

/// The rules for an administrator's assignments of one kind (eligible or active).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentRules {
    /// A permanent assignment is allowed (`isExpirationRequired` false).
    pub permanent_allowed: bool,
    /// The longest an assignment may run when it must end (`maximumDuration`).
    pub maximum_duration: PimDuration,
    /// A justification is required (`enabledRules` has `Justification`).
    pub justification: bool,
    /// Ticket information is required (`Ticketing`).
    pub ticketing: bool,
    /// Multifactor authentication is required of the administrator (`MultiFactorAuthentication`).
    pub mfa: bool,
}

impl AssignmentRules {
    /// Microsoft's defaults for a new tenant ("List roleManagementPolicyAssignments", example 2):
    /// permanent eligible and active assignments allowed (maximum durations 365 and 180 days),
    /// justification required on active assignment.
    pub fn microsoft_default(kind: AssignmentKind) -> Self {
        match kind {
            AssignmentKind::Eligible => Self {
                permanent_allowed: true,
                maximum_duration: PimDuration::days(365),
                justification: false,
                ticketing: false,
                mfa: false,
            },
            AssignmentKind::Active => Self {
                permanent_allowed: true,
                maximum_duration: PimDuration::days(180),
                justification: true,
                ticketing: false,
                mfa: false,
            },
        }
    }
}

/// A role's settings for administrators' eligible and active assignments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleSettings {
    /// `Expiration_Admin_Eligibility` and `Enablement_Admin_Eligibility`.
    pub eligible: AssignmentRules,
    /// `Expiration_Admin_Assignment` and `Enablement_Admin_Assignment`.
    pub active: AssignmentRules,
}

impl RoleSettings {
    /// Microsoft's defaults for a new tenant.
    pub fn microsoft_default() -> Self {
        Self {
            eligible: AssignmentRules::microsoft_default(AssignmentKind::Eligible),
            active: AssignmentRules::microsoft_default(AssignmentKind::Active),
        }
    }

    /// The rules for assignments of `kind`.
    pub fn for_kind(&self, kind: AssignmentKind) -> &AssignmentRules {
        match kind {
            AssignmentKind::Eligible => &self.eligible,
            AssignmentKind::Active => &self.active,
        }
    }
}

/// What the target knows of a role's PIM settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum PimSettings {
    /// PIM governs the role: these are its settings.
    #[serde(rename_all = "camelCase")]
    Governed {
        /// The settings.
        settings: RoleSettings,
    },
    /// The tenant has no PIM: no Microsoft Entra ID P2 or ID Governance licence.
    NoLicence,
    /// The settings could not be read, or hold values RoleSync does not understand; nothing is
    /// written for the role.
    #[serde(rename_all = "camelCase")]
    Unknown {
        /// What went wrong.
        problem: String,
        /// How to fix it.
        fix: String,
    },
}

/// A role's PIM settings as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolePimSettings {
    /// The role.
    pub role_id: crate::ids::RoleDefinitionId,
    /// Its settings.
    pub settings: PimSettings,
}

/// How RoleSync writes a change through PIM (eligible changes, and active ones where PIM
/// governs the role).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PimRequest {
    /// `afterDuration` with this length; `None`: `noExpiration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "string", optional))]
    pub duration: Option<PimDuration>,
    /// Send `ticketInfo` (system `RoleSync`, number the run id).
    #[serde(default)]
    pub ticket: bool,
    /// The justification: the group and the run id (set when the run stamps the plan).
    #[serde(default)]
    pub justification: String,
    /// The run id (set when the run stamps the plan).
    #[serde(default)]
    pub run_id: String,
}

impl PimRequest {
    /// The ticket system RoleSync names in `ticketInfo`.
    pub const TICKET_SYSTEM: &'static str = "RoleSync";
}

/// One PIM setting that applies to a mapping, with what RoleSync does about it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PimRule {
    /// The setting as the PIM role settings page names it.
    pub setting: String,
    /// The Microsoft Graph rule it is (`Expiration_Admin_Eligibility`).
    pub rule_id: String,
    /// Its value and what RoleSync does, in words.
    pub detail: String,
    /// RoleSync can meet it.
    pub ok: bool,
    /// What to change when it cannot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// Which changes of a role are held back.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HoldScope {
    /// Grants and renewals (a rule the app cannot meet); revokes still go.
    GrantsAndRenewals,
    /// Everything: the settings are unknown or PIM is not available.
    Everything,
}

/// Why changes of a role are not attempted.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PimHold {
    /// Which changes.
    pub scope: HoldScope,
    /// Why, in words.
    pub message: String,
    /// What to change.
    pub fix: String,
}

/// The PIM side of one role's plan.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolePim {
    /// The settings that apply to the mapping's kind.
    pub rules: Vec<PimRule>,
    /// Changes not attempted, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold: Option<PimHold>,
}

/// Where a role's settings are changed in the Microsoft Entra admin center.
pub fn settings_path(role: &str) -> String {
    format!("Microsoft Entra admin center → ID Governance → Privileged Identity Management → Microsoft Entra roles → Roles → {role} → Role settings → Edit")
}

/// What the planner makes of a role's settings for a mapping of `kind`: the rules with ✓/✗,
/// what is held back, and the request to write (for `Active` without PIM: `None`, a direct
/// assignment). `settings` `None`: the target reports no settings (it knows nothing of PIM) —
/// eligible changes are written as PIM requests with no expiration, active ones directly.
pub fn decide(
    role: &str,
    kind: AssignmentKind,
    settings: Option<&PimSettings>,
    configured: Option<PimDuration>,
    signed_in_with_mfa: bool,
) -> (Option<RolePim>, Option<PimRequest>) {
    let plain = PimRequest {
        duration: None,
        ticket: false,
        justification: String::new(),
        run_id: String::new(),
    };
    let kind_word = match kind {
        AssignmentKind::Eligible => "eligible",
        AssignmentKind::Active => "active",
    };
    match (settings, kind) {
        (None, AssignmentKind::Eligible) => (None, Some(plain)),
        (None, AssignmentKind::Active) | (Some(PimSettings::NoLicence), AssignmentKind::Active) => {
            (None, None)
        }
        (Some(PimSettings::NoLicence), AssignmentKind::Eligible) => (
            Some(RolePim {
                rules: Vec::new(),
                hold: Some(PimHold {
                    scope: HoldScope::Everything,
                    message: format!("eligible assignments need Entra ID P2: the tenant has no Microsoft Entra ID P2 or ID Governance licence, so PIM cannot make {role} eligible"),
                    fix: "license the tenant for Microsoft Entra ID P2 or ID Governance, or map the role `active`".into(),
                }),
            }),
            None,
        ),
        (Some(PimSettings::Unknown { problem, fix }), _) => (
            Some(RolePim {
                rules: Vec::new(),
                hold: Some(PimHold {
                    scope: HoldScope::Everything,
                    message: format!("the PIM settings of {role} are not known, so nothing is written for it: {problem}"),
                    fix: fix.clone(),
                }),
            }),
            None,
        ),
        (Some(PimSettings::Governed { settings }), _) => {
            let r = settings.for_kind(kind);
            let (exp_id, en_id) = match kind {
                AssignmentKind::Eligible => ("Expiration_Admin_Eligibility", "Enablement_Admin_Eligibility"),
                AssignmentKind::Active => ("Expiration_Admin_Assignment", "Enablement_Admin_Assignment"),
            };
            let duration = if r.permanent_allowed {
                None
            } else {
                Some(configured.map_or(r.maximum_duration, |c| c.min(r.maximum_duration)))
            };
            let mut rules = vec![PimRule {
                setting: if r.permanent_allowed {
                    format!("Allow permanent {kind_word} assignment")
                } else {
                    format!("Expire {kind_word} assignments after")
                },
                rule_id: exp_id.into(),
                detail: match duration {
                    None => "permanent assignments allowed: RoleSync assigns without end date".into(),
                    Some(d) => format!(
                        "assignments must end within {}: RoleSync assigns for {} and renews before the end",
                        r.maximum_duration.words(),
                        d.words()
                    ),
                },
                ok: true,
                fix: None,
            }];
            if r.justification {
                rules.push(PimRule {
                    setting: format!("Require justification on {kind_word} assignment"),
                    rule_id: en_id.into(),
                    detail: "RoleSync gives the AD group and the run id".into(),
                    ok: true,
                    fix: None,
                });
            }
            if r.ticketing {
                rules.push(PimRule {
                    setting: format!("Require ticket information on {kind_word} assignment"),
                    rule_id: en_id.into(),
                    detail: format!("RoleSync gives ticket system \"{}\" and the run id as ticket number", PimRequest::TICKET_SYSTEM),
                    ok: true,
                    fix: None,
                });
            }
            let mut hold = None;
            if r.mfa {
                let setting = format!("Require Azure Multi-Factor Authentication on {kind_word} assignment");
                let fix = match kind {
                    AssignmentKind::Active => format!(
                        "in {}, clear \"{setting}\", or map the role `eligible`, or run RoleSync signed in interactively with MFA",
                        settings_path(role)
                    ),
                    AssignmentKind::Eligible => format!(
                        "remove MultiFactorAuthentication from the rule Enablement_Admin_Eligibility of {role} (PIM role settings), or run RoleSync signed in interactively with MFA"
                    ),
                };
                if signed_in_with_mfa {
                    rules.push(PimRule {
                        setting,
                        rule_id: en_id.into(),
                        detail: "the signed-in administrator did multifactor authentication".into(),
                        ok: true,
                        fix: None,
                    });
                } else {
                    rules.push(PimRule {
                        setting: setting.clone(),
                        rule_id: en_id.into(),
                        detail: "an application signing in on its own cannot do multifactor authentication".into(),
                        ok: false,
                        fix: Some(fix.clone()),
                    });
                    hold = Some(PimHold {
                        scope: HoldScope::GrantsAndRenewals,
                        message: format!("the PIM setting \"{setting}\" of {role} cannot be met by RoleSync's sign-in, so it grants and renews nothing there"),
                        fix,
                    });
                }
            }
            let request = PimRequest {
                duration,
                ticket: r.ticketing,
                ..plain
            };
            (Some(RolePim { rules, hold }), Some(request))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_days_and_hours() {
        assert_eq!(PimDuration::parse("P180D"), Some(PimDuration::days(180)));
        assert_eq!(
            PimDuration::parse("P2W").map(|d| d.seconds()),
            Some(14 * 86_400)
        );
        assert_eq!(
            PimDuration::parse("PT8H").map(|d| d.seconds()),
            Some(8 * 3600)
        );
        assert_eq!(
            PimDuration::parse("P1DT12H").map(|d| d.to_iso()),
            Some("P1DT12H".into())
        );
        assert_eq!(
            PimDuration::parse("PT90M").map(|d| d.to_iso()),
            Some("PT1H30M".into())
        );
        for bad in [
            "P1Y", "P6M", "P", "PT", "180D", "P-1D", "P0D", "P1.5D", "P1H",
        ] {
            assert_eq!(PimDuration::parse(bad), None, "{bad}");
        }
        assert_eq!(PimDuration::days(180).words(), "180 days");
        assert_eq!(PimDuration::parse("PT1H").unwrap().words(), "1 hour");
        let json = serde_json::to_string(&PimDuration::days(30)).unwrap();
        assert_eq!(json, "\"P30D\"");
        assert!(serde_json::from_str::<PimDuration>("\"P1Y\"").is_err());
    }

    fn strict() -> PimSettings {
        let mut s = RoleSettings::microsoft_default();
        s.eligible.permanent_allowed = false;
        s.eligible.maximum_duration = PimDuration::days(180);
        s.eligible.ticketing = true;
        s.active.mfa = true;
        PimSettings::Governed { settings: s }
    }

    #[test]
    fn strict_settings_give_compliant_requests_or_a_hold_naming_the_setting() {
        let (pim, req) = decide(
            "Security Reader",
            AssignmentKind::Eligible,
            Some(&strict()),
            None,
            false,
        );
        let req = req.unwrap();
        assert_eq!(req.duration, Some(PimDuration::days(180)));
        assert!(req.ticket);
        let pim = pim.unwrap();
        assert!(pim.hold.is_none());
        assert!(pim.rules.iter().all(|r| r.ok));
        assert_eq!(pim.rules[0].setting, "Expire eligible assignments after");
        // A configured shorter duration wins; a longer one does not.
        let (_, req) = decide(
            "R",
            AssignmentKind::Eligible,
            Some(&strict()),
            Some(PimDuration::days(30)),
            false,
        );
        assert_eq!(req.unwrap().duration, Some(PimDuration::days(30)));
        let (_, req) = decide(
            "R",
            AssignmentKind::Eligible,
            Some(&strict()),
            Some(PimDuration::days(400)),
            false,
        );
        assert_eq!(req.unwrap().duration, Some(PimDuration::days(180)));

        let (pim, _) = decide(
            "Security Reader",
            AssignmentKind::Active,
            Some(&strict()),
            None,
            false,
        );
        let hold = pim.clone().unwrap().hold.unwrap();
        assert_eq!(hold.scope, HoldScope::GrantsAndRenewals);
        assert!(
            hold.message
                .contains("Require Azure Multi-Factor Authentication on active assignment"),
            "{}",
            hold.message
        );
        assert!(
            hold.fix.contains("Security Reader → Role settings"),
            "{}",
            hold.fix
        );
        assert!(pim.unwrap().rules.iter().any(|r| !r.ok));
        // An administrator who signed in with MFA meets it.
        let (pim, req) = decide("R", AssignmentKind::Active, Some(&strict()), None, true);
        assert!(pim.unwrap().hold.is_none());
        assert_eq!(req.unwrap().duration, None, "permanent active allowed");
    }

    #[test]
    fn no_licence_and_unknown_settings_hold_back() {
        let (pim, req) = decide(
            "R",
            AssignmentKind::Eligible,
            Some(&PimSettings::NoLicence),
            None,
            false,
        );
        let hold = pim.unwrap().hold.unwrap();
        assert_eq!(hold.scope, HoldScope::Everything);
        assert!(hold
            .message
            .starts_with("eligible assignments need Entra ID P2"));
        assert!(req.is_none());
        assert_eq!(
            decide(
                "R",
                AssignmentKind::Active,
                Some(&PimSettings::NoLicence),
                None,
                false
            ),
            (None, None)
        );
        let unknown = PimSettings::Unknown {
            problem: "403".into(),
            fix: "grant RoleManagementPolicy.Read.Directory".into(),
        };
        let (pim, _) = decide("R", AssignmentKind::Active, Some(&unknown), None, false);
        assert_eq!(
            pim.unwrap().hold.unwrap().fix,
            "grant RoleManagementPolicy.Read.Directory"
        );
        // No settings known at all: as before PIM settings were read.
        let (pim, req) = decide("R", AssignmentKind::Eligible, None, None, false);
        assert!(pim.is_none());
        assert_eq!(req.unwrap().duration, None);
        let defaults = PimSettings::Governed {
            settings: RoleSettings::microsoft_default(),
        };
        let (pim, req) = decide("R", AssignmentKind::Active, Some(&defaults), None, false);
        assert!(pim.unwrap().hold.is_none());
        assert_eq!(req.unwrap().duration, None);
    }
}
