// The scheduled sync on the settings page: what `rolesync schedule install/remove/show` does.
import { api, errorText } from "../api";
import type { Frequency, ScheduleRequest } from "../bindings";
import { h } from "../dom";

export function scheduleFieldset() {
  const out = h("pre.schedule-output", { "data-testid": "schedule-output" }, "");
  const at = h("input", { type: "text", value: "02:30", placeholder: "HH:MM", "data-testid": "schedule-at" });
  const every = h("select", { "data-testid": "schedule-every" }, h("option", { value: "day" }, "every day"), h("option", { value: "hour" }, "every hour"));
  const runAs = h("input", { type: "text", placeholder: "default: LocalSystem / this user", "data-testid": "schedule-run-as" });
  const send = async (action: "install" | "remove" | "show", print: boolean) => {
    const request: ScheduleRequest =
      action === "install"
        ? { action, print, at: at.value, every: every.value as Frequency, runAs: runAs.value.trim() || null }
        : { action, print };
    out.textContent = "…";
    try {
      out.textContent = await api.schedule(request);
    } catch (e) {
      out.textContent = errorText(e);
    }
  };
  return h(
    "fieldset",
    {},
    h("legend", {}, "Scheduled sync"),
    h("label", {}, "Time", at),
    h("label", {}, "How often", every),
    h("label", {}, "Run as", runAs),
    h(
      "div.actions",
      {},
      h("button", { "data-testid": "schedule-preview", onclick: () => void send("install", true) }, "Show what would be registered"),
      h("button", { "data-testid": "schedule-install", onclick: () => void send("install", false) }, "Register"),
      h("button", { "data-testid": "schedule-remove", onclick: () => void send("remove", false) }, "Remove"),
      h("button", { "data-testid": "schedule-show", onclick: () => void send("show", false) }, "Show registered"),
    ),
    out,
  );
}
