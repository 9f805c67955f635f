import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp } from "../support/app.ts";
import { launchBrowser } from "../support/browser.ts";
import { createHost, type HostFixture } from "../support/fixtures.ts";

let app: Awaited<ReturnType<typeof startTestApp>>;
let host: HostFixture;
let browser: Browser;

beforeAll(async () => {
  [app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
  host = await app.runtime.runPromise(createHost({ timeZone: "Europe/Vienna" }));
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe("two browsers on one booking page", () => {
  it("a slot booked in one disappears from the other without a reload", async () => {
    const tokyo = await (await browser.newContext({ timezoneId: "Asia/Tokyo" })).newPage();
    const vienna = await (await browser.newContext({ timezoneId: "Europe/Vienna" })).newPage();
    const url = `${app.url}/${host.hostSlug}/${host.eventSlug}`;
    await Promise.all([tokyo.goto(url), vienna.goto(url)]);
    // The script put each browser's own zone into the URL.
    await tokyo.waitForURL(/tz=Asia%2FTokyo/);
    await expect.poll(() => tokyo.locator(".zone strong").textContent()).toBe("Asia/Tokyo");
    // Both are connected before anyone books.
    await tokyo.waitForFunction(() => document.querySelector("#live") !== null && (window as any).htmx !== undefined);

    const slot = vienna.locator("ul.slots button").first();
    const start = await slot.getAttribute("value");
    const id = `slot-${host.eventTypeId}-${Date.parse(start!)}`;
    await expect.poll(() => tokyo.locator(`#${id}`).count()).toBe(1);

    await slot.click();
    await vienna.locator("#name").fill("Grace Hopper");
    await vienna.locator("#email").fill("grace@example.com");
    await vienna.locator("button.primary").click();
    await vienna.waitForSelector("text=You are scheduled");

    // Gone from the other page, which was never reloaded.
    await tokyo.waitForSelector(`#${id}`, { state: "detached", timeout: 5_000 });
    expect(await tokyo.locator(`#${id}`).count()).toBe(0);
  });
});
