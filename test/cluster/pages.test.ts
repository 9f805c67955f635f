import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import type { EpochMs } from "../../src/domain/time.ts";
import { slotElementId } from "../../src/views/SlotList.tsx";
import { bookViaApi } from "../support/api.ts";
import { useBrowser } from "../support/browser.ts";
import { useOpenHostDatabase } from "../support/fixtures.ts";
import { actorsRunning, startBalancer, useCluster } from "./support.ts";

/** A page in Chromium, in front of three processes of one cluster, whose instance is killed. */
const database = useOpenHostDatabase();
const cluster = useCluster(database);
const browser = useBrowser();

const balancer = await startBalancer();
afterAll(() => balancer.close());

/** Whether the page has an open live socket (hx-ws keeps one per page). */
const liveSocketOpen = (page: Page) => page.evaluate(() => (window as unknown as { __open: () => boolean }).__open());

describe("a page on an instance that is killed", () => {
  it("reconnects to another instance and re-fetches its view, without the time booked while it was away", async () => {
    const [a, b, c] = cluster.instances;
    // A first booking starts the host's actor on its owner: the page will be on that instance.
    const { eventTypeId, hostSlug, eventSlug } = database.host;
    const first = await (await fetch(`${a!.url}/api/v1/hosts/${hostSlug}/event-types/${eventSlug}/slots`)).json() as { slots: { start: string }[] };
    expect((await bookViaApi(a!.url, { eventTypeId, start: first.slots[0]!.start })).status).toBe(201);
    const running = await Promise.all(cluster.instances.map(actorsRunning));
    const owner = cluster.instances[running.indexOf(1)]!;
    const [survivor, booker] = [a, b, c].filter((i) => i !== owner) as [typeof a & object, typeof a & object];

    balancer.routeTo(owner.port);
    const context = await browser.newContext({ timezoneId: "UTC", locale: "en-GB" });
    try {
      await context.addInitScript(() => {
        // Always visible (a hidden page pauses its socket), and its sockets observable.
        Object.defineProperty(document, "visibilityState", { get: () => "visible" });
        Object.defineProperty(document, "hidden", { get: () => false });
        const sockets: WebSocket[] = [];
        const Original = window.WebSocket;
        window.WebSocket = class extends Original {
          constructor(url: string | URL, protocols?: string | string[]) {
            super(url, protocols);
            sockets.push(this);
          }
        } as typeof WebSocket;
        (window as unknown as { __open: () => boolean }).__open = () => sockets.some((s) => s.readyState === WebSocket.OPEN);
      });
      const page = await context.newPage();
      await page.goto(`${balancer.url}/${hostSlug}/${eventSlug}?tz=UTC`);
      await page.waitForFunction(() => (window as unknown as { __open: () => boolean }).__open(), undefined, { polling: 50 });
      const start = await page.locator(".day-slots ul.slots button").first().getAttribute("value");
      const slot = page.locator(`#${slotElementId(eventTypeId, Date.parse(start!) as EpochMs)}`);
      expect(await slot.count()).toBe(1);

      // The instance the page is on dies; the balancer has nowhere to send it for now.
      balancer.routeTo(undefined);
      owner.child.kill("SIGKILL");
      await expect.poll(() => liveSocketOpen(page)).toBe(false);
      // Meanwhile the time is booked through another instance (once the host's shard has moved;
      // until then it answers 503, and the retry carries the same key).
      await expect
        .poll(async () => (await bookViaApi(booker.url, { eventTypeId, start: start!, email: "meanwhile@example.com" }, { "idempotency-key": "booked-meanwhile" })).status, { timeout: 60_000, interval: 500 })
        .toBe(201);
      expect(await slot.count(), "the page cannot have heard of it").toBe(1);

      // The balancer sends the page to a survivor: it reconnects there and re-fetches its view.
      balancer.routeTo(survivor.port);
      await page.waitForFunction(() => (window as unknown as { __open: () => boolean }).__open(), undefined, { polling: 50, timeout: 30_000 });
      await slot.waitFor({ state: "detached", timeout: 10_000 });
      expect(balancer.connectionsTo(survivor.port)).toBeGreaterThanOrEqual(2);
    } finally {
      await context.close();
    }
  }, 120_000);
});
