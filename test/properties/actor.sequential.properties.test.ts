import { layer } from "@effect/vitest";
import { Effect, Either, FastCheck as fc, TestClock } from "effect";
import { expect } from "vitest";
import { HostActors } from "../../src/actors/HostActors.ts";
import { Cancel, Hold, Release, ReplaceWeeklyRules, Reschedule, SetDateOverride } from "../../src/actors/protocol.ts";
import { MINUTE_MS } from "../../src/domain/time.ts";
import { zoneTable } from "../../src/domain/zone.ts";
import { testCore } from "../support/core.ts";
import { actorPropertyOptions, bookMessage, createTestHost, expectConsistent, hostArb, listed, T0 } from "./actorSupport.ts";

const commandArb = fc.oneof(
  fc.record({ kind: fc.constant("hold" as const), pick: fc.nat(), visitor: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant("book" as const), pick: fc.nat(), withKey: fc.boolean(), viaHold: fc.boolean() }),
  fc.record({ kind: fc.constant("bookRefused" as const), pick: fc.nat(), nudge: fc.integer({ min: 1, max: 14 }) }),
  fc.record({ kind: fc.constant("replay" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("reschedule" as const), pick: fc.nat(), target: fc.nat() }),
  fc.record({ kind: fc.constant("advance" as const), minutes: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant("release" as const), visitor: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant("schedule" as const), pick: fc.nat(), close: fc.boolean() }),
);

interface Acked {
  readonly id: string;
  start: number;
  end: number;
  status: "confirmed" | "cancelled";
  readonly message: ReturnType<typeof bookMessage>;
}

// Invitees here rebook freely: the per-email cap has its own tests.
layer(testCore({ maxBookingsPerEmail: 1_000 }))("a host actor, one command at a time", (it) => {
  it.effect.prop(
    "agrees with its listing after every step, replays idempotent requests, and ends equal to the database",
    [hostArb, fc.array(commandArb, { minLength: 5, maxLength: 25 })],
    ([shape, commands]) =>
      Effect.gen(function* () {
        yield* TestClock.setTime(T0);
        const { hostId, eventTypeId } = yield* createTestHost(shape);
        const actors = yield* HostActors;
        const ask = actors.ask;
        const acked: Acked[] = [];
        const holds = new Map<number, string>();
        let booker = 0;

        for (const command of commands) {
          const now = T0 + (yield* TestClock.currentTimeMillis) - T0;
          const slots = yield* listed(hostId, eventTypeId, now);
          const pick = <A>(xs: ReadonlyArray<A>, i: number) => (xs.length === 0 ? undefined : xs[i % xs.length]);
          switch (command.kind) {
            case "hold": {
              const start = pick(slots, command.pick);
              if (start === undefined) break;
              const grant = yield* ask(hostId, new Hold({ eventTypeId, start, visitor: `v${command.visitor}`, address: null }));
              holds.set(command.visitor, grant.token);
              expect(yield* listed(hostId, eventTypeId, now)).not.toContain(start);
              break;
            }
            case "book": {
              const start = pick(slots, command.pick);
              if (start === undefined) break;
              const hold = command.viaHold ? yield* ask(hostId, new Hold({ eventTypeId, start, visitor: `booker${booker}`, address: null })) : undefined;
              const message = bookMessage(eventTypeId, start, `Booker${booker++}`, command.withKey ? `${hostId}-${booker}` : null, hold?.token ?? null);
              const booking = yield* ask(hostId, message);
              expect(booking.start).toBe(start);
              acked.push({ id: booking.id, start, end: booking.end, status: "confirmed", message });
              break;
            }
            case "bookRefused": {
              // Off the grid, or on a confirmed booking: never listed, so never bookable.
              const taken = acked.filter((a) => a.status === "confirmed" && a.start > now);
              const base = pick(slots, command.pick);
              const start = command.nudge % 2 === 0 && taken.length > 0 ? pick(taken, command.pick)!.start : base === undefined ? undefined : base + command.nudge * MINUTE_MS;
              if (start === undefined || slots.includes(start as never)) break;
              const outcome = yield* Effect.either(ask(hostId, bookMessage(eventTypeId, start, "Refused", null)));
              expect(Either.isLeft(outcome)).toBe(true);
              expect(["SlotTaken", "SlotNotOffered", "TooSoon", "DailyLimitReached"]).toContain(Either.isLeft(outcome) ? outcome.left._tag : "");
              break;
            }
            case "replay": {
              const withKey = acked.filter((a) => a.message.idempotencyKey !== null);
              const original = pick(withKey, command.pick);
              if (original === undefined) break;
              const again = yield* ask(hostId, original.message);
              expect(again.id).toBe(original.id);
              break;
            }
            case "cancel": {
              const target = pick(acked.filter((a) => a.status === "confirmed" && a.end > now), command.pick);
              if (target === undefined) break;
              const cancelled = yield* ask(hostId, new Cancel({ bookingId: target.id as never, by: "invitee", reason: null }));
              expect(cancelled.status).toBe("cancelled");
              target.status = "cancelled";
              const refused = yield* Effect.flip(ask(hostId, new Cancel({ bookingId: target.id as never, by: "invitee", reason: null })));
              expect(refused._tag).toBe("BookingNotActive");
              break;
            }
            case "reschedule": {
              const target = pick(acked.filter((a) => a.status === "confirmed" && a.end > now), command.pick);
              const start = pick(slots, command.target);
              if (target === undefined || start === undefined) break;
              const moved = yield* ask(hostId, new Reschedule({ bookingId: target.id as never, start, by: "invitee" }));
              expect(moved.start).toBe(start);
              target.start = start;
              target.end = moved.end;
              break;
            }
            case "advance":
              yield* TestClock.adjust(command.minutes * MINUTE_MS);
              break;
            case "release": {
              const token = holds.get(command.visitor);
              if (token !== undefined) yield* ask(hostId, new Release({ token }));
              holds.delete(command.visitor);
              break;
            }
            case "schedule": {
              const zone = zoneTable(shape.timeZone);
              const date = zone.localDateOf(now) + (command.pick % 7);
              if (command.close) yield* ask(hostId, new SetDateOverride({ date, windows: command.pick % 3 === 0 ? null : [] }));
              else {
                const extra = command.pick % 2 === 0 ? [{ weekday: command.pick % 7, start: 18 * 60, end: 21 * 60 }] : [];
                yield* ask(hostId, new ReplaceWeeklyRules({ rules: [...[0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: 8 * 60, end: 12 * 60 })), ...extra] }));
              }
              break;
            }
          }
        }

        const db = yield* expectConsistent(hostId);
        for (const a of acked) {
          if (a.status === "confirmed") expect(db.confirmed.get(a.id)).toBe(a.start);
          else expect(db.confirmed.has(a.id)).toBe(false);
        }
      }),
    actorPropertyOptions(100),
  );
});
