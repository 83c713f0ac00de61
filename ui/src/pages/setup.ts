// Setup: from an empty machine to a verified configuration, one step at a time — the directory
// (domain, DCs, the OU and its groups with their roles), the tenant, the app registration (the
// certificate RoleSync makes, what to register, as steps and commands), the email report, then
// every part verified (✓/✗ with the fix) and the configuration saved. Nothing is applied; the
// last step offers a preview of the real plan. The work is the Rust side's (rolesync_app::setup).
import { api, errorText } from "../api";
import type { CertificateInfo, DirectoryFound, Registration, SetupAnswers, SetupLine, SetupSaved, SetupSecrets, SetupStart, TenantFound, Verification } from "../bindings";
import { clear, h } from "../dom";
import { main, show } from "../router";
import { run } from "../run";
import { state } from "../state";

const STEPS = ["Active Directory", "Entra ID tenant", "App registration", "Email report", "Verify and save"];

interface Setup {
  start: SetupStart;
  a: SetupAnswers;
  secrets: SetupSecrets;
  step: number;
  found: DirectoryFound | null;
  tenant: TenantFound | null;
  cert: CertificateInfo | null;
  registration: Registration | null;
  verification: Verification | null;
  saved: SetupSaved | null;
  busy: string;
  error: string;
}

let s: Setup | null = null;

type TextKey = { [K in keyof SetupAnswers]: SetupAnswers[K] extends string ? K : never }[keyof SetupAnswers];
type FlagKey = { [K in keyof SetupAnswers]: SetupAnswers[K] extends boolean ? K : never }[keyof SetupAnswers];

let uid = 0;

/** A labelled text field bound to `s.a[key]`. */
function text(label: string, key: TextKey, opts: { hint?: string; placeholder?: string; type?: string } = {}) {
  const id = `setup-${key}-${++uid}`;
  const input = h("input", {
    id,
    type: opts.type ?? "text",
    value: s!.a[key],
    placeholder: opts.placeholder,
    "data-testid": `setup-${key}`,
    "aria-describedby": opts.hint ? `${id}-hint` : undefined,
    oninput: (e: Event) => (s!.a[key] = (e.target as HTMLInputElement).value),
  });
  return h("label.field", { for: id }, h("span", {}, label), input, opts.hint ? h("span.hint", { id: `${id}-hint` }, opts.hint) : null);
}

/** A checkbox bound to `s.a[key]`. */
function flag(label: string, key: FlagKey, onchange?: () => void) {
  return h(
    "label.check",
    {},
    h("input", {
      type: "checkbox",
      checked: s!.a[key],
      "data-testid": `setup-${key}`,
      onchange: (e: Event) => {
        s!.a[key] = (e.target as HTMLInputElement).checked;
        onchange?.();
      },
    }),
    label,
  );
}

/** A password field bound to a secret. */
function password(label: string, key: keyof SetupSecrets, hint: string) {
  const id = `setup-${key}`;
  return h(
    "label.field",
    { for: id },
    h("span", {}, label),
    h("input", { id, type: "password", autocomplete: "off", "data-testid": `setup-${key}`, value: s!.secrets[key] ?? "", oninput: (e: Event) => (s!.secrets[key] = (e.target as HTMLInputElement).value) }),
    h("span.hint", {}, hint),
  );
}

function lines(ls: SetupLine[], testid: string) {
  return h(
    "ul.checks",
    { "data-testid": testid },
    ls.map((l) =>
      h(
        "li",
        { "data-ok": String(l.ok), "data-part": l.part },
        h("span.mark", { "aria-hidden": "true" }, l.ok ? "✓" : "✗"),
        h("strong", {}, l.title),
        l.detail ? [": ", l.detail] : null,
        l.fix ? h("span.fix", {}, "Fix: ", l.fix) : null,
      ),
    ),
  );
}

/** Runs an async step with a busy note; errors show on the page. */
async function step(label: string, f: () => Promise<void>) {
  s!.busy = label;
  s!.error = "";
  draw();
  try {
    await f();
  } catch (e) {
    s!.error = errorText(e);
  }
  s!.busy = "";
  draw();
}

