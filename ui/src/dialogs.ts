// In-app modal dialogs: the questions the Rust side asks during a run (MFA, credentials) and
// confirmations. A dialog is modal: the page behind it is inert (no clicks, no focus, no
// navigation), focus starts in the dialog and Tab stays in it, Escape cancels, and focus goes
// back where it was when the dialog closes. One dialog at a time.
import { api } from "./api";
import type { Answer, Prompt } from "./bindings";
import { h } from "./dom";

interface Open {
  id: number | null;
  close: () => void;
  /** Called when the dialog is closed by something else (another dialog, the run's end). */
  dismissed?: () => void;
}

let open: Open | null = null;

/** Whether a modal dialog is open. */
export function modalOpen() {
  return open !== null;
}

function answer(id: number, a: Answer) {
  closePrompt(id);
  void api.answer(id, a);
}

/** Closes the dialog of this question (or any, without an id). */
export function closePrompt(id?: number) {
  if (open && (id === undefined || open.id === id)) {
    const o = open;
    open = null;
    o.close();
    o.dismissed?.();
  }
}

const FOCUSABLE = "input, select, textarea, button, a[href], [tabindex]:not([tabindex='-1'])";

/** Opens a modal dialog; `onEscape` is what Escape does. Returns the dialog box. */
function modal(id: number | null, testid: string, title: string, onEscape: () => void, ...children: (Node | null)[]): HTMLElement {
  closePrompt();
  const app = document.getElementById("app")!;
  const root = document.getElementById("modal-root")!;
  const titleId = `dialog-title-${testid}`;
  const box = h(
    "div.modal",
    { role: "dialog", "aria-modal": "true", "aria-labelledby": titleId, "data-testid": testid, "data-prompt-id": id ?? "" },
    h("h2", { id: titleId }, title),
    ...children,
  );
  const backdrop = h("div.backdrop", {}, box);
  const before = document.activeElement as HTMLElement | null;
  app.inert = true;
  app.setAttribute("aria-hidden", "true");
  root.appendChild(backdrop);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      onEscape();
      return;
    }
    if (e.key !== "Tab") return;
    // Tab and Shift+Tab go round the dialog's controls.
    const items = [...box.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !(el as HTMLButtonElement).disabled);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const inside = box.contains(document.activeElement);
    if (e.shiftKey && (document.activeElement === first || !inside)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (document.activeElement === last || !inside)) {
      e.preventDefault();
      first.focus();
    }
  };
  document.addEventListener("keydown", onKey, true);
  open = {
    id,
    close: () => {
      document.removeEventListener("keydown", onKey, true);
      backdrop.remove();
      app.inert = false;
      app.removeAttribute("aria-hidden");
      if (before && before.isConnected) before.focus();
    },
  };
  // Focus starts in the dialog: its text field, else its first (default) button.
  const target = box.querySelector<HTMLElement>("input, select, textarea") ?? box.querySelector<HTMLElement>("button.primary, button");
  target?.focus();
  return box;
}

const cancelButton = (id: number) =>
  h("button.secondary", { "data-testid": "prompt-cancel", onclick: () => answer(id, { type: "cancel" }) }, "Cancel");

