// Progress: the sign-in line, the device-code card, the steps with counts, the bar, Cancel, and
// the result of a sync.
import { api } from "../api";
import { clear, h } from "../dom";
import { STEP_NAMES, headline, icon, outcomeBadge } from "../format";
import { main, show } from "../router";
import { percent, stepsFor } from "../run";
import { state } from "../state";

export function renderProgress() {
  const p = state.progress;
  const pct = percent();
  const r = p.result;
  const stepRows = stepsFor(p.mode).map((s) => {
    const st = p.steps.get(s) ?? { status: "waiting", detail: "" };
    let detail = st.detail;
    if (s === "apply" && p.total && st.status === "running") detail = applyDetail();
    return h(
      "li",
      { "data-step": s, "data-status": st.status },
      h("span.step-icon", {}, icon(st.status)),
      h("span.step-name", {}, STEP_NAMES[s]),
      h("span.step-detail", {}, detail),
    );
  });
  clear(
    main,
    h("h1", {}, p.mode === "apply" ? "Sync" : "Preview"),
    !p.steps.size ? h("p.muted", {}, "No run in progress. Start one from Home.") : null,
    p.signIn ? signInLine(p.signIn, p.signInState) : null,
    p.deviceCode ? deviceCodeCard(p.deviceCode) : null,
    h(
      "div.progress",
      { "data-testid": "progress", "data-percent": pct },
      h("div.progress-bar", { style: `width:${pct}%` }),
      h("span.progress-text", {}, `${pct} %`),
    ),
    h("ol.steps", {}, stepRows),
    p.error ? h("div.error", { "data-testid": "run-error" }, p.error) : null,
    r && p.mode === "apply"
      ? h(
          "div.card",
          { "data-testid": "run-result", "data-outcome": r.report.outcome },
          h("h2", {}, outcomeBadge(r.report.outcome), " ", headline(r)),
          r.report.error ? h("p.error", {}, r.report.error) : null,
          r.report.stops.length ? h("ul", {}, r.report.stops.map((s) => h("li", {}, s.message))) : null,
          r.reportFile ? h("p.muted", {}, "Report: ", r.reportFile) : null,
        )
      : null,
    h(
      "div.actions",
      {},
      state.running && !p.finished
        ? h("button.secondary", { "data-testid": "cancel-run", onclick: () => void api.cancelRun() }, "Cancel")
        : h("button", { onclick: () => void show("home") }, "Back to Home"),
    ),
  );
}

/** The sign-in line: done (✔) only once Entra ID was read; ✗ when the sign-in failed. */
function signInLine(text: string, st: "pending" | "ok" | "failed") {
  const mark = st === "ok" ? "✔ " : st === "failed" ? "✗ " : "… ";
  return h("p.signin", { "data-testid": "signin", "data-state": st }, mark, text);
}

/** "4,210 of 15,000 change(s) · waiting for Graph's write budget, resumes in 1 s · about 54 s left":
 * the counts, what holds changes back and the time left, counted down from the last event. */
function applyDetail(): string {
  const p = state.progress;
  const n = (x: number) => x.toLocaleString("en-US");
  const parts = [`${n(p.done)} of ${n(p.total)} change(s)`];
  const since = Date.now() - p.paceAt;
  if (p.waiting) {
    const what = {
      writeBudget: "waiting for Graph's write budget",
      readBudget: "waiting for Graph's read budget",
      throttled: "Graph asked to wait (429)",
      retry: "retrying after an error",
    }[p.waiting.reason];
    const secs = Math.max(1, Math.ceil((p.waiting.resumeInMs - since) / 1000));
    parts.push(`${what}, resumes in ${secs} s`);
  }
  if (p.etaMs !== null && p.done < p.total) parts.push(`about ${durationWords(Math.max(0, p.etaMs - since))} left`);
  return parts.join(" · ");
}

/** `45 s`, `9 min`, `1 h 5 min` (as the command line says it). */
function durationWords(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** The device-code fallback of the interactive sign-in: the code to enter, with a copy button. */
function deviceCodeCard(d: { userCode: string; url: string }) {
  const copied = h("span.muted", {});
  const copy = async () => {
    await navigator.clipboard.writeText(d.userCode);
    copied.textContent = "Copied.";
  };
  return h(
    "div.card",
    { "data-testid": "device-code" },
    h("h2", {}, "Sign in on another device"),
    h("p", {}, "Open ", h("code", {}, d.url), " in a browser and enter this code:"),
    h("p.big", {}, h("code.device-code", {}, d.userCode), " ", h("button", { onclick: copy }, "Copy"), " ", copied),
  );
}
