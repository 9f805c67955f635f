import { SqlClient } from "@effect/sql/SqlClient";
import { Effect } from "effect";
import { iso } from "./rows.ts";

/** Moves bookings that ended long ago to `bookings_archive`, and prunes old audit rows, in bounded batches. */
export class ArchiveRepository extends Effect.Service<ArchiveRepository>()("rendezvous/ArchiveRepository", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient;

    /**
     * One batch, in one statement: bookings that ended before `cutoff` leave `bookings` and
     * land in the archive together, so a read through `all_bookings` finds each exactly once.
     * A booking with a notice still to send waits (the worker reads the booking to send it);
     * rows another run has locked are skipped, so two processes can archive at once.
     */
    const archiveBookings = (cutoff: number, limit: number) =>
      sql`
        WITH picked AS (
          SELECT b.id FROM bookings b
          WHERE b.end_at < ${iso(cutoff)}::timestamptz
            AND NOT EXISTS (SELECT 1 FROM notification_outbox o WHERE o.booking_id = b.id AND o.status IN ('pending', 'sending'))
          ORDER BY b.end_at
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED
        ), moved AS (
          DELETE FROM bookings b USING picked WHERE b.id = picked.id RETURNING b.*
        )
        INSERT INTO bookings_archive SELECT * FROM moved RETURNING id`.pipe(Effect.map((rows) => rows.length));

    /** Audit rows written before `cutoff`, oldest first: the one delete the append-only trigger lets through. */
    const pruneAudit = (cutoff: number, limit: number) =>
      sql.withTransaction(
        sql`SELECT set_config('rendezvous.pruning_audit', 'on', true)`.pipe(
          Effect.zipRight(sql`
            DELETE FROM booking_events WHERE id IN (
              SELECT id FROM booking_events WHERE at < ${iso(cutoff)}::timestamptz ORDER BY at LIMIT ${limit}
            ) RETURNING id`),
          Effect.map((rows) => rows.length),
        ),
      );

    return { archiveBookings, pruneAudit } as const;
  }),
}) {}
