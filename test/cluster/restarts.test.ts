import { describe, expect, it } from "vitest";
import type { EpochMs } from "../../src/domain/time.ts";
import { slotElementId } from "../../src/views/SlotList.tsx";
import { bookViaApi } from "../support/api.ts";
import { useOpenHostDatabase } from "../support/fixtures.ts";
import { exited, type SpawnedServer } from "../support/server.ts";
import { offeredStarts, startStorm } from "../support/storm.ts";
import { openLiveSocket } from "../support/ws.ts";
import { actorsRunning, offeredOn, startInstance, startRedis, storedBookings, useCluster } from "./support.ts";

/** Three processes of one cluster whose Redis and processes are restarted under load. */
const database = useOpenHostDatabase();
const cluster = useCluster(database);

/** Every acknowledged booking is in Postgres, nothing overlaps, and no instance offers an acknowledged time. */
const expectKept = async (acknowledged: ReadonlyArray<{ id: string; start: string }>) => {
  const stored = await storedBookings(database);
  expect(acknowledged.filter((b) => !stored.ids.has(b.id))).toEqual([]);
  expect(stored.overlapping).toBe(0);
  for (const instance of cluster.instances) {
    const offered = await offeredOn(instance, database);
    expect(acknowledged.filter((b) => offered.has(b.start))).toEqual([]);
  }
};

const removalOf = (start: string) => `<li id="${slotElementId(database.host.eventTypeId, Date.parse(start) as EpochMs)}" hx-swap-oob="delete"></li>`;

describe("a cluster whose Redis restarts", () => {
  it("books on while Redis is away, and pages on other instances catch up once it is back", async () => {
    const instances = cluster.instances;
    let redis = cluster.redis!;
    const { eventTypeId, slots } = await offeredStarts(instances[0]!.url, database.host.hostSlug, database.host.eventSlug);
    expect((await bookViaApi(instances[0]!.url, { eventTypeId, start: slots[0]!.start })).status).toBe(201);
    const running = await Promise.all(instances.map(actorsRunning));
    const owner = instances[running.indexOf(1)]!;
    const [watched, other] = instances.filter((i) => i !== owner) as [SpawnedServer, SpawnedServer];
    // The watched instance holds a copy of the host (its slot list) and a page is open on it.
    await offeredOn(watched, database);
    const page = await openLiveSocket(`${watched.url.replace("http", "ws")}/live/hosts/${database.host.hostId}`);
    /** Frames the page got after the `from`-th: a refresh (re-fetch everything) or one that removes `start`. */
    const caughtUp = (from: number, start?: string) =>
      expect.poll(() => page.frames.slice(from).some((f) => f.includes('"refresh"') || (start !== undefined && f.includes(removalOf(start)))), { timeout: 30_000 }).toBe(true);
    /** Frames the page had when Redis came back. */
    let before = 0;
    try {
      let turn = 0;
      const storm = startStorm({ url: () => instances[turn++ % 3]!.url, eventTypeId, starts: slots.slice(1, 300).map((s) => s.start), clients: 6, maxPerClient: 400 });
      await storm.until((o) => o.acknowledged.length >= 10);
      await redis.kill();
      const whileAway = storm.outcome.acknowledged.length;
      // Redis carries no booking state: bookings go on without it.
      await storm.until((o) => o.acknowledged.length >= whileAway + 20);
      before = page.frames.length;
      redis = await startRedis(redis.port);
      cluster.redis = redis;
      // Back: the page is told to re-fetch (it may have missed changes).
      await caughtUp(before);
      const outcome = await storm.stop();
      expect([...outcome.statuses.keys()].filter((s) => ![201, 409].includes(s))).toEqual([]);
      expect(outcome.unanswered).toEqual([]);
      // And hears of changes again: a booking through a third instance reaches it (as a removal,
      // or as a refresh if the owner's own connection to Redis came back later than the page's).
      const free = [...(await offeredOn(owner, database))].at(-1)!;
      const beforeBooking = page.frames.length;
      expect((await bookViaApi(other.url, { eventTypeId, start: free, email: "after@example.com" })).status).toBe(201);
      await caughtUp(beforeBooking, free);
      await expect.poll(async () => (await offeredOn(watched, database)).has(free), { timeout: 30_000 }).toBe(false);
      await expectKept(outcome.acknowledged);
    } catch (error) {
      // What the page and the two processes said, for whoever reads a failure.
      const warnings = (instance: SpawnedServer) => instance.output().split("\n").filter((l) => /level=(WARN|ERROR)/.test(l)).slice(-30).join("\n");
      console.log("frames since Redis came back", page.frames.slice(before), "\nwatched instance:", warnings(watched), "\nowner:", warnings(owner), "\nother:", warnings(other));
      throw error;
    } finally {
      page.close();
    }
  }, 120_000);
});

describe("a cluster restarted one process at a time", () => {
  it("loses no acknowledged booking and books nothing twice while each process is stopped and started again under load", async () => {
    const instances = cluster.instances;
    const { eventTypeId, slots } = await offeredStarts(instances[0]!.url, database.host.hostSlug, database.host.eventSlug);
    let turn = 0;
    const alive = new Set(instances);
    const storm = startStorm({
      url: () => {
        const up = [...alive];
        return up[turn++ % up.length]!.url;
      },
      eventTypeId,
      starts: slots.slice(300, 700).map((s) => s.start),
      clients: 6,
      maxPerClient: 2_000,
    });
    for (let i = 0; i < instances.length; i++) {
      const old = instances[i]!;
      await storm.until((o) => o.acknowledged.length >= 15 * (i + 1));
      alive.delete(old);
      old.child.kill("SIGTERM");
      expect(await exited(old.child)).toBe(0);
      const fresh = await startInstance(database, cluster.redis!.url);
      instances[i] = fresh;
      alive.add(fresh);
    }
    await storm.until((o) => o.acknowledged.length >= 60);
    const outcome = await storm.stop();
    // A stopping process answers what it took (or 503) before it exits; none is left hanging.
    expect([...outcome.statuses.keys()].filter((s) => ![201, 409, 503].includes(s))).toEqual([]);
    expect(outcome.unanswered).toEqual([]);
    await expectKept(outcome.acknowledged);
  }, 180_000);
});
