// Credentials: which are saved in the keyring (names only), and Forget.
import { api } from "../api";
import type { CredentialInfo, CredentialList } from "../bindings";
import { confirmDialog } from "../dialogs";
import { clear, h } from "../dom";
import { main } from "../router";

async function forget(i: CredentialInfo) {
  const text = `Remove the saved ${i.label} credential from the keyring? RoleSync asks for it again next time.`;
  if (await confirmDialog("Forget credential?", text, "Forget")) await renderCredentials(await api.forgetCredential(i.name));
}

function row(i: CredentialInfo) {
  return h(
    "tr",
    { "data-credential": i.name, "data-saved": String(i.saved) },
    h("td", {}, h("strong", {}, i.label), h("div.muted.small", {}, i.name)),
    h("td", {}, i.saved ? h("span.badge.ok", {}, "saved") : h("span.badge.muted", {}, "not saved")),
    h("td", {}, i.saved ? h("button.secondary", { "data-testid": `forget-${i.name}`, onclick: () => void forget(i) }, "Forget") : null),
  );
}

export async function renderCredentials(list?: CredentialList) {
  const c = list ?? (await api.credentials());
  clear(
    main,
    h("h1", {}, "Credentials"),
    h("p.muted", {}, `Saved in the ${c.keyring}${c.survivesReboot ? "" : " (kept until the machine restarts)"}. Only names are shown; values never leave the keyring.`),
    h("table.list", { "data-testid": "credentials" }, h("tbody", {}, c.items.map(row))),
  );
}
