// Starting a run from any page, and following it: the messages of the Rust side update the
// progress state, questions open dialogs, and the Progress page is redrawn. When the run ends
// the page shown is drawn again (its buttons were disabled while the run went on).
import { api, errorText, isAppError } from "./api";
import type { RunMessage, RunMode, RunResult, Step } from "./bindings";
import { closePrompt, showPrompt } from "./dialogs";
import { current, redraw, redrawCurrent, show, type Page } from "./router";
import { state, type StepState } from "./state";

export function stepsFor(mode: RunMode): Step[] {
  return mode === "apply"
    ? ["readDirectory", "readEntra", "plan", "safety", "apply", "report", "email"]
    : ["readDirectory", "readEntra", "plan", "safety"];
}

/** How far the run is, in percent (100 only when it ended well). */
export function percent(): number {
  const p = state.progress;
  if (p.finished && !p.error) return 100;
  const steps = stepsFor(p.mode);
  let sum = 0;
  for (const s of steps) {
    const st = p.steps.get(s);
    if (!st || st.status === "waiting") continue;
    if (st.status === "running") sum += s === "apply" && p.total ? p.done / p.total : 0.5;
    else sum += 1;
  }
  return Math.min(99, Math.round((sum / steps.length) * 100));
}

function onProgress(m: Extract<RunMessage, { kind: "progress" }>) {
  const p = state.progress;
  const e = m.event;
  if (e.event === "stepStarted") p.steps.set(e.step, { status: "running", detail: "" });
  else if (e.event === "stepFinished") {
    p.steps.set(e.step, { status: e.status, detail: e.detail });
    // Entra ID was read (or could not be): the sign-in is over, one way or the other.
    if (e.step === "readEntra") {
      p.deviceCode = null;
      p.signInState = e.status === "ok" ? "ok" : "failed";
    }
  } else if (e.event === "planned") p.total = e.summary.grants + e.summary.renewals + e.summary.revokes;
  else if (e.event === "changeApplied") {
    p.done = e.done;
    p.total = e.total;
  } else if (e.event === "applyProgress") {
    p.done = e.done;
    p.total = e.total;
    p.etaMs = e.etaMs;
    p.waiting = e.waiting;
    p.paceAt = Date.now();
  }
}

function onMessage(m: RunMessage) {
  switch (m.kind) {
    case "prompt":
      showPrompt(m.prompt);
      return;
    case "promptClosed":
      closePrompt(m.id);
      return;
    case "signedIn":
      state.progress.signIn = m.detail;
      state.progress.signInState = m.method === "reused" ? "ok" : "pending";
      break;
    case "deviceCode":
      state.progress.deviceCode = { userCode: m.userCode, url: m.url };
      break;
    case "progress":
      onProgress(m);
      break;
  }
  redraw("progress");
}

/** The steps as the report has them at the end: a step the run skipped says why ("nothing to
 *  change"), none stays "waiting". */
function finishSteps() {
  const p = state.progress;
  for (const s of p.result?.report.steps ?? []) p.steps.set(s.step, { status: s.status, detail: s.detail });
  for (const [step, st] of p.steps) {
    if (st.status === "waiting" || st.status === "running") p.steps.set(step, { status: "skipped", detail: p.error ? "not run" : "not needed" } as StepState);
  }
}

/** Starts following a new run of `mode`. */
function reset(mode: RunMode) {
  state.running = true;
  Object.assign(state.progress, {
    mode,
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
  });
  state.progress.steps = new Map(stepsFor(mode).map((s) => [s, { status: "waiting", detail: "" } as StepState]));
}

/** Runs a preview (`plan`) or a sync (`apply`); a preview ends on the Preview page. */
export async function run(mode: RunMode, force = false, reuseSignIn = false) {
  if (state.running) return;
  reset(mode);
  await show("progress");
  try {
    const result = await api.startRun({ mode, force, reuseSignIn }, onMessage);
    state.progress.result = result;
    state.progress.finished = true;
    if (result.report.errorKind === "signIn") state.progress.signInState = "failed";
    finishSteps();
    if (mode === "plan") {
      state.lastPreview = { result, at: new Date(), signIn: state.progress.signIn, appliedAt: null };
      state.running = false;
      await show("preview");
      return;
    }
    // A sync changes what the preview showed: it is kept only as what was planned then.
    if (state.lastPreview && !state.lastPreview.appliedAt) state.lastPreview.appliedAt = new Date();
  } catch (e) {
    state.progress.finished = true;
    state.progress.error = errorText(e);
    if (isAppError(e) && e.code === "signIn") state.progress.signInState = "failed";
    if (state.progress.signInState === "pending" && isAppError(e) && e.code === "cancelled") state.progress.signInState = "failed";
    finishSteps();
    closePrompt();
  }
  state.running = false;
  redrawCurrent();
}

/** Runs an approval or an undo from `page`, which stays shown and gets the result (or the
 *  error, thrown): questions open dialogs as for a sync, and the Progress page follows it.
 *  Refused while another run goes on. */
export async function runHere(page: Page, mode: RunMode, start: (onMessage: (m: RunMessage) => void) => Promise<RunResult>): Promise<RunResult> {
  if (state.running) throw new Error("A run is in progress; wait for it to end (or cancel it on the Progress page).");
  reset(mode);
  try {
    const result = await start(onMessage);
    state.progress.result = result;
    return result;
  } catch (e) {
    state.progress.error = errorText(e);
    closePrompt();
    throw e;
  } finally {
    state.progress.finished = true;
    finishSteps();
    state.running = false;
    // The page that asked draws the result itself; another page shown now gets its buttons back.
    if (current() !== page) redrawCurrent();
  }
}
