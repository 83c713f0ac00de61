//! Test doubles for the application's unit tests: a home folder of its own, a memory keyring, a
//! tenant over the core's in-memory source and target, an observer that records, a message sink
//! and a "window" that answers questions.

use crate::backends::{BackendFactory, Backends, BuildContext};
use crate::credentials::{Asker, MemoryKeyring};
use crate::messages::{Answer, MessageSink, RunMessage};
use crate::prompts::Pending;
use crate::run::{RunHooks, RunRequest};
use crate::{App, AppError, Settings};
use rolesync_config::Paths;
use rolesync_core::directory::{DirectoryGroup, DirectorySnapshot, DirectoryUser};
use rolesync_core::events::{Observer, SyncEvent};
use rolesync_core::memory::{MemorySource, MemoryTarget, TenantState};
use rolesync_core::report::RunReport;
use rolesync_core::traits::{ReadError, ReadErrorKind};
use rolesync_entra::auth::{DeviceCodePrompt, Interaction};
use rolesync_secrets::{MemoryStore, Prompter, TerminalPrompter};
use serde_json::json;
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::Duration;
use tempfile::TempDir;

/// An application in a fresh folder (`ROLESYNC_HOME` layout) with a memory keyring and no
/// configuration file.
pub fn app_in() -> (TempDir, App) {
    let home = tempfile::tempdir().expect("temp dir");
    let app = App::with_paths(Paths::under(home.path().to_path_buf()), None)
        .with_keyring(Arc::new(MemoryKeyring(Arc::new(MemoryStore::new()))));
    (home, app)
}

/// The OU of the fake directory.
const OU: &str = "OU=Roles,DC=contoso,DC=com";

/// A valid configuration for the fake pair (its `[directory]` and `[entra]` are never used).
const CONFIG: &str = r#"[directory]
ldif = "unused.ldif"
ou = "OU=Roles,DC=contoso,DC=com"

[entra]
tenant = "contoso.onmicrosoft.com"
client_id = "11111111-1111-4111-8111-111111111111"
sign_in = "secret"
interactive = true
"#;

/// One role group with one member who does not hold the role yet: a sync grants once.
pub struct FakeTenant {
    source: MemorySource,
    target: Arc<MemoryTarget>,
    fail: Mutex<Option<ReadErrorKind>>,
}

impl FakeTenant {
    fn new() -> Self {
        let bob: DirectoryUser = serde_json::from_value(json!({
            "dn": "CN=Bob,OU=Users,DC=contoso,DC=com",
            "objectGuid": "6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b",
            "upn": "bob@contoso.com",
            "enabled": true
        }))
        .expect("a user");
        let anchor = bob.source_anchor().immutable_id();
        let group = DirectoryGroup {
            dn: format!("CN=Exchange Administrator,{OU}").as_str().into(),
            name: "Exchange Administrator".into(),
            members: vec![bob],
            nested_groups: vec![],
        };
        let state: TenantState = serde_json::from_value(json!({
            "roles": [{
                "id": "29232cdf-9323-42fd-ade2-1d097af3e4de",
                "templateId": "29232cdf-9323-42fd-ade2-1d097af3e4de",
                "displayName": "Exchange Administrator",
                "isBuiltIn": true
            }],
            "users": [{
                "id": "0a000000-0000-4000-8000-000000000001",
                "userPrincipalName": "bob@contoso.com",
                "userType": "Member",
                "accountEnabled": true,
                "onPremisesSyncEnabled": true,
                "onPremisesImmutableId": anchor
            }],
            "assignments": []
        }))
        .expect("a tenant");
        Self {
            source: MemorySource::new(DirectorySnapshot {
                groups: vec![group],
                problems: vec![],
            }),
            target: Arc::new(MemoryTarget::new(state)),
            fail: Mutex::new(None),
        }
    }

    /// Changes the tenant received.
    pub fn writes(&self) -> usize {
        self.target.writes().len()
    }

    /// Every later read of the tenant fails with this kind.
    pub fn fail_reads_with(&self, kind: ReadErrorKind) {
        *self.fail.lock().unwrap_or_else(PoisonError::into_inner) = Some(kind);
    }
}

