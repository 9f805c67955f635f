import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { HostSessionRepository } from "../../src/persistence/HostSessionRepository.ts";
import { useTestApp } from "../support/app.ts";
import { bookViaApi } from "../support/api.ts";
import { expectAccessible, failOnPageErrors, useBrowser, screenshot, VIEWPORTS } from "../support/browser.ts";
import { createHost } from "../support/fixtures.ts";

const app = useTestApp();
const browser = useBrowser();


describe("the host's own page in a browser", () => {
  it("signs in from a link, lists the meetings accessibly on desktop and phone, and cancels one by keyboard", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "America/Chicago" }));
    const slots = (await (await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots`)).json()) as { slots: { start: string }[] };
    for (const [i, name] of ["Grace Hopper", "Alan Turing"].entries()) {
      const r = await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: slots.slots[i * 3]!.start, name, email: `x${i}@example.com`, timeZone: "Europe/Paris" });
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
