// Words and badges for the Rust side's values: modes, outcomes, steps, reasons.
import type { ChangeReason, RunMode, RunResult, Step, UntouchedReason } from "./bindings";
import { h } from "./dom";

export function modeText(m: RunMode) {
  return m === "apply" ? "sync" : m === "dryRun" ? "dry run" : "preview";
}

const OUTCOMES: Record<string, [string, string]> = {
  noChanges: ["ok", "No changes"],
  planned: ["info", "Planned"],
  applied: ["ok", "Applied"],
  appliedWithFailures: ["warn", "Failures"],
  stopped: ["bad", "Stopped"],
  readFailed: ["bad", "Read failed"],
};

export function outcomeBadge(o: string) {
  const [cls, text] = OUTCOMES[o] ?? ["bad", o];
  return h(`span.badge.${cls}` as "span", {}, text);
}

export const STEP_NAMES: Record<Step, string> = {
  readDirectory: "Read Active Directory",
  readEntra: "Read Entra ID",
  plan: "Plan",
  safety: "Safety check",
  apply: "Apply",
  report: "Report",
  email: "Email",
};

export function icon(s: string) {
  return ({ ok: "✔", partial: "◐", failed: "✖", stopped: "■", skipped: "–", running: "…", waiting: "○" } as Record<string, string>)[s] ?? "○";
}

export function headline(r: RunResult) {
  const s = r.report.summary;
  switch (r.report.outcome) {
    case "noChanges":
      return "No changes needed";
    case "stopped":
      return r.report.approval
        ? `Stopped by a safety limit; held for approval (rolesync approvals approve ${r.report.approval.id})`
        : "Stopped by a safety limit; nothing changed";
    case "pendingApproval":
      return `${s.granted} granted, ${s.revoked} revoked; ${s.awaitingApproval ?? 0} grant(s) wait for approval`;
    case "readFailed":
      return "Could not read the source or the tenant; nothing changed";
    case "planned":
      return `${s.granted} to grant, ${s.revoked} to revoke`;
    default:
      return `${s.granted} granted, ${s.revoked} revoked${s.failed ? `, ${s.failed} failed` : ""}`;
  }
}

export const UNTOUCHED: Record<UntouchedReason, string> = {
  cloudOnly: "cloud-only account",
  noLongerSynced: "no longer synced from AD",
  guest: "guest",
  group: "group",
  servicePrincipal: "service principal",
  otherObject: "other object",
  protected: "protected (break-glass)",
  pimActivation: "PIM activation of an eligible assignment",
  otherKind: "assignment of the other kind",
  notOwned: "not granted by RoleSync (manage = \"owned\")",
  driftKept: "added outside RoleSync, left as found",
};

export function changeReason(r: ChangeReason) {
  switch (r.code) {
    case "memberOfGroup":
      return `member of the group (matched by ${r.matchedBy === "sourceAnchor" ? "source anchor" : r.matchedBy === "sid" ? "SID" : "UPN"})`;
    case "notInGroup":
      return "no longer a member of the group";
    case "disabledInAd":
      return "disabled in AD";
    case "endsSoon":
      return `ends on ${r.ends.slice(0, 10)}`;
    case "undoOf":
      return `undoes run ${r.runId}`;
  }
}
