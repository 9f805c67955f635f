import { describe, expect, it } from "vitest";
import type { EpochMs } from "../../src/domain/time.ts";
import { slotElementId } from "../../src/views/SlotList.tsx";
import { bookViaApi } from "../support/api.ts";
import { useOpenHostDatabase } from "../support/fixtures.ts";
import type { SpawnedServer } from "../support/server.ts";
import { offeredStarts, startStorm } from "../support/storm.ts";
import { openLiveSocket } from "../support/ws.ts";
import { actorsRunning, forwardedBy, offeredOn, storedBookings, useCluster } from "./support.ts";

/**
 * Three `rendezvous serve` processes on one Postgres and one Redis (of the test's own), each a
 * runner of one cluster (its own PORT and CLUSTER_PORT), as an operator starts them.
 */
const database = useOpenHostDatabase();
const cluster = useCluster(database);
const instances = cluster.instances;

const startsOn = (instance: SpawnedServer) => offeredOn(instance, database);

describe("three instances of one cluster", () => {
  it("run the host's actor on one of them, and a page open on any sees a booking made through another", async () => {
    const [a, b, c] = instances as [SpawnedServer, SpawnedServer, SpawnedServer];
    const { slots } = await offeredStarts(a.url, database.host.hostSlug, database.host.eventSlug);
    const start = slots[5]!.start;
    const live = `/live/hosts/${database.host.hostId}`;
    const onA = await openLiveSocket(`${a.url.replace("http", "ws")}${live}`);
    const onB = await openLiveSocket(`${b.url.replace("http", "ws")}${live}`);
    try {
      const booked = await bookViaApi(c.url, { eventTypeId: database.host.eventTypeId, start });
      expect(booked.status).toBe(201);
      // The instance that acknowledged it never offers the time again.
      expect(await startsOn(c)).not.toContain(start);
      const removal = `<li id="${slotElementId(database.host.eventTypeId, Date.parse(start) as EpochMs)}" hx-swap-oob="delete"></li>`;
      await Promise.all([onA.next((f) => f.includes(removal)), onB.next((f) => f.includes(removal))]);
      expect(await startsOn(a)).not.toContain(start);
      expect(await startsOn(b)).not.toContain(start);
      const again = await bookViaApi(b.url, { eventTypeId: database.host.eventTypeId, start, email: "bob@example.com" });
      expect(again.status).toBe(409);
      // Cancelled through A: every instance's copy follows, and all three offer the time again.
      const { id, manageToken } = (await booked.json()) as { id: string; manageToken: string };
      const cancelled = await fetch(`${a.url}/api/v1/bookings/${id}/cancel`, {
        method: "POST",
        headers: { authorization: `Bearer ${manageToken}`, "content-type": "application/json" },
        body: JSON.stringify({ reason: "plans changed" }),
      });
      expect(cancelled.status).toBe(200);
      for (const instance of instances) await expect.poll(async () => (await startsOn(instance)).has(start)).toBe(true);
    } finally {
      onA.close();
      onB.close();
    }
    const running = await Promise.all(instances.map(actorsRunning));
    expect(running.toSorted()).toEqual([0, 0, 1]);
    // A command through an instance that does not own the host goes through the cluster (and is
    // counted there), unless that instance's copy already refuses it: B's copy knew the time taken.
    const forwarded = await Promise.all(instances.map(forwardedBy));
    if (running[2] === 0) expect(forwarded[2], "C forwarded the booking").toBeGreaterThanOrEqual(1);
    expect(forwarded[1], "B refused the second try itself").toBe(0);
    expect(forwarded[0], "A forwarded the cancel unless it owns the host").toBe(running[0] === 0 ? 1 : 0);
  }, 60_000);

  it("keeps every acknowledged booking and books nothing twice when the host's owner is killed mid-storm", async () => {
    const running = await Promise.all(instances.map(actorsRunning));
    const owner = instances[running.indexOf(1)]!;
    const survivors = instances.filter((i) => i !== owner);
    const { eventTypeId, slots } = await offeredStarts(survivors[0]!.url, database.host.hostSlug, database.host.eventSlug);
    let killed = false;
    let turn = 0;
    const storm = startStorm({
      url: () => {
        const alive = killed ? survivors : instances;
        return alive[turn++ % alive.length]!.url;
      },
      eventTypeId,
      starts: slots.slice(0, 400).map((s) => s.start),
      clients: 12,
      maxPerClient: 200,
    });
    await storm.until((o) => o.acknowledged.length >= 30);
    owner.child.kill("SIGKILL");
    killed = true;
    const killedAt = Date.now();
    const before = storm.outcome.acknowledged.length;
    // Bookings go on through the survivors once the host's shard has moved.
    await storm.until((o) => o.acknowledged.length >= before + 30);
    const movedAfterMs = Date.now() - killedAt;
    const outcome = await storm.stop();
    console.log(`cluster failover: bookings resumed ${movedAfterMs} ms after the owner was killed; statuses ${JSON.stringify([...outcome.statuses])}`);

    // Only answers a client can act on: booked, taken, or "try again" (while the shard moved).
    expect([...outcome.statuses.keys()].filter((s) => ![201, 409, 503].includes(s))).toEqual([]);
    // Only requests in flight to the killed process went unanswered.
    expect(outcome.unanswered.length).toBeLessThanOrEqual(12);

    const stored = await storedBookings(database);
    expect(outcome.acknowledged.filter((b) => !stored.ids.has(b.id))).toEqual([]);
    expect(stored.overlapping).toBe(0);
    // And the instances that remain agree: none of them offers an acknowledged time.
    for (const survivor of survivors) {
      const offered = await startsOn(survivor);
      expect(outcome.acknowledged.filter((b) => offered.has(b.start))).toEqual([]);
    }
  }, 120_000);
});
