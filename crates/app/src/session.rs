//! A desktop window's session: whether it runs on the demo and why, one run at a time with its
//! questions and its cancellation, and the sign-in that "apply" from the preview reuses. Every
//! operation of the window is a method here; the Tauri commands only pass their arguments on.

use crate::approvals::HeldView;
use crate::credentials::{parse_name, CredentialList, TerminalAsker};
use crate::history::{LogView, RunDetails, RunSummary};
use crate::interaction::WindowInteraction;
use crate::messages::{Answer, MessageSink, RunMessage, SignInMethod, SinkObserver};
use crate::prompts::Pending;
use crate::run::{RunHooks, RunRequest, SignInChoice};
use crate::schedule::ScheduleRequest;
use crate::settings::SettingsState;
use crate::setup::{
    CertificateInfo, DirectoryFound, Registration, SetupAnswers, SetupSaved, SetupSecrets,
    SetupStart, TenantFound, Verification,
};
use crate::signin::{sign_in, SignInPlan, SignedIn};
use crate::{App, AppError, ErrorKind};
use rolesync_config::form::SettingsForm;
use rolesync_core::plan::Plan;
use rolesync_core::report::{RunMode, RunReport};
use rolesync_secrets::{CredentialName, Secret};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::Notify;
use ts_rs::TS;

/// What the window asks to run.
#[derive(Debug, Clone, Copy, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StartRun {
    /// `plan` (preview) or `apply`.
    pub mode: RunMode,
    /// "Apply anyway": go past overridable safety limits.
    pub force: bool,
    /// Use this window's earlier sign-in instead of asking again (apply from the preview).
    pub reuse_sign_in: bool,
}

/// A finished run, as the window shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunResult {
    /// The report.
    pub report: RunReport,
    /// The plan, when reading succeeded.
    pub plan: Option<Plan>,
    /// The report file (not for previews).
    pub report_file: Option<String>,
}

/// What the home page shows.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// Running on the built-in demo directory and tenant.
    pub demo: bool,
    /// Why demo mode is on, in words.
    pub demo_reason: Option<String>,
    /// The app version.
    pub version: String,
    /// The configuration file.
    pub config_file: String,
    /// Whether it exists.
    pub config_exists: bool,
    /// Logs, reports and the audit file.
    pub log_dir: String,
    /// The latest run in the reports folder.
    pub last_run: Option<RunSummary>,
    /// The configuration or log places that others can change, each with its fix.
    pub warnings: Vec<String>,
    /// There is no configuration yet: the window opens on the setup page.
    pub setup_needed: bool,
    /// How the next run signs in, in words (asked, or said without a question).
    pub sign_in: String,
}

/// The Pending approval page.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Approvals {
    /// The held plans, newest first.
    pub plans: Vec<HeldView>,
    /// Held files that cannot be approved (edited by hand, damaged), each with why.
    pub refused: Vec<String>,
}

/// Whether the window runs on the demo, and why.
#[derive(Debug, Clone)]
struct Mode {
    demo: bool,
    reason: Option<String>,
    /// `--demo`: stays on the demo whatever is saved.
    forced: bool,
}

/// A window's session.
pub struct Session {
    app: App,
    mode: Mutex<Mode>,
    pending: Arc<Pending>,
    running: Mutex<Option<Arc<Notify>>>,
    signed_in: Mutex<Option<SignedIn>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Clears the "running" mark when the run ends, however it ends.
struct Running<'a>(&'a Session);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        *lock(&self.0.running) = None;
        self.0.pending.cancel_all();
    }
}

impl Session {
    /// A window of `app`: on the demo when asked (`--demo`) or when no configuration exists.
    pub fn open(app: App, demo: bool) -> Self {
        let file = app.config_file();
        let reason = if demo {
            Some("started with --demo".to_string())
        } else if !file.exists() {
            Some(format!(
                "no configuration at {} yet; the setup page makes one",
                file.display()
            ))
        } else {
            None
        };
        Self {
            mode: Mutex::new(Mode {
                demo: reason.is_some(),
                reason,
                forced: demo,
            }),
            app,
            pending: Arc::default(),
            running: Mutex::new(None),
            signed_in: Mutex::new(None),
        }
    }

