// Credentials: each one saved in the keyring with its account (never its secret), Forget, and
// adding or replacing one (office365, smtp, ldap).
import { api, errorText } from "../api";
import type { CredentialInfo, CredentialList } from "../bindings";
import { confirmDialog } from "../dialogs";
import { clear, h } from "../dom";
import { main } from "../router";

async function forget(i: CredentialInfo) {
  const text = `Remove the saved ${i.label} credential${i.account ? ` (${i.account})` : ""} from the keyring? RoleSync asks for it again next time.`;
  if (await confirmDialog("Forget credential?", text, "Forget")) await renderCredentials(await api.forgetCredential(i.name));
}

/** The form that adds or replaces `i`. */
function editor(i: CredentialInfo, done: (list: CredentialList | null) => void) {
  const accountId = `cred-account-${i.name}`;
  const secretId = `cred-secret-${i.name}`;
  const account = h("input", { id: accountId, value: i.account ?? "", "data-testid": `cred-account-${i.name}`, autocomplete: "off" });
  const secret = h("input", { id: secretId, type: "password", "data-testid": `cred-secret-${i.name}`, autocomplete: "off" });
  const error = h("div.field-error", { role: "alert", "data-testid": `cred-error-${i.name}` });
  const save = async () => {
    if (!account.value.trim() || !secret.value) {
      error.textContent = !account.value.trim() ? "Enter the account." : "Enter the password or secret.";
      (!account.value.trim() ? account : secret).focus();
      return;
    }
    try {
      done(await api.saveCredential(i.name, account.value, secret.value));
    } catch (e) {
      error.textContent = errorText(e);
    }
  };
  secret.addEventListener("keydown", (e) => {
    if (e.key === "Enter") void save();
  });
  const form = h(
    "fieldset.form",
    { "data-testid": `cred-form-${i.name}` },
    h("legend", {}, `${i.saved ? "Replace" : "Add"} the ${i.label} credential`),
    h("label.field", { for: accountId }, h("span", {}, i.accountPrompt), account),
    h("label.field", { for: secretId }, h("span", {}, i.secretPrompt), secret),
    error,
    h(
      "div.actions",
      {},
      h("button.primary", { "data-testid": `cred-save-${i.name}`, onclick: () => void save() }, "Save in the keyring"),
      h("button.secondary", { onclick: () => done(null) }, "Cancel"),
    ),
  );
  setTimeout(() => account.focus());
  return form;
}

function row(i: CredentialInfo, edit: (i: CredentialInfo) => void) {
  return h(
    "tr",
    { "data-credential": i.name, "data-saved": String(i.saved) },
    h("td", {}, h("strong", {}, i.label), h("div.muted.small", {}, i.name)),
    h("td", { "data-testid": `cred-account-shown-${i.name}` }, i.account ?? h("span.muted", {}, "—")),
    h("td", {}, i.saved ? h("span.badge.ok", {}, "saved") : h("span.badge", {}, "not saved")),
    h(
      "td",
      {},
      h("button", { "data-testid": `edit-${i.name}`, "aria-label": `${i.saved ? "Replace" : "Add"} the ${i.label} credential`, onclick: () => edit(i) }, i.saved ? "Replace…" : "Add…"),
      " ",
      i.saved ? h("button.secondary", { "data-testid": `forget-${i.name}`, "aria-label": `Forget the ${i.label} credential`, onclick: () => void forget(i) }, "Forget") : null,
    ),
  );
}

export async function renderCredentials(list?: CredentialList) {
  const c = list ?? (await api.credentials());
  const slot = h("div", {});
  const edit = (i: CredentialInfo) =>
    clear(
      slot,
      editor(i, (next) => {
        clear(slot);
        if (next) void renderCredentials(next);
      }),
    );
  clear(
    main,
    h("h1", {}, "Credentials"),
    h("p.muted", {}, `Saved in the ${c.keyring}${c.survivesReboot ? "" : " (kept until the machine restarts)"}. Accounts are shown; secrets never leave the keyring.`),
    h(
      "table.list",
      { "data-testid": "credentials" },
      h("thead", {}, h("tr", {}, h("th", {}, "Credential"), h("th", {}, "Account"), h("th", {}, "State"), h("th", {}, h("span", { class: "visually-hidden" }, "Actions")))),
      h("tbody", {}, c.items.map((i) => row(i, edit))),
    ),
    slot,
  );
}