function copyable(testid: string, text: string) {
  const note = h("span.muted.small", { "aria-live": "polite" });
  return h(
    "div.copyable",
    {},
    h("pre", { "data-testid": testid }, text),
    h(
      "button",
      {
        onclick: async () => {
          await navigator.clipboard.writeText(text).catch(() => undefined);
          note.textContent = "Copied.";
        },
      },
      "Copy",
    ),
    note,
  );
}

// ---- Step 1: the directory.
function directoryStep() {
  const a = s!.a;
  const integrated = a.bind.trim() === "" || a.bind.trim().toLowerCase() === "integrated";
  const account = h(
    "div",
    { hidden: integrated },
    text("Bind account", "bind", { placeholder: "svc-rolesync@contoso.com", hint: "UPN or DN of an account that may read the role groups" }),
    password("Its password", "ldapPassword", "Saved in the OS keyring as \"ldap\" when you save the setup."),
  );
  const choose = (v: boolean) => () => {
    a.bind = v ? "integrated" : a.bind.trim().toLowerCase() === "integrated" ? "" : a.bind;
    account.hidden = v;
  };
  const f = s!.found;
  return [
    h(
      "fieldset.form",
      {},
      h("legend", {}, "Domain"),
      text("AD domain", "domain", { placeholder: "contoso.com", hint: s!.start.domainSource ? `Found from ${s!.start.domainSource}. Its domain controllers are looked up in DNS.` : "Its domain controllers are looked up in DNS (SRV records)." }),
      h(
        "div",
        { role: "radiogroup", "aria-label": "How RoleSync signs in to AD" },
        h("label.check", {}, h("input", { type: "radio", name: "bind", checked: integrated, "data-testid": "setup-bind-integrated", onchange: choose(true) }), "This computer's account (Kerberos, no password stored) — recommended"),
        h("label.check", {}, h("input", { type: "radio", name: "bind", checked: !integrated, "data-testid": "setup-bind-account", onchange: choose(false) }), "A bind account with a password"),
      ),
      account,
      h(
        "details",
        {},
        h("summary", {}, "More: a fixed domain controller, StartTLS, its CA"),
        text("Fixed DC instead of DNS", "url", { placeholder: "ldaps://dc1.contoso.com" }),
        flag("StartTLS on port 389 instead of LDAPS", "startTls"),
        text("CA certificate of the DCs (PEM)", "caFile", { hint: "Only when this computer does not trust the DCs' certificates already." }),
      ),
      h("div.actions", {}, h("button.primary", { "data-testid": "setup-find", disabled: !!s!.busy, onclick: () => void findDirectory() }, f ? "Look again" : "Find the domain controllers")),
    ),
    f ? directoryFound(f) : null,
  ];
}

function directoryFound(f: DirectoryFound) {
  const a = s!.a;
  const ouSelect = h(
    "select",
    { id: "setup-ou-select", "data-testid": "setup-ou", onchange: (e: Event) => { a.ou = (e.target as HTMLSelectElement).value; void findDirectory(); } },
    h("option", { value: "" }, f.ou ? `${f.ou} (default)` : "Choose the OU that holds the role groups…"),
    f.ous.filter((o) => o !== f.ou).map((o) => h("option", { value: o, selected: o === a.ou }, o)),
  );
  return h(
    "div.card",
    { "data-testid": "setup-directory" },
    h("h2", {}, "What RoleSync found"),
    lines(f.lines, "setup-directory-lines"),
    f.ous.length ? h("label.field", { for: "setup-ou-select" }, h("span", {}, "OU of the role groups"), ouSelect) : null,
    text("Group name prefix", "prefix", { placeholder: "M365- (none)", hint: "A prefix before the role name in the group names, if you use one." }),
    f.groups.length
      ? h(
          "table.groups",
          { "data-testid": "setup-groups" },
          h("caption.muted", {}, `Groups in ${f.ou} and the Entra role each one maps to`),
          h("thead", {}, h("tr", {}, h("th", {}, "Group"), h("th", {}, "Role"))),
          h(
            "tbody",
            {},
            f.groups.map((g) => h("tr", { "data-group": g.name, "data-role": g.role ?? "" }, h("td", {}, g.name), h("td", {}, g.role ? h("strong", {}, g.role) : h("span.muted", {}, `no role — ${g.reason ?? ""}`)))),
          ),
        )
      : null,
    flag("Make name-matched groups PIM-eligible assignments (instead of active)", "eligible"),
    h(
      "label.field",
      { for: "setup-protected" },
      h("span", {}, "Accounts never revoked (break-glass), one per line"),
      h("textarea", { id: "setup-protected", rows: 2, "data-testid": "setup-protected", oninput: (e: Event) => (a.protected = (e.target as HTMLTextAreaElement).value.split("\n").map((x) => x.trim()).filter(Boolean)) }, a.protected.join("\n")),
    ),
  );
}

