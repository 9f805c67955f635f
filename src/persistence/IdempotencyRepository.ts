import { SqlClient } from "@effect/sql/SqlClient";
import type { SqlError } from "@effect/sql/SqlError";
import { Effect, Schedule, Schema } from "effect";
import type { HostId } from "../domain/model.ts";
import { decodeFirst, iso } from "./rows.ts";

/** An answer kept for a key: replayed to a retry. */
export interface KeptAnswer {
  readonly status: number;
  readonly body: string;
  readonly location: string | null;
}

const KeyRow = Schema.Struct({ requestDigest: Schema.String, status: Schema.NullOr(Schema.Int), body: Schema.NullOr(Schema.String), location: Schema.NullOr(Schema.String) });

const KEEP_MS = 30 * 24 * 60 * 60_000;
/** A claim whose request never finished (the process died) may be taken again after this. */
const ABANDONED_MS = 60_000;

/** The host API's idempotency keys: claimed by the first request, then holding its answer. */
export class IdempotencyRepository extends Effect.Service<IdempotencyRepository>()("rendezvous/IdempotencyRepository", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient;

    /**
     * Claims a key for this request, or says what holds it: another request's digest, and its
     * answer once there is one. A key let go between the two statements is claimed again.
     */
    const claim = (hostId: HostId, key: string, digest: string, now: number): Effect.Effect<"claimed" | typeof KeyRow.Type, SqlError> =>
      Effect.gen(function* () {
        yield* sql`
          DELETE FROM api_idempotency_keys
          WHERE created_at < ${iso(now - KEEP_MS)}::timestamptz
             OR (host_id = ${hostId} AND key = ${key} AND status IS NULL AND created_at < ${iso(now - ABANDONED_MS)}::timestamptz)`;
        const claimed = yield* sql`
          INSERT INTO api_idempotency_keys (host_id, key, request_digest, created_at)
          VALUES (${hostId}, ${key}, ${digest}, ${iso(now)}::timestamptz) ON CONFLICT DO NOTHING RETURNING 1`;
        if (claimed.length === 1) return "claimed" as const;
        const held = yield* sql`SELECT request_digest, status, body, location FROM api_idempotency_keys WHERE host_id = ${hostId} AND key = ${key}`.pipe(
          Effect.flatMap(decodeFirst(KeyRow)),
        );
        // Gone meanwhile: its request let it go unanswered, so nothing was made under it; try again.
        return held ?? (yield* claim(hostId, key, digest, now));
      });

    /** Keeps the answer for retries; tried a few times, as the work it answers is already done. */
    const keep = (hostId: HostId, key: string, answer: KeptAnswer) =>
      sql`UPDATE api_idempotency_keys SET status = ${answer.status}, body = ${answer.body}, location = ${answer.location} WHERE host_id = ${hostId} AND key = ${key}`.pipe(
        Effect.asVoid,
        Effect.retry({ schedule: Schedule.exponential("50 millis"), times: 4 }),
      );

    /** Lets a key go when its request could not be answered (a retry may then try again). */
    const release = (hostId: HostId, key: string) => sql`DELETE FROM api_idempotency_keys WHERE host_id = ${hostId} AND key = ${key} AND status IS NULL`.pipe(Effect.asVoid);

    return { claim, keep, release } as const;
  }),
}) {}
