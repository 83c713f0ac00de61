import { defineConfig } from "vite";

// The window loads the built files from ui/dist (tauri.conf.json `frontendDist`).
export default defineConfig({
  clearScreen: false,
  build: { outDir: "dist", emptyOutDir: true, target: "es2021", sourcemap: false },
  server: { strictPort: true },
});
