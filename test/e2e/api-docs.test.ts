import { describe, expect, it } from "vitest";
import { useTestApp } from "../support/app.ts";
import { expectAccessible, failOnPageErrors, useBrowser, VIEWPORTS } from "../support/browser.ts";

const app = useTestApp();
const browser = useBrowser();

describe("the API's docs page in a browser", () => {
  it("fits a phone, is accessible, and loads nothing from another origin", async () => {
    const page = await (await browser.newContext({ viewport: VIEWPORTS.phone })).newPage();
    const errors: string[] = [];
    failOnPageErrors(page, errors);
    const requested: string[] = [];
    page.on("request", (r) => requested.push(r.url()));
    await page.goto(`${app.url}/api/v1/docs`);
    await page.getByRole("heading", { name: "Rendezvous API", level: 1 }).waitFor();
    await page.getByRole("link", { name: "POST /api/v1/host/event-types" }).click();
    await page.locator("#Host\\.createEventType").getByText("Example").waitFor();
    await expectAccessible(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(VIEWPORTS.phone.width);
    expect(requested.length).toBeGreaterThan(0);
    for (const url of requested) expect(new URL(url).origin, url).toBe(app.url);
    expect(errors).toEqual([]);
  });
});
