// Typed calls into the Rust side. Every type comes from bindings.ts (generated from Rust).
import { Channel, invoke } from "@tauri-apps/api/core";
import type {
  Answer,
  AppError,
  AppInfo,
  Approvals,
  CertificateInfo,
  CredentialList,
  DirectoryFound,
  ExposureReport,
  HeldView,
  LogView,
  Registration,
  RunDetails,
  RunMessage,
  RunResult,
  RunSummary,
  ScheduleRequest,
  SettingsForm,
  SettingsState,
  SetupAnswers,
  SetupSaved,
  SetupSecrets,
  SetupStart,
  StartRun,
  TenantFound,
  Verification,
} from "./bindings";

export function isAppError(e: unknown): e is AppError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

export function errorText(e: unknown): string {
  return isAppError(e) ? e.message : String(e);
}

/** A command that runs (a sync, an approval, an undo): its questions and progress arrive on a
 *  channel as they happen, its result when it ends. */
function runCommand(command: string, args: Record<string, unknown>, onMessage: (m: RunMessage) => void) {
  const channel = new Channel<RunMessage>();
  channel.onmessage = onMessage;
  return invoke<RunResult>(command, { ...args, onMessage: channel });
}

export const api = {
  appInfo: () => invoke<AppInfo>("app_info"),
  startRun: (request: StartRun, onMessage: (m: RunMessage) => void) => runCommand("start_run", { request }, onMessage),
  answer: (id: number, answer: Answer) => invoke<boolean>("answer_prompt", { id, answer }),
  cancelRun: () => invoke<boolean>("cancel_run"),
  history: () => invoke<RunSummary[]>("history"),
  approvals: () => invoke<Approvals>("approvals"),
  approve: (id: string, onMessage: (m: RunMessage) => void) => runCommand("approve", { id }, onMessage),
  reject: (id: string) => invoke<HeldView>("reject", { id }),
  undo: (runId: string, apply: boolean, onMessage: (m: RunMessage) => void) => runCommand("undo", { runId, apply }, onMessage),
  runDetails: (runId: string) => invoke<RunDetails>("run_details", { runId }),
  logs: () => invoke<LogView>("logs"),
  exposure: () => invoke<ExposureReport>("exposure"),
  exportLogs: () => invoke<string | null>("export_logs"),
  credentials: () => invoke<CredentialList>("credentials"),
  forgetCredential: (name: string) => invoke<CredentialList>("forget_credential", { name }),
  saveCredential: (name: string, account: string, secret: string) => invoke<CredentialList>("save_credential", { name, account, secret }),
  loadSettings: () => invoke<SettingsState>("load_settings"),
  checkSettings: (form: SettingsForm) => invoke<SettingsState>("check_settings", { form }),
  saveSettings: (form: SettingsForm) => invoke<SettingsState>("save_settings", { form }),
  schedule: (request: ScheduleRequest) => invoke<string>("schedule", { request }),
  setupStart: () => invoke<SetupStart>("setup_start"),
  setupDirectory: (answers: SetupAnswers, secrets: SetupSecrets) => invoke<DirectoryFound>("setup_directory", { answers, secrets }),
  setupTenant: (answers: SetupAnswers) => invoke<TenantFound>("setup_tenant", { answers }),
  setupCertificate: (answers: SetupAnswers, replace: boolean) => invoke<[CertificateInfo, Registration]>("setup_certificate", { answers, replace }),
  setupVerify: (answers: SetupAnswers, secrets: SetupSecrets) => invoke<Verification>("setup_verify", { answers, secrets }),
  setupSave: (answers: SetupAnswers, secrets: SetupSecrets) => invoke<SetupSaved>("setup_save", { answers, secrets }),
};