    /// Whether the window runs on the demo.
    pub fn demo(&self) -> bool {
        lock(&self.mode).demo
    }

    /// After a configuration was saved: a window that was on the demo only because there was
    /// none leaves the demo (its runs, schedule, history and logs are the configured ones now),
    /// and the demo's sign-in is forgotten.
    fn configuration_saved(&self) {
        let mut mode = lock(&self.mode);
        if mode.demo && !mode.forced && self.app.settings(false).is_ok() {
            *mode = Mode {
                demo: false,
                reason: None,
                forced: false,
            };
            *lock(&self.signed_in) = None;
            tracing::info!("configuration saved: the window leaves demo mode");
        }
    }

    /// How the next run signs in: from the configuration (the demo has both ways).
    fn sign_in_plan(&self) -> SignInPlan {
        let demo = self.demo();
        let entra = self.app.settings(demo).ok().and_then(|s| s.config.entra);
        crate::signin::plan(entra.as_ref(), demo)
    }

    /// Starts logging as the CLI does (the daily file in the log folder); an invalid
    /// configuration still opens the window, which shows the problem, and logs to the default
    /// folder.
    pub fn start_logging(&self) -> Result<crate::logging::LogGuard, AppError> {
        let (dir, level) = match self.app.settings(true) {
            Ok(s) => (s.log_dir(), s.config.logging.level),
            Err(_) => (self.app.paths().log_dir.clone(), "info".into()),
        };
        let guard = crate::logging::init(&dir, &level, false)?;
        tracing::info!(demo = self.demo(), "window opened");
        Ok(guard)
    }

    /// The home page.
    pub fn info(&self) -> AppInfo {
        let file = self.app.config_file();
        let mode = lock(&self.mode).clone();
        let log_dir = self.app.log_dir(mode.demo);
        AppInfo {
            demo: mode.demo,
            demo_reason: mode.reason,
            version: env!("CARGO_PKG_VERSION").into(),
            setup_needed: !file.exists(),
            sign_in: self.sign_in_plan().words(),
            config_exists: file.exists(),
            config_file: file.display().to_string(),
            warnings: rolesync_protect::exposures(file, &log_dir)
                .iter()
                .map(ToString::to_string)
                .collect(),
            log_dir: log_dir.display().to_string(),
            last_run: self.app.last_run(mode.demo),
        }
    }

    /// Marks a run as in progress; refused while another one is.
    fn start(&self) -> Result<(Running<'_>, Arc<Notify>), AppError> {
        let mut running = lock(&self.running);
        if running.is_some() {
            return Err(AppError::new(
                ErrorKind::Busy,
                "a run is in progress; wait for it or cancel it",
            ));
        }
        let cancel = Arc::new(Notify::new());
        *running = Some(cancel.clone());
        Ok((Running(self), cancel))
    }

    /// Signs in (asking through the window, or reusing this window's sign-in), then runs a
    /// preview (`plan`) or a sync (`apply`), streaming questions and progress to `sink`.
    pub async fn run(
        &self,
        request: StartRun,
        sink: Arc<dyn MessageSink>,
    ) -> Result<RunResult, AppError> {
        let (_running, cancel) = self.start()?;
        let signed_in = self
            .signed_in(request.reuse_sign_in, &sink, &cancel)
            .await?;
        let run = RunRequest {
            mode: match request.mode {
                RunMode::Apply => RunMode::Apply,
                _ => RunMode::Plan,
            },
            force: request.force,
            demo: self.demo(),
            sign_in: signed_in.choice,
        };
        // A cancelled run keeps what it applied (a re-run converges); a cancelled demo run
        // leaves the demo tenant's saved state as it was.
        self.on_run_thread(sink, move |app, hooks| {
            app.run_blocking(&run, hooks, Some(&cancel))
        })
        .await
    }

