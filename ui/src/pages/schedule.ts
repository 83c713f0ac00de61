// The scheduled sync on the settings page: what `rolesync schedule install/remove/show` does,
// laid out on the form's grid; what was done shows below, a problem as an error next to it.
import { api, errorText } from "../api";
import type { Frequency, ScheduleRequest } from "../bindings";
import { h } from "../dom";

export function scheduleFieldset() {
  const out = h("pre.schedule-output", { "data-testid": "schedule-output", hidden: true }, "");
  const error = h("div.error", { "data-testid": "schedule-error", role: "alert", hidden: true });
  const at = h("input", { id: "schedule-at", type: "text", value: "02:30", placeholder: "HH:MM", inputmode: "numeric", "data-testid": "schedule-at", "aria-describedby": "schedule-at-hint" });
  const every = h("select", { id: "schedule-every", "data-testid": "schedule-every" }, h("option", { value: "day" }, "every day"), h("option", { value: "hour" }, "every hour"));
  const runAs = h("input", { id: "schedule-run-as", type: "text", placeholder: "default: LocalSystem / this user", "data-testid": "schedule-run-as" });
  const send = async (action: "install" | "remove" | "show", print: boolean) => {
    const request: ScheduleRequest =
      action === "install"
        ? { action, print, at: at.value, every: every.value as Frequency, runAs: runAs.value.trim() || null }
        : { action, print };
    out.hidden = true;
    error.hidden = true;
    try {
      out.textContent = await api.schedule(request);
      out.hidden = false;
    } catch (e) {
      error.textContent = errorText(e);
      error.hidden = false;
    }
  };
  return h(
    "fieldset",
    { "data-section": "schedule" },
    h("legend", {}, "Scheduled sync"),
    h("label.field", { for: "schedule-at" }, h("span", {}, "Time"), at, h("span.hint", { id: "schedule-at-hint" }, "24-hour clock, HH:MM")),
    h("label.field", { for: "schedule-every" }, h("span", {}, "How often"), every),
    h("label.field", { for: "schedule-run-as" }, h("span", {}, "Run as"), runAs),
    h(
      "div.actions",
      {},
      h("button", { "data-testid": "schedule-preview", onclick: () => void send("install", true) }, "Show what would be registered"),
      h("button.primary", { "data-testid": "schedule-install", onclick: () => void send("install", false) }, "Register"),
      h("button", { "data-testid": "schedule-remove", onclick: () => void send("remove", false) }, "Remove"),
      h("button", { "data-testid": "schedule-show", onclick: () => void send("show", false) }, "Show registered"),
    ),
    error,
    out,
  );
}
