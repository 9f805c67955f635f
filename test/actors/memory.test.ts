import { layer } from "@effect/vitest";
import { Effect, TestClock } from "effect";
import { expect } from "vitest";
import { HostActors } from "../../src/actors/HostActors.ts";
import { Book, Release } from "../../src/actors/protocol.ts";
import type { EventTypeId } from "../../src/domain/model.ts";
import { DAY_MS } from "../../src/domain/time.ts";
import { slotsFromTomorrow } from "../support/actors.ts";
import { testCore } from "../support/core.ts";
import { createHost } from "../support/fixtures.ts";

const book = (eventTypeId: EventTypeId, start: number, idempotencyKey: string | null) =>
  new Book({ eventTypeId, start, invitee: { name: "Ada", email: "ada@example.com", timeZone: "UTC" }, answers: {}, idempotencyKey, holdToken: null, visitor: null });

layer(testCore())("a host actor's memory over time", (it) => {
  it.effect("lets ended bookings go two days after they end, and idempotency keys after their 30 days, checking after each batch", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.now());
      const { hostId, eventTypeId } = yield* createHost();
      const actors = yield* HostActors;
      const [first, second] = yield* slotsFromTomorrow(hostId, eventTypeId);
      const keyed = yield* actors.ask(hostId, book(eventTypeId, first!, "kept-30-days"));
      const plain = yield* actors.ask(hostId, book(eventTypeId, second!, null));
      /** Any message makes a batch; the memory check follows it. */
      const batch = actors.ask(hostId, new Release({ token: "none" })).pipe(Effect.ignore);
      const held = () => actors.peek(hostId)!;

      // Two days after the first one ended, less a minute: both kept; a minute past: the first gone.
      yield* TestClock.setTime(keyed.end + 2 * DAY_MS - 60_000);
      yield* batch;
      expect(held().bookings.map((b) => b.id)).toEqual([keyed.id, plain.id]);
      yield* TestClock.setTime(keyed.end + 2 * DAY_MS + 60_000);
      yield* batch;
      expect(held().bookings.map((b) => b.id)).toEqual([plain.id]);
      yield* TestClock.setTime(plain.end + 2 * DAY_MS + 60_000);
      yield* batch;
      expect(held().bookings).toEqual([]);
      expect(held().byIdempotencyKey.get("kept-30-days")?.id).toBe(keyed.id);
      // Thirty days after it was made, the key goes too (keys are looked at hourly).
      yield* TestClock.setTime(keyed.createdAt + 30 * DAY_MS + 2 * 3_600_000);
      yield* batch;
      expect(held().byIdempotencyKey.has("kept-30-days")).toBe(false);
    }),
  );
});