    /// Runs `f` with this window's hooks (progress and questions to `sink`) on a thread and
    /// runtime of its own — the engine's future is not `Send` (its apply loop borrows across
    /// awaits), as for the CLI — and awaits its result.
    async fn on_run_thread(
        &self,
        sink: Arc<dyn MessageSink>,
        f: impl FnOnce(&App, &RunHooks<'_>) -> Result<crate::Finished, AppError> + Send + 'static,
    ) -> Result<RunResult, AppError> {
        let app = self.app.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("rolesync-run".into())
            .spawn(move || {
                let hooks = RunHooks {
                    observer: &SinkObserver(sink.as_ref()),
                    interaction: Arc::new(WindowInteraction::new(sink.clone())),
                    asker: &TerminalAsker,
                };
                let _ = tx.send(f(&app, &hooks));
            })
            .map_err(|e| AppError::io(format!("cannot start the run: {e}")))?;
        let finished = rx
            .await
            .map_err(|_| AppError::io("the run ended without a result"))??;
        Ok(RunResult {
            report: finished.report,
            plan: finished.plan,
            report_file: finished.report_file.map(|p| p.display().to_string()),
        })
    }

    /// The Pending approval page: the held plans, newest first, and the held files that cannot
    /// be approved, with why.
    pub fn approvals(&self) -> Result<Approvals, AppError> {
        let (plans, refused) = self.app.held(self.demo());
        Ok(Approvals {
            plans,
            refused: refused.into_iter().map(|e| e.message).collect(),
        })
    }

    /// Rejects a pending held plan.
    pub fn reject(&self, id: &str) -> Result<HeldView, AppError> {
        self.app.reject(self.demo(), id)
    }

    /// Approves a held plan: signs in as a run does (the window's questions), then reads both
    /// sides again and applies the held changes only when the fresh plan has the same ones (the
    /// approver in the audit is this OS account, as on the command line). A plan the directory
    /// or the tenant moved away from is the error, with the difference, and stays pending.
    pub async fn approve(
        &self,
        id: String,
        sink: Arc<dyn MessageSink>,
    ) -> Result<RunResult, AppError> {
        let demo = self.demo();
        self.signed_in_on_run_thread(sink, move |app, choice, hooks| {
            crate::run::runtime()?.block_on(app.approve_signed_in(demo, &id, choice, hooks))
        })
        .await
    }

    /// Plans (`apply == false`: a preview, nothing changed) or applies the undo of run
    /// `run_id`, signing in as a run does.
    pub async fn undo(
        &self,
        run_id: String,
        apply: bool,
        sink: Arc<dyn MessageSink>,
    ) -> Result<RunResult, AppError> {
        let demo = self.demo();
        self.signed_in_on_run_thread(sink, move |app, choice, hooks| {
            crate::run::runtime()?.block_on(app.undo_signed_in(demo, &run_id, apply, choice, hooks))
        })
        .await
    }

    /// Marks a run as going on, signs in as a new run does (the window's questions), then runs
    /// `f` with that sign-in on a run thread ([`Session::on_run_thread`]).
    async fn signed_in_on_run_thread(
        &self,
        sink: Arc<dyn MessageSink>,
        f: impl FnOnce(&App, SignInChoice, &RunHooks<'_>) -> Result<crate::Finished, AppError>
            + Send
            + 'static,
    ) -> Result<RunResult, AppError> {
        let (_running, cancel) = self.start()?;
        let choice = self.signed_in(false, &sink, &cancel).await?.choice;
        self.on_run_thread(sink, move |app, hooks| f(app, choice, hooks))
            .await
    }

    /// This window's earlier sign-in when `reuse` and there is one, else a new one: the MFA
    /// question and the credential dialogs. Cancelling the run cancels the questions.
    async fn signed_in(
        &self,
        reuse: bool,
        sink: &Arc<dyn MessageSink>,
        cancel: &Notify,
    ) -> Result<SignedIn, AppError> {
        if let Some(s) = reuse.then(|| lock(&self.signed_in).clone()).flatten() {
            sink.send(RunMessage::SignedIn {
                method: SignInMethod::Reused,
                account: s.account.clone(),
                detail: format!("Using the sign-in of the preview ({})", s.account),
            });
            return Ok(s);
        }
        let (pending, channel, demo) = (self.pending.clone(), sink.clone(), self.demo());
        let credentials = self.app.credentials();
        let plan = self.sign_in_plan();
        let asking = tokio::task::spawn_blocking(move || {
            sign_in(&pending, channel.as_ref(), &credentials, demo, &plan)
        });
        let s = tokio::select! {
            r = asking => r.map_err(|e| AppError::io(e.to_string()))??,
            _ = cancel.notified() => {
                self.pending.cancel_all();
                tracing::warn!("sign-in cancelled with the run; nothing was changed");
                return Err(AppError::cancelled("the run was cancelled; nothing was changed"));
            }
        };
        *lock(&self.signed_in) = Some(s.clone());
        Ok(s)
    }

    /// Answers an open question; false when it is no longer open.
    pub fn answer(&self, id: u32, answer: Answer) -> bool {
        self.pending.answer(id, answer)
    }

    /// Cancels the run in progress (its open questions are answered with Cancel); false when
    /// none is.
    pub fn cancel(&self) -> bool {
        self.pending.cancel_all();
        match lock(&self.running).as_ref() {
            Some(n) => {
                n.notify_one();
                true
            }
            None => false,
        }
    }

    /// The runs in the reports folder, newest first.
    pub fn history(&self) -> Result<Vec<RunSummary>, AppError> {
        self.app.history(self.demo())
    }

    /// One run of the history: its report (plan, changes, failures) and its log lines.
    pub fn run_details(&self, run_id: &str) -> Result<RunDetails, AppError> {
        self.app.run_details(self.demo(), run_id)
    }

    /// The newest log file's last lines.
    pub fn logs(&self) -> Result<LogView, AppError> {
        self.app.logs(self.demo())
    }

    /// Who can change the role groups (the Exposure page): read from the directory on a thread
    /// of its own; the bind password comes from the keyring (saved on the Credentials page).
    pub async fn exposure(&self) -> Result<rolesync_core::exposure::ExposureReport, AppError> {
        let (app, demo) = (self.app.clone(), self.demo());
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("rolesync-exposure".into())
            .spawn(move || {
                let hooks = RunHooks {
                    observer: &crate::messages::LogObserver,
                    interaction: Arc::new(rolesync_entra::SystemBrowser),
                    asker: &TerminalAsker,
                };
                let _ = tx.send(app.exposure_blocking(demo, &hooks));
            })
            .map_err(|e| AppError::io(format!("cannot start the assessment: {e}")))?;
        rx.await
            .map_err(|_| AppError::io("the assessment ended without a result"))?
    }

    /// Writes a zip of the logs, the audit file and the reports.
    pub fn export_logs(&self, dest: &Path) -> Result<usize, AppError> {
        self.app.export_logs(self.demo(), dest)
    }

    /// The saved credentials (accounts, never secrets).
    pub fn credentials(&self) -> Result<CredentialList, AppError> {
        self.app.credentials().list()
    }

    /// Forgets a saved credential; forgetting `office365` also forgets this window's sign-in.
    pub fn forget_credential(&self, name: &str) -> Result<CredentialList, AppError> {
        let name =
            parse_name(name).map_err(|e| AppError::new(ErrorKind::Credentials, e.message))?;
        self.app.credentials().forget(name)?;
        if name == CredentialName::Office365 {
            *lock(&self.signed_in) = None;
        }
        self.credentials()
    }

    /// Saves (adds or replaces) a credential; replacing `office365` also forgets this window's
    /// sign-in. A blank account or secret is refused and nothing is saved.
    pub fn save_credential(
        &self,
        name: &str,
        account: &str,
        secret: String,
    ) -> Result<CredentialList, AppError> {
        let name =
            parse_name(name).map_err(|e| AppError::new(ErrorKind::Credentials, e.message))?;
        self.app
            .credentials()
            .save(name, account, Secret::new(secret))?;
        tracing::info!(credential = %name, "credential saved from the window");
        if name == CredentialName::Office365 {
            *lock(&self.signed_in) = None;
        }
        self.credentials()
    }

    /// The settings page.
    pub fn load_settings(&self) -> Result<SettingsState, AppError> {
        self.app.load_settings()
    }

    /// Validates the settings form; changes nothing.
    pub fn check_settings(&self, form: SettingsForm) -> Result<SettingsState, AppError> {
        self.app.check_settings(form)
    }

    /// Saves the settings form when it is valid (a window on the demo for want of a
    /// configuration then leaves the demo).
    pub fn save_settings(&self, form: SettingsForm) -> Result<SettingsState, AppError> {
        let state = self.app.save_settings(form)?;
        if state.saved {
            self.configuration_saved();
        }
        Ok(state)
    }

    /// Registers, removes or shows the scheduled sync (of the demo only while on the demo).
    pub fn schedule(&self, request: ScheduleRequest) -> Result<String, AppError> {
        self.app.schedule(request, self.demo())
    }

    /// The setup page: the answers so far and the suggestions.
    pub fn setup_start(&self) -> SetupStart {
        self.app.setup_start()
    }

    /// The directory step of the setup (on a thread and runtime of its own: the LDAP and
    /// Kerberos calls block).
    pub async fn setup_directory(
        &self,
        a: SetupAnswers,
        s: SetupSecrets,
    ) -> Result<DirectoryFound, AppError> {
        let app = self.app.clone();
        on_thread(move || app.setup_directory_blocking(&a, &s)).await?
    }

    /// The tenant step of the setup.
    pub async fn setup_tenant(&self, a: SetupAnswers) -> Result<TenantFound, AppError> {
        let app = self.app.clone();
        on_thread(move || app.setup_tenant_blocking(&a)).await?
    }

    /// The certificate (made, or the one made earlier) and what to register with it.
    pub async fn setup_certificate(
        &self,
        a: SetupAnswers,
        replace: bool,
    ) -> Result<(CertificateInfo, Registration), AppError> {
        let app = self.app.clone();
        on_thread(move || {
            let cert = app.setup_certificate(&a, replace)?;
            let mut a = a;
            cert.fill(&mut a);
            let r = app.setup_registration(&a, &cert);
            Ok((cert, r))
        })
        .await?
    }

    /// Verifies every part; saves nothing.
    pub async fn setup_verify(
        &self,
        a: SetupAnswers,
        s: SetupSecrets,
    ) -> Result<Verification, AppError> {
        let app = self.app.clone();
        on_thread(move || app.setup_verify_blocking(&a, &s)).await?
    }

    /// Saves the configuration and the passwords; the window then leaves the demo.
    pub fn setup_save(&self, a: SetupAnswers, s: SetupSecrets) -> Result<SetupSaved, AppError> {
        let saved = self.app.setup_save(&a, &s)?;
        if saved.saved {
            self.configuration_saved();
        }
        Ok(saved)
    }
}

/// Runs `f` on a thread of its own (it may start its own runtime) and awaits its result.
async fn on_thread<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("rolesync-setup".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| AppError::io(format!("cannot start a thread: {e}")))?;
    rx.await
        .map_err(|_| AppError::io("the step ended without a result"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{app_with_tenant, channel, window};
    use std::time::Duration;

    fn start(mode: RunMode, reuse: bool) -> StartRun {
        StartRun {
            mode,
            force: false,
            reuse_sign_in: reuse,
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn apply_from_the_preview_reuses_its_sign_in() {
        let (_home, app, tenant) = app_with_tenant();
        let session = Arc::new(Session::open(app, false));
        assert!(!session.demo());
        let (sink, rx) = channel();
        let sink: Arc<dyn MessageSink> = Arc::new(sink);
        // The preview: the MFA question is answered No, then the credential is entered and
        // not saved.
        let text = |v: &str| Answer::Text { value: v.into() };
        let answers = window(
            session.pending.clone(),
            rx,
            vec![Answer::No, text("app"), text("secret"), Answer::No],
        );
        let preview = session
            .run(start(RunMode::Plan, false), sink.clone())
            .await
            .expect("preview");
        assert_eq!(preview.plan.map(|p| p.summary.grants), Some(1));
        assert!(preview.report_file.is_none());
        drop(sink);
        assert_eq!(
            answers.join().expect("window"),
            ["mfa", "account", "secret", "save"]
        );
        // Apply: no question, the preview's sign-in.
        let (sink, rx) = channel();
        let synced = session
            .run(start(RunMode::Apply, true), Arc::new(sink))
            .await
            .expect("applied");
        assert_eq!(tenant.writes(), 1);
        assert!(synced.report_file.is_some());
        let kinds: Vec<String> = rx
            .try_iter()
            .filter(|m| m["kind"] == "signedIn")
            .map(|m| m["method"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(kinds, ["reused"]);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn cancelling_during_the_mfa_question_changes_nothing() {
        let (_home, app, tenant) = app_with_tenant();
        let session = Arc::new(Session::open(app, false));
        let (sink, rx) = channel();
        let canceller = {
            let session = session.clone();
            std::thread::spawn(move || {
                let m = rx
                    .recv_timeout(Duration::from_secs(10))
                    .expect("a question");
                assert_eq!(m["prompt"]["question"]["type"], "mfa", "{m}");
                assert!(session.cancel(), "a run is in progress");
            })
        };
        let e = session
            .run(start(RunMode::Apply, false), Arc::new(sink))
            .await
            .expect_err("cancelled");
        canceller.join().expect("cancelled");
        assert_eq!(e.code, ErrorKind::Cancelled);
        assert_eq!(tenant.writes(), 0);
        assert!(!session.cancel(), "nothing runs any more");
    }

    /// Without interactive sign-in allowed, no MFA question: the configured sign-in is named
    /// and its credential asked for (the defect: Yes by default started an interactive sign-in
    /// the app registration could not do).
    #[tokio::test(flavor = "multi_thread")]
    async fn without_interactive_sign_in_no_question_is_asked() {
        let (_home, app, _tenant) = app_with_tenant();
        let text = std::fs::read_to_string(app.config_file()).unwrap();
        std::fs::write(app.config_file(), text.replace("interactive = true\n", "")).unwrap();
        let session = Arc::new(Session::open(app, false));
        assert!(
            session.info().sign_in.contains("not enabled"),
            "{}",
            session.info().sign_in
        );
        let (sink, rx) = channel();
        let sink: Arc<dyn MessageSink> = Arc::new(sink);
        let text = |v: &str| Answer::Text { value: v.into() };
        let answers = window(
            session.pending.clone(),
            rx,
            vec![text("app"), text("secret"), Answer::No],
        );
        session
            .run(start(RunMode::Plan, false), sink.clone())
            .await
            .expect("preview");
        drop(sink);
        assert_eq!(
            answers.join().expect("window"),
            ["account", "secret", "save"]
        );
    }

    /// Undo from the window: the session signs in as a run does (the saved credential, no
    /// question), previews the inverse (nothing changed), then applies it.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_sync_is_undone_through_the_session_after_a_preview() {
        let (_home, app, tenant) = app_with_tenant();
        let text = std::fs::read_to_string(app.config_file()).unwrap();
        std::fs::write(app.config_file(), text.replace("interactive = true\n", "")).unwrap();
        let session = Arc::new(Session::open(app, false));
        let listed = session.approvals().expect("listed");
        assert!(listed.plans.is_empty() && listed.refused.is_empty());
        let (sink, rx) = channel();
        let sink: Arc<dyn MessageSink> = Arc::new(sink);
        let text = |v: &str| Answer::Text { value: v.into() };
        let answers = window(
            session.pending.clone(),
            rx,
            vec![text("app"), text("secret"), Answer::Yes],
        );
        let synced = session
            .run(start(RunMode::Apply, false), sink.clone())
            .await
            .expect("synced");
        drop(sink);
        assert_eq!(
            answers.join().expect("window"),
            ["account", "secret", "save"]
        );
        assert_eq!(tenant.writes(), 1);
        let run_id = synced.report.run_id;
        let within = |f| tokio::time::timeout(Duration::from_secs(30), f);
        let (sink, _rx) = channel();
        let preview = within(session.undo(run_id.clone(), false, Arc::new(sink)))
            .await
            .expect("no question asked")
            .expect("previewed");
        assert_eq!(preview.plan.map(|p| p.summary.revokes), Some(1));
        assert!(preview.report_file.is_none());
        assert_eq!(tenant.writes(), 1, "a preview changes nothing");
        let (sink, _rx) = channel();
        let undone = within(session.undo(run_id, true, Arc::new(sink)))
            .await
            .expect("no question asked")
            .expect("undone");
        assert_eq!(undone.report.summary.revoked, 1);
        assert_eq!(tenant.writes(), 2);
    }

    /// A window on the demo for want of a configuration leaves the demo once one is saved: its
    /// schedule is the real one (no `--demo`) and the home page no longer says demo.
    #[test]
    fn saving_a_configuration_leaves_the_demo() {
        let (home, app) = crate::fakes::app_in();
        let s = Session::open(app.clone(), false);
        assert!(s.demo() && s.info().setup_needed);
        let mut form = s.load_settings().expect("form").form;
        let cert = home.path().join("graph.pem");
        std::fs::write(&cert, "x").unwrap();
        form.set(
            "entra.client_id",
            rolesync_config::form::FieldValue::Text("3f1b0c7e-2a4d-4e8f-9b6a-1c2d3e4f5a6b".into()),
        );
        form.set(
            "entra.certificate",
            rolesync_config::form::FieldValue::Text(cert.display().to_string()),
        );
        assert!(s.save_settings(form).expect("saved").saved);
        assert!(!s.demo());
        let info = s.info();
        assert!(!info.demo && info.demo_reason.is_none() && !info.setup_needed);
        let printed = s
            .schedule(ScheduleRequest {
                action: crate::schedule::ScheduleAction::Install {
                    at: "02:30".into(),
                    every: crate::schedule::Frequency::Day,
                    run_as: None,
                },
                print: true,
            })
            .expect("printed");
        assert!(!printed.contains("--demo"), "{printed}");
        assert!(printed.contains("--config"), "{printed}");
        // Started with --demo: stays on the demo.
        let forced = Session::open(app, true);
        assert!(forced.demo());
    }

    #[test]
    fn without_a_configuration_the_window_opens_on_the_demo() {
        let (_home, app) = crate::fakes::app_in();
        let s = Session::open(app, false);
        assert!(s.demo());
        let info = s.info();
        assert!(info.demo && !info.config_exists);
        assert!(info
            .demo_reason
            .unwrap_or_default()
            .contains("no configuration"));
        assert!(info.setup_needed);
        assert!(info.last_run.is_none());
        assert_eq!(
            s.forget_credential("nope").expect_err("unknown").code,
            ErrorKind::Credentials
        );
    }
}