async function findDirectory() {
  await step("Looking for the domain controllers…", async () => {
    s!.found = await api.setupDirectory(s!.a, s!.secrets);
  });
}

// ---- Step 2: the tenant.
function tenantStep() {
  const t = s!.tenant;
  return [
    h(
      "fieldset.form",
      {},
      h("legend", {}, "Tenant"),
      text("Tenant", "tenant", { placeholder: "contoso.onmicrosoft.com", hint: "A verified domain of the tenant, or its Tenant ID (Entra admin center → Overview)." }),
      h(
        "details",
        {},
        h("summary", {}, "More: national clouds, a TLS-inspecting proxy"),
        text("Sign-in endpoint", "loginUrl", { placeholder: "https://login.microsoftonline.com" }),
        text("Microsoft Graph endpoint", "graphUrl", { placeholder: "https://graph.microsoft.com" }),
        text("Extra CA for them (PEM)", "entraCaFile"),
      ),
      h("div.actions", {}, h("button.primary", { "data-testid": "setup-tenant-check", disabled: !!s!.busy, onclick: () => void step("Looking up the tenant…", async () => { s!.tenant = await api.setupTenant(s!.a); }) }, "Look up the tenant")),
    ),
    t ? h("div.card", {}, lines([t.line], "setup-tenant-lines")) : null,
  ];
}

// ---- Step 3: the app registration.
function registrationStep() {
  const c = s!.cert;
  const r = s!.registration;
  const make = (replace: boolean) =>
    step(replace ? "Making a new certificate…" : "Making the certificate…", async () => {
      [s!.cert, s!.registration] = await api.setupCertificate(s!.a, replace);
      if (s!.cert.file) {
        s!.a.certificate = s!.cert.file;
        s!.a.certificateThumbprint = "";
      } else {
        s!.a.certificate = "";
        s!.a.certificateThumbprint = s!.cert.thumbprint;
      }
    });
  const refresh = () => void (c ? step("…", async () => { [s!.cert, s!.registration] = await api.setupCertificate(s!.a, false); }) : undefined);
  return [
    h(
      "fieldset.form",
      {},
      h("legend", {}, "The certificate RoleSync signs in with"),
      h("p.muted", {}, s!.start.windows ? "RoleSync makes a certificate in the computer's certificate store (LocalMachine\\My); its key never leaves it." : "RoleSync makes a certificate and keeps its key in a file only this account can read, next to the configuration."),
      c
        ? h(
            "dl.details-grid",
            { "data-testid": "setup-cert" },
            h("dt", {}, "To upload"), h("dd", {}, h("code", {}, c.publicFile)),
            h("dt", {}, "Thumbprint"), h("dd", {}, h("code", {}, c.thumbprint)),
            h("dt", {}, "Valid until"), h("dd", {}, c.notAfter.slice(0, 10)),
            h("dt", {}, "Kept in"), h("dd", {}, c.file ?? c.store ?? ""),
          )
        : null,
      h(
        "div.actions",
        {},
        c
          ? h("button", { "data-testid": "setup-new-cert", disabled: !!s!.busy, onclick: () => void make(true) }, "Make a new certificate")
          : h("button.primary", { "data-testid": "setup-make-cert", disabled: !!s!.busy, onclick: () => void make(false) }, "Make the certificate"),
      ),
      flag("Also let administrators sign in with MFA from this window (interactive sign-in)", "interactive", refresh),
    ),
    r
      ? h(
          "div.card",
          { "data-testid": "setup-registration" },
          h("h2", {}, "Register RoleSync in Entra ID"),
          h("p", {}, "Do this once, in the Entra admin center or with one of the commands below. RoleSync needs these Microsoft Graph application permissions, with admin consent: ", r.permissions.map((p, i) => [i ? ", " : "", h("code", {}, p)]), "."),
          h("ol", { "data-testid": "setup-steps" }, r.steps.map((x) => h("li", {}, x))),
          h("details", {}, h("summary", {}, "The same with Microsoft Graph PowerShell"), copyable("setup-powershell", r.powershell)),
          h("details", {}, h("summary", {}, "The same with the Azure CLI"), copyable("setup-azcli", r.azureCli)),
          text("Application (client) ID", "clientId", { placeholder: "from the registration's Overview page", hint: "Paste it here once the app is registered." }),
        )
      : null,
  ];
}

