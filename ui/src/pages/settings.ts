// Settings: the configuration as a form, drawn from the configuration crate's schema (every key
// of every section, its kind, default and label); the crate's messages next to each field; Save
// writes the file only when it is valid.
import { api, errorText } from "../api";
import type { FieldError, FieldValue, Section, Setting, SettingsForm, SettingsState } from "../bindings";
import { clear, h } from "../dom";
import { main } from "../router";
import { state } from "../state";
import { scheduleFieldset } from "./schedule";

type Values = { [key in string]?: FieldValue };

/** `safety.max_revoke_percent` → `safetyMaxRevokePercent` (the field's id in the page). */
function fieldId(key: string) {
  return key.replace(/[._]([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The messages for a key (and, unless `exact`, for its items), remembered as shown. */
class Errors {
  shown = new Set<FieldError>();
  constructor(private all: FieldError[]) {}

  for(key: string, exact = false) {
    const list = this.all.filter((e) => e.key === key || (!exact && (e.key.startsWith(`${key}[`) || e.key.startsWith(`${key}.`))));
    list.forEach((e) => this.shown.add(e));
    return list.length ? h("div.field-error", { "data-error-for": key }, list.map((e) => h("div", {}, e.message, e.fix ? h("span.fix", {}, ` — ${e.fix}`) : null))) : null;
  }

  rest() {
    return this.all.filter((e) => !this.shown.has(e));
  }
}

/** The input for one setting, bound to `values[name]`; `label` names it when no visible label
 *  wraps it (the mapping rows). */
function input(s: Setting, values: Values, name: string, withDefault: boolean, label?: string) {
  const id = { "data-field": fieldId(name), "aria-label": label };
  const set = (v: FieldValue) => (values[name] = v);
  const v = values[name];
  switch (s.kind.type) {
    case "flag":
      return h("input", { ...id, type: "checkbox", checked: v === true, onchange: (e: Event) => set((e.target as HTMLInputElement).checked) });
    case "number":
      return h("input", { ...id, type: "number", value: v === null || v === undefined ? "" : String(v), placeholder: s.placeholder, oninput: (e: Event) => { const t = (e.target as HTMLInputElement).value; set(t === "" ? null : Number(t)); } });
    case "list":
      return h("textarea", { ...id, rows: 3, oninput: (e: Event) => set((e.target as HTMLTextAreaElement).value.split("\n")) }, ((v as string[]) ?? []).join("\n"));
    case "choice": {
      const options = withDefault ? ["", ...s.kind.choices] : s.kind.choices;
      return h("select", { ...id, onchange: (e: Event) => set((e.target as HTMLSelectElement).value) }, options.map((o) => h("option", { value: o, selected: v === o }, o || "(default)")));
    }
    default: {
      const hint = s.placeholder || (s.default.type === "text" ? s.default.value : "");
      return h("input", { ...id, value: String(v ?? ""), placeholder: hint, oninput: (e: Event) => set((e.target as HTMLInputElement).value) });
    }
  }
}

/** A labelled field of a table section. */
function field(sec: Section, s: Setting, values: Values, errors: Errors) {
  const key = `${sec.name}.${s.name}`;
  const control = input(s, values, key, s.default.type !== "none");
  if (s.kind.type === "flag") return h("label.check", { "data-key": key }, control, s.label, errors.for(key, true));
  return h("label.field", { "data-key": key }, h("span", {}, s.label), control, errors.for(key));
}

/** A table section: its fields, the rarely changed ones under "More settings". */
function tableFieldset(sec: Section, f: SettingsForm, errors: Errors) {
  const basic = sec.settings.filter((s) => !s.advanced).map((s) => field(sec, s, f.values, errors));
  const advanced = sec.settings.filter((s) => s.advanced).map((s) => field(sec, s, f.values, errors));
  const open = advanced.some((el) => el.querySelector(".field-error"));
  const toggle = sec.optional
    ? h("label.check", { "data-key": sec.name }, h("input", { type: "checkbox", "data-field": `${sec.name}Enabled`, checked: f.enabled[sec.name] === true, onchange: (e: Event) => (f.enabled[sec.name] = (e.target as HTMLInputElement).checked) }), sec.optional)
    : null;
  return h(
    "fieldset",
    { "data-section": sec.name },
    h("legend", {}, sec.title),
    toggle,
    basic,
    advanced.length ? h("details", { open }, h("summary", {}, "More settings"), advanced) : null,
  );
}

/** An array of tables (`[[mappings]]`): one line of inputs per row, Add and Remove. */
function rowsFieldset(sec: Section, f: SettingsForm, errors: Errors) {
  const rows = (f.rows[sec.name] ??= []);
  const box = h("div.mappings", {});
  const draw = (): void =>
    clear(
      box,
      rows.map((row, i) => {
        const key = `${sec.name}[${i}]`;
        const inputs = sec.settings.map((s) => (s.kind.type === "flag" ? h("label.check", {}, input(s, row, s.name, true), s.label) : input(s, row, s.name, true, `${s.label} (mapping ${i + 1})`)));
        const remove = h("button.secondary", { "aria-label": `Remove mapping ${i + 1}`, onclick: () => { rows.splice(i, 1); draw(); } }, "Remove");
        return h("div.mapping", { "data-key": key }, inputs, remove, errors.for(key));
      }),
      h("button", { onclick: () => { rows.push(Object.fromEntries(sec.settings.map((s) => [s.name, s.kind.type === "flag" ? false : ""]))); draw(); } }, "Add mapping"),
    );
  draw();
  return h("fieldset", { "data-section": sec.name, "data-key": `${sec.name}.*` }, h("legend", {}, sec.title), errors.for(sec.name, true), box);
}

/** The words after Check or Save. */
function outcome(next: SettingsState, save: boolean) {
  if (next.errors.length) return `${next.errors.length} problem(s); ${save ? "nothing was saved" : "fix them before saving"}.`;
  if (!save) return "The configuration is valid.";
  return `Saved ${next.file}.${state.info?.demo ? " Restart RoleSync to leave demo mode." : ""}`;
}

function draw(st: SettingsState, message: string) {
  const f: SettingsForm = structuredClone(st.form);
  const errors = new Errors(st.errors);
  const submit = async (save: boolean) => {
    try {
      const next = save ? await api.saveSettings(f) : await api.checkSettings(f);
      state.settings = next;
      draw(next, outcome(next, save));
    } catch (e) {
      draw(st, errorText(e));
    }
  };
  const form = h(
    "div.settings",
    {},
    st.schema.map((sec) => (sec.rows ? rowsFieldset(sec, f, errors) : tableFieldset(sec, f, errors))),
    scheduleFieldset(),
  );
  const other = errors.rest();
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

export async function renderSettings() {
  state.settings = await api.loadSettings();
  draw(state.settings, "");
}
