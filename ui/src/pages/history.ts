// History: the runs in the reports folder, as a chart of changes and failures per run (dated)
// and a table; any run opens in full — its steps, its plan per role with each change and its
// outcome, its failures and safety stops, and the log lines it wrote. A sync that changed
// something can be undone from there: the inverse is previewed first (with what is skipped and
// why), then applied on confirmation through the same safety checks.
import { api, errorText } from "../api";
import type { ItemReport, Plan, RoleReport, RunDetails, RunResult, RunSummary } from "../bindings";
import { confirmDialog } from "../dialogs";
import { clear, h, when } from "../dom";
import { STEP_NAMES, changeReason, headline, icon, modeText, outcomeBadge } from "../format";
import { current, errorBox, main } from "../router";
import { runHere } from "../run";
import { state } from "../state";

/** The run shown in full, if any (kept while the page is redrawn). */
let selected: string | null = null;

/** The undo of the run shown: its preview, or what stopped it (kept while the page is redrawn). */
let undo: { runId: string; preview: RunResult | null; error: string; busy: boolean } | null = null;
/** The last undo applied, shown above the list of runs. */
let undone: { ok: boolean; text: string } | null = null;

export async function renderHistory() {
  let problem: unknown = null;
  if (selected) {
    const id = selected;
    try {
      return drawDetails(await api.runDetails(id));
    } catch (e) {
      selected = null;
      problem = e;
    }
  }
  const runs = await api.history();
  const result = undone ? h(undone.ok ? "div.okbox.prewrap" : "div.error.prewrap", { "data-testid": "undo-result", role: "alert" }, undone.text) : null;
  clear(main, h("h1", {}, "History"), problem ? errorBox(problem) : null, result, runs.length ? [chart(runs), historyTable(runs)] : h("p.muted", {}, "No runs yet."));
}

function open(runId: string) {
  selected = runId;
  undone = null;
  if (undo?.runId !== runId) undo = null;
  void renderHistory().then(() => main.querySelector<HTMLElement>("h1")?.focus());
}

const shortDate = (d: string) => new Date(d).toLocaleDateString(undefined, { month: "short", day: "numeric" });
const shortTime = (d: string) => new Date(d).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });

/** Changes and failures of the last 30 runs, oldest first, as an inline SVG bar chart with the
 *  date (and time) of each run under its bar. A bar opens its run. */
function chart(runs: RunSummary[]) {
  const NS = "http://www.w3.org/2000/svg";
  const shown = runs.slice(0, 30).reverse();
  const W = 760, H = 210, pad = 30, bottom = 46;
  const max = Math.max(1, ...shown.map((r) => r.summary.granted + r.summary.revoked + r.summary.renewed + r.summary.failed));
  const bw = Math.min(40, (W - pad * 2) / shown.length - 6);
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("data-testid", "history-chart");
  svg.setAttribute("role", "group");
  svg.setAttribute("aria-label", "Changes and failures per run");
  const el = (tag: string, a: Record<string, string | number>, text?: string, parent: Element = svg) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(a)) e.setAttribute(k, String(v));
    if (text) e.textContent = text;
    parent.appendChild(e);
    return e;
  };
  el("line", { x1: pad, y1: H - bottom, x2: W - pad, y2: H - bottom, class: "axis" });
  el("text", { x: 4, y: pad - 10, class: "label" }, `max ${max}`);
  const days = new Set(shown.map((r) => shortDate(r.started)));
  shown.forEach((r, i) => {
    const x = pad + 6 + i * (bw + 6);
    const scale = (n: number) => (n / max) * (H - pad - bottom);
    const changes = r.summary.granted + r.summary.revoked + r.summary.renewed;
    const hc = scale(changes), hf = scale(r.summary.failed);
    const label = `${when(r.started)}: ${changes} change(s), ${r.summary.failed} failed — open this run`;
    const g = el("g", { role: "button", tabindex: 0, "aria-label": label, "data-run": r.runId, class: "run-bar" });
    g.addEventListener("click", () => open(r.runId));
    g.addEventListener("keydown", (e) => {
      const k = (e as KeyboardEvent).key;
      if (k === "Enter" || k === " ") {
        e.preventDefault();
        open(r.runId);
      }
    });
    el("title", {}, label, g);
    // A thin bar for a run without changes, so that every run can be picked.
    el("rect", { x, y: H - bottom - Math.max(hc, 2), width: bw, height: Math.max(hc, 2), class: "bar changes" }, undefined, g);
    if (hf) el("rect", { x, y: H - bottom - Math.max(hc, 2) - hf, width: bw, height: hf, class: "bar failures" }, undefined, g);
    // The date under each bar; the time too when several runs share a day.
    el("text", { x: x + bw / 2, y: H - bottom + 14, class: "label", "text-anchor": "middle" }, shortDate(r.started));
    if (days.size < shown.length) el("text", { x: x + bw / 2, y: H - bottom + 27, class: "label", "text-anchor": "middle" }, shortTime(r.started));
  });
  return h(
    "div.card",
    {},
    h("h2", {}, "Changes and failures per run"),
    svg as unknown as HTMLElement,
    h("p.legend", {}, h("span.key.changes", {}), " changes ", h("span.key.failures", {}), " failures · select a bar or a row to see the run"),
  );
}

