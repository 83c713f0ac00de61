// History: the runs in the reports folder, as a chart of changes and failures and a table.
import { api } from "../api";
import type { RunSummary } from "../bindings";
import { clear, h, when } from "../dom";
import { modeText, outcomeBadge } from "../format";
import { main } from "../router";

export async function renderHistory() {
  const runs = await api.history();
  clear(main, h("h1", {}, "History"), runs.length ? [chart(runs), historyTable(runs)] : h("p.muted", {}, "No runs yet."));
}

/** Changes and failures of the last 30 runs, oldest first, as an inline SVG bar chart. */
function chart(runs: RunSummary[]) {
  const NS = "http://www.w3.org/2000/svg";
  const shown = runs.slice(0, 30).reverse();
  const W = 760, H = 180, pad = 28;
  const max = Math.max(1, ...shown.map((r) => r.summary.granted + r.summary.revoked + r.summary.failed));
  const bw = Math.min(40, (W - pad * 2) / shown.length - 6);
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("data-testid", "history-chart");
  const el = (tag: string, a: Record<string, string | number>, text?: string) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(a)) e.setAttribute(k, String(v));
    if (text) e.textContent = text;
    svg.appendChild(e);
    return e;
  };
  el("line", { x1: pad, y1: H - pad, x2: W - pad, y2: H - pad, class: "axis" });
  el("text", { x: 4, y: pad - 8, class: "label" }, `max ${max}`);
  shown.forEach((r, i) => {
    const x = pad + 6 + i * (bw + 6);
    const scale = (n: number) => (n / max) * (H - pad * 2);
    const changes = r.summary.granted + r.summary.revoked;
    const hc = scale(changes), hf = scale(r.summary.failed);
    const rect = el("rect", { x, y: H - pad - hc, width: bw, height: hc, class: "bar changes" });
    rect.appendChild(Object.assign(document.createElementNS(NS, "title"), { textContent: `${when(r.started)}: ${changes} change(s)` }));
    if (hf) el("rect", { x, y: H - pad - hc - hf, width: bw, height: hf, class: "bar failures" });
    el("text", { x: x + bw / 2, y: H - 10, class: "label", "text-anchor": "middle" }, String(i + 1));
  });
  return h(
    "div.card",
    {},
    h("h2", {}, "Changes and failures per run"),
    svg as unknown as HTMLElement,
    h("p.legend", {}, h("span.key.changes", {}), " changes ", h("span.key.failures", {}), " failures"),
  );
}

function historyTable(runs: RunSummary[]) {
  return h(
    "table.list",
    { "data-testid": "history-table" },
    h("thead", {}, h("tr", {}, ["When", "Mode", "Outcome", "Granted", "Revoked", "Failed", "Skipped"].map((t) => h("th", {}, t)))),
    h(
      "tbody",
      {},
      runs.map((r) =>
        h(
          "tr",
          { "data-run": r.runId },
          h("td", {}, when(r.started)),
          h("td", {}, modeText(r.mode), r.forced ? " (forced)" : ""),
          h("td", {}, outcomeBadge(r.outcome)),
          h("td", {}, r.summary.granted),
          h("td", {}, r.summary.revoked),
          h("td", {}, r.summary.failed),
          h("td", {}, r.summary.skipped),
        ),
      ),
    ),
  );
}
