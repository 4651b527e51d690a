import { existsSync } from "node:fs";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Where the system's Chromium lives (Debian's `chromium` package). */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Whether the browser tests can run here; warns with what to install when they cannot.
 *
 * @example
 * ```ts
 * describe.skipIf(!chromiumAvailable("dashboard browser tests"))("dashboard", () => {});
 * ```
 */
export function chromiumAvailable(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  console.warn(`${what} skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
  return false;
}

/**
 * Launches headless Chromium with a throwaway profile in `profileDir`, a laptop-sized
 * viewport and nothing that reaches the network on its own. Test-only.
 *
 * @example
 * ```ts
 * const context = await launchChromium(join(root, "chromium-profile"));
 * const page = await context.newPage();
 * await context.close();
 * ```
 */
export function launchChromium(profileDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    viewport: { width: 1366, height: 800 },
  });
}

/**
 * Opens `url` in a new page of `context`, recording every console error and uncaught page
 * error into `errors` (prefixed with `label`). Test-only.
 *
 * @example
 * ```ts
 * const errors: string[] = [];
 * const page = await openRecorded(context, `${base}/#/models`, "#/models", errors);
 * ```
 */
export async function openRecorded(
  context: BrowserContext,
  url: string,
  label: string,
  errors: string[],
): Promise<Page> {
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${label}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`${label}: ${e.message}`));
  await page.goto(url);
  return page;
}
