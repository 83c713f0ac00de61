// Exposure: who can change the AD groups that decide each role — one row per finding (who →
// which right → on which group → how it reaches the role), most serious first. The assessment
// is read from the domain controller when the page opens and on "Check again".
import { api, errorText } from "../api";
import type { ExposureReport, Severity } from "../bindings";
import { clear, h } from "../dom";
import { main } from "../router";

const BADGE: Record<Severity, string> = { high: "bad", medium: "warn", low: "info" };

function table(r: ExposureReport) {
  if (!r.findings.length) return h("p.muted", { "data-testid": "exposure-none" }, "No findings.");
  return h(
    "table.list",
    { "data-testid": "exposure-table" },
    h("thead", {}, h("tr", {}, h("th", {}, "Severity"), h("th", {}, "Finding"))),
    h(
      "tbody",
      {},
      r.findings.map((f) =>
        h(
          "tr",
          { "data-severity": f.severity, "data-kind": f.kind },
          h("td", {}, h(`span.badge.${BADGE[f.severity]}` as "span", {}, f.severity)),
          h("td", {}, f.message),
        ),
      ),
    ),
  );
}

async function draw(body: HTMLElement) {
  clear(body, h("p.muted", {}, "Reading the role groups' permissions…"));
  try {
    const r = await api.exposure();
    const threshold = r.failAt ? `findings of ${r.failAt} or above fail` : "no finding fails";
    clear(
      body,
      r.error
        ? h("div.error", { "data-testid": "error" }, `Not assessed: ${r.error}`)
        : h("p", { "data-testid": "exposure-summary" }, summary(r)),
      table(r),
      h("p.muted.small", {}, `Left out as expected Tier 0: ${r.expected.join(", ")}; ${threshold}.`),
    );
  } catch (e) {
    clear(body, h("div.error", { "data-testid": "error" }, errorText(e)));
  }
}

function summary(r: ExposureReport) {
  const n = (s: Severity) => r.findings.filter((f) => f.severity === s).length;
  return `${n("high")} high, ${n("medium")} medium, ${n("low")} low finding(s) on ${r.roleGroups} role group(s) and ${Math.max(0, r.groups - r.roleGroups)} group(s) nested in them.`;
}

export async function renderExposure() {
  const body = h("div", { "data-testid": "exposure-body" });
  clear(
    main,
    h("h1", {}, "Exposure"),
    h("p.muted", {}, "Who can change the AD groups that decide who holds each role, and so give themselves the role at the next sync."),
    h("div.actions", {}, h("button", { "data-testid": "exposure-refresh", onclick: () => void draw(body) }, "Check again")),
    body,
  );
  await draw(body);
}
