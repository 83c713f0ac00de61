//! The settings, described once: every section and key of the configuration file with its kind,
//! its default, and the words the settings page shows. The defaults live here ([`defaults`]) and
//! nowhere else; validation ([`crate::parse`]) takes them from here, unknown keys are found with
//! this list, the settings form ([`crate::form`]) reads and writes exactly these keys, and the
//! desktop page draws its fields from it. Tests check the parser's keys, the commented example
//! and the page against it.

use serde::Serialize;

/// The defaults of the settings that have one.
pub mod defaults {
    use rolesync_core::policy::SafetyLimits;

    /// The OU holding the role groups when `directory.ou` is not set (demo runs, no file).
    pub const OU: &str = "OU=Office 365 Roles Management";
    /// `directory.nested`.
    pub const NESTED: bool = true;
    /// `directory.bind`: Kerberos as the account running RoleSync.
    pub const BIND: &str = "integrated";
    // `entra.login_url` and `entra.graph_url` follow each other: their defaults are Microsoft's
    // clouds in `crate::cloud` (the global service when neither is set).
    /// `entra.concurrent_reads`: Graph reads in flight.
    pub const CONCURRENT_READS: u32 = 32;
    /// `entra.concurrent_write_batches`: Graph `$batch`es of 20 writes in flight.
    pub const CONCURRENT_WRITE_BATCHES: u32 = 50;
    /// `mapping.default_kind`.
    pub const DEFAULT_KIND: &str = "active";
    /// `safety.max_revokes` (the planner's own default).
    pub const MAX_REVOKES: u32 = SafetyLimits::DEFAULT.max_revokes;
    /// `safety.max_revoke_percent` (the planner's own default).
    pub const MAX_REVOKE_PERCENT: u32 = SafetyLimits::DEFAULT.max_revoke_percent;
    /// `pim.renew_within_days` (the planner's own default).
    pub const PIM_RENEW_WITHIN_DAYS: u32 =
        rolesync_core::policy::PimOptions::DEFAULT_RENEW_WITHIN_DAYS;
    /// `safety.run_deadline_minutes`: an onboarding-size first sync (15,000 changes at Graph's
    /// write limits) takes about 15 minutes; a run still going after an hour is stuck.
    pub const RUN_DEADLINE_MINUTES: u32 = 60;
    /// `safety.approval_expires_hours`: a held plan is a snapshot; after a day the directory
    /// and the tenant have moved on.
    pub const APPROVAL_EXPIRES_HOURS: u32 = 24;
    /// `safety.on_drift`.
    pub const ON_DRIFT: &str = "correct";
    /// `logging.level`.
    pub const LOGGING_LEVEL: &str = "info";
    /// `exposure.fail_at`.
    pub const EXPOSURE_FAIL_AT: &str = "medium";
    /// `email.security`.
    pub const SMTP_SECURITY: &str = "starttls";

    /// `email.port` when it is not set: the usual port of the connection security.
    pub fn smtp_port(security: &str) -> u16 {
        match security {
            "tls" => 465,
            "none" => 25,
            _ => 587,
        }
    }
}

/// What a setting's value is.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Kind {
    /// A string (a name, a DN, a URL, a path).
    Text,
    /// `true` or `false`.
    Flag,
    /// A whole number from `min` to `max`.
    Number {
        /// Smallest value.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        min: i64,
        /// Largest value.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        max: i64,
    },
    /// A list of strings.
    List,
    /// One of these words.
    Choice {
        /// The words.
        #[cfg_attr(feature = "ts", ts(type = "Array<string>"))]
        choices: &'static [&'static str],
    },
}

/// A setting's value when the file does not set it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "camelCase")]
pub enum DefaultValue {
    /// None: the setting is required where its section is used, or means "not used".
    None,
    /// This flag.
    Flag(bool),
    /// This number.
    Number(#[cfg_attr(feature = "ts", ts(type = "number"))] i64),
    /// This text.
    Text(#[cfg_attr(feature = "ts", ts(type = "string"))] &'static str),
    /// Depends on another setting (`email.port` on `email.security`, `entra.graph_url` on
    /// `entra.login_url` and the other way round).
    Derived,
}

/// One key of a section.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Setting {
    /// The key in its section (`url`).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub name: &'static str,
    /// Its kind.
    pub kind: Kind,
    /// Its default.
    pub default: DefaultValue,
    /// What the settings page calls it.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub label: &'static str,
    /// An example value, shown in an empty field.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub placeholder: &'static str,
    /// Rarely changed: the page shows it under "More settings".
    pub advanced: bool,
}

/// A section of the file: a table (`[directory]`) or an array of tables (`[[mappings]]`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    /// The table's name.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub name: &'static str,
    /// What the settings page calls it.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub title: &'static str,
    /// `[[name]]`: any number of rows of these keys.
    pub rows: bool,
    /// The section may be left out as a whole (`[email]`: no mail); the page's switch says this.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub optional: Option<&'static str>,
    /// Its keys, in the file's order.
    #[cfg_attr(feature = "ts", ts(type = "Array<Setting>"))]
    pub settings: &'static [Setting],
}

