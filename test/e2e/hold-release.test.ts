import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useTestApp } from "../support/app.ts";
import { expectAccessible, failOnPageErrors, useBrowser } from "../support/browser.ts";
import { createHost, weekdays, type HostFixture } from "../support/fixtures.ts";

/**
 * Issue 13, item 4: an abandoned form does not block its time for the whole hold. Holds of
 * five minutes, leases of two seconds (the page renews every 667 ms).
 */
const app = useTestApp({ holdMinutes: 5, holdLeaseSeconds: 2 });
const browser = useBrowser();

const newHost = () => app.runtime.runPromise(createHost({ timeZone: "UTC", rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]) }));

const isoDay = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** The starts the JSON API offers to everyone else right now. */
const offered = async (host: HostFixture) => {
  const body = (await (await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${isoDay(2)}T00:00:00Z`)).json()) as { slots: { start: string }[] };
  return body.slots.map((s) => Date.parse(s.start));
};

/** Opens the page on a day two days ahead and chooses its third time: held, so nobody else is offered it. */
const holdATime = async (host: HostFixture, errors: string[]): Promise<{ page: Page; start: number; value: string }> => {
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, timezoneId: "UTC", locale: "en-GB" })).newPage();
  failOnPageErrors(page, errors);
  await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=UTC&date=${isoDay(2)}`);
  const slot = page.locator('#day-slots button[name="start"]').nth(2);
  const value = (await slot.getAttribute("value"))!;
  const start = Date.parse(value);
  await slot.click();
  await page.locator("#book-form").waitFor();
  expect(await offered(host)).not.toContain(start);
  return { page, start, value };
};

describe("4: a held time goes back as soon as the invitee leaves its form", () => {
  it('"Change" lets the time go, so it is free in the calendar the invitee returns to', async () => {
    const host = await newHost();
    const errors: string[] = [];
    const { page, start, value } = await holdATime(host, errors);
    await expectAccessible(page);
    await page.getByRole("button", { name: "Change" }).click();
    // Back on the chosen day, with the time they let go offered again, to them and to everyone.
    await page.locator(`#day-slots button[name="start"][value="${value}"]`).waitFor();
    expect(await page.locator(".month a.day.selected").getAttribute("data-date")).toBe(isoDay(2));
    expect(await offered(host)).toContain(start);
    expect(errors).toEqual([]);
  });

  it("leaving the page lets the time go (a beacon on pagehide)", async () => {
    const host = await newHost();
    const errors: string[] = [];
    const { page, start } = await holdATime(host, errors);
    await page.goto("about:blank");
    await expect.poll(() => offered(host)).toContain(start);
    expect(errors).toEqual([]);
  });

  it("an open form keeps its time past many leases; one that stops renewing loses it after a lease, not the whole hold", async () => {
    const host = await newHost();
    const errors: string[] = [];
    const { page, start } = await holdATime(host, errors);
    const renewals = (n: number) =>
      new Promise<void>((resolve) => {
        let seen = 0;
        const count = (response: { url: () => string; status: () => number }) => {
          if (!response.url().endsWith("/hold/renew") || response.status() !== 204) return;
          if (++seen === n) {
            page.off("response", count);
            resolve();
          }
        };
        page.on("response", count);
      });
    // Six renewals take four seconds: twice the lease, and the time is still held.
    await renewals(6);
    expect(await offered(host)).not.toContain(start);
    // The page goes offline (a phone in a tunnel, a frozen tab): no more renewals, no pagehide.
    await page.route("**/hold/renew", (route) => route.abort());
    await expect.poll(() => offered(host)).toContain(start);
    // Five minutes were promised; the time came back within the poll's ten seconds.
    expect(errors).toEqual([]);
  });

  it("booking the held time keeps it: the form's own submit sends no release", async () => {
    const host = await newHost();
    const errors: string[] = [];
    const { page, start } = await holdATime(host, errors);
    const releases: string[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/release")) releases.push(request.url());
    });
    await page.getByLabel("Name").fill("Ann");
    await page.getByLabel("Email").fill("ann@example.com");
    await page.getByRole("button", { name: "Confirm booking" }).click();
    await page.getByRole("heading", { name: "You are scheduled" }).waitFor();
    await page.goto("about:blank");
    expect(releases).toEqual([]);
    expect(await offered(host)).not.toContain(start);
    expect(errors).toEqual([]);
  });
});
