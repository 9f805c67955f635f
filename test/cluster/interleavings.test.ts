import { FastCheck as fc } from "effect";
import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { useOpenHostDatabase } from "../support/fixtures.ts";
import { exited, type SpawnedServer } from "../support/server.ts";
import { offeredStarts } from "../support/storm.ts";
import { actorsRunning, startInstance, storedBookings, useCluster } from "./support.ts";

/**
 * Random interleavings of bookings, replays, cancels and shard handovers over three processes
 * of one cluster, checked against what one process would answer: the single-process semantics
 * of a host's calendar as a model (a free time is booked by exactly one of the requests racing
 * for it, a taken one is refused, a replay answers its booking, a cancel frees the time).
 */
const database = useOpenHostDatabase();
const cluster = useCluster(database);

/** Times each run books: few, so requests collide. */
const SLOTS = 4;
/** Process restarts per run at most: each costs seconds. */
const HANDOVERS = 1;

const opArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("book" as const), via: fc.nat(2), slot: fc.nat(SLOTS - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("replay" as const), via: fc.nat(2), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), via: fc.nat(2), pick: fc.nat() }) },
);
/** Requests sent at once; now and then while a process hands its shards over (the host's owner, or another). */
const stepArb = fc.record({
  ops: fc.array(opArb, { minLength: 1, maxLength: 5 }),
  handover: fc.option(fc.constantFrom("owner" as const, "other" as const), { freq: 4 }),
});

interface Acked {
  readonly id: string;
  readonly slot: number;
  readonly manageToken: string;
  readonly key: string;
  readonly body: string;
  active: boolean;
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** An earlier try's outcome is unknown (503, or the connection failed). */
  readonly retried: boolean;
  readonly ms: number;
}

/**
 * A client's request: a 503 or a failed connection leaves the outcome unknown, so it is sent
 * again with the same Idempotency-Key (after a pause that grows, as a client honouring
 * Retry-After does) until it gets an answer.
 */
