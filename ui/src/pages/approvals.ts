// Pending approval: the plans a safety limit (or `safety.require_approval`) held for a second
// person — when, by whom, until when, why, and each change. Approve reads both sides again and
// applies only when the fresh plan is the held one; otherwise the difference is shown and the
// plan stays pending. The words of every refusal (edited or damaged files, an expired or
// already decided plan) are the Rust side's. The list is read when the page opens; nothing refreshes it in the background.
import { api, errorText } from "../api";
import type { Change, HeldStatus, HeldView } from "../bindings";
import { confirmDialog } from "../dialogs";
import { clear, h, when } from "../dom";
import { headline } from "../format";
import { current, errorBox, main } from "../router";
import { runHere } from "../run";
import { state } from "../state";

const STATUS: Record<HeldStatus, [string, string]> = {
  pending: ["warn", "Pending"],
  expired: ["bad", "Expired"],
  approving: ["info", "Being approved"],
  approved: ["ok", "Approved"],
  rejected: ["bad", "Rejected"],
  superseded: ["info", "Superseded"],
};

/** What the last action on a plan ended with, by plan id (kept while the page is redrawn). */
const notes = new Map<string, { ok: boolean; text: string }>();
/** The plan being approved or rejected now. */
let busy: string | null = null;

function changeTable(items: Change[]) {
  return h(
    "table.plan",
    { "data-testid": "held-changes" },
    h("thead", {}, h("tr", {}, h("th", {}, "Change"), h("th", {}, "Role"), h("th", {}, "Kind"), h("th", {}, "User"))),
    h(
      "tbody",
      {},
      items.map((c) =>
        h(
          "tr",
          { "data-kind": c.action },
          h("td", {}, h(`span.tag.${c.action}` as "span", {}, c.action)),
          h("td", {}, c.roleName),
          h("td", {}, c.kind),
          h("td.user", {}, c.user),
        ),
      ),
    ),
  );
}

function card(v: HeldView) {
  const [cls, label] = STATUS[v.status];
  const s = v.summary;
  const note = notes.get(v.id);
  const pending = v.status === "pending";
  return h(
    "section.card",
    { "data-testid": "held-plan", "data-id": v.id, "data-status": v.status, "aria-labelledby": `held-${v.id}` },
    h("h2", { id: `held-${v.id}` }, "Plan ", h("code", {}, v.id), " ", h(`span.badge.${cls}` as "span", { "data-testid": "held-status" }, label)),
    h(
      "dl.details-grid",
      {},
      h("dt", {}, "Held"), h("dd", {}, when(v.created)),
      h("dt", {}, "By"), h("dd", { "data-testid": "held-by" }, v.createdBy),
      h("dt", {}, "Expires"), h("dd", {}, when(v.expires)),
      h("dt", {}, "Why"), h("dd", { "data-testid": "held-reason" }, v.reason),
      v.decided ? [h("dt", {}, "Decided"), h("dd", { "data-testid": "held-decided" }, v.decided)] : null,
      h("dt", {}, "File"), h("dd", {}, h("code", {}, v.file)),
    ),
    h("p", { "data-testid": "held-summary" }, `${s.grants} grant(s), ${s.renewals} renewal(s), ${s.revokes} revoke(s)`),
    changeTable(v.items),
    v.status === "expired" ? h("p.muted", { "data-testid": "held-expired" }, `Expired at ${when(v.expires)}: it can no longer be approved (safety.approval_expires_hours). A sync plans again.`) : null,
    note ? h(note.ok ? "div.okbox.prewrap" : "div.error.prewrap", { "data-testid": note.ok ? "held-result" : "held-error", role: "alert" }, note.text) : null,
    pending
      ? h(
          "div.actions",
          {},
          h("button.primary", { "data-testid": "approve", disabled: busy !== null || state.running, onclick: () => void approve(v) }, busy === v.id ? "Approving…" : "Approve…"),
          h("button", { "data-testid": "reject", disabled: busy !== null || state.running, onclick: () => void reject(v) }, "Reject…"),
        )
      : null,
  );
}

async function approve(v: HeldView) {
  const n = v.items.length;
  const yes = await confirmDialog(
    "Approve and apply this plan?",
    `RoleSync reads Active Directory and Entra ID again and applies these ${n} change(s) only if the fresh plan is exactly the held one; otherwise it shows the difference and changes nothing. Your account is recorded as the approver in the audit.`,
    "Approve and apply",
  );
  if (!yes) return;
  busy = v.id;
  notes.delete(v.id);
  await redrawHere();
  try {
    const r = await runHere("approvals", "apply", (onMessage) => api.approve(v.id, onMessage));
    const o = r.report.outcome;
    const applied = o === "applied" || o === "appliedWithFailures" || o === "noChanges";
    notes.set(v.id, { ok: applied, text: `${applied ? "Approved and applied" : "Not applied; the plan stays pending"}: ${headline(r)} (run ${r.report.runId}).${r.report.error ? ` ${r.report.error}` : ""}` });
  } catch (e) {
    notes.set(v.id, { ok: false, text: errorText(e) });
  }
  busy = null;
  await redrawHere();
}

/** Draws the page again when it is still the one shown (the admin may have moved on). */
async function redrawHere() {
  if (current() === "approvals") await renderApprovals();
}

async function reject(v: HeldView) {
  const yes = await confirmDialog("Reject this plan?", `Plan ${v.id} can then no longer be approved; nothing is changed. A later sync plans again.`, "Reject");
  if (!yes) return;
  try {
    await api.reject(v.id);
    notes.set(v.id, { ok: true, text: "Rejected; nothing was changed." });
  } catch (e) {
    notes.set(v.id, { ok: false, text: errorText(e) });
  }
  await redrawHere();
}

export async function renderApprovals() {
  let list: HeldView[] = [];
  let refused: string[] = [];
  let problem: unknown = null;
  try {
    ({ plans: list, refused } = await api.approvals());
  } catch (e) {
    problem = e;
  }
  const open = list.filter((v) => v.status === "pending").length;
  clear(
    main,
    h("h1", { tabindex: -1 }, "Pending approval"),
    h("p.muted", {}, "Plans a safety limit stopped, or grants to roles under safety.require_approval, wait here for a second person. Approving reads both sides again and applies only when nothing changed since the plan was held."),
    problem ? errorBox(problem) : null,
    h("p", { "data-testid": "approvals-count", "aria-live": "polite" }, list.length ? `${open} pending of ${list.length} held plan(s).` : "No plan is held."),
    refused.map((m) => h("div.error", { "data-testid": "held-refused", role: "alert" }, m)),
    busy ? h("p.muted", { "data-testid": "approving" }, "Approving: reading Active Directory and Entra ID again…") : null,
    list.map(card),
  );
}
