// The RoleSync window: pages over the Rust commands. No business logic here: the plan, the
// limits, the credential rule and the validation all come from the Rust side.
import { api, errorText } from "./api";
import type {
  AppInfo,
  ChangeReason,
  CredentialList,
  FieldError,
  LogView,
  Plan,
  RunMessage,
  RunMode,
  RunResult,
  RunSummary,
  SettingsForm,
  SettingsState,
  Step,
  StepStatus,
  UntouchedReason,
} from "./bindings";
import { closePrompt, confirmDialog, showPrompt } from "./dialogs";
import { clear, h, when } from "./dom";

const main = document.getElementById("main")!;
let info: AppInfo | null = null;
let lastPreview: RunResult | null = null;
let running = false;

// ---------------------------------------------------------------- navigation

type Page = "home" | "preview" | "progress" | "history" | "logs" | "credentials" | "settings";
const pages: Record<Page, () => Promise<void> | void> = {
  home: renderHome,
  preview: renderPreview,
  progress: renderProgress,
  history: renderHistory,
  logs: renderLogs,
  credentials: renderCredentials,
  settings: renderSettings,
};

function current(): Page {
  const p = location.hash.slice(1) as Page;
  return p in pages ? p : "home";
}

async function show(page: Page = current()) {
  if (location.hash.slice(1) !== page) {
    history.replaceState(null, "", `#${page}`);
  }
  document.querySelectorAll<HTMLAnchorElement>("#nav a").forEach((a) => {
    a.classList.toggle("active", a.dataset.page === page);
  });
  main.dataset.page = page;
  try {
    await pages[page]();
  } catch (e) {
    clear(main, h("h1", {}, page), errorBox(e));
  }
  main.dataset.ready = page;
}

window.addEventListener("hashchange", () => void show());

function errorBox(e: unknown) {
  return h("div.error", { "data-testid": "error" }, errorText(e));
}

// ---------------------------------------------------------------- home

async function renderHome() {
  info = await api.appInfo();
  document.getElementById("demo-badge")!.hidden = !info.demo;
  document.getElementById("version")!.textContent = `v${info.version}`;
  const last = info.lastRun;
  clear(
    main,
    h("h1", {}, "Home"),
    info.demo
      ? h(
          "div.banner.demo",
          { "data-testid": "demo-banner" },
          h("strong", {}, "Demo mode"),
          ` — RoleSync runs on the built-in contoso.com directory and demo tenant (${info.demoReason ?? ""}). Nothing outside this computer changes.`,
        )
      : null,
    info.warnings.map((w) =>
      h("div.banner.warn", { "data-testid": "access-warning" }, h("strong", {}, "Others can change RoleSync's files"), ` — ${w}`),
    ),
    h(
      "div.card",
      { "data-testid": "last-run" },
      h("h2", {}, "Last run"),
      last
        ? [
            h("p.big", { "data-outcome": last.outcome }, outcomeBadge(last.outcome), " ", last.headline),
            h("p.muted", {}, `${when(last.started)} · ${modeText(last.mode)}${last.forced ? " · forced" : ""}`),
          ]
        : h("p.muted", {}, "No run yet."),
    ),
    h(
      "div.actions",
      {},
      h("button.primary.large", { "data-testid": "preview", onclick: () => void run("plan"), disabled: running }, "Preview"),
      h("button.primary.large", { "data-testid": "run-sync", onclick: () => void run("apply"), disabled: running }, "Run sync"),
    ),
    h(
      "dl.files",
      {},
      h("dt", {}, "Configuration"),
      h("dd", {}, info.configFile, info.configExists ? "" : " (not created yet)"),
      h("dt", {}, "Logs and reports"),
      h("dd", {}, info.logDir),
    ),
  );
}

function modeText(m: RunMode) {
  return m === "apply" ? "sync" : m === "dryRun" ? "dry run" : "preview";
}

function outcomeBadge(o: string) {
  const cls = o === "applied" || o === "noChanges" ? "ok" : o === "planned" ? "info" : o === "appliedWithFailures" ? "warn" : "bad";
  const text: Record<string, string> = {
    noChanges: "No changes",
    planned: "Planned",
    applied: "Applied",
    appliedWithFailures: "Failures",
    stopped: "Stopped",
    readFailed: "Read failed",
  };
  return h(`span.badge.${cls}` as "span", {}, text[o] ?? o);
}

