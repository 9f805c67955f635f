import { Effect } from "effect";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostSessionRepository } from "../../src/persistence/HostSessionRepository.ts";
import { startTestApp } from "../support/app.ts";
import { expectAccessible, failOnPageErrors, launchBrowser, screenshot, VIEWPORTS } from "../support/browser.ts";
import { createHost } from "../support/fixtures.ts";

let app: Awaited<ReturnType<typeof startTestApp>>;
let browser: Browser;

beforeAll(async () => {
  [app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe("the host's own page in a browser", () => {
  it("signs in from a link, lists the meetings accessibly on desktop and phone, and cancels one by keyboard", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "America/Chicago" }));
    const slots = (await (await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots`)).json()) as { slots: { start: string }[] };
    for (const [i, name] of ["Grace Hopper", "Alan Turing"].entries()) {
      const r = await fetch(`${app.url}/api/v1/bookings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ eventTypeId: host.eventTypeId, start: slots.slots[i * 3]!.start, invitee: { name, email: "x@example.com", timeZone: "Europe/Paris" } }),
      });
      expect(r.status).toBe(201);
    }
    const token = await app.runtime.runPromise(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(host.hostId, Date.now())));

    const page = await (await browser.newContext({ viewport: VIEWPORTS.desktop })).newPage();
    const errors: string[] = [];
    failOnPageErrors(page, errors);
    await page.goto(`${app.url}/host/sign-in/${token}`);
    await expectAccessible(page);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: `Upcoming meetings of Host ${host.hostSlug}` }).waitFor();
    expect(await page.locator(".meeting").count()).toBe(2);
    await expectAccessible(page);
    await screenshot(page, "host-dashboard-desktop");
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, "host-dashboard-phone");
    const widest = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(widest).toBeLessThanOrEqual(VIEWPORTS.phone.width);

    const summary = page.getByText("Cancel the meeting with Grace Hopper");
    await summary.focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    await page.keyboard.type("Something came up");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "The meeting is cancelled." }).waitFor();
    expect(await page.locator(".meeting").count()).toBe(1);
    expect(await page.locator(".meeting").textContent()).toContain("Alan Turing");
    expect(errors).toEqual([]);
  });
});
