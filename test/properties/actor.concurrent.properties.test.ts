import { layer } from "@effect/vitest";
import { Effect, Either, FastCheck as fc, TestClock } from "effect";
import { expect } from "vitest";
import { HostActors } from "../../src/actors/HostActors.ts";
import { Cancel, Hold, Reschedule } from "../../src/actors/protocol.ts";
import type { EventTypeId, HostId } from "../../src/domain/model.ts";
import { MINUTE_MS } from "../../src/domain/time.ts";
import { testCore } from "../support/core.ts";
import { actorPropertyOptions, bookMessage, createTestHost, databaseState, expectConsistent, hostArb, listed, T0 } from "./actorSupport.ts";

const opArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("book" as const), pick: fc.nat(), viaHold: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("replay" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reschedule" as const), pick: fc.nat(), target: fc.nat() }) },
);

const stormArb = fc.record({
  host: hostArb,
  clients: fc.array(fc.array(opArb, { minLength: 3, maxLength: 12 }), { minLength: 3, maxLength: 8 }),
  ticks: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 }),
  kills: fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 4 }),
});

type Storm = typeof stormArb extends fc.Arbitrary<infer T> ? T : never;

interface Ack {
  readonly id: string;
  start: number;
  end: number;
  status: "confirmed" | "cancelled";
  /** A later change of it was not acknowledged (the actor died mid-way): it may or may not have happened. */
  uncertain: boolean;
}

/** One invitee: books, replays, cancels and moves its own bookings, one command at a time. */
const client = (hostId: HostId, eventTypeId: EventTypeId, index: number, ops: Storm["clients"][number], acks: Map<string, Ack>) =>
  Effect.gen(function* () {
    const actors = yield* HostActors;
    const sent: ReturnType<typeof bookMessage>[] = [];
    const mine: Ack[] = [];
    const replies = new Map<string, string>();
    for (const [n, op] of ops.entries()) {
      const now = yield* TestClock.currentTimeMillis;
      const slots = yield* listed(hostId, eventTypeId, now).pipe(Effect.orElseSucceed(() => []));
      const pick = <A>(xs: ReadonlyArray<A>, i: number) => (xs.length === 0 ? undefined : xs[i % xs.length]);
      const record = (key: string, booking: { id: string; start: number; end: number }) => {
        const seen = replies.get(key);
        // The same idempotency key always answers with the same booking.
        if (seen !== undefined) expect(booking.id).toBe(seen);
        replies.set(key, booking.id);
        if (!acks.has(booking.id)) {
          const ack: Ack = { id: booking.id, start: booking.start, end: booking.end, status: "confirmed", uncertain: false };
          acks.set(booking.id, ack);
          mine.push(ack);
        }
      };
      if (op.kind === "book") {
        const start = pick(slots, op.pick);
        if (start === undefined) continue;
        const hold = op.viaHold
          ? yield* Effect.either(actors.ask(hostId, new Hold({ eventTypeId, start, visitor: `c${index}`, address: null })))
          : undefined;
        const token = hold !== undefined && Either.isRight(hold) ? hold.right.token : null;
        const message = bookMessage(eventTypeId, start, `Client${index}`, `${hostId}-${index}-${n}`, token);
        sent.push(message);
        const outcome = yield* Effect.either(actors.ask(hostId, message));
        if (Either.isRight(outcome)) record(message.idempotencyKey!, outcome.right);
        else expect(["SlotTaken", "StorageUnavailable", "HoldInvalid", "DailyLimitReached", "TooSoon"]).toContain(outcome.left._tag);
      } else if (op.kind === "replay") {
        const message = pick(sent, op.pick);
        if (message === undefined) continue;
        const outcome = yield* Effect.either(actors.ask(hostId, message));
        if (Either.isRight(outcome)) record(message.idempotencyKey!, outcome.right);
      } else {
        const target = pick(mine.filter((a) => a.status === "confirmed" && !a.uncertain && a.end > now), op.pick);
        if (target === undefined) continue;
        if (op.kind === "cancel") {
          const outcome = yield* Effect.either(actors.ask(hostId, new Cancel({ bookingId: target.id as never, by: "invitee", reason: null })));
          if (Either.isRight(outcome)) target.status = "cancelled";
          else {
            expect(outcome.left._tag).toBe("StorageUnavailable");
            target.uncertain = true;
          }
        } else {
          const start = pick(slots, op.target);
          if (start === undefined) continue;
          const outcome = yield* Effect.either(actors.ask(hostId, new Reschedule({ bookingId: target.id as never, start, by: "invitee" })));
          if (Either.isRight(outcome)) {
            target.start = outcome.right.start;
            target.end = outcome.right.end;
          } else if (outcome.left._tag === "StorageUnavailable") target.uncertain = true;
          else expect(["SlotTaken", "DailyLimitReached", "TooSoon"]).toContain(outcome.left._tag);
        }
      }
    }
  });

const runStorm = (storm: Storm, withKills: boolean) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(T0);
    const { hostId, eventTypeId } = yield* createTestHost(storm.host);
    const actors = yield* HostActors;
    const acks = new Map<string, Ack>();
    const clients = storm.clients.map((ops, i) => client(hostId, eventTypeId, i, ops, acks));
    const clock = Effect.forEach(storm.ticks, (m) => Effect.zipRight(Effect.yieldNow(), TestClock.adjust(m * MINUTE_MS)), { discard: true });
    const killer = Effect.forEach(
      withKills ? storm.kills : [],
      (steps) => Effect.zipRight(Effect.forEach(Array.from({ length: steps }), () => Effect.yieldNow(), { discard: true }), actors.kill(hostId)),
      { discard: true },
    );
    yield* Effect.all([...clients, clock, killer], { concurrency: "unbounded", discard: true });

    // Nothing acknowledged is lost, nothing overlaps, and memory is what Postgres holds.
    const db = yield* expectConsistent(hostId);
    for (const ack of acks.values()) {
      if (ack.uncertain) continue;
      if (ack.status === "confirmed") expect(db.confirmed.get(ack.id)).toBe(ack.start);
      else expect(db.confirmed.has(ack.id)).toBe(false);
    }
    expect((yield* databaseState(hostId)).overlapping).toBe(0);
  });

// Invitees here rebook freely: the per-email cap has its own tests.
layer(testCore({ maxBookingsPerEmail: 1_000 }))("a host actor under concurrent invitees", (it) => {
  it.effect.prop(
    "never double-books, loses nothing acknowledged, and answers replays with the same booking",
    [stormArb],
    ([storm]) => runStorm(storm, false),
    actorPropertyOptions(60),
  );

  it.effect.prop(
    "keeps every acknowledged booking when the actor is killed mid-storm and restarted from Postgres",
    [stormArb],
    ([storm]) => runStorm(storm, true),
    actorPropertyOptions(60),
  );
});