export function showPrompt(p: Prompt) {
  const q = p.question;
  const id = p.id;
  const cancel = () => answer(id, { type: "cancel" });
  switch (q.type) {
    case "mfa": {
      const deadline = performance.now() + q.timeoutSecs * 1000;
      const count = h("span.countdown", { "data-testid": "mfa-countdown" }, String(q.timeoutSecs));
      const bar = h("div.countdown-bar", {});
      const box = modal(
        id,
        "dialog-mfa",
        "Use multi-factor sign-in?",
        cancel,
        h("p", {}, h("strong", {}, "Yes"), " signs you in through the browser with multi-factor authentication. ", h("strong", {}, "No"), ` signs in with ${q.unattended}.`),
        h("p.auto", { "aria-live": "off" }, "Answering Yes by itself in ", count, " s"),
        h("div.countdown-track", { role: "progressbar", "aria-label": "Time left before Yes", "aria-valuemin": 0, "aria-valuemax": q.timeoutSecs }, bar),
        h(
          "div.buttons",
          {},
          h("button.primary", { "data-testid": "mfa-yes", onclick: () => answer(id, { type: "yes" }) }, "Yes"),
          h("button", { "data-testid": "mfa-no", onclick: () => answer(id, { type: "no" }) }, "No"),
          cancelButton(id),
        ),
      );
      const track = box.querySelector(".countdown-track")!;
      const tick = () => {
        if (!box.isConnected) return;
        const left = Math.max(0, deadline - performance.now());
        count.textContent = String(Math.ceil(left / 1000));
        track.setAttribute("aria-valuenow", String(Math.ceil(left / 1000)));
        bar.style.width = `${(left / (q.timeoutSecs * 1000)) * 100}%`;
        if (left <= 0) {
          answer(id, { type: "yes" });
          return;
        }
        setTimeout(tick, 200);
      };
      tick();
      return;
    }
    case "account":
    case "secret": {
      const secret = q.type === "secret";
      const inputId = `prompt-input-${id}`;
      const input = h("input", {
        id: inputId,
        type: secret ? "password" : "text",
        "data-testid": secret ? "prompt-secret" : "prompt-account",
        autocomplete: "off",
        "aria-describedby": `prompt-error-${id}`,
      });
      const error = h("div.field-error", { id: `prompt-error-${id}`, "data-testid": "prompt-error", role: "alert" });
      // An empty answer is not sent: the dialog says what is missing and stays open.
      const next = () => {
        if ((secret ? input.value : input.value.trim()) === "") {
          error.textContent = secret ? "Enter the password or secret; it must not be empty." : `Enter the account (${q.prompt}); it must not be empty.`;
          input.setAttribute("aria-invalid", "true");
          input.focus();
          return;
        }
        answer(id, { type: "text", value: input.value });
      };
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          next();
        }
      });
      modal(
        id,
        `dialog-${q.type}`,
        q.label,
        cancel,
        h("label", { for: inputId }, secret ? `${q.prompt} for ${q.account}` : q.prompt),
        input,
        error,
        q.note ? h("p.note", { "data-testid": "prompt-note" }, q.note) : null,
        h(
          "div.buttons",
          {},
          h("button.primary", { "data-testid": "prompt-next", onclick: next }, "Next"),
          cancelButton(id),
        ),
      );
      return;
    }
    case "save": {
      modal(
        id,
        "dialog-save",
        "Save credentials?",
        cancel,
        h("p", {}, `The ${q.label} credential goes into the ${q.keyring} and is not asked again. You can forget it on the Credentials page.`),
        h(
          "div.buttons",
          {},
          h("button.primary", { "data-testid": "save-yes", onclick: () => answer(id, { type: "yes" }) }, "Save"),
          h("button", { "data-testid": "save-no", onclick: () => answer(id, { type: "no" }) }, "Don't save"),
          cancelButton(id),
        ),
      );
      return;
    }
  }
}

let confirming: Promise<boolean> | null = null;

/** A yes/no confirmation; resolves true for Yes. Escape is No; while one is open, asking again
 *  gives the same answer instead of a second dialog. */
export function confirmDialog(title: string, text: string, yes: string): Promise<boolean> {
  if (confirming) return confirming;
  confirming = new Promise<boolean>((resolve) => {
    const done = (v: boolean) => {
      resolve(v);
      confirming = null;
      closePrompt();
    };
    modal(
      null,
      "confirm",
      title,
      () => done(false),
      h("p", {}, text),
      h(
        "div.buttons",
        {},
        h("button.secondary", { "data-testid": "confirm-no", onclick: () => done(false) }, "Cancel"),
        h("button.danger", { "data-testid": "confirm-yes", onclick: () => done(true) }, yes),
      ),
    );
    if (open) open.dismissed = () => done(false);
  });
  return confirming;
}
