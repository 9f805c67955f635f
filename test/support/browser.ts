import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";

/** Debian's Chromium, headless, with the flags this sandboxed machine needs. */
export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({
    executablePath: process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });

export const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

const SCREENSHOTS = new URL("../e2e/screenshots/", import.meta.url);

/** Keeps a picture of the page as a test artifact (git-ignored). */
export const screenshot = async (page: Page, name: string) => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // caret: "initial": hiding the caret writes style attributes into the page, which its CSP then refuses to carry over.
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: true, caret: "initial" });
};

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/** axe-core in the page: no serious or critical accessibility violation. */
const axeSource = readFileSync(axePath, "utf8");

export const expectAccessible = async (page: Page) => {
  // Evaluated by the test driver, which the page's CSP does not govern (a <script> tag would be refused).
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: () => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run();
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
  });
  expect(violations).toEqual([]);
};

/** Every page script failure, and anything the Content-Security-Policy blocked, fails the test. */
export const failOnPageErrors = (page: Page, errors: string[]) => {
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && m.text().includes("Content Security Policy")) errors.push(m.text());
  });
};

/** One Chromium for a whole test file, launched before its tests and closed after. */
export const useBrowser = (): Browser => {
  let launched: Browser | undefined;
  beforeAll(async () => {
    launched = await launchBrowser();
  });
  afterAll(() => launched?.close());
  return new Proxy({} as Browser, {
    get: (_, property) => {
      if (launched === undefined) throw new Error("the browser is used before its beforeAll ran");
      const value = Reflect.get(launched, property) as unknown;
      return typeof value === "function" ? value.bind(launched) : value;
    },
  });
};
