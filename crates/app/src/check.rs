//! `check`: the pre-flight. The configuration is valid (or the demo is used), then both sides are
//! reached and read: each group's role, members with unroutable UPN suffixes or no Entra account —
//! each a line that is right or says what to fix. Nothing changes.

use crate::backends::BuildContext;
use crate::run::{RunHooks, RunRequest};
use crate::{App, AppError};
use rolesync_core::checks::CheckLine;
use rolesync_core::engine::Engine;
use rolesync_core::exit::ExitCode;
use rolesync_core::report::RunMode;

/// The pre-flight's findings.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// Each finding, in order.
    pub lines: Vec<CheckLine>,
    /// A side could not be read at all.
    pub read_failed: bool,
}

impl CheckReport {
    /// Every line is right.
    pub fn ok(&self) -> bool {
        self.lines.iter().all(|l| l.ok)
    }

    /// The exit code: a side could not be read, some checks failed, or all is well.
    pub fn exit(&self) -> ExitCode {
        if self.read_failed {
            ExitCode::ReadFailed
        } else if self.ok() {
            ExitCode::Done
        } else {
            ExitCode::ItemFailures
        }
    }
}

/// The lines about who else can change the configuration and the logs.
fn access_lines(s: &crate::Settings) -> Vec<CheckLine> {
    let exposed = rolesync_protect::exposures(&s.config.file, &s.log_dir());
    if exposed.is_empty() {
        return vec![CheckLine::ok(
            "only this account and the administrators can change the configuration and the logs",
            None,
        )];
    }
    exposed
        .iter()
        .map(|x| {
            CheckLine::fail(
                format!(
                    "only this account and the administrators can change {}",
                    x.what
                ),
                x.message(),
                x.fix(),
            )
        })
        .collect()
}

impl App {
    /// Checks the configuration, the connections, the mappings and the members.
    pub async fn check(&self, demo: bool, hooks: &RunHooks<'_>) -> Result<CheckReport, AppError> {
        let settings = self.settings(demo)?;
        let credentials = self.credentials();
        let cx = BuildContext {
            credentials: &credentials,
            asker: hooks.asker,
            interaction: hooks.interaction.clone(),
        };
        let request = RunRequest::new(RunMode::Plan, false, demo);
        let b = self.backends.build(&settings, &request, &cx).await?;
        let engine = Engine {
            source: b.source.as_ref(),
            target: b.target.as_ref(),
            policy: &b.policy,
            transitive: b.transitive,
            journal: None,
        };
        let mut lines = vec![CheckLine::ok(
            "the configuration is valid",
            Some(if settings.file_exists {
                settings.config.file.display().to_string()
            } else {
                "built-in demo settings".into()
            }),
        )];
        lines.extend(access_lines(&settings));
        let (found, read_failed) = engine.check(hooks.observer).await;
        lines.extend(found);
        if b.source.has_security_descriptors() && !read_failed {
            let s = settings
                .config
                .exposure
                .settings(b.policy.mapping.ou.clone());
            let r =
                rolesync_core::exposure::examine(b.source.as_ref(), &b.policy, b.transitive, &s)
                    .await;
            lines.extend(crate::exposure::check_lines(&r));
        }
        b.finish().await;
        Ok(CheckReport { lines, read_failed })
    }

    /// [`App::check`] on a runtime of its own.
    pub fn check_blocking(
        &self,
        demo: bool,
        hooks: &RunHooks<'_>,
    ) -> Result<CheckReport, AppError> {
        crate::run::runtime()?.block_on(self.check(demo, hooks))
    }
}

#[cfg(test)]
mod tests {
    use crate::fakes::{app_with_tenant, hooks, Recorder};
    use rolesync_core::traits::ReadErrorKind;

    #[test]
    fn a_readable_pair_passes_and_an_unreadable_one_exits_4() {
        let (_home, app, tenant) = app_with_tenant();
        let events = Recorder::default();
        let ok = app.check_blocking(false, &hooks(&events)).expect("checked");
        assert!(!ok.read_failed);
        assert_eq!(ok.lines[0].title, "the configuration is valid");
        tenant.fail_reads_with(ReadErrorKind::Network);
        let bad = app.check_blocking(false, &hooks(&events)).expect("checked");
        assert!(bad.read_failed);
        assert_eq!(bad.exit().code(), 4);
        assert!(!bad.ok());
    }
}
