// Typed calls into the Rust side. Every type comes from bindings.ts (generated from Rust).
import { Channel, invoke } from "@tauri-apps/api/core";
import type {
  Answer,
  AppInfo,
  CredentialList,
  LogView,
  RunMessage,
  RunRequest,
  RunResult,
  RunSummary,
  SettingsForm,
  SettingsState,
  UiError,
} from "./bindings";

export function isUiError(e: unknown): e is UiError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

export function errorText(e: unknown): string {
  return isUiError(e) ? e.message : String(e);
}

export const api = {
  appInfo: () => invoke<AppInfo>("app_info"),
  startRun: (request: RunRequest, onMessage: (m: RunMessage) => void) => {
    const channel = new Channel<RunMessage>();
    channel.onmessage = onMessage;
    return invoke<RunResult>("start_run", { request, onMessage: channel });
  },
  answer: (id: number, answer: Answer) => invoke<boolean>("answer_prompt", { id, answer }),
  cancelRun: () => invoke<boolean>("cancel_run"),
  history: () => invoke<RunSummary[]>("history"),
  logs: () => invoke<LogView>("logs"),
  exportLogs: () => invoke<string | null>("export_logs"),
  credentials: () => invoke<CredentialList>("credentials"),
  forgetCredential: (name: string) => invoke<CredentialList>("forget_credential", { name }),
  loadSettings: () => invoke<SettingsState>("load_settings"),
  checkSettings: (form: SettingsForm) => invoke<SettingsState>("check_settings", { form }),
  saveSettings: (form: SettingsForm) => invoke<SettingsState>("save_settings", { form }),
  schedule: (action: "install" | "remove" | "show", print: boolean, at?: string, every?: string, runAs?: string) =>
    invoke<string>("schedule", { action, print, at, every, runAs }),
};