// ---------------------------------------------------------------- runs and progress

const STEP_NAMES: Record<Step, string> = {
  readDirectory: "Read Active Directory",
  readEntra: "Read Entra ID",
  plan: "Plan",
  safety: "Safety check",
  apply: "Apply",
  report: "Report",
  email: "Email",
};

interface StepState {
  status: StepStatus | "running" | "waiting";
  detail: string;
}

const progress = {
  mode: "plan" as RunMode,
  steps: new Map<Step, StepState>(),
  done: 0,
  total: 0,
  signIn: "",
  deviceCode: null as { userCode: string; url: string } | null,
  finished: false,
  error: "",
  result: null as RunResult | null,
};

function stepsFor(mode: RunMode): Step[] {
  return mode === "apply"
    ? ["readDirectory", "readEntra", "plan", "safety", "apply", "report", "email"]
    : ["readDirectory", "readEntra", "plan", "safety"];
}

function percent(): number {
  if (progress.finished && !progress.error) return 100;
  const steps = stepsFor(progress.mode);
  let sum = 0;
  for (const s of steps) {
    const st = progress.steps.get(s);
    if (!st || st.status === "waiting") continue;
    if (st.status === "running") sum += s === "apply" && progress.total ? progress.done / progress.total : 0.5;
    else sum += 1;
  }
  return Math.min(99, Math.round((sum / steps.length) * 100));
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
      progress.signIn = m.detail;
      break;
    case "deviceCode":
      progress.deviceCode = { userCode: m.userCode, url: m.url };
      break;
    case "progress": {
      const e = m.event;
      if (e.event === "stepStarted") progress.steps.set(e.step, { status: "running", detail: "" });
      else if (e.event === "stepFinished") {
        progress.steps.set(e.step, { status: e.status, detail: e.detail });
        // Entra ID was read (or could not be): the device-code sign-in is over.
        if (e.step === "readEntra") progress.deviceCode = null;
      }
      else if (e.event === "planned") progress.total = e.summary.grants + e.summary.revokes;
      else if (e.event === "changeApplied") {
        progress.done = e.done;
        progress.total = e.total;
      }
      break;
    }
  }
  if (current() === "progress") renderProgress();
}

async function run(mode: RunMode, force = false, reuseSignIn = false) {
  if (running) return;
  running = true;
  Object.assign(progress, { mode, done: 0, total: 0, signIn: "", deviceCode: null, finished: false, error: "", result: null });
  progress.steps = new Map(stepsFor(mode).map((s) => [s, { status: "waiting", detail: "" } as StepState]));
  await show("progress");
  try {
    const result = await api.startRun({ mode, force, reuseSignIn }, onMessage);
    progress.result = result;
    progress.finished = true;
    if (mode === "plan") {
      lastPreview = result;
      running = false;
      await show("preview");
      return;
    }
  } catch (e) {
    progress.finished = true;
    progress.error = errorText(e);
    closePrompt();
  }
  running = false;
  if (current() === "progress") renderProgress();
}

function renderProgress() {
  const pct = percent();
  const r = progress.result;
  const stepRows = stepsFor(progress.mode).map((s) => {
    const st = progress.steps.get(s) ?? { status: "waiting", detail: "" };
    let detail = st.detail;
    if (s === "apply" && progress.total && st.status === "running") detail = `${progress.done} of ${progress.total} change(s)`;
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
    h("h1", {}, progress.mode === "apply" ? "Sync" : "Preview"),
    !progress.steps.size ? h("p.muted", {}, "No run in progress. Start one from Home.") : null,
    progress.signIn ? h("p.signin", { "data-testid": "signin" }, "✔ ", progress.signIn) : null,
    progress.deviceCode ? deviceCodeCard(progress.deviceCode) : null,
    h(
      "div.progress",
      { "data-testid": "progress", "data-percent": pct },
      h("div.progress-bar", { style: `width:${pct}%` }),
      h("span.progress-text", {}, `${pct} %`),
    ),
    h("ol.steps", {}, stepRows),
    progress.error ? h("div.error", { "data-testid": "run-error" }, progress.error) : null,
    r && progress.mode === "apply"
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
      running && !progress.finished
        ? h("button.secondary", { "data-testid": "cancel-run", onclick: () => void api.cancelRun() }, "Cancel")
        : h("button", { onclick: () => void show("home") }, "Back to Home"),
    ),
  );
}

