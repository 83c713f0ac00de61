// The RoleSync window: pages over the Rust commands. No business logic here: the plan, the
// limits, the credential rule, the settings and their validation all come from the Rust side.
// Each page is a module in pages/; the state they share is in state.ts.
import { renderCredentials } from "./pages/credentials";
import { renderExposure } from "./pages/exposure";
import { renderHistory } from "./pages/history";
import { renderHome } from "./pages/home";
import { renderLogs } from "./pages/logs";
import { renderPreview } from "./pages/preview";
import { renderProgress } from "./pages/progress";
import { renderSettings } from "./pages/settings";
import { register, show } from "./router";

register("home", renderHome);
register("preview", renderPreview);
register("progress", renderProgress);
register("history", renderHistory);
register("exposure", renderExposure);
register("logs", renderLogs);
register("credentials", renderCredentials);
register("settings", () => renderSettings());

window.addEventListener("hashchange", () => void show());
void show();
