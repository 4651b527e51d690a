import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// The dashboard builds into the package's dist/ui, which `keel server` serves at `/`.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // Images and fonts stay files (no data: URLs), so the CSP needs no exceptions for them.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