#[async_trait::async_trait(?Send)]
impl BackendFactory for FakeTenant {
    async fn build(
        &self,
        settings: &Settings,
        _request: &RunRequest,
        _cx: &BuildContext<'_>,
    ) -> Result<Backends, AppError> {
        let fail = *self.fail.lock().unwrap_or_else(PoisonError::into_inner);
        let target: Arc<MemoryTarget> = match fail {
            Some(kind) => {
                let mut t = MemoryTarget::new(self.target.state());
                t.fail_reads = Some(ReadError::of(kind, "the tenant cannot be read"));
                Arc::new(t)
            }
            None => self.target.clone(),
        };
        Ok(Backends {
            source: Box::new(self.source.clone()),
            target,
            policy: settings.config.policy.clone(),
            transitive: true,
            demo: None,
        })
    }
}

/// An application with a configuration file over the fake pair.
pub fn app_with_tenant() -> (TempDir, App, Arc<FakeTenant>) {
    let (home, app) = app_in();
    std::fs::write(app.config_file(), CONFIG).expect("config written");
    let tenant = Arc::new(FakeTenant::new());
    let app = app.with_backends(tenant.clone());
    (home, app, tenant)
}

/// Nobody at the keyboard.
pub struct NoAsker;

impl Asker for NoAsker {
    fn interactive(&self) -> bool {
        false
    }

    fn prompter(&self) -> Box<dyn Prompter + '_> {
        Box::new(TerminalPrompter::new())
    }
}

/// No browser, no device-code display.
pub struct NoInteraction;

#[async_trait::async_trait]
impl Interaction for NoInteraction {
    async fn open_browser(&self, _url: &str) -> Result<(), String> {
        Err("no browser in the tests".into())
    }

    fn show_device_code(&self, _prompt: &DeviceCodePrompt) {}
}

/// Records the events of a run.
#[derive(Default)]
pub struct Recorder(Mutex<Vec<SyncEvent>>);

impl Recorder {
    /// Whether an event matched.
    pub fn saw(&self, f: impl Fn(&SyncEvent) -> bool) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .any(f)
    }
}

impl Observer for Recorder {
    fn event(&self, event: SyncEvent) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
    }
}

/// A run's hooks over `events`, with nobody to ask.
pub fn hooks(events: &Recorder) -> RunHooks<'_> {
    RunHooks {
        observer: events,
        interaction: Arc::new(NoInteraction),
        asker: &NoAsker,
    }
}

/// A report that started at `started` (RFC 3339).
pub fn report(started: &str) -> RunReport {
    serde_json::from_value(json!({
        "runId": uuid::Uuid::new_v4().to_string(),
        "started": started,
        "finished": started,
        "mode": "apply",
        "forced": false,
        "outcome": "noChanges",
        "exitCode": 0,
        "source": "in-memory directory",
        "target": "in-memory tenant",
        "steps": [],
        "summary": {"granted": 0, "revoked": 0, "unchanged": 1, "skipped": 0, "failed": 0},
        "roles": [],
        "unmappedGroups": [],
        "stops": []
    }))
    .expect("a report")
}

/// A message sink whose messages arrive as JSON on the receiver; dropping it (and its clones)
/// closes the receiver.
pub struct Sink(Mutex<mpsc::Sender<serde_json::Value>>);

impl MessageSink for Sink {
    fn send(&self, message: RunMessage) -> bool {
        let v = serde_json::to_value(message).unwrap_or_default();
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(v)
            .is_ok()
    }
}

/// A sink and the receiving end of its messages.
pub fn channel() -> (Sink, mpsc::Receiver<serde_json::Value>) {
    let (tx, rx) = mpsc::channel();
    (Sink(Mutex::new(tx)), rx)
}

/// Answers each question in turn with the next answer, from another thread (the window).
pub fn window(
    pending: Arc<Pending>,
    rx: mpsc::Receiver<serde_json::Value>,
    answers: Vec<Answer>,
) -> std::thread::JoinHandle<Vec<String>> {
    std::thread::spawn(move || {
        let mut asked = Vec::new();
        let mut answers = answers.into_iter();
        while let Ok(m) = rx.recv_timeout(Duration::from_secs(5)) {
            if m["kind"] != "prompt" {
                continue;
            }
            asked.push(
                m["prompt"]["question"]["type"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            );
            let id = m["prompt"]["id"].as_u64().unwrap_or(0) as u32;
            match answers.next() {
                Some(a) => assert!(pending.answer(id, a), "question {id} is open"),
                None => break,
            }
        }
        asked
    })
}