function historyTable(runs: RunSummary[]) {
  return h(
    "table.list",
    { "data-testid": "history-table" },
    h("thead", {}, h("tr", {}, ["When", "Mode", "Outcome", "Granted", "Revoked", "Failed", "Skipped"].map((t) => h("th", {}, t)), h("th", {}, h("span.visually-hidden", {}, "Details")))),
    h(
      "tbody",
      {},
      runs.map((r) =>
        h(
          "tr.selectable",
          { "data-run": r.runId },
          h("td", {}, when(r.started)),
          h("td", {}, modeText(r.mode), r.forced ? " (forced)" : ""),
          h("td", {}, outcomeBadge(r.outcome)),
          h("td", {}, r.summary.granted),
          h("td", {}, r.summary.revoked),
          h("td", {}, r.summary.failed),
          h("td", {}, r.summary.skipped),
          h("td", {}, h("button", { "data-testid": "run-open", "aria-label": `Details of the run of ${when(r.started)}`, onclick: () => open(r.runId) }, "Details")),
        ),
      ),
    ),
  );
}

function failed(i: ItemReport) {
  return i.outcome?.result === "failed";
}

function outcomeText(i: ItemReport) {
  const o = i.outcome;
  if (!o) return "planned, not applied";
  if (o.result === "failed") return `${o.message} (${o.code})`;
  return o.result === "alreadyDone" ? "already done" : "done";
}

function roleCard(role: RoleReport) {
  const rows: HTMLElement[] = [];
  const add = (kind: string, items: ItemReport[]) =>
    items.forEach((i) => rows.push(h("tr", { "data-kind": kind, "data-failed": String(failed(i)) }, h("td", {}, failed(i) ? h("span.tag.failed", {}, `${kind} failed`) : h(`span.tag.${kind}` as "span", {}, kind)), h("td.user", {}, i.user), h("td", {}, outcomeText(i)))));
  add("grant", role.grants);
  add("renew", role.renewals);
  add("revoke", role.revokes);
  (role.held ?? []).forEach((x) => rows.push(h("tr", { "data-kind": "held" }, h("td", {}, h("span.tag", {}, "held")), h("td.user", {}, x.user), h("td", {}, `${x.action}: ${role.pim?.hold?.message ?? "PIM settings"}`))));
  role.skipped.forEach((k) => rows.push(h("tr", { "data-kind": "skipped" }, h("td", {}, h("span.tag.skipped", {}, "skipped")), h("td.user", {}, k.user), h("td", {}, k.message))));
  return h(
    "section.card.role",
    { "data-role": role.role },
    h("h3", {}, role.role, h("span.muted", {}, ` · ${role.kind} · ${role.unchanged.length} unchanged`)),
    h("p.muted.small", {}, role.groups.join("; ")),
    rows.length ? h("table.plan", {}, h("tbody", {}, rows)) : h("p.muted", {}, "No change."),
  );
}