// ---- Step 4: the email report.
function emailStep() {
  const a = s!.a;
  const box = h(
    "div",
    { hidden: !a.email },
    text("SMTP server", "smtpServer", { placeholder: "smtp.office365.com" }),
    h(
      "label.field",
      { for: "setup-smtp-port" },
      h("span", {}, "Port"),
      h("input", { id: "setup-smtp-port", type: "number", min: 1, max: 65535, "data-testid": "setup-smtpPort", value: a.smtpPort ? String(a.smtpPort) : "", placeholder: "587 (starttls), 465 (tls), 25 (none)", oninput: (e: Event) => (a.smtpPort = Number((e.target as HTMLInputElement).value) || 0) }),
    ),
    h(
      "label.field",
      { for: "setup-smtp-security" },
      h("span", {}, "Security"),
      h("select", { id: "setup-smtp-security", "data-testid": "setup-smtpSecurity", onchange: (e: Event) => (a.smtpSecurity = (e.target as HTMLSelectElement).value) }, ["starttls", "tls", "none"].map((v) => h("option", { value: v, selected: (a.smtpSecurity || "starttls") === v }, v))),
    ),
    text("From", "mailFrom", { placeholder: "rolesync@contoso.com" }),
    h(
      "label.field",
      { for: "setup-mail-to" },
      h("span", {}, "To (one per line)"),
      h("textarea", { id: "setup-mail-to", rows: 2, "data-testid": "setup-mailTo", oninput: (e: Event) => (a.mailTo = (e.target as HTMLTextAreaElement).value.split("\n").map((x) => x.trim()).filter(Boolean)) }, a.mailTo.join("\n")),
    ),
    text("SMTP account", "smtpUsername", { hint: "Leave empty for a relay that needs no login." }),
    password("Its password", "smtpPassword", "Saved in the OS keyring as \"smtp\" when you save the setup."),
    text("CA of the server's certificate (PEM)", "smtpCaFile"),
  );
  return h(
    "fieldset.form",
    {},
    h("legend", {}, "Email report"),
    flag("Send an email report after each run", "email", () => (box.hidden = !a.email)),
    box,
    h("p.muted", {}, "Verifying sends a test message."),
  );
}

// ---- Step 5: verify and save.
function verifyStep() {
  const v = s!.verification;
  const saved = s!.saved;
  const valid = !!v && v.errors.length === 0;
  return [
    h(
      "div.card",
      {},
      h("h2", {}, "Verify each part"),
      h("p.muted", {}, "RoleSync signs in with its certificate, reads the permissions in the token, reads the directory and sends the test message. Nothing is changed and nothing is saved yet."),
      h("div.actions", {}, h("button.primary", { "data-testid": "setup-verify", disabled: !!s!.busy, onclick: () => void step("Verifying…", async () => { s!.verification = await api.setupVerify(s!.a, s!.secrets); s!.saved = null; }) }, v ? "Verify again" : "Verify")),
      v ? lines(v.lines, "setup-checks") : null,
      v?.errors.length ? h("div.error", { role: "alert" }, v.errors.map((e) => h("div", {}, h("code", {}, e.key), ": ", e.message, " — ", e.fix))) : null,
    ),
    valid
      ? h(
          "div.card",
          {},
          h("h2", {}, "Save"),
          h("p", {}, `Writes ${s!.start.configFile} and saves the passwords you entered in the OS keyring. No role is changed.`),
          v!.ok ? null : h("p.error", {}, "Some checks failed: the configuration can be saved, but a run will fail where they did."),
          h("div.actions", {}, h(`button.${v!.ok ? "primary" : "danger"}` as "button", { "data-testid": "setup-save", disabled: !!s!.busy || !!saved?.saved, onclick: () => void save() }, v!.ok ? "Save the configuration" : "Save anyway")),
          saved ? savedCard(saved) : null,
        )
      : null,
  ];
}

