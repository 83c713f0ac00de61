//! The file as written: serde structs that refuse unknown keys and keep each value's position,
//! so that validation errors can name the line.

use serde::Deserialize;
use toml::Spanned;

pub(crate) type S<T> = Spanned<T>;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub directory: Option<S<RawDirectory>>,
    pub entra: Option<S<RawEntra>>,
    #[serde(default)]
    pub mapping: RawMapping,
    #[serde(default)]
    pub mappings: Vec<S<RawExplicit>>,
    #[serde(default)]
    pub safety: RawSafety,
    #[serde(default)]
    pub pim: RawPim,
    #[serde(default)]
    pub exposure: RawExposure,
    #[serde(default)]
    pub logging: RawLogging,
    pub email: Option<S<RawEmail>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDirectory {
    pub domain: Option<S<String>>,
    pub url: Option<S<String>>,
    #[serde(default)]
    pub start_tls: bool,
    pub ca_file: Option<S<String>>,
    #[serde(default)]
    pub allow_insecure: bool,
    pub bind: Option<S<String>>,
    pub base_dn: Option<S<String>>,
    pub ou: Option<S<String>>,
    pub nested: Option<bool>,
    pub ldif: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEntra {
    pub tenant: Option<S<String>>,
    pub client_id: Option<S<String>>,
    pub sign_in: Option<S<String>>,
    pub certificate: Option<S<String>>,
    pub certificate_thumbprint: Option<S<String>>,
    pub username: Option<S<String>>,
    #[serde(default)]
    pub interactive: bool,
    pub login_url: Option<S<String>>,
    pub graph_url: Option<S<String>>,
    pub ca_file: Option<S<String>>,
    pub concurrent_reads: Option<S<i64>>,
    pub concurrent_write_batches: Option<S<i64>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMapping {
    pub prefix: Option<String>,
    #[serde(default)]
    pub match_by_upn: bool,
    pub default_kind: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExplicit {
    pub group: S<String>,
    pub role: Option<S<String>>,
    pub kind: Option<S<String>>,
    #[serde(default)]
    pub allow_empty: bool,
    pub manage: Option<S<String>>,
    pub scope: Option<S<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSafety {
    pub max_revokes: Option<S<i64>>,
    pub max_revoke_percent: Option<S<i64>>,
    #[serde(default)]
    pub protected: Vec<S<String>>,
    pub run_deadline_minutes: Option<S<i64>>,
    #[serde(default)]
    pub require_approval: Vec<S<String>>,
    pub approval_expires_hours: Option<S<i64>>,
    pub on_drift: Option<S<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPim {
    pub renew_within_days: Option<S<i64>>,
    pub duration: Option<S<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExposure {
    pub expected: Option<Vec<S<String>>>,
    pub fail_at: Option<S<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLogging {
    pub folder: Option<S<String>>,
    pub level: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEmail {
    pub server: Option<S<String>>,
    pub port: Option<S<i64>>,
    pub security: Option<S<String>>,
    pub from: Option<S<String>>,
    #[serde(default)]
    pub to: Vec<S<String>>,
    pub username: Option<S<String>>,
    pub ca_file: Option<S<String>>,
}
