// Home: demo mode (and the way out of it: the setup), the last run, how runs sign in, Preview
// and Run sync, where the files are.
import { api } from "../api";
import { clear, h, when } from "../dom";
import { modeText, outcomeBadge } from "../format";
import { main, show } from "../router";
import { run } from "../run";
import { state } from "../state";

export async function renderHome() {
  const info = (state.info = await api.appInfo());
  document.getElementById("demo-badge")!.hidden = !info.demo;
  document.getElementById("version")!.textContent = `v${info.version}`;
  const last = info.lastRun;
  clear(
    main,
    h("h1", {}, "Home"),
    info.demo
      ? h(
          "div.banner.demo",
          { "data-testid": "demo-banner" },
          h("strong", {}, "Demo mode"),
          ` — RoleSync runs on the built-in contoso.com directory and demo tenant (${info.demoReason ?? ""}). Nothing outside this computer changes.`,
          info.setupNeeded ? [" ", h("button.link", { "data-testid": "home-setup", onclick: () => void show("setup") }, "Set up your own directory and tenant")] : null,
        )
      : null,
    info.warnings.map((w) =>
      h("div.banner.warn", { "data-testid": "access-warning" }, h("strong", {}, "Others can change RoleSync's files"), ` — ${w}`),
    ),
    h(
      "div.card",
      { "data-testid": "last-run" },
      h("h2", {}, "Last run"),
      last
        ? [
            h("p.big", { "data-outcome": last.outcome }, outcomeBadge(last.outcome), " ", last.headline),
            h("p.muted", {}, `${when(last.started)} · ${modeText(last.mode)}${last.forced ? " · forced" : ""}`),
          ]
        : h("p.muted", {}, "No run yet."),
    ),
    h("p.muted", { "data-testid": "sign-in-plan" }, info.signIn),
    h(
      "div.actions",
      {},
      h("button.primary.large", { "data-testid": "preview", onclick: () => void run("plan"), disabled: state.running }, "Preview"),
      h("button.primary.large", { "data-testid": "run-sync", onclick: () => void run("apply"), disabled: state.running }, "Run sync"),
      state.running ? h("span.muted", {}, "A run is in progress — ", h("a", { href: "#progress" }, "see its progress"), ".") : null,
    ),
    h(
      "dl.files",
      {},
      h("dt", {}, "Configuration"),
      h("dd", {}, info.configFile, info.configExists ? "" : " (not created yet)"),
      h("dt", {}, "Logs and reports"),
      h("dd", {}, info.logDir),
    ),
  );
}