/** The device-code fallback of the interactive sign-in: the code to enter, with a copy button. */
function deviceCodeCard(d: { userCode: string; url: string }) {
  const copied = h("span.muted", {});
  return h(
    "div.card",
    { "data-testid": "device-code" },
    h("h2", {}, "Sign in on another device"),
    h("p", {}, "Open ", h("code", {}, d.url), " in a browser and enter this code:"),
    h(
      "p.big",
      {},
      h("code.device-code", {}, d.userCode),
      " ",
      h(
        "button",
        {
          onclick: async () => {
            await navigator.clipboard.writeText(d.userCode);
            copied.textContent = "Copied.";
          },
        },
        "Copy",
      ),
      " ",
      copied,
    ),
  );
}

function headline(r: RunResult) {
  const s = r.report.summary;
  switch (r.report.outcome) {
    case "noChanges":
      return "No changes needed";
    case "stopped":
      return "Stopped by a safety limit; nothing changed";
    case "readFailed":
      return "Could not read the source or the tenant; nothing changed";
    case "planned":
      return `${s.granted} to grant, ${s.revoked} to revoke`;
    default:
      return `${s.granted} granted, ${s.revoked} revoked${s.failed ? `, ${s.failed} failed` : ""}`;
  }
}

function icon(s: string) {
  return ({ ok: "✔", partial: "◐", failed: "✖", stopped: "■", skipped: "–", running: "…", waiting: "○" } as Record<string, string>)[s] ?? "○";
}

// ---------------------------------------------------------------- preview

const UNTOUCHED: Record<UntouchedReason, string> = {
  cloudOnly: "cloud-only account",
  noLongerSynced: "no longer synced from AD",
  guest: "guest",
  group: "group",
  servicePrincipal: "service principal",
  otherObject: "other object",
  protected: "protected (break-glass)",
  pimActivation: "PIM activation of an eligible assignment",
  otherKind: "assignment of the other kind",
};

function changeReason(r: ChangeReason) {
  switch (r.code) {
    case "memberOfGroup":
      return `member of the group (matched by ${r.matchedBy === "sourceAnchor" ? "source anchor" : r.matchedBy === "sid" ? "SID" : "UPN"})`;
    case "notInGroup":
      return "no longer a member of the group";
    case "disabledInAd":
      return "disabled in AD";
  }
}