function drawDetails(d: RunDetails) {
  const r = d.report;
  const failures = r.roles.flatMap((role) => [...role.grants, ...role.renewals, ...role.revokes].filter(failed).map((i) => ({ role: role.role, i })));
  clear(
    main,
    h("h1", { tabindex: -1 }, `Run of ${when(r.started)}`),
    h("div.actions", {}, h("button", { "data-testid": "run-back", onclick: () => { selected = null; undo = null; void renderHistory(); } }, "← All runs")),
    h(
      "div.card",
      { "data-testid": "run-details", "data-run": r.runId },
      h("p.big", {}, outcomeBadge(r.outcome), " ", d.summary.headline),
      h(
        "dl.details-grid",
        {},
        h("dt", {}, "Mode"), h("dd", {}, modeText(r.mode), r.forced ? " (forced past a safety limit)" : ""),
        h("dt", {}, "Started"), h("dd", {}, when(r.started)),
        h("dt", {}, "Finished"), h("dd", {}, when(r.finished)),
        h("dt", {}, "Directory"), h("dd", {}, r.source),
        h("dt", {}, "Tenant"), h("dd", {}, r.target),
        h("dt", {}, "Run id"), h("dd", {}, h("code", {}, r.runId)),
        h("dt", {}, "Report"), h("dd", {}, h("code", {}, d.summary.file)),
      ),
      r.error ? h("div.error", {}, r.error) : null,
      (r.warnings ?? []).map((w) => h("div.banner.warn", {}, w)),
    ),
    undoCard(d),
    h("div.card", {}, h("h2", {}, "Steps"), h("ol.steps", {}, r.steps.map((s) => h("li", { "data-step": s.step, "data-status": s.status }, h("span.step-icon", {}, icon(s.status)), h("span.step-name", {}, STEP_NAMES[s.step]), h("span.step-detail", {}, s.detail))))),
    failures.length
      ? h("div.card", { "data-testid": "run-failures" }, h("h2", {}, `Failures (${failures.length})`), h("ul", {}, failures.map((f) => h("li", {}, h("strong", {}, `${f.role}: `), f.i.user, " — ", outcomeText(f.i)))))
      : null,
    r.stops.length ? h("div.stops", {}, h("h2", {}, "Stopped by safety limits"), h("ul", {}, r.stops.map((x) => h("li", {}, x.message)))) : null,
    h("h2", {}, "Plan and changes per role"),
    r.roles.length ? r.roles.map(roleCard) : h("p.muted", {}, "No role was read."),
    r.unmappedGroups.length ? h("div.card", {}, h("h3", {}, "Groups that map to no role"), h("ul", {}, r.unmappedGroups.map((g) => h("li", {}, h("strong", {}, g.name), " — ", g.reason)))) : null,
    h(
      "div.card",
      {},
      h("h2", {}, `Log lines of this run (${d.log.length})`),
      h(
        "div.logbox",
        { tabindex: 0, role: "region", "aria-label": "Log lines of this run" },
        h(
          "table.log",
          { "data-testid": "run-log" },
          h(
            "tbody",
            {},
            d.log.length
              ? d.log.map((l) => h("tr", { "data-level": l.level }, h("td.time", {}, l.time.replace("T", " ").replace(/\.\d+Z$/, "Z")), h(`td.level.${l.level.toLowerCase()}` as "td", {}, l.level), h("td.msg", {}, l.message)))
              : h("tr", {}, h("td", { colspan: 3 }, "No log lines (the log folder or its daily files were moved).")),
          ),
        ),
      ),
    ),
  );
}

/** Whether a run changed something that an undo could put back. */
function undoable(d: RunDetails) {
  const s = d.report.summary;
  return d.report.mode === "apply" && s.granted + s.revoked + s.renewed > 0;
}

/** Draws the run shown again when History is still the page shown. */
async function redrawHere() {
  if (current() === "history") await renderHistory();
}

