// Navigation: one page at a time in <main>, chosen by the URL's hash. Pages register their
// render function; `show` draws one and marks it ready (the WebDriver tests wait for that).
// While a dialog is open the page behind it stays as it is (the dialog is modal).
import { errorText } from "./api";
import { modalOpen } from "./dialogs";
import { clear, h } from "./dom";

export type Page = "home" | "setup" | "preview" | "progress" | "history" | "approvals" | "exposure" | "logs" | "credentials" | "settings";

export const main = document.getElementById("main")!;
const pages = new Map<Page, () => Promise<void> | void>();
let shown: Page | null = null;

export function register(page: Page, render: () => Promise<void> | void) {
  pages.set(page, render);
}

export function current(): Page {
  const p = location.hash.slice(1) as Page;
  return pages.has(p) ? p : "home";
}

export async function show(page: Page = current()) {
  if (modalOpen() && shown && page !== shown) {
    // Navigation behind a modal dialog is not allowed: put the address back.
    history.replaceState(null, "", `#${shown}`);
    return;
  }
  if (location.hash.slice(1) !== page) {
    history.replaceState(null, "", `#${page}`);
  }
  const moved = shown !== page;
  shown = page;
  document.querySelectorAll<HTMLAnchorElement>("#nav a").forEach((a) => {
    const active = a.dataset.page === page;
    a.classList.toggle("active", active);
    if (active) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
  main.dataset.page = page;
  delete main.dataset.ready;
  try {
    await pages.get(page)?.();
  } catch (e) {
    clear(main, h("h1", {}, page), errorBox(e));
  }
  main.dataset.ready = page;
  // Keyboard users land at the top of the new page, not on the link they left.
  if (moved && !modalOpen() && document.activeElement?.closest("#nav")) main.focus({ preventScroll: true });
}

/** Draws `page` again when it is the one shown. */
export function redraw(page: Page) {
  if (current() === page) void pages.get(page)?.();
}

/** Draws the page shown again (its buttons follow the state, e.g. after a run ended). */
export function redrawCurrent() {
  void pages.get(current())?.();
}

export function errorBox(e: unknown) {
  return h("div.error", { "data-testid": "error", role: "alert" }, errorText(e));
}
