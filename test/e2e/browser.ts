import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, type Page, chromium } from "playwright-core";
import type { StaffRole } from "../../functions/api/routes.ts";

/** Where the tests write a screenshot of each main page (gitignored); a person looks at them. */
export const screenshotDir = fileURLToPath(new URL("./screenshots/", import.meta.url));

/**
 * Debian's chromium, headless. Without the background-networking flags Chromium keeps trying to
 * reach its update and sync services, which a closed network answers badly.
 */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export interface Staffer {
  readonly context: BrowserContext;
  readonly page: Page;
}

/** A member of staff in a browser of their own (sessions live in sessionStorage), signed in through the console's sign-in page. */
export async function signIn(browser: Browser, baseUrl: string, role: StaffRole, name: string, schemeId?: string): Promise<Staffer> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, locale: "nl-NL", timezoneId: "Europe/Amsterdam" });
  if (schemeId) await context.addInitScript((id) => localStorage.setItem("console.scheme", id), schemeId);
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`[browser ${name}] ${error.message}`));
  await page.goto(`${baseUrl}/`);
  await page.getByLabel("Rol").selectOption(role);
  await page.getByLabel("Naam").fill(name);
  await page.getByRole("button", { name: "Inloggen" }).click();
  await page.getByTestId("who").waitFor();
  return { context, page };
}

export const screenshot = (page: Page, name: string) => page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
