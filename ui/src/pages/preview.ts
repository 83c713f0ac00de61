// Preview: the plan per role with reasons, unmapped groups, safety stops, search, and "apply"
// from here (with an explicit confirmation past a safety limit, reusing the preview's sign-in).
// It says when it was taken and how it signed in; after a sync it is only what was planned then.
import type { Plan, RolePlan } from "../bindings";
import { confirmDialog } from "../dialogs";
import { clear, h, when } from "../dom";
import { UNTOUCHED, changeReason } from "../format";
import { main } from "../router";
import { run } from "../run";
import { state } from "../state";

type Match = (...texts: string[]) => boolean;

/** A role's card: its rows that match the search, or nothing. */
function roleCard(role: RolePlan, match: Match) {
  const rows: HTMLElement[] = [];
  const roleHit = match(role.roleName, ...role.groups);
  const row = (kind: string, user: string, why: string) => {
    if (roleHit || match(user, why, kind)) rows.push(h("tr", { "data-kind": kind }, h("td", {}, h(`span.tag.${kind}` as "span", {}, kind)), h("td.user", {}, user), h("td", {}, why)));
  };
  role.grants.forEach((c) => row("grant", c.user, changeReason(c.reason)));
  role.renewals.forEach((c) => row("renew", c.user, changeReason(c.reason)));
  role.revokes.forEach((c) => row("revoke", c.user, changeReason(c.reason)));
  (role.awaitingApproval ?? []).forEach((c) => row("held", c.user, "grant waits for a second person's approval (safety.require_approval)"));
  role.held.forEach((c) => row("held", c.user, `${c.action} held back: ${role.pim?.hold?.message ?? "PIM settings"}`));
  role.skipped.forEach((k) => row("skipped", k.user, k.message));
  role.unchanged.forEach((u) => row("unchanged", u, "already holds the role"));
  role.untouched.forEach((u) => row("untouched", u.principal, UNTOUCHED[u.reason]));
  if (!rows.length) return null;
  return h(
    "section.card.role",
    { "data-role": role.roleName },
    h("h2", {}, role.roleName, h("span.muted", {}, ` · ${role.kind} · +${role.grants.length} −${role.revokes.length} · ${role.skipped.length} skipped`)),
    h("p.muted.small", {}, role.groups.join("; ")),
    h("table.plan", {}, h("tbody", {}, rows)),
  );
}

/** The roles and unmapped groups that match `query`. */
function planBody(plan: Plan, query: string) {
  const q = query.trim().toLowerCase();
  const match: Match = (...t) => !q || t.some((x) => x.toLowerCase().includes(q));
  const cards = plan.roles.map((r) => roleCard(r, match)).filter(Boolean) as HTMLElement[];
  const unmapped = plan.unmappedGroups.filter((g) => match(g.name, g.reason));
  return [
    cards,
    unmapped.length
      ? h(
          "section.card",
          { "data-testid": "unmapped" },
          h("h2", {}, "Groups that map to no role"),
          h("ul", {}, unmapped.map((g) => h("li", { "data-group": g.name }, h("strong", {}, g.name), " — ", g.reason))),
        )
      : null,
    !cards.length && !unmapped.length ? h("p.muted", {}, "Nothing matches the search.") : null,
  ];
}

/** Applies the plan: past overridable stops only after "Apply anyway". */
async function apply(plan: Plan) {
  const s = plan.summary;
  const confirmForce = plan.stops.length > 0 && plan.stops.every((x) => x.overridable);
  if (confirmForce) {
    const text = `The plan is stopped by ${plan.stops.length} safety limit(s). Applying anyway grants ${s.grants} and revokes ${s.revokes} assignment(s).`;
    if (!(await confirmDialog("Apply anyway?", text, "Apply anyway"))) return;
  }
  await run("apply", confirmForce, true);
}

function stat(label: string, n: number, cls = "") {
  return h("div.stat", { "data-stat": label }, h(`span.n${cls ? "." + cls : ""}` as "span", {}, String(n)), h("span.l", {}, label));
}

function stops(plan: Plan) {
  if (!plan.stops.length) return null;
  return h(
    "div.stops",
    { "data-testid": "stops" },
    h("h2", {}, "Stopped by safety limits"),
    h("ul", {}, plan.stops.map((x) => h("li", {}, x.role ? h("strong", {}, `${x.role}: `) : null, x.message, x.overridable ? "" : " (cannot be overridden)"))),
  );
}

function applyButton(plan: Plan, applied: boolean) {
  const pending = plan.summary.grants + plan.summary.renewals + plan.summary.revokes;
  const confirmForce = plan.stops.length > 0 && plan.stops.every((x) => x.overridable);
  const blocked = plan.stops.some((x) => !x.overridable);
  if (applied) return null;
  return h(
    "button.primary",
    { "data-testid": "apply", onclick: () => void apply(plan), disabled: blocked || pending === 0 || state.running },
    confirmForce ? "Apply anyway…" : pending === 0 ? "Nothing to apply" : `Apply ${pending} change(s)`,
  );
}

export function renderPreview() {
  const p = state.lastPreview;
  const r = p?.result;
  if (!p || !r || !r.plan) {
    clear(
      main,
      h("h1", {}, "Preview"),
      r?.report.error ? h("div.error", { role: "alert" }, r.report.error) : h("p.muted", {}, "No preview yet."),
      h("button.primary", { "data-testid": "preview", onclick: () => void run("plan"), disabled: state.running }, "Preview"),
    );
    return;
  }
  const plan = r.plan;
  const taken = h(
    "p.muted",
    { "data-testid": "preview-taken" },
    `Taken ${when(p.at)}`,
    p.signIn ? ` · ${p.signIn}` : "",
  );
  const stale = p.appliedAt
    ? h("div.banner.demo", { "data-testid": "preview-stale", role: "status" }, h("strong", {}, "A sync ran after this preview"), ` (${when(p.appliedAt)}). This is what was planned before it; preview again to see what is left.`)
    : null;
  const s = plan.summary;
  const search = h("input", { type: "search", placeholder: "Search roles, users, reasons…", "aria-label": "Search the plan", "data-testid": "plan-search" });
  const body = h("div.roles", {});
  const draw = () => clear(body, planBody(plan, search.value));
  search.addEventListener("input", draw);
  clear(
    main,
    h("h1", {}, "Preview"),
    taken,
    stale,
    h(
      "div.summary",
      { "data-testid": "plan-summary" },
      stat("to grant", s.grants, "grant"),
      stat("to revoke", s.revokes, "revoke"),
      stat("unchanged", s.unchanged),
      stat("skipped", s.skipped),
      stat("untouched", s.untouched),
      stat("unmapped groups", s.unmappedGroups),
    ),
    stops(plan),
    h("div.actions", {}, search, applyButton(plan, !!p.appliedAt), h("button", { "data-testid": "preview-again", onclick: () => void run("plan"), disabled: state.running }, p.appliedAt ? "Preview again" : "Refresh")),
    body,
  );
  draw();
}
