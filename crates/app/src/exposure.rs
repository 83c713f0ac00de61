//! `exposure`: who can change the groups that decide who holds each role — read from the
//! domain controller (owners, DACLs, `managedBy`, nested groups) and assessed by
//! [`rolesync_core::exposure`]. Needs the directory only: no sign-in to Entra ID. Also the lines
//! `check` shows for it.

use crate::backends::{self, BuildContext};
use crate::run::RunHooks;
use crate::{App, AppError};
use rolesync_core::checks::CheckLine;
use rolesync_core::exposure::{examine, ExposureReport};

/// The title of the `check` line(s) about exposure.
pub const CHECK_TITLE: &str = "only Tier 0 can change who holds the roles";

impl App {
    /// Reads and assesses who can change the role groups. A directory that cannot be read is a
    /// report that says so (`error`), which fails like a finding above the threshold.
    pub async fn exposure(
        &self,
        demo: bool,
        hooks: &RunHooks<'_>,
    ) -> Result<ExposureReport, AppError> {
        let settings = self.settings(demo)?;
        let credentials = self.credentials();
        let cx = BuildContext {
            credentials: &credentials,
            asker: hooks.asker,
            interaction: hooks.interaction.clone(),
        };
        let (source, policy, transitive) = if demo {
            (
                Box::new(rolesync_demo::directory())
                    as Box<dyn rolesync_core::traits::DirectorySource>,
                rolesync_demo::policy(),
                true,
            )
        } else {
            backends::directory(&settings, &cx).await?
        };
        let s = settings.config.exposure.settings(policy.mapping.ou.clone());
        Ok(examine(source.as_ref(), &policy, transitive, &s).await)
    }

    /// [`App::exposure`] on a runtime of its own.
    pub fn exposure_blocking(
        &self,
        demo: bool,
        hooks: &RunHooks<'_>,
    ) -> Result<ExposureReport, AppError> {
        crate::run::runtime()?.block_on(self.exposure(demo, hooks))
    }
}

/// The `check` lines for an assessment: one failing line per finding at or above the
/// threshold, else one passing line with the summary.
pub fn check_lines(r: &ExposureReport) -> Vec<CheckLine> {
    if let Some(e) = &r.error {
        return vec![CheckLine::fail(
            CHECK_TITLE,
            format!("not assessed: {e}"),
            "let the bind account read the role groups and their permissions, then run `rolesync exposure`",
        )];
    }
    let above: Vec<CheckLine> = r
        .above_threshold()
        .map(|f| {
            CheckLine::fail(
                CHECK_TITLE,
                f.message.clone(),
                "remove the delegation (or the nesting) in AD, or list the trustee under [exposure] expected if its control is intended",
            )
        })
        .collect();
    if above.is_empty() {
        vec![CheckLine::ok(CHECK_TITLE, Some(r.summary()))]
    } else {
        above
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rolesync_core::exposure::{ExposureSettings, Severity};
    use rolesync_core::ids::Dn;

    fn report(severity: &str, fail_at: Option<Severity>) -> ExposureReport {
        let mut s = ExposureSettings::for_ou(Dn::new("OU=Roles,DC=x"));
        s.fail_at = fail_at;
        let mut r = ExposureReport::failed(&s, "");
        r.error = None;
        r.role_groups = 1;
        r.groups = 1;
        r.findings.push(
            serde_json::from_value(serde_json::json!({
                "severity": severity, "kind": "canChange",
                "principal": {"name": "hd-ann", "kind": "user"}, "right": "writeMember",
                "manager": false, "group": {"name": "G", "dn": "CN=G,OU=Roles,DC=x", "outsideRolesOu": false},
                "path": ["G"], "roleGroup": "CN=G,OU=Roles,DC=x", "roles": ["Helpdesk Administrator"],
                "message": "user hd-ann → may write member → on \"G\""
            }))
            .unwrap(),
        );
        r
    }

    #[test]
    fn findings_at_the_threshold_fail_check_and_below_it_pass() {
        let lines = check_lines(&report("medium", Some(Severity::Medium)));
        assert_eq!(lines.len(), 1);
        assert!(!lines[0].ok);
        assert_eq!(
            lines[0].detail.as_deref(),
            Some("user hd-ann → may write member → on \"G\"")
        );
        let lines = check_lines(&report("medium", Some(Severity::High)));
        assert!(lines[0].ok, "{lines:?}");
        assert!(lines[0]
            .detail
            .as_deref()
            .unwrap()
            .starts_with("0 high, 1 medium"));
        let mut r = report("low", None);
        r.error = Some("the OU does not exist".into());
        let lines = check_lines(&r);
        assert!(!lines[0].ok);
        assert!(lines[0].detail.as_deref().unwrap().contains("not assessed"));
    }
}