impl Section {
    /// The setting `name` of this section.
    pub fn setting(&self, name: &str) -> Option<&'static Setting> {
        self.settings.iter().find(|s| s.name == name)
    }
}

const fn setting(
    name: &'static str,
    kind: Kind,
    default: DefaultValue,
    label: &'static str,
) -> Setting {
    Setting {
        name,
        kind,
        default,
        label,
        placeholder: "",
        advanced: false,
    }
}

impl Setting {
    const fn example(mut self, placeholder: &'static str) -> Self {
        self.placeholder = placeholder;
        self
    }

    const fn advanced(mut self) -> Self {
        self.advanced = true;
        self
    }
}

const TEXT: Kind = Kind::Text;
const FLAG: Kind = Kind::Flag;
const LIST: Kind = Kind::List;
const NONE: DefaultValue = DefaultValue::None;

/// `entra.sign_in`.
pub const SIGN_IN_MODES: &[&str] = &[
    "certificate",
    "secret",
    "interactive",
    "device-code",
    "password",
];
/// `mapping.default_kind` and `[[mappings]] kind`.
pub const ASSIGNMENT_KINDS: &[&str] = &["active", "eligible"];
/// `safety.on_drift`.
pub const ON_DRIFT: &[&str] = &["correct", "report"];
/// `mappings.manage`.
pub const MANAGE: &[&str] = &["all", "owned"];
/// `logging.level`.
pub const LOG_LEVELS: &[&str] = &["error", "warn", "info", "debug", "trace"];
/// `exposure.fail_at`.
pub const EXPOSURE_THRESHOLDS: &[&str] = &["low", "medium", "high", "never"];
/// `email.security`.
pub const SMTP_SECURITIES: &[&str] = &["starttls", "tls", "none"];