const send = async (url: () => string, path: string, body: string, headers: Record<string, string>): Promise<Answer> => {
  let retried = false;
  const began = performance.now();
  for (let attempt = 1; attempt <= 40; attempt++) {
    try {
      const res = await fetch(`${url()}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
      const text = await res.text();
      if (res.status !== 503) return { status: res.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>), retried, ms: performance.now() - began };
    } catch {
      // The process stopped under the request.
    }
    retried = true;
    await delay(Math.min(50 * attempt, 1_000));
  }
  throw new Error(`${path}: no answer after 40 tries`);
};

/** The times among `starts` an instance offers now, by its own copy or actor. */
const offeredAmong = async (instance: SpawnedServer, starts: ReadonlyArray<string>) => {
  const from = new Date(Date.parse(starts[0]!) - 60_000).toISOString();
  const to = new Date(Date.parse(starts.at(-1)!) + 3_600_000).toISOString();
  const res = await fetch(`${instance.url}/api/v1/hosts/${database.host.hostSlug}/event-types/${database.host.eventSlug}/slots?from=${from}&to=${to}`);
  const offered = new Set(((await res.json()) as { slots: { start: string }[] }).slots.map((s) => s.start));
  return starts.filter((s) => offered.has(s));
};

/** Stops a process as an operator does (SIGTERM: it hands its shards over). */
const stop = async (index: number) => {
  const old = cluster.instances[index]!;
  old.child.kill("SIGTERM");
  expect(await exited(old.child)).toBe(0);
};

describe("a cluster under random interleavings of bookings, cancels and shard handovers", () => {
  it("answers every request as one process would, keeps no double booking, and every instance ends offering what the model offers", async () => {
    const { eventTypeId, slots } = await offeredStarts(cluster.instances[0]!.url, database.host.hostSlug, database.host.eventSlug);
    let run = 0;
    let invitee = 0;
    const acked: Acked[] = [];
    const seen = { steps: 0, handovers: 0, requests: 0, retried: 0, statuses: new Map<number, number>(), slowestInHandoverMs: 0 };

    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 3, maxLength: 6 }), async (steps) => {
        // Each run books times of its own, so runs do not meet.
        const starts = slots.slice(40 + run * SLOTS, 40 + (run + 1) * SLOTS).map((s) => s.start);
        run++;
        const ofRun: Acked[] = [];
        let handovers = 0;

        for (const step of steps) {
          const before = ofRun.filter((a) => a.active);
          const takenAtStart = new Map(before.map((a) => [a.slot, a]));
          // The process handed over: the host's owner (the one running its actor), or another.
          let leaving: number | undefined;
          if (step.handover !== null && handovers < HANDOVERS) {
            handovers++;
            seen.handovers++;
            const running = await Promise.all(cluster.instances.map(actorsRunning));
            const owner = Math.max(0, running.indexOf(1));
            leaving = step.handover === "owner" ? owner : (owner + 1) % 3;
          }
          // Requests go to the other processes while one restarts (nginx would send them there).
          const via = (i: number) => () => cluster.instances[i === leaving ? (i + 1) % 3 : i]!.url;
          const cancels = new Set<Acked>();

          const send_ = (op: (typeof step.ops)[number]) => (async () => {
            if (op.kind === "book") {
              const key = `run${run}-${invitee}`;
              const start = starts[op.slot]!;
              const body = JSON.stringify({ eventTypeId, start, invitee: { name: "Interleaved", email: `i${invitee++}@example.com`, timeZone: "UTC" } });
              const answered = via(op.via);
              const answer = await send(answered, "/api/v1/bookings", body, { "idempotency-key": key });
              // The instance that acknowledged a booking never offers its time again (unless a cancel raced with it).
              if (answer.status === 201 && ![...cancels].some((c) => c.slot === op.slot)) {
                const offered = await offeredAmong(cluster.instances.find((i) => i.url === answered())!, starts);
                expect(offered, "the acknowledging instance offers the time it booked").not.toContain(start);
              }
              return { kind: "book" as const, slot: op.slot, answer, key, body };
            }
            if (op.kind === "replay") {
              const original = ofRun.length === 0 ? undefined : ofRun[op.pick % ofRun.length]!;
              if (original === undefined) return undefined;
              const answer = await send(via(op.via), "/api/v1/bookings", original.body, { "idempotency-key": original.key });
              return { kind: "replay" as const, answer, original };
            }
            const target = before.length === 0 ? undefined : before[op.pick % before.length]!;
            if (target === undefined || cancels.has(target)) return undefined;
            cancels.add(target);
            const answer = await send(via(op.via), `/api/v1/bookings/${target.id}/cancel`, "{}", { authorization: `Bearer ${target.manageToken}` });
            return { kind: "cancel" as const, answer, target };
          })();
          let outcomes;
          if (leaving === undefined) outcomes = await Promise.all(step.ops.map(send_));
          else {
            // Half the requests race with the process leaving (its shards move to the others), the
            // rest with the new process joining (some shards move to it).
            const half = Math.ceil(step.ops.length / 2);
            const stopping = stop(leaving);
            const first = Promise.all(step.ops.slice(0, half).map(send_));
            await stopping;
            const second = Promise.all(step.ops.slice(half).map(send_));
            cluster.instances[leaving] = await startInstance(database, cluster.redis!.url);
            outcomes = [...(await first), ...(await second)];
          }

          seen.steps++;
          for (const outcome of outcomes) {
            if (outcome === undefined) continue;
            seen.requests++;
            if (outcome.answer.retried) seen.retried++;
            if (leaving !== undefined) seen.slowestInHandoverMs = Math.max(seen.slowestInHandoverMs, Math.round(outcome.answer.ms));
            seen.statuses.set(outcome.answer.status, (seen.statuses.get(outcome.answer.status) ?? 0) + 1);
          }
          // Each answer, against the model.
          const cancelledSlots = new Set([...cancels].map((c) => c.slot));
          const wonBySlot = new Map<number, number>();
          for (const outcome of outcomes) {
            if (outcome === undefined) continue;
            const { answer } = outcome;
            if (outcome.kind === "book") {
              const slot = outcome.slot;
              expect([201, 409], JSON.stringify(answer.body)).toContain(answer.status);
              if (takenAtStart.has(slot) && !cancelledSlots.has(slot)) expect(answer.status, `slot ${slot} was taken`).toBe(409);
              if (answer.status === 201) {
                wonBySlot.set(slot, (wonBySlot.get(slot) ?? 0) + 1);
                ofRun.push({ id: answer.body["id"] as string, slot, manageToken: answer.body["manageToken"] as string, key: outcome.key, body: outcome.body, active: true });
              }
            } else if (outcome.kind === "replay") {
              expect(answer.status, JSON.stringify(answer.body)).toBe(201);
              expect(answer.body["id"]).toBe(outcome.original.id);
            } else {
              // A cancel whose earlier try had an unknown outcome may find the booking cancelled already.
              expect(answer.retried ? [200, 409] : [200], JSON.stringify(answer.body)).toContain(answer.status);
              outcome.target.active = false;
            }
          }
          // A free time goes to exactly one of the requests racing for it.
          for (let slot = 0; slot < SLOTS; slot++) {
            const raced = outcomes.some((o) => o?.kind === "book" && o.slot === slot);
            const free = !takenAtStart.has(slot) || cancelledSlots.has(slot);
            expect(wonBySlot.get(slot) ?? 0, `bookings won for slot ${slot}`).toBeLessThanOrEqual(1);
            if (raced && !takenAtStart.has(slot)) expect(wonBySlot.get(slot) ?? 0, `a free slot ${slot} was booked`).toBe(1);
            if (!free) expect(wonBySlot.get(slot) ?? 0).toBe(0);
          }
          // A time booked and later freed by a cancel racing with it may end either way; the model
          // follows what Postgres holds, which the checks below compare with every instance.
          for (const a of ofRun) if (a.active && ofRun.some((b) => b !== a && b.active && b.slot === a.slot)) throw new Error(`two active bookings of slot ${a.slot}`);

          // Postgres holds exactly the model's bookings, none overlapping; at most one process runs the host's actor.
          const stored = await storedBookings(database);
          expect(stored.overlapping).toBe(0);
          const modelIds = new Set([...acked, ...ofRun].filter((a) => a.active).map((a) => a.id));
          expect([...stored.ids].sort()).toEqual([...modelIds].sort());
          expect((await Promise.all(cluster.instances.map(actorsRunning))).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
          // Every instance comes to offer exactly the model's free times (over Redis, within the poll).
          const expected = starts.filter((_, slot) => !ofRun.some((a) => a.active && a.slot === slot));
          for (const instance of cluster.instances) await expect.poll(() => offeredAmong(instance, starts)).toEqual(expected);
        }
        acked.push(...ofRun);
      }),
      { numRuns: 4, seed: Number(process.env["FC_SEED"] ?? 20_261_202), endOnFailure: true },
    );
    console.log(`cluster interleavings: ${run} runs, ${seen.steps} steps, ${seen.handovers} handovers, ${seen.requests} requests (${seen.retried} retried after 503 or a lost connection), statuses ${JSON.stringify([...seen.statuses])}, slowest answer during a handover ${seen.slowestInHandoverMs} ms`);
  }, 300_000);
});