function renderPreview() {
  const r = lastPreview;
  if (!r || !r.plan) {
    clear(
      main,
      h("h1", {}, "Preview"),
      r?.report.error ? h("div.error", {}, r.report.error) : h("p.muted", {}, "No preview yet."),
      h("button.primary", { "data-testid": "preview", onclick: () => void run("plan") }, "Preview"),
    );
    return;
  }
  const plan: Plan = r.plan;
  const s = plan.summary;
  const search = h("input", { type: "search", placeholder: "Search roles, users, reasons…", "data-testid": "plan-search" });
  const body = h("div.roles", {});
  const confirmForce = plan.stops.length > 0 && plan.stops.every((x) => x.overridable);
  const blocked = plan.stops.some((x) => !x.overridable);
  const pending = s.grants + s.revokes;

  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const match = (...t: string[]) => !q || t.some((x) => x.toLowerCase().includes(q));
    const cards = plan.roles
      .map((role) => {
        const rows: HTMLElement[] = [];
        const roleHit = match(role.roleName, ...role.groups);
        const row = (kind: string, user: string, why: string) => {
          if (roleHit || match(user, why, kind)) rows.push(h("tr", { "data-kind": kind }, h("td", {}, h(`span.tag.${kind}` as "span", {}, kind)), h("td.user", {}, user), h("td", {}, why)));
        };
        role.grants.forEach((c) => row("grant", c.user, changeReason(c.reason)));
        role.revokes.forEach((c) => row("revoke", c.user, changeReason(c.reason)));
        role.skipped.forEach((k) => row("skipped", k.user, k.message));
        role.unchanged.forEach((u) => row("unchanged", u, "already holds the role"));
        role.untouched.forEach((u) => row("untouched", u.principal, UNTOUCHED[u.reason]));
        if (!rows.length) return null;
        return h(
          "section.card.role",
          { "data-role": role.roleName },
          h(
            "h3",
            {},
            role.roleName,
            h("span.muted", {}, ` · ${role.kind} · +${role.grants.length} −${role.revokes.length} · ${role.skipped.length} skipped`),
          ),
          h("p.muted.small", {}, role.groups.join("; ")),
          h("table.plan", {}, h("tbody", {}, rows)),
        );
      })
      .filter(Boolean) as HTMLElement[];
    const unmapped = plan.unmappedGroups.filter((g) => match(g.name, g.reason));
    clear(
      body,
      cards,
      unmapped.length
        ? h(
            "section.card",
            { "data-testid": "unmapped" },
            h("h3", {}, "Groups that map to no role"),
            h("ul", {}, unmapped.map((g) => h("li", { "data-group": g.name }, h("strong", {}, g.name), " — ", g.reason))),
          )
        : null,
      !cards.length && !unmapped.length ? h("p.muted", {}, "Nothing matches the search.") : null,
    );
  };
  search.addEventListener("input", draw);

  const apply = async () => {
    let force = false;
    if (confirmForce) {
      const ok = await confirmDialog(
        "Apply anyway?",
        `The plan is stopped by ${plan.stops.length} safety limit(s). Applying anyway grants ${s.grants} and revokes ${s.revokes} assignment(s).`,
        "Apply anyway",
      );
      if (!ok) return;
      force = true;
    }
    await run("apply", force, true);
  };

  clear(
    main,
    h("h1", {}, "Preview"),
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
    plan.stops.length
      ? h(
          "div.stops",
          { "data-testid": "stops" },
          h("h2", {}, "Stopped by safety limits"),
          h("ul", {}, plan.stops.map((x) => h("li", {}, x.role ? h("strong", {}, `${x.role}: `) : null, x.message, x.overridable ? "" : " (cannot be overridden)"))),
        )
      : null,
    h(
      "div.actions",
      {},
      search,
      h(
        "button.primary",
        { "data-testid": "apply", onclick: () => void apply(), disabled: blocked || pending === 0 || running },
        confirmForce ? "Apply anyway…" : pending === 0 ? "Nothing to apply" : `Apply ${pending} change(s)`,
      ),
      h("button", { onclick: () => void run("plan") }, "Refresh"),
    ),
    body,
  );
  draw();
}

function stat(label: string, n: number, cls = "") {
  return h("div.stat", { "data-stat": label }, h(`span.n${cls ? "." + cls : ""}` as "span", {}, String(n)), h("span.l", {}, label));
}

// ---------------------------------------------------------------- history

async function renderHistory() {
  const runs = await api.history();
  clear(main, h("h1", {}, "History"), runs.length ? [chart(runs), historyTable(runs)] : h("p.muted", {}, "No runs yet."));
}

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

// ---------------------------------------------------------------- logs

async function renderLogs() {
  const view: LogView = await api.logs();
  const level = h(
    "select",
    { "data-testid": "log-level" },
    ["all", "ERROR", "WARN", "INFO", "DEBUG"].map((l) => h("option", { value: l }, l === "all" ? "All levels" : `${l} and above`)),
  );
  const text = h("input", { type: "search", placeholder: "Filter text…", "data-testid": "log-filter" });
  const status = h("span.muted", { "data-testid": "export-status" });
  const body = h("tbody", {});
  const rank: Record<string, number> = { ERROR: 0, WARN: 1, INFO: 2, DEBUG: 3, TRACE: 4 };
  const draw = () => {
    const max = level.value === "all" ? 9 : rank[level.value];
    const q = text.value.trim().toLowerCase();
    const rows = view.lines
      .filter((l) => (rank[l.level] ?? 9) <= max && (!q || l.message.toLowerCase().includes(q)))
      .slice(-1500)
      .map((l) => h("tr", { "data-level": l.level }, h("td.time", {}, l.time.replace("T", " ").replace(/\.\d+Z$/, "Z")), h(`td.level.${l.level.toLowerCase()}` as "td", {}, l.level), h("td.msg", {}, l.message)));
    clear(body, rows.length ? rows : h("tr", {}, h("td", { colspan: 3 }, "No lines match.")));
  };
  level.addEventListener("change", draw);
  text.addEventListener("input", draw);
  const exportLogs = async () => {
    status.textContent = "Exporting…";
    try {
      const path = await api.exportLogs();
      status.textContent = path ? `Saved ${path}` : "Export cancelled.";
      status.dataset.done = path ? "saved" : "cancelled";
    } catch (e) {
      status.textContent = errorText(e);
      status.dataset.done = "error";
    }
  };
  clear(
    main,
    h("h1", {}, "Logs"),
    h(
      "div.actions",
      {},
      level,
      text,
      h("button", { "data-testid": "export-logs", onclick: () => void exportLogs() }, "Export logs…"),
      status,
    ),
    h("p.muted.small", {}, view.file ?? "No log file yet."),
    h("div.logbox", {}, h("table.log", { "data-testid": "log-table" }, body)),
  );
  draw();
}

