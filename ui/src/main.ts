// The RoleSync window: pages over the Rust commands. No business logic here: the plan, the
// limits, the credential rule, the settings and their validation all come from the Rust side.
// Each page is a module in pages/; the state they share is in state.ts. With no configuration
// yet the window opens on the setup page.
import { api } from "./api";
import { renderApprovals } from "./pages/approvals";
import { renderCredentials } from "./pages/credentials";
import { renderExposure } from "./pages/exposure";
import { renderHistory } from "./pages/history";
import { renderHome } from "./pages/home";
import { renderLogs } from "./pages/logs";
import { renderPreview } from "./pages/preview";
import { renderProgress } from "./pages/progress";
import { renderSettings } from "./pages/settings";
import { renderSetup } from "./pages/setup";
import { register, show } from "./router";
import { state } from "./state";

register("home", renderHome);
register("setup", renderSetup);
register("preview", renderPreview);
register("progress", renderProgress);
register("history", renderHistory);
register("approvals", renderApprovals);
register("exposure", renderExposure);
register("logs", renderLogs);
register("credentials", renderCredentials);
register("settings", () => renderSettings());

window.addEventListener("hashchange", () => void show());

async function start() {
  const info = (state.info = await api.appInfo());
  document.getElementById("demo-badge")!.hidden = !info.demo;
  document.getElementById("version")!.textContent = `v${info.version}`;
  const asked = location.hash.slice(1);
  await show(asked ? undefined : info.setupNeeded && info.demoReason?.startsWith("no configuration") ? "setup" : "home");
}
void start();
