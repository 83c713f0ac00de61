// In-app modal dialogs for the questions the Rust side asks during a run (MFA, credentials).
import { api } from "./api";
import type { Answer, Prompt } from "./bindings";
import { h } from "./dom";

let open: { id: number; close: () => void } | null = null;

function answer(id: number, a: Answer) {
  closePrompt(id);
  void api.answer(id, a);
}

/** Closes the dialog of this question (or any, without an id). */
export function closePrompt(id?: number) {
  if (open && (id === undefined || open.id === id)) {
    open.close();
    open = null;
  }
}

function modal(id: number, testid: string, ...children: (Node | null)[]): HTMLElement {
  closePrompt();
  const root = document.getElementById("modal-root")!;
  const box = h("div.modal", { role: "dialog", "aria-modal": "true", "data-testid": testid, "data-prompt-id": id }, ...children);
  const backdrop = h("div.backdrop", {}, box);
  root.appendChild(backdrop);
  // Escape cancels, like the Cancel button.
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") answer(id, { type: "cancel" });
  };
  document.addEventListener("keydown", onKey);
  open = {
    id,
    close: () => {
      document.removeEventListener("keydown", onKey);
      backdrop.remove();
    },
  };
  return box;
}

const cancelButton = (id: number) =>
  h("button.secondary", { "data-testid": "prompt-cancel", onclick: () => answer(id, { type: "cancel" }) }, "Cancel");

export function showPrompt(p: Prompt) {
  const q = p.question;
  const id = p.id;
  switch (q.type) {
    case "mfa": {
      const deadline = performance.now() + q.timeoutSecs * 1000;
      const count = h("span.countdown", { "data-testid": "mfa-countdown" }, String(q.timeoutSecs));
      const bar = h("div.countdown-bar", {});
      const box = modal(
        id,
        "dialog-mfa",
        h("h2", {}, "Use multi-factor sign-in?"),
        h("p", {}, "Yes signs in through the browser with multi-factor authentication. No uses the saved credential (or asks for it)."),
        h("p.auto", {}, "Answering Yes by itself in ", count, " s"),
        h("div.countdown-track", {}, bar),
        h(
          "div.buttons",
          {},
          h("button.primary", { "data-testid": "mfa-yes", onclick: () => answer(id, { type: "yes" }) }, "Yes"),
          h("button", { "data-testid": "mfa-no", onclick: () => answer(id, { type: "no" }) }, "No"),
          cancelButton(id),
        ),
      );
      const tick = () => {
        if (!box.isConnected) return;
        const left = Math.max(0, deadline - performance.now());
        count.textContent = String(Math.ceil(left / 1000));
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
      const input = h("input", {
        type: q.type === "secret" ? "password" : "text",
        "data-testid": q.type === "secret" ? "prompt-secret" : "prompt-account",
        autocomplete: "off",
        placeholder: q.prompt,
      });
      const next = () => answer(id, { type: "text", value: input.value });
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter") next();
      });
      modal(
        id,
        `dialog-${q.type}`,
        h("h2", {}, q.label),
        h("label", {}, q.type === "secret" ? `${q.prompt} for ${q.account}` : q.prompt, input),
        q.note ? h("p.note", { "data-testid": "prompt-note" }, q.note) : null,
        h(
          "div.buttons",
          {},
          h("button.primary", { "data-testid": "prompt-next", onclick: next }, "Next"),
          cancelButton(id),
        ),
      );
      input.focus();
      return;
    }
    case "save": {
      modal(
        id,
        "dialog-save",
        h("h2", {}, "Save credentials?"),
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

/** A yes/no confirmation; resolves true for Yes. */
export function confirmDialog(title: string, text: string, yes: string): Promise<boolean> {
  return new Promise((resolve) => {
    const root = document.getElementById("modal-root")!;
    const done = (v: boolean) => {
      backdrop.remove();
      resolve(v);
    };
    const backdrop = h(
      "div.backdrop",
      {},
      h(
        "div.modal",
        { role: "dialog", "data-testid": "confirm" },
        h("h2", {}, title),
        h("p", {}, text),
        h(
          "div.buttons",
          {},
          h("button.danger", { "data-testid": "confirm-yes", onclick: () => done(true) }, yes),
          h("button.secondary", { "data-testid": "confirm-no", onclick: () => done(false) }, "Cancel"),
        ),
      ),
    );
    root.appendChild(backdrop);
  });
}