function savedCard(saved: SetupSaved) {
  if (!saved.saved) return h("div.error", { role: "alert" }, saved.errors.map((e) => h("div", {}, h("code", {}, e.key), ": ", e.message, " — ", e.fix)));
  return h(
    "div.okbox",
    { "data-testid": "setup-saved", role: "status" },
    h("p", {}, `Saved ${saved.file}.`, saved.credentials.length ? ` Saved in the keyring: ${saved.credentials.join(", ")}.` : ""),
    h("p", {}, "Nothing was applied. See what a sync would change:"),
    h("button.primary", { "data-testid": "setup-preview", onclick: () => void run("plan") }, "Preview the real plan"),
  );
}

async function save() {
  await step("Saving…", async () => {
    s!.saved = await api.setupSave(s!.a, s!.secrets);
    if (s!.saved.saved) {
      state.info = await api.appInfo();
      document.getElementById("demo-badge")!.hidden = !state.info.demo;
    }
  });
}

const STEP_VIEWS = [directoryStep, tenantStep, registrationStep, emailStep, verifyStep];

function draw() {
  if (!s) return;
  const focus = document.activeElement?.getAttribute("data-testid");
  const st = s;
  clear(
    main,
    h("h1", {}, "Setup"),
    h(
      "ol.wizard",
      { "aria-label": "Setup steps" },
      STEPS.map((name, i) =>
        h(
          "li",
          { "aria-current": i === st.step ? "step" : undefined, "data-step": i + 1 },
          h("button.link", { "data-testid": `setup-go-${i + 1}`, disabled: !!st.busy, onclick: () => { st.step = i; draw(); } }, `${i + 1}. ${name}`),
        ),
      ),
    ),
    st.start.configExists ? null : h("div.banner.setup", {}, "No configuration yet. These steps make one; until then RoleSync runs on its built-in demo. ", h("button.link", { "data-testid": "setup-try-demo", onclick: () => void show("home") }, "Try the demo first")),
    h("div.setup", { "data-testid": `setup-step-${st.step + 1}` }, STEP_VIEWS[st.step]()),
    st.busy ? h("p.muted", { role: "status", "data-testid": "setup-busy" }, st.busy) : null,
    st.error ? h("div.error", { role: "alert", "data-testid": "setup-error" }, st.error) : null,
    h(
      "div.actions",
      {},
      st.step > 0 ? h("button", { "data-testid": "setup-back", disabled: !!st.busy, onclick: () => { st.step--; draw(); } }, "Back") : null,
      st.step < STEPS.length - 1 ? h("button.primary", { "data-testid": "setup-next", disabled: !!st.busy, onclick: () => void next() }, "Next") : null,
    ),
  );
  main.dataset.setupStep = String(st.step + 1);
  if (focus) (main.querySelector<HTMLElement>(`[data-testid="${focus}"]`))?.focus();
}

/** Next step; entering a step runs what it shows first (the certificate step makes or finds the
 *  certificate, the tenant step looks the tenant up once). */
async function next() {
  const st = s!;
  st.step++;
  draw();
  if (st.step === 1 && !st.tenant && st.a.tenant) await step("Looking up the tenant…", async () => { st.tenant = await api.setupTenant(st.a); });
  if (st.step === 2 && st.start.certificate && !st.cert) await step("…", async () => { [st.cert, st.registration] = await api.setupCertificate(st.a, false); });
}

export async function renderSetup() {
  if (!s) {
    const start = await api.setupStart();
    s = { start, a: start.answers, secrets: { ldapPassword: null, smtpPassword: null }, step: 0, found: null, tenant: null, cert: null, registration: null, verification: null, saved: null, busy: "", error: "" };
  }
  draw();
}
