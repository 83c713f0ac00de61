// Navigation: one page at a time in <main>, chosen by the URL's hash. Pages register their
// render function; `show` draws one and marks it ready (the WebDriver tests wait for that).
import { errorText } from "./api";
import { clear, h } from "./dom";

export type Page = "home" | "preview" | "progress" | "history" | "exposure" | "logs" | "credentials" | "settings";

export const main = document.getElementById("main")!;
const pages = new Map<Page, () => Promise<void> | void>();

export function register(page: Page, render: () => Promise<void> | void) {
  pages.set(page, render);
}

export function current(): Page {
  const p = location.hash.slice(1) as Page;
  return pages.has(p) ? p : "home";
}

export async function show(page: Page = current()) {
  if (location.hash.slice(1) !== page) {
    history.replaceState(null, "", `#${page}`);
  }
  document.querySelectorAll<HTMLAnchorElement>("#nav a").forEach((a) => {
    a.classList.toggle("active", a.dataset.page === page);
  });
  main.dataset.page = page;
  try {
    await pages.get(page)?.();
  } catch (e) {
    clear(main, h("h1", {}, page), errorBox(e));
  }
  main.dataset.ready = page;
}

/** Draws `page` again when it is the one shown. */
export function redraw(page: Page) {
  if (current() === page) void pages.get(page)?.();
}

export function errorBox(e: unknown) {
  return h("div.error", { "data-testid": "error" }, errorText(e));
}
