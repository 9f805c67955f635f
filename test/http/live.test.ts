import { Effect } from "effect";
import type { EpochMs } from "../../src/domain/time.ts";
import { slotElementId } from "../../src/views/SlotList.tsx";
import { beforeAll, describe, expect, it } from "vitest";
import { HostActors } from "../../src/actors/HostActors.ts";
import { Book, Cancel, ReplaceWeeklyRules, SetDateOverride } from "../../src/actors/protocol.ts";
import { DAY_MS, parseLocalDate } from "../../src/domain/time.ts";
import { useTestApp } from "../support/app.ts";
import { createHost, type HostFixture } from "../support/fixtures.ts";
import { inputValue, offeredStarts, PageClient } from "../support/client.ts";
import { openLiveSocket } from "../support/ws.ts";

const app = useTestApp();
let host: HostFixture;

beforeAll(async () => {
  host = await app.runtime.runPromise(createHost());
});

const liveUrl = () => `${app.url.replace("http", "ws")}/live/hosts/${host.hostId}`;

describe("live booking pages", () => {
  it("removes a booked slot from every other open page with one time-zone-free fragment", async () => {
    const viewerInTokyo = await openLiveSocket(liveUrl());
    const viewerInLima = await openLiveSocket(liveUrl());
    const browser = new PageClient(app.url);
    const page = await browser.get(`/${host.hostSlug}/${host.eventSlug}?tz=Asia/Tokyo`);
    const start = offeredStarts(page.body)[0]!;
    const startMs = Date.parse(start);
    const elementId = slotElementId(host.eventTypeId, startMs as EpochMs);
    expect(page.body).toContain(`id="${elementId}"`);

    const held = await browser.postForm(`/${host.hostSlug}/${host.eventSlug}/hold`, {
      _csrf: inputValue(page.body, "_csrf")!,
      tz: "Asia/Tokyo",
      start,
    });
    expect(held.status).toBe(303);

    const removal = `<li id="${elementId}" hx-swap-oob="delete"></li>`;
    const [tokyo, lima] = await Promise.all([
      viewerInTokyo.next((f) => f.includes(removal)),
      viewerInLima.next((f) => f.includes(removal)),
    ]);
    expect(tokyo).toBe(lima);
    viewerInTokyo.close();
    viewerInLima.close();
  });

  it("tells open pages to refresh when a slot comes free", async () => {
    const viewer = await openLiveSocket(liveUrl());
    await app.runtime.runPromise(
      Effect.gen(function* () {
        const actors = yield* HostActors;
        const snapshot = yield* actors.snapshot(host.hostId);
        const now = Date.now();
        const start = snapshot.slots(snapshot.eventTypes.get(host.eventTypeId)!, now + DAY_MS, now + 8 * DAY_MS, now)[3]!;
        const booking = yield* actors.ask(
          host.hostId,
          new Book({
            eventTypeId: host.eventTypeId,
            start,
            invitee: { name: "Ada", email: "ada@example.com", timeZone: "UTC" },
            answers: {},
            idempotencyKey: null,
            holdToken: null,
            visitor: null,
          }),
        );
        yield* actors.ask(host.hostId, new Cancel({ bookingId: booking.id, by: "invitee", reason: null }));
      }),
    );
    const frame = await viewer.next((f) => f.startsWith("{"));
    expect(JSON.parse(frame)).toEqual({ type: "refresh" });
    viewer.close();
  });

  it("tells open pages to refresh when the host's schedule changes, and their next view shows it", async () => {
    const own = await app.runtime.runPromise(createHost({ timeZone: "Asia/Tokyo" }));
    const viewer = await openLiveSocket(`${app.url.replace("http", "ws")}/live/hosts/${own.hostId}?tz=Asia/Tokyo`);
    const page = new PageClient(app.url);
    const tomorrow = new Date(Date.now() + 2 * DAY_MS).toLocaleDateString("en-CA", { timeZone: "Asia/Tokyo" });
    const dayView = async () => offeredStarts((await page.get(`/${own.hostSlug}/${own.eventSlug}/slots?tz=Asia/Tokyo&from=${tomorrow}&days=1`)).body);
    expect((await dayView()).length).toBeGreaterThan(0);

    // Closing that day: the page is told to refetch, and its refetch offers nothing that day.
    await app.runtime.runPromise(
      Effect.flatMap(HostActors, (actors) => actors.ask(own.hostId, new SetDateOverride({ date: parseLocalDate(tomorrow)!, windows: [] }))),
    );
    expect(JSON.parse(await viewer.next((f) => f.startsWith("{")))).toEqual({ type: "refresh" });
    expect(await dayView()).toEqual([]);

    // Opening hours that change for the whole week: told again.
    await app.runtime.runPromise(
      Effect.flatMap(HostActors, (actors) => actors.ask(own.hostId, new ReplaceWeeklyRules({ rules: [{ weekday: 1, start: 600, end: 660 }] }))),
    );
    let refreshes = 0;
    expect(JSON.parse(await viewer.next((f) => f.startsWith("{") && ++refreshes === 2))).toEqual({ type: "refresh" });
    viewer.close();
  });

  it("refuses a socket opened by another site's page", async () => {
    await expect(openLiveSocket(liveUrl(), "https://evil.example")).rejects.toThrow(/403/);
  });
});