/// Every section, in the order of the example file.
pub const SECTIONS: &[Section] = &[
    Section {
        name: "directory",
        title: "Active Directory",
        rows: false,
        optional: None,
        settings: &[
            setting("domain", TEXT, NONE, "AD domain (its DCs are found in DNS)")
                .example("contoso.com"),
            setting("bind", TEXT, DefaultValue::Text(defaults::BIND), "Sign-in")
                .example("integrated, or a bind account svc-rolesync@contoso.com"),
            setting("url", TEXT, NONE, "A fixed DC instead of discovery")
                .example("ldaps://dc1.contoso.com")
                .advanced(),
            setting(
                "start_tls",
                FLAG,
                DefaultValue::Flag(false),
                "StartTLS on ldap://",
            ),
            setting("ca_file", TEXT, NONE, "CA certificate of the DC (PEM file)")
                .example("C:\\ProgramData\\RoleSync\\contoso-ca.pem")
                .advanced(),
            setting(
                "allow_insecure",
                FLAG,
                DefaultValue::Flag(false),
                "Allow plain ldap:// (the bind password in clear text)",
            )
            .advanced(),
            setting("base_dn", TEXT, NONE, "Search base (default: the domain's)")
                .example("DC=contoso,DC=com")
                .advanced(),
            setting("ou", TEXT, NONE, "Role groups OU")
                .example("OU=Office 365 Roles Management,DC=… (default under the base)"),
            setting(
                "nested",
                FLAG,
                DefaultValue::Flag(defaults::NESTED),
                "Count nested group members",
            ),
            setting("ldif", TEXT, NONE, "LDIF export instead of a DC"),
        ],
    },
    Section {
        name: "entra",
        title: "Entra ID sign-in",
        rows: false,
        optional: None,
        settings: &[
            setting("tenant", TEXT, NONE, "Tenant").example("contoso.onmicrosoft.com"),
            setting("client_id", TEXT, NONE, "Client id"),
            setting(
                "sign_in",
                Kind::Choice {
                    choices: SIGN_IN_MODES,
                },
                NONE,
                "Sign-in mode",
            ),
            setting("certificate", TEXT, NONE, "Certificate file"),
            setting(
                "certificate_thumbprint",
                TEXT,
                NONE,
                "Certificate thumbprint (Windows certificate store)",
            )
            .advanced(),
            setting("username", TEXT, NONE, "Account (password sign-in)"),
            setting(
                "interactive",
                FLAG,
                DefaultValue::Flag(false),
                "Interactive MFA sign-in also allowed (the window asks)",
            ),
            setting(
                "login_url",
                TEXT,
                DefaultValue::Derived,
                "Sign-in endpoint (national clouds)",
            )
            .example("https://login.microsoftonline.com")
            .advanced(),
            setting(
                "graph_url",
                TEXT,
                DefaultValue::Derived,
                "Microsoft Graph endpoint (national clouds)",
            )
            .example("https://graph.microsoft.com")
            .advanced(),
            setting(
                "ca_file",
                TEXT,
                NONE,
                "Extra CA for the endpoints (PEM file)",
            )
            .advanced(),
            setting(
                "concurrent_reads",
                Kind::Number { min: 1, max: 256 },
                DefaultValue::Number(defaults::CONCURRENT_READS as i64),
                "Graph reads in flight",
            )
            .advanced(),
            setting(
                "concurrent_write_batches",
                Kind::Number { min: 1, max: 150 },
                DefaultValue::Number(defaults::CONCURRENT_WRITE_BATCHES as i64),
                "Graph write batches in flight",
            )
            .advanced(),
        ],
    },
    Section {
        name: "mapping",
        title: "Mappings",
        rows: false,
        optional: None,
        settings: &[
            setting("prefix", TEXT, NONE, "Group name prefix").example("M365-"),
            setting(
                "match_by_upn",
                FLAG,
                DefaultValue::Flag(false),
                "Match users by UPN as a fallback",
            ),
            setting(
                "default_kind",
                Kind::Choice {
                    choices: ASSIGNMENT_KINDS,
                },
                DefaultValue::Text(defaults::DEFAULT_KIND),
                "Default assignment",
            ),
        ],
    },
    Section {
        name: "mappings",
        title: "Explicit mappings",
        rows: true,
        optional: None,
        settings: &[
            setting("group", TEXT, NONE, "Group").example("Group DN or name"),
            setting("role", TEXT, NONE, "Role").example("Role (name or id)"),
            setting(
                "kind",
                Kind::Choice {
                    choices: ASSIGNMENT_KINDS,
                },
                NONE,
                "Kind",
            ),
            setting(
                "allow_empty",
                FLAG,
                DefaultValue::Flag(false),
                "allow empty",
            ),
            setting(
                "manage",
                Kind::Choice { choices: MANAGE },
                NONE,
                "Revoke (all, or only what RoleSync granted)",
            ),
            setting("scope", TEXT, NONE, "Scope")
                .example("tenant, or administrativeUnit:<name or id>"),
        ],
    },
    Section {
        name: "safety",
        title: "Safety",
        rows: false,
        optional: None,
        settings: &[
            setting(
                "max_revokes",
                Kind::Number {
                    min: 0,
                    max: u32::MAX as i64,
                },
                DefaultValue::Number(defaults::MAX_REVOKES as i64),
                "Max revokes per role",
            ),
            setting(
                "max_revoke_percent",
                Kind::Number { min: 0, max: 100 },
                DefaultValue::Number(defaults::MAX_REVOKE_PERCENT as i64),
                "Max revoke share (%)",
            ),
            setting("protected", LIST, NONE, "Protected accounts (one per line)"),
            setting(
                "run_deadline_minutes",
                Kind::Number { min: 1, max: 1440 },
                DefaultValue::Number(defaults::RUN_DEADLINE_MINUTES as i64),
                "Longest a run may take (minutes)",
            )
            .advanced(),
            setting(
                "require_approval",
                LIST,
                NONE,
                "Roles whose grants need a second person's approval (one per line)",
            ),
            setting(
                "approval_expires_hours",
                Kind::Number { min: 1, max: 720 },
                DefaultValue::Number(defaults::APPROVAL_EXPIRES_HOURS as i64),
                "Plans held for approval expire after (hours)",
            )
            .advanced(),
            setting(
                "on_drift",
                Kind::Choice { choices: ON_DRIFT },
                DefaultValue::Text(defaults::ON_DRIFT),
                "Assignments changed outside RoleSync",
            ),
        ],
    },
    Section {
        name: "pim",
        title: "PIM",
        rows: false,
        optional: None,
        settings: &[
            setting(
                "renew_within_days",
                Kind::Number { min: 1, max: 365 },
                DefaultValue::Number(defaults::PIM_RENEW_WITHIN_DAYS as i64),
                "Renew PIM assignments that end within (days)",
            )
            .advanced(),
            setting(
                "duration",
                TEXT,
                NONE,
                "Duration of new PIM assignments (ISO 8601)",
            )
            .example("P90D")
            .advanced(),
        ],
    },
    Section {
        name: "exposure",
        title: "Exposure",
        rows: false,
        optional: None,
        settings: &[
            setting(
                "expected",
                LIST,
                NONE,
                "Expected Tier-0 trustees, not reported (one per line)",
            )
            .example("Domain Admins, Enterprise Admins, Administrators, SYSTEM, Domain Controllers, Enterprise Domain Controllers")
            .advanced(),
            setting(
                "fail_at",
                Kind::Choice {
                    choices: EXPOSURE_THRESHOLDS,
                },
                DefaultValue::Text(defaults::EXPOSURE_FAIL_AT),
                "rolesync exposure fails at findings of",
            ),
        ],
    },
    Section {
        name: "logging",
        title: "Logging",
        rows: false,
        optional: None,
        settings: &[
            setting("folder", TEXT, NONE, "Folder"),
            setting(
                "level",
                Kind::Choice {
                    choices: LOG_LEVELS,
                },
                DefaultValue::Text(defaults::LOGGING_LEVEL),
                "Level",
            ),
        ],
    },
    Section {
        name: "email",
        title: "Email report",
        rows: false,
        optional: Some("Send an email report after each run"),
        settings: &[
            setting("server", TEXT, NONE, "SMTP server").example("smtp.office365.com"),
            setting(
                "port",
                Kind::Number { min: 1, max: 65535 },
                DefaultValue::Derived,
                "Port",
            )
            .example("587 (starttls), 465 (tls), 25 (none)"),
            setting(
                "security",
                Kind::Choice {
                    choices: SMTP_SECURITIES,
                },
                DefaultValue::Text(defaults::SMTP_SECURITY),
                "Security",
            ),
            setting("from", TEXT, NONE, "From").example("rolesync@contoso.com"),
            setting("to", LIST, NONE, "Recipients (one per line)"),
            setting("username", TEXT, NONE, "SMTP account"),
            setting(
                "ca_file",
                TEXT,
                NONE,
                "CA of the server's certificate (PEM file)",
            )
            .advanced(),
        ],
    },
];

