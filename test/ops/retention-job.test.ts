import { layer } from "@effect/vitest";
import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Layer, Logger, Queue, TestClock } from "effect";
import { randomBytes, randomUUID } from "node:crypto";
import { expect } from "vitest";
import { DAY_MS } from "../../src/domain/time.ts";
import { RetentionJobLive } from "../../src/ops/retention.ts";
import { testCore } from "../support/core.ts";
import { createHost, type HostFixture } from "../support/fixtures.ts";

/** A meeting that ended `ago` before `now`, written straight to the table (the actor refuses the past). */
const pastMeeting = (host: HostFixture, now: number, ago: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient;
    const id = randomUUID();
    const end = new Date(now - ago);
    yield* sql`
      INSERT INTO bookings (id, host_id, event_type_id, invitee_name, invitee_email, invitee_time_zone, start_at, end_at, manage_token, created_at)
      VALUES (${id}, ${host.hostId}, ${host.eventTypeId}, 'Past Guest', 'guest@example.com', 'UTC',
              ${new Date(end.getTime() - 30 * 60_000)}, ${end}, ${randomBytes(24).toString("base64url")}, ${new Date(end.getTime() - DAY_MS)})`;
    return id;
  });

const archived = (id: string) =>
  Effect.flatMap(SqlClient, (sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM bookings_archive WHERE id = ${id}`).pipe(
    Effect.map(([row]) => row!.n === 1),
  );

/** Until the job waits on the clock again (its run does real I/O first), so moving the clock reaches it. */
const untilSleeping = Effect.repeat(TestClock.sleeps(), { until: (sleeps) => sleeps.length > 0 });

layer(testCore())("the retention job in the server", (it) => {
  it.scoped("runs a minute after start and then every hour, by the clock it is given", () =>
    Effect.gen(function* () {
      const start = Date.now();
      yield* TestClock.setTime(start);
      const host = yield* createHost();
      const first = yield* pastMeeting(host, start, 100 * DAY_MS);

      // Each run that moved something logs "retention": the test waits on that line, not on time.
      const runs = yield* Queue.unbounded<unknown>();
      const logger = Logger.make(({ message }) => {
        const [text, ...rest] = Array.isArray(message) ? message : [message];
        if (text === "retention") Queue.unsafeOffer(runs, rest);
      });
      yield* Layer.build(RetentionJobLive).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)));
      yield* untilSleeping;

      yield* TestClock.adjust("59 seconds");
      expect(yield* archived(first), "not before the first minute").toBe(false);
      yield* TestClock.adjust("1 second");
      yield* Queue.take(runs);
      expect(yield* archived(first)).toBe(true);

      // A meeting that passes the line later waits for the next hourly run.
      yield* untilSleeping;
      const second = yield* pastMeeting(host, start, 100 * DAY_MS);
      yield* TestClock.adjust("59 minutes");
      expect(yield* archived(second), "not before the hour").toBe(false);
      yield* TestClock.adjust("1 minute");
      yield* Queue.take(runs);
      expect(yield* archived(second)).toBe(true);

      // Its "now" is the clock's: 60 days on, a meeting that ended 31 days before the start is
      // past the line. (The run due within those days wakes at its own time, when it was not.)
      const third = yield* pastMeeting(host, start, 31 * DAY_MS);
      yield* untilSleeping;
      yield* TestClock.adjust("60 days");
      yield* untilSleeping;
      expect(yield* archived(third)).toBe(false);
      yield* TestClock.adjust("1 hour");
      yield* Queue.take(runs);
      expect(yield* archived(third)).toBe(true);
    }),
  );
});