// ---------------------------------------------------------------- credentials

async function renderCredentials(list?: CredentialList) {
  const c = list ?? (await api.credentials());
  clear(
    main,
    h("h1", {}, "Credentials"),
    h("p.muted", {}, `Saved in the ${c.keyring}${c.survivesReboot ? "" : " (kept until the machine restarts)"}. Only names are shown; values never leave the keyring.`),
    h(
      "table.list",
      { "data-testid": "credentials" },
      h(
        "tbody",
        {},
        c.items.map((i) =>
          h(
            "tr",
            { "data-credential": i.name, "data-saved": String(i.saved) },
            h("td", {}, h("strong", {}, i.label), h("div.muted.small", {}, i.name)),
            h("td", {}, i.saved ? h("span.badge.ok", {}, "saved") : h("span.badge.muted", {}, "not saved")),
            h(
              "td",
              {},
              i.saved
                ? h(
                    "button.secondary",
                    {
                      "data-testid": `forget-${i.name}`,
                      onclick: async () => {
                        if (await confirmDialog("Forget credential?", `Remove the saved ${i.label} credential from the keyring? RoleSync asks for it again next time.`, "Forget"))
                          await renderCredentials(await api.forgetCredential(i.name));
                      },
                    },
                    "Forget",
                  )
                : null,
            ),
          ),
        ),
      ),
    ),
  );
}

// ---------------------------------------------------------------- settings

let settingsState: SettingsState | null = null;

async function renderSettings() {
  settingsState = await api.loadSettings();
  drawSettings(settingsState, "");
}