/// The section `name`.
pub fn section(name: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.name == name)
}

/// The setting with this dotted key (`safety.max_revokes`).
pub fn setting_at(key: &str) -> Option<&'static Setting> {
    let (sec, name) = key.split_once('.')?;
    section(sec)?.setting(name)
}

/// Every dotted key (`directory.url`, …, `mappings.group`, …), in the file's order.
pub fn keys() -> impl Iterator<Item = String> {
    SECTIONS.iter().flat_map(|s| {
        s.settings
            .iter()
            .map(move |k| format!("{}.{}", s.name, k.name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_defaults_fit_their_kind() {
        let all: Vec<String> = keys().collect();
        let mut sorted = all.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), all.len(), "a key is listed twice");
        for s in SECTIONS {
            for k in s.settings {
                let fits = match (k.kind, k.default) {
                    (_, DefaultValue::None) => true,
                    (Kind::Flag, DefaultValue::Flag(_)) => true,
                    (Kind::Number { min, max }, DefaultValue::Number(n)) => {
                        (min..=max).contains(&n)
                    }
                    (Kind::Number { .. } | Kind::Text, DefaultValue::Derived) => true,
                    (Kind::Text, DefaultValue::Text(_)) => true,
                    (Kind::Choice { choices }, DefaultValue::Text(t)) => choices.contains(&t),
                    _ => false,
                };
                assert!(
                    fits,
                    "{}.{}: {:?} for {:?}",
                    s.name, k.name, k.default, k.kind
                );
            }
        }
        assert_eq!(
            setting_at("safety.max_revokes").map(|s| s.default),
            Some(DefaultValue::Number(10))
        );
    }
}
