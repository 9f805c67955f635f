import type { BrowserContext, Page } from "playwright-core";
import type { EpochMs } from "../../src/domain/time.ts";
import { slotElementId } from "../../src/views/SlotList.tsx";
import { afterEach, describe, expect, it } from "vitest";
import { useTestApp } from "../support/app.ts";
import { useBrowser, screenshot } from "../support/browser.ts";
import { createHost, wall } from "../support/fixtures.ts";

const app = useTestApp();
const browser = useBrowser();
const contexts: BrowserContext[] = [];

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

interface Probe {
  __sockets: WebSocket[];
  __offline: boolean;
}

/**
 * A page as one person's screen: always visible (each person looks at their own; headless
 * Chromium may call a background window hidden, and hidden pages pause their socket), with its
 * WebSockets recorded and a switch that makes the network unreachable.
 */
const openPage = async (timezoneId: string, url: string) => {
  const context = await browser.newContext({ timezoneId, locale: "en-GB" });
  contexts.push(context);
  await context.addInitScript(() => {
    Object.defineProperty(document, "visibilityState", { get: () => "visible" });
    Object.defineProperty(document, "hidden", { get: () => false });
    const probe = window as unknown as Probe;
    probe.__sockets = [];
    probe.__offline = false;
    const Original = window.WebSocket;
    window.WebSocket = class extends Original {
      constructor(url: string | URL, protocols?: string | string[]) {
        // While "offline", every connection attempt fails, as it would without a network (on
        // our own origin: the page's CSP allows no other).
        super(probe.__offline ? `${location.origin.replace("http", "ws")}/live/hosts/offline` : url, protocols);
        probe.__sockets.push(this);
      }
    } as typeof WebSocket;
  });
  const page = await context.newPage();
  await page.goto(url);
  await connected(page);
  return page;
};

/** Polls on a timer: background windows get no animation frames, Playwright's default. */
const connected = (page: Page) =>
  page.waitForFunction(
    () => (window as unknown as Probe).__sockets.some((s) => s.readyState === WebSocket.OPEN && !s.url.endsWith("/offline")),
    undefined,
    { polling: 50 },
  );

const bookFirstSlot = async (page: Page, name: string) => {
  await page.locator(".day-slots ul.slots button").first().click();
  await page.locator("#name").fill(name);
  await page.locator("#email").fill("someone@example.com");
  await page.getByRole("button", { name: "Confirm booking" }).click();
  await page.getByRole("heading", { name: "You are scheduled" }).waitFor();
};

describe("two browsers on one booking page", () => {
  it("a slot booked in one disappears from the other, in another zone, without a reload", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "Europe/Vienna" }));
    const base = `${app.url}/${host.hostSlug}/${host.eventSlug}`;
    const vienna = await openPage("Europe/Vienna", `${base}?tz=Europe/Vienna`);
    const slot = vienna.locator(".day-slots ul.slots button").first();
    const start = await slot.getAttribute("value");
    // Tokyo opens that time's Tokyo date, which is not always its UTC date.
    const date = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Tokyo" }).format(Date.parse(start!));
    const tokyo = await openPage("Asia/Tokyo", `${base}?tz=Asia/Tokyo&date=${date}`);
    const id = slotElementId(host.eventTypeId, Date.parse(start!) as EpochMs);
    await expect.poll(() => tokyo.locator(`#${id}`).count()).toBe(1);

    await bookFirstSlot(vienna, "Grace Hopper");
    await tokyo.locator(`#${id}`).waitFor({ state: "detached", timeout: 5_000 });
    // The removal was announced to screen readers.
    await expect.poll(() => tokyo.locator("#live-status").textContent()).toMatch(/just taken/);
    await screenshot(tokyo, "live-after-removal-desktop");
  });

  it("a day that runs out of times loses its mark, and gets it back when a time comes free", async () => {
    // Wednesdays offer exactly one time: 09:00–09:30 in Vienna.
    const host = await app.runtime.runPromise(
      createHost({ timeZone: "Europe/Vienna", rules: [{ weekday: 3, start: wall("09:00"), end: wall("09:30") }] }),
    );
    const base = `${app.url}/${host.hostSlug}/${host.eventSlug}?tz=Europe/Vienna`;
    const watcher = await openPage("Europe/Vienna", base);
    const booker = await openPage("Europe/Vienna", base);
    const wednesday = await booker.locator(".month a.day:has(.dot)").first().getAttribute("data-date");
    const day = watcher.locator(`.month a.day[data-date="${wednesday}"]`);
    await expect.poll(() => day.locator(".dot").count()).toBe(1);
    expect(await day.textContent()).toContain("times available");

    await bookFirstSlot(booker, "Ada Lovelace");
    await expect.poll(() => day.locator(".dot").count(), { timeout: 5_000 }).toBe(0);
    expect(await day.textContent()).toContain("no times");
    expect(await day.getAttribute("aria-disabled")).toBe("true");

    // Cancelling frees the time: every page re-fetches its own view and the mark returns.
    await booker.getByText("Cancel the meeting", { exact: true }).click();
    await booker.getByRole("button", { name: "Yes, cancel the meeting" }).click();
    await booker.getByRole("heading", { name: "Your meeting is cancelled" }).waitFor();
    await expect.poll(() => day.locator(".dot").count(), { timeout: 5_000 }).toBe(1);
  });

  it("catches up after a dropped connection", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "Europe/Vienna" }));
    const base = `${app.url}/${host.hostSlug}/${host.eventSlug}?tz=Europe/Vienna`;
    const offline = await openPage("Europe/Vienna", base);
    const booker = await openPage("Europe/Vienna", base);
    const start = await booker.locator(".day-slots ul.slots button").first().getAttribute("value");
    const id = `#${slotElementId(host.eventTypeId, Date.parse(start!) as EpochMs)}`;
    // The network goes away (the page keeps trying to reconnect), and the slot is booked meanwhile.
    await offline.evaluate(() => {
      const probe = window as unknown as Probe;
      probe.__offline = true;
      probe.__sockets.forEach((s) => s.close());
      probe.__sockets.length = 0;
    });
    await bookFirstSlot(booker, "Alan Turing");
    expect(await offline.locator(id).count()).toBe(1);
    // Back online: on reconnecting, the page re-fetches its view and the booked time is gone.
    await offline.evaluate(() => ((window as unknown as Probe).__offline = false));
    await connected(offline);
    await offline.locator(id).waitFor({ state: "detached", timeout: 10_000 });
  });
});