/** The inverse of a run, change by change, with what is skipped and why. */
function undoPlan(plan: Plan) {
  const rows = plan.roles.flatMap((role) => [
    ...[...role.grants, ...role.renewals, ...role.revokes].map((c) =>
      h("tr", { "data-kind": c.action }, h("td", {}, h(`span.tag.${c.action}` as "span", {}, c.action)), h("td", {}, role.roleName), h("td.user", {}, c.user), h("td", {}, changeReason(c.reason))),
    ),
    ...role.skipped.map((k) => h("tr", { "data-kind": "skipped" }, h("td", {}, h("span.tag.skipped", {}, "skipped")), h("td", {}, role.roleName), h("td.user", {}, k.user), h("td", {}, k.message))),
  ]);
  return rows.length
    ? h("table.plan", { "data-testid": "undo-changes" }, h("thead", {}, h("tr", {}, h("th", {}, "Change"), h("th", {}, "Role"), h("th", {}, "User"), h("th", {}, "Why"))), h("tbody", {}, rows))
    : h("p.muted", {}, "Nothing of this run is left to undo.");
}

function undoCard(d: RunDetails) {
  if (!undoable(d)) return null;
  const runId = d.report.runId;
  const u = undo?.runId === runId ? undo : null;
  const preview = u?.preview ?? null;
  const plan = preview?.plan ?? null;
  const n = plan ? plan.summary.grants + plan.summary.revokes + plan.summary.renewals : 0;
  const stopped = !!plan && plan.stops.length > 0;
  return h(
    "div.card",
    { "data-testid": "undo", "aria-labelledby": "undo-title" },
    h("h2", { id: "undo-title" }, "Undo this run"),
    h("p.muted", {}, "Puts back what this run changed, only for the assignments still as it left them. The preview comes first; nothing changes until you confirm."),
    u?.busy ? h("p.muted", { "data-testid": "undo-busy", role: "status" }, "Reading Entra ID…") : null,
    u?.error ? h("div.error.prewrap", { "data-testid": "undo-error", role: "alert" }, u.error) : null,
    plan
      ? h(
          "div",
          { "data-testid": "undo-preview" },
          h("p", { "data-testid": "undo-summary" }, `The undo grants ${plan.summary.grants}, renews ${plan.summary.renewals} and revokes ${plan.summary.revokes} assignment(s); ${plan.summary.skipped} skipped.`),
          stopped ? h("div.stops", { "data-testid": "undo-stops" }, h("h3", {}, "Stopped by safety limits"), h("ul", {}, plan.stops.map((x) => h("li", {}, x.message))), h("p.small", {}, "The undo goes through the same limits as a sync; change them in Settings to undo this run.")) : null,
          undoPlan(plan),
        )
      : null,
    h(
      "div.actions",
      {},
      h("button", { "data-testid": "undo-preview-button", disabled: u?.busy || state.running, onclick: () => void previewUndo(runId) }, plan ? "Preview again" : "Preview the undo"),
      plan && n > 0 && !stopped ? h("button.danger", { "data-testid": "undo-apply", disabled: u?.busy || state.running, onclick: () => void applyUndo(runId, n) }, `Undo ${n} change(s)…`) : null,
    ),
  );
}

async function previewUndo(runId: string) {
  undo = { runId, preview: null, error: "", busy: true };
  await redrawHere();
  try {
    undo.preview = await runHere("history", "plan", (onMessage) => api.undo(runId, false, onMessage));
  } catch (e) {
    undo.error = errorText(e);
  }
  undo.busy = false;
  await redrawHere();
}

async function applyUndo(runId: string, n: number) {
  const yes = await confirmDialog("Undo this run?", `RoleSync reads Entra ID again and applies the undo: ${n} change(s), only for the assignments still as this run left them, within the safety limits.`, "Undo the run");
  if (!yes || !undo) return;
  const u = undo;
  u.busy = true;
  u.error = "";
  await redrawHere();
  try {
    const r = await runHere("history", "apply", (onMessage) => api.undo(runId, true, onMessage));
    const o = r.report.outcome;
    const ok = o === "applied" || o === "noChanges";
    undone = { ok, text: `Undo of the run ${runId}: ${headline(r)} (run ${r.report.runId}).${r.report.error ? ` ${r.report.error}` : ""}` };
    undo = null;
    selected = null;
  } catch (e) {
    u.error = errorText(e);
    u.busy = false;
  }
  await redrawHere();
}
