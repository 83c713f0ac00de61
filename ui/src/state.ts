// The window's state, in one place: what the pages show between visits. Pages read it and
// change it; nothing else keeps state.
import type { AppInfo, RunMode, RunResult, SettingsState, Step, StepStatus, Waiting } from "./bindings";

export interface StepState {
  status: StepStatus | "running" | "waiting";
  detail: string;
}

/** The run in progress (or the last one): steps, counts, sign-in, device code, result. */
export interface Progress {
  mode: RunMode;
  steps: Map<Step, StepState>;
  done: number;
  total: number;
  /** The apply's estimate of the time left (ms) and what holds changes back, as of `paceAt`. */
  etaMs: number | null;
  waiting: Waiting | null;
  paceAt: number;
  signIn: string;
  /** The sign-in is only done once Entra ID was read. */
  signInState: "pending" | "ok" | "failed";
  deviceCode: { userCode: string; url: string } | null;
  finished: boolean;
  error: string;
  result: RunResult | null;
}

/** A preview, with when it was taken and how it signed in; `appliedAt` once a sync ran after it. */
export interface Preview {
  result: RunResult;
  at: Date;
  signIn: string;
  appliedAt: Date | null;
}

export const state = {
  /** The home page's facts (demo mode, files, last run). */
  info: null as AppInfo | null,
  /** The last preview, for the Preview page and "apply" from it. */
  lastPreview: null as Preview | null,
  /** A run is in progress. */
  running: false,
  progress: {
    mode: "plan",
    steps: new Map(),
    done: 0,
    total: 0,
    etaMs: null,
    waiting: null,
    paceAt: 0,
    signIn: "",
    signInState: "pending",
    deviceCode: null,
    finished: false,
    error: "",
    result: null,
  } as Progress,
  /** The settings page as last loaded, checked or saved. */
  settings: null as SettingsState | null,
};