function drawSettings(st: SettingsState, message: string) {
  const f: SettingsForm = structuredClone(st.form);
  const errs = (key: string, exact: boolean) =>
    st.errors.filter((e) => e.key === key || (!exact && (e.key.startsWith(`${key}[`) || e.key.startsWith(`${key}.`))));
  const shown = new Set<FieldError>();
  const errorList = (key: string, exact = false) => {
    const list = errs(key, exact);
    list.forEach((e) => shown.add(e));
    return list.length ? h("div.field-error", { "data-error-for": key }, list.map((e) => h("div", {}, e.message, e.fix ? h("span.fix", {}, ` — ${e.fix}`) : null))) : null;
  };
  type Key = keyof SettingsForm;
  const text = (label: string, key: Key, tomlKey: string, placeholder = "") =>
    h(
      "label.field",
      { "data-key": tomlKey },
      h("span", {}, label),
      h("input", { value: String(f[key] ?? ""), placeholder, "data-field": key, oninput: (e: Event) => ((f as unknown as Record<string, unknown>)[key] = (e.target as HTMLInputElement).value) }),
      errorList(tomlKey),
    );
  const num = (label: string, key: Key, tomlKey: string) =>
    h(
      "label.field",
      { "data-key": tomlKey },
      h("span", {}, label),
      h("input", { type: "number", value: String(f[key]), "data-field": key, oninput: (e: Event) => ((f as unknown as Record<string, unknown>)[key] = Number((e.target as HTMLInputElement).value)) }),
      errorList(tomlKey),
    );
  const check = (label: string, key: Key, tomlKey: string) =>
    h(
      "label.check",
      { "data-key": tomlKey },
      h("input", { type: "checkbox", checked: Boolean(f[key]), "data-field": key, onchange: (e: Event) => ((f as unknown as Record<string, unknown>)[key] = (e.target as HTMLInputElement).checked) }),
      label,
      errorList(tomlKey, true),
    );
  const lines = (label: string, key: Key, tomlKey: string) =>
    h(
      "label.field",
      { "data-key": tomlKey },
      h("span", {}, label),
      h("textarea", { rows: 3, "data-field": key, oninput: (e: Event) => ((f as unknown as Record<string, unknown>)[key] = (e.target as HTMLTextAreaElement).value.split("\n")) }, (f[key] as string[]).join("\n")),
      errorList(tomlKey),
    );
  const choice = (label: string, key: Key, tomlKey: string, options: string[]) =>
    h(
      "label.field",
      { "data-key": tomlKey },
      h("span", {}, label),
      h(
        "select",
        { "data-field": key, onchange: (e: Event) => ((f as unknown as Record<string, unknown>)[key] = (e.target as HTMLSelectElement).value) },
        options.map((o) => h("option", { value: o, selected: f[key] === o }, o || "(default)")),
      ),
      errorList(tomlKey),
    );
  const mappingRows = h("div.mappings", {});
  const drawMappings = () =>
    clear(
      mappingRows,
      f.mappings.map((m, i) =>
        h(
          "div.mapping",
          { "data-key": `mappings[${i}]` },
          h("input", { value: m.group, placeholder: "Group DN or name", oninput: (e: Event) => (m.group = (e.target as HTMLInputElement).value) }),
          h("input", { value: m.role, placeholder: "Role (name or id)", oninput: (e: Event) => (m.role = (e.target as HTMLInputElement).value) }),
          h("select", { onchange: (e: Event) => (m.kind = (e.target as HTMLSelectElement).value) }, ["", "active", "eligible"].map((o) => h("option", { value: o, selected: m.kind === o }, o || "(default)"))),
          h("label.check", {}, h("input", { type: "checkbox", checked: m.allowEmpty, onchange: (e: Event) => (m.allowEmpty = (e.target as HTMLInputElement).checked) }), "allow empty"),
          h("button.secondary", { onclick: () => { f.mappings.splice(i, 1); drawMappings(); } }, "Remove"),
          errorList(`mappings[${i}]`),
        ),
      ),
      h("button", { onclick: () => { f.mappings.push({ group: "", role: "", kind: "", allowEmpty: false }); drawMappings(); } }, "Add mapping"),
    );
  drawMappings();

  const submit = async (save: boolean) => {
    try {
      const next = save ? await api.saveSettings(f) : await api.checkSettings(f);
      settingsState = next;
      drawSettings(
        next,
        next.errors.length
          ? `${next.errors.length} problem(s); ${save ? "nothing was saved" : "fix them before saving"}.`
          : save
            ? `Saved ${next.file}.${info?.demo ? " Restart RoleSync to leave demo mode." : ""}`
            : "The configuration is valid.",
      );
    } catch (e) {
      drawSettings(st, errorText(e));
    }
  };

  const form = h(
    "div.settings",
    {},
    h(
      "fieldset",
      {},
      h("legend", {}, "Active Directory"),
      text("Server URL", "directoryUrl", "directory.url", "ldaps://dc1.contoso.com"),
      check("StartTLS on ldap://", "directoryStartTls", "directory.start_tls"),
      text("Bind account", "directoryBind", "directory.bind", "svc-rolesync@contoso.com or integrated"),
      text("Search base", "directoryBaseDn", "directory.base_dn", "DC=contoso,DC=com"),
      text("Role groups OU", "directoryOu", "directory.ou", "OU=Office 365 Roles Management,DC=…"),
      check("Count nested group members", "directoryNested", "directory.nested"),
      text("LDIF export instead of a DC", "directoryLdif", "directory.ldif"),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Entra ID sign-in"),
      text("Tenant", "entraTenant", "entra.tenant", "contoso.onmicrosoft.com"),
      text("Client id", "entraClientId", "entra.client_id"),
      choice("Sign-in mode", "entraSignIn", "entra.sign_in", ["certificate", "secret", "interactive", "device-code", "password"]),
      text("Certificate file", "entraCertificate", "entra.certificate"),
      text("Account (password sign-in)", "entraUsername", "entra.username"),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Mappings"),
      text("Group name prefix", "mappingPrefix", "mapping.prefix", "M365-"),
      check("Match users by UPN as a fallback", "mappingMatchByUpn", "mapping.match_by_upn"),
      choice("Default assignment", "mappingDefaultKind", "mapping.default_kind", ["", "active", "eligible"]),
      errorList("mappings", true),
      mappingRows,
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Safety"),
      num("Max revokes per role", "safetyMaxRevokes", "safety.max_revokes"),
      num("Max revoke share (%)", "safetyMaxRevokePercent", "safety.max_revoke_percent"),
      lines("Protected accounts (one per line)", "safetyProtected", "safety.protected"),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Email report"),
      check("Send an email report after each run", "emailEnabled", "email"),
      text("SMTP server", "emailServer", "email.server"),
      num("Port", "emailPort", "email.port"),
      choice("Security", "emailSecurity", "email.security", ["", "starttls", "tls", "none"]),
      text("From", "emailFrom", "email.from"),
      lines("Recipients (one per line)", "emailTo", "email.to"),
      text("SMTP account", "emailUsername", "email.username"),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Logging"),
      choice("Level", "loggingLevel", "logging.level", ["", "error", "warn", "info", "debug", "trace"]),
      text("Folder", "loggingFolder", "logging.folder"),
    ),
  );
  // The scheduled sync: what `rolesync schedule install/remove/show` does, from this page.
  const schedOut = h("pre.schedule-output", { "data-testid": "schedule-output" }, "");
  const schedAt = h("input", { type: "text", value: "02:30", placeholder: "HH:MM", "data-testid": "schedule-at" }) as HTMLInputElement;
  const schedEvery = h("select", { "data-testid": "schedule-every" }, h("option", { value: "day" }, "every day"), h("option", { value: "hour" }, "every hour")) as HTMLSelectElement;
  const schedRunAs = h("input", { type: "text", placeholder: "default: LocalSystem / this user", "data-testid": "schedule-run-as" }) as HTMLInputElement;
  const sched = async (action: "install" | "remove" | "show", print: boolean) => {
    schedOut.textContent = "…";
    try {
      schedOut.textContent = await api.schedule(action, print, schedAt.value, schedEvery.value, schedRunAs.value);
    } catch (e) {
      schedOut.textContent = errorText(e);
    }
  };
  const schedule = h(
    "fieldset",
    {},
    h("legend", {}, "Scheduled sync"),
    h("label", {}, "Time", schedAt),
    h("label", {}, "How often", schedEvery),
    h("label", {}, "Run as", schedRunAs),
    h(
      "div.actions",
      {},
      h("button", { "data-testid": "schedule-preview", onclick: () => void sched("install", true) }, "Show what would be registered"),
      h("button", { "data-testid": "schedule-install", onclick: () => void sched("install", false) }, "Register"),
      h("button", { "data-testid": "schedule-remove", onclick: () => void sched("remove", false) }, "Remove"),
      h("button", { "data-testid": "schedule-show", onclick: () => void sched("show", false) }, "Show registered"),
    ),
    schedOut,
  );
  form.append(schedule);
  const other = st.errors.filter((e) => !shown.has(e));
  clear(
    main,
    h("h1", {}, "Settings"),
    h("p.muted", {}, st.file, st.exists ? "" : " — not created yet; the values below are the commented example's"),
    message ? h(`div.${st.errors.length ? "error" : "okbox"}` as "div", { "data-testid": "settings-message" }, message) : null,
    other.length ? h("div.error", {}, other.map((e) => h("div", {}, h("code", {}, e.key), ": ", e.message, e.fix ? ` — ${e.fix}` : ""))) : null,
    form,
    h(
      "div.actions.sticky",
      {},
      h("button", { "data-testid": "settings-check", onclick: () => void submit(false) }, "Check"),
      h("button.primary", { "data-testid": "settings-save", onclick: () => void submit(true) }, "Save"),
    ),
  );
  // After Check or Save, bring the first message into view.
  if (message) (main.querySelector(".field-error") ?? main.querySelector("[data-testid=settings-message]"))?.scrollIntoView({ block: "center" });
}

void show();
