// Logs: the newest log file with level and text filters, and "Export logs…" (a zip of the logs,
// the audit file and the reports, through the native save dialog).
import { api, errorText } from "../api";
import type { LogView } from "../bindings";
import { clear, h } from "../dom";
import { main } from "../router";

const RANK: Record<string, number> = { ERROR: 0, WARN: 1, INFO: 2, DEBUG: 3, TRACE: 4 };

function rows(view: LogView, level: string, text: string) {
  const max = level === "all" ? 9 : RANK[level];
  const q = text.trim().toLowerCase();
  const shown = view.lines
    .filter((l) => (RANK[l.level] ?? 9) <= max && (!q || l.message.toLowerCase().includes(q)))
    .slice(-1500)
    .map((l) =>
      h(
        "tr",
        { "data-level": l.level },
        h("td.time", {}, l.time.replace("T", " ").replace(/\.\d+Z$/, "Z")),
        h(`td.level.${l.level.toLowerCase()}` as "td", {}, l.level),
        h("td.msg", {}, l.message),
      ),
    );
  return shown.length ? shown : h("tr", {}, h("td", { colspan: 3 }, "No lines match."));
}

async function exportLogs(status: HTMLElement) {
  status.textContent = "Exporting…";
  try {
    const path = await api.exportLogs();
    status.textContent = path ? `Saved ${path}` : "Export cancelled.";
    status.dataset.done = path ? "saved" : "cancelled";
  } catch (e) {
    status.textContent = errorText(e);
    status.dataset.done = "error";
  }
}

export async function renderLogs() {
  const view = await api.logs();
  const level = h(
    "select",
    { "data-testid": "log-level", "aria-label": "Level" },
    ["all", "ERROR", "WARN", "INFO", "DEBUG"].map((l) => h("option", { value: l }, l === "all" ? "All levels" : `${l} and above`)),
  );
  const text = h("input", { type: "search", placeholder: "Filter text…", "aria-label": "Filter the lines", "data-testid": "log-filter" });
  const status = h("span.muted", { "data-testid": "export-status", role: "status" });
  const body = h("tbody", {});
  const draw = () => clear(body, rows(view, level.value, text.value));
  level.addEventListener("change", draw);
  text.addEventListener("input", draw);
  clear(
    main,
    h("h1", {}, "Logs"),
    h(
      "div.actions",
      {},
      level,
      text,
      h("button", { "data-testid": "export-logs", onclick: () => void exportLogs(status) }, "Export logs…"),
      status,
    ),
    h("p.muted.small", {}, view.file ?? "No log file yet."),
    h("div.logbox", { tabindex: 0, role: "region", "aria-label": "Log lines" }, h("table.log", { "data-testid": "log-table" }, body)),
  );
  draw();
}
