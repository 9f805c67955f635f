import { SqlClient } from "@effect/sql/SqlClient";
import type { SqlError } from "@effect/sql/SqlError";
import type { Fragment } from "@effect/sql/Statement";
import { Deferred, Effect, Exit, Queue, Schema, Struct } from "effect";
import { Booking, BookingId, type HostId, type Party } from "../domain/model.ts";
import { DeliveryRepository } from "./DeliveryRepository.ts";
import { commitBatchSize, commitDuration } from "../ops/metrics.ts";
import { decodeRows, EpochColumn, iso } from "./rows.ts";

/**
 * A `bookings` row as node-postgres returns it (columns camelCased), decoded into a Booking:
 * the Booking's own fields, with the invitee in columns of its own and the times as timestamps.
 */
const BookingRow = Schema.Struct({
  ...Struct.omit(Booking.fields, "invitee", "start", "end", "createdAt"),
  inviteeName: Schema.String,
  inviteeEmail: Schema.String,
  inviteeTimeZone: Schema.String,
  inviteeLocale: Schema.String,
  startAt: EpochColumn,
  endAt: EpochColumn,
  createdAt: EpochColumn,
});

const toBooking = ({ inviteeName, inviteeEmail, inviteeTimeZone, inviteeLocale, startAt, endAt, ...rest }: typeof BookingRow.Type): Booking => ({
  ...rest,
  invitee: { name: inviteeName, email: inviteeEmail, timeZone: inviteeTimeZone, locale: inviteeLocale },
  start: startAt,
  end: endAt,
});

export const bookingsOf = (rows: ReadonlyArray<unknown>) => Effect.map(decodeRows(BookingRow)(rows), (decoded) => decoded.map(toBooking));

const idsOf = (rows: ReadonlyArray<unknown>) => Effect.map(decodeRows(Schema.Struct({ id: BookingId }))(rows), (r) => r.map((x) => x.id));

/** SQLSTATE of a failed statement, when the driver gave one. */
export const sqlState = (error: SqlError): string | undefined => {
  const cause = error.cause as { code?: unknown } | undefined;
  return typeof cause?.code === "string" ? cause.code : undefined;
};

/** 23P01: the exclusion constraint refused an overlapping confirmed booking. */
export const isOverlap = (error: SqlError) => sqlState(error) === "23P01";
/** 23505 on the idempotency key: a booking of this host with that key already exists. */
export const isDuplicateKey = (error: SqlError) =>
  sqlState(error) === "23505" && (error.cause as { constraint?: string }).constraint === "bookings_host_idempotency_key";

export interface Cancellation {
  readonly id: BookingId;
  readonly by: Party;
  readonly reason: string | null;
}

export interface Rescheduling {
  readonly id: BookingId;
  readonly by: Party;
  readonly fromVersion: number;
  readonly start: number;
  readonly end: number;
  readonly bufferBeforeMinutes: number;
  readonly bufferAfterMinutes: number;
  readonly previousStart: number;
  readonly reason: string | null;
}

/**
 * Bookings with their audit trail and outbox. Each write is one statement (data-modifying
 * CTEs), so a booking, its `booking_events` row and its outbox rows commit or fail together
 * even outside a transaction, in one round trip.
 */
export class BookingRepository extends Effect.Service<BookingRepository>()("rendezvous/BookingRepository", {
  scoped: Effect.gen(function* () {
    const sql = yield* SqlClient;
    const { written } = yield* DeliveryRepository;

    const epochMs = (column: Fragment) => sql`(extract(epoch FROM ${column}) * 1000)::bigint`;

    /** What every notice of a booking carries: the meeting as it was when the notice was written. */
    const meeting = (rows: Fragment, sequence: Fragment | number) =>
      sql`jsonb_build_object('start', ${epochMs(sql`${rows}.start_at`)}, 'end', ${epochMs(sql`${rows}.end_at`)}, 'sequence', (${sequence})::int)`;

    /**
     * The invitee's reminders for bookings just written (`rows`: id, event_type_id, start_at,
     * end_at, version), at the event type's offsets; none for a moment already past.
     */
    const reminders = (rows: Fragment) => sql`
      INSERT INTO notification_outbox (booking_id, kind, recipient, payload, available_at)
      SELECT ${rows}.id, 'booking_reminder', 'invitee',
        ${meeting(rows, sql`${rows}.version - 1`)} || jsonb_build_object('minutesBefore', minutes),
        ${rows}.start_at - make_interval(mins => minutes)
      FROM ${rows} JOIN event_types et ON et.id = ${rows}.event_type_id CROSS JOIN unnest(et.reminder_minutes) AS minutes
      WHERE ${rows}.start_at - make_interval(mins => minutes) > now()`;

    /**
     * SMS reminders at the same offsets, for invitees who answered the event type's phone
     * question (`rows` also needs answers); the number travels in the payload.
     */
    const smsReminders = (rows: Fragment) => sql`
      INSERT INTO notification_outbox (booking_id, kind, recipient, payload, available_at)
      SELECT ${rows}.id, 'booking_reminder', 'sms',
        ${meeting(rows, sql`${rows}.version - 1`)} || jsonb_build_object('minutesBefore', minutes, 'phone', phone.number),
        ${rows}.start_at - make_interval(mins => minutes)
      FROM ${rows} JOIN event_types et ON et.id = ${rows}.event_type_id
      CROSS JOIN LATERAL (
        SELECT ${rows}.answers->>(q->>'id') AS number FROM jsonb_array_elements(et.questions) AS q
        WHERE q->>'kind' = 'phone' AND coalesce(${rows}.answers->>(q->>'id'), '') <> '' LIMIT 1
      ) AS phone
      CROSS JOIN unnest(et.reminder_minutes) AS minutes
      WHERE ${rows}.start_at - make_interval(mins => minutes) > now()`;

    /** One delivery per webhook of the host that listens for `event`, carrying `payload`. */
    const webhookNotices = (rows: Fragment, kind: string, event: string, payload: Fragment) => sql`
      INSERT INTO notification_outbox (booking_id, kind, recipient, payload, webhook_id)
      SELECT ${rows}.id, ${kind}::text, 'webhook', ${payload}, w.id
      FROM ${rows} JOIN webhooks w ON w.host_id = ${rows}.host_id AND ${event}::text = ANY (w.events)`;

    /** Reminders not yet sent for bookings that were cancelled or moved. */
    const dropReminders = (rows: Fragment) => sql`
      UPDATE notification_outbox o SET status = 'skipped', finished_at = now()
      FROM ${rows} WHERE o.booking_id = ${rows}.id AND o.kind = 'booking_reminder' AND o.status = 'pending'`;

    /** Confirmed and pending bookings that end after `since`: what a host actor needs in memory. */
    const loadConfirmed = (hostId: HostId, since: number) =>
      sql`
        SELECT * FROM bookings WHERE host_id = ${hostId} AND status IN ('pending', 'confirmed') AND end_at > ${iso(since)}::timestamptz
        ORDER BY start_at`.pipe(Effect.flatMap(bookingsOf));

    /** Bookings with an idempotency key made since `since`, whatever their status: replays must find them. */
    const loadKeyed = (hostId: HostId, since: number) =>
      sql`
        SELECT * FROM bookings
        WHERE host_id = ${hostId} AND idempotency_key IS NOT NULL AND created_at > ${iso(since)}::timestamptz`.pipe(Effect.flatMap(bookingsOf));

    const first = (rows: ReadonlyArray<unknown>) => Effect.map(bookingsOf(rows), (bookings) => bookings[0]);

    // Archived bookings too: a booking stays readable by its id and manage token after it moves.
    const findById = (id: BookingId) => sql`SELECT * FROM all_bookings WHERE id = ${id}`.pipe(Effect.flatMap(first));

    const findByManageToken = (token: string) => sql`SELECT * FROM all_bookings WHERE manage_token = ${token}`.pipe(Effect.flatMap(first));

    const findByIdempotencyKey = (hostId: HostId, key: string) =>
      sql`SELECT * FROM bookings WHERE host_id = ${hostId} AND idempotency_key = ${key}`.pipe(Effect.flatMap(first));

    /**
     * Inserts bookings with their `created` events and notices: a confirmed one gets its
     * confirmations, reminders and webhook calls; a pending one (the host confirms first) a
     * "requested" notice to each side, and the rest when it is accepted.
     */
    const insert = (bookings: ReadonlyArray<Booking>) =>
      bookings.length === 0
        ? Effect.void
        : sql`
        WITH b AS (
          INSERT INTO bookings (id, host_id, event_type_id, invitee_name, invitee_email, invitee_time_zone, answers,
            start_at, end_at, buffer_before_minutes, buffer_after_minutes, manage_token, idempotency_key, request_digest,
            created_at, status, invitee_locale)
          SELECT * FROM unnest(
            ${bookings.map((b) => b.id)}::uuid[], ${bookings.map((b) => b.hostId)}::uuid[],
            ${bookings.map((b) => b.eventTypeId)}::uuid[], ${bookings.map((b) => b.invitee.name)}::text[],
            ${bookings.map((b) => b.invitee.email)}::text[], ${bookings.map((b) => b.invitee.timeZone)}::text[],
            ${bookings.map((b) => JSON.stringify(b.answers))}::jsonb[], ${bookings.map((b) => iso(b.start))}::timestamptz[],
            ${bookings.map((b) => iso(b.end))}::timestamptz[], ${bookings.map((b) => b.bufferBeforeMinutes)}::int[],
            ${bookings.map((b) => b.bufferAfterMinutes)}::int[], ${bookings.map((b) => b.manageToken)}::text[],
            ${bookings.map((b) => b.idempotencyKey)}::text[], ${bookings.map((b) => b.requestDigest)}::text[],
            ${bookings.map((b) => iso(b.createdAt))}::timestamptz[], ${bookings.map((b) => b.status)}::text[],
            ${bookings.map((b) => b.invitee.locale ?? "en")}::text[])
          RETURNING id, host_id, event_type_id, start_at, end_at, version, answers, status
        ), bc AS (
          SELECT * FROM b WHERE status = 'confirmed'
        ), e AS (
          INSERT INTO booking_events (booking_id, host_id, type, actor, data)
          SELECT id, host_id, 'created', 'invitee', jsonb_build_object('start', start_at, 'end', end_at) FROM b
        ), r AS (
          ${reminders(sql`bc`)}
        ), s AS (
          ${smsReminders(sql`bc`)}
        ), w AS (
          ${webhookNotices(sql`bc`, "booking_confirmed", "booking.created", meeting(sql`bc`, 0))}
        ), bp AS (
          SELECT * FROM b WHERE status = 'pending'
        ), wp AS (
          ${webhookNotices(sql`bp`, "booking_requested", "booking.pending", meeting(sql`bp`, 0))}
        )
        INSERT INTO notification_outbox (booking_id, kind, recipient, payload)
        SELECT id, CASE WHEN status = 'pending' THEN 'booking_requested' ELSE 'booking_confirmed' END, r.recipient, ${meeting(sql`b`, 0)}
        FROM b CROSS JOIN (VALUES ('invitee'), ('host')) AS r(recipient)`.pipe(
            Effect.zipRight(written),
          );

    /**
     * Group commit across hosts: new bookings from every actor that are waiting at the same
     * moment go to Postgres in one statement (one parse, one commit), by a few writers in
     * parallel. If that statement fails, each caller's bookings are written on their own, so
     * everyone gets their own answer (an exclusion violation stays with the booking that
     * caused it).
     */
    /** One group-commit statement, on /metrics: its size and its time. */
    const timedInsert = (bookings: ReadonlyArray<Booking>) =>
      Effect.suspend(() => {
        const started = performance.now();
        return Effect.exit(insert(bookings)).pipe(
          Effect.tap(() => {
            commitBatchSize.unsafeUpdate(bookings.length, []);
            commitDuration.unsafeUpdate((performance.now() - started) / 1000, []);
          }),
        );
      });
    const pending = yield* Queue.unbounded<{ readonly bookings: ReadonlyArray<Booking>; readonly done: Deferred.Deferred<void, SqlError> }>();
    const writeBatch = Effect.gen(function* () {
      const batch = [...(yield* Queue.takeBetween(pending, 1, 256))];
      const together = yield* timedInsert(batch.flatMap((b) => b.bookings));
      if (Exit.isSuccess(together) || batch.length === 1) {
        for (const { done } of batch) yield* Deferred.done(done, together);
        return;
      }
      for (const { bookings, done } of batch) yield* Deferred.done(done, yield* timedInsert(bookings));
    });
    yield* Effect.forkScoped(Effect.all(Array.from({ length: 2 }, () => Effect.forever(writeBatch)), { concurrency: "unbounded" }));

    /** Inserts new bookings (with their events and notices) through the shared group commit. */
    const insertGrouped = (bookings: ReadonlyArray<Booking>) =>
      Effect.flatMap(Deferred.make<void, SqlError>(), (done) =>
        Queue.offer(pending, { bookings, done }).pipe(Effect.zipRight(Deferred.await(done))),
      );

    /** Cancels confirmed bookings; returns the ids it cancelled (others were not confirmed). */
    const cancelled = sql`${meeting(sql`c`, sql`c.version - 1`)} || jsonb_build_object('by', c.by, 'reason', c.reason)`;
    const cancel = (cancellations: ReadonlyArray<Cancellation>) =>
      sql`
        WITH c AS (
          UPDATE bookings SET status = 'cancelled', cancelled_by = u.by, cancel_reason = u.reason,
            version = version + 1, updated_at = now()
          FROM unnest(${cancellations.map((c) => c.id)}::uuid[], ${cancellations.map((c) => c.by)}::text[],
                      ${cancellations.map((c) => c.reason)}::text[]) AS u(id, by, reason)
          WHERE bookings.id = u.id AND bookings.status IN ('pending', 'confirmed')
          RETURNING bookings.id, bookings.host_id, bookings.start_at, bookings.end_at, bookings.version, u.by, u.reason
        ), e AS (
          INSERT INTO booking_events (booking_id, host_id, type, actor, data)
          SELECT id, host_id, 'cancelled', by, jsonb_build_object('reason', reason) FROM c
        ), o AS (
          INSERT INTO notification_outbox (booking_id, kind, recipient, payload)
          SELECT id, 'booking_cancelled', r.recipient, ${cancelled} FROM c CROSS JOIN (VALUES ('invitee'), ('host')) AS r(recipient)
        ), w AS (
          ${webhookNotices(sql`c`, "booking_cancelled", "booking.cancelled", cancelled)}
        ), d AS (
          ${dropReminders(sql`c`)}
        )
        SELECT id FROM c`.pipe(Effect.flatMap(idsOf), Effect.tap(written));

    /**
     * Moves confirmed bookings to new times in one statement, so the new slot is taken and the
     * old one freed together (the exclusion constraint judges the result). A booking whose
     * version moved on meanwhile is left alone and not returned.
     */
    const moved = sql`${meeting(sql`m`, sql`m.version - 1`)} || jsonb_strip_nulls(jsonb_build_object('previousStart', ${epochMs(sql`m.previous_start`)}, 'reason', m.reason))`;
    const reschedule = (moves: ReadonlyArray<Rescheduling>) =>
      sql`
        WITH m AS (
          UPDATE bookings SET start_at = u.start_at, end_at = u.end_at, buffer_before_minutes = u.buffer_before,
            buffer_after_minutes = u.buffer_after, version = version + 1, updated_at = now()
          FROM unnest(${moves.map((m) => m.id)}::uuid[], ${moves.map((m) => m.fromVersion)}::int[],
                      ${moves.map((m) => iso(m.start))}::timestamptz[], ${moves.map((m) => iso(m.end))}::timestamptz[],
                      ${moves.map((m) => m.bufferBeforeMinutes)}::int[], ${moves.map((m) => m.bufferAfterMinutes)}::int[],
                      ${moves.map((m) => iso(m.previousStart))}::timestamptz[], ${moves.map((m) => m.by)}::text[],
                      ${moves.map((m) => m.reason)}::text[])
               AS u(id, from_version, start_at, end_at, buffer_before, buffer_after, previous_start, by, reason)
          WHERE bookings.id = u.id AND bookings.status IN ('pending', 'confirmed') AND bookings.version = u.from_version
          RETURNING bookings.id, bookings.host_id, bookings.event_type_id, bookings.version, bookings.answers, u.start_at, u.end_at, u.previous_start, u.by, u.reason
        ), e AS (
          INSERT INTO booking_events (booking_id, host_id, type, actor, data)
          SELECT id, host_id, 'rescheduled', by, jsonb_strip_nulls(jsonb_build_object('from', previous_start, 'to', start_at, 'reason', reason)) FROM m
        ), o AS (
          INSERT INTO notification_outbox (booking_id, kind, recipient, payload)
          SELECT id, 'booking_rescheduled', r.recipient, ${moved} FROM m CROSS JOIN (VALUES ('invitee'), ('host')) AS r(recipient)
        ), w AS (
          ${webhookNotices(sql`m`, "booking_rescheduled", "booking.rescheduled", moved)}
        ), d AS (
          ${dropReminders(sql`m`)}
        ), n AS (
          ${reminders(sql`m`)}
        ), s AS (
          ${smsReminders(sql`m`)}
        )
        SELECT id FROM m`.pipe(Effect.flatMap(idsOf), Effect.tap(written));

    /** Confirms pending bookings (the host accepted): the invitee's confirmation, reminders and webhook calls follow. */
    const accept = (ids: ReadonlyArray<BookingId>) =>
      sql`
        WITH a AS (
          UPDATE bookings SET status = 'confirmed', version = version + 1, updated_at = now()
          WHERE id = ANY(${ids}::uuid[]) AND status = 'pending'
          RETURNING id, host_id, event_type_id, start_at, end_at, version, answers
        ), e AS (
          INSERT INTO booking_events (booking_id, host_id, type, actor) SELECT id, host_id, 'accepted', 'host' FROM a
        ), r AS (
          ${reminders(sql`a`)}
        ), s AS (
          ${smsReminders(sql`a`)}
        ), w AS (
          ${webhookNotices(sql`a`, "booking_accepted", "booking.accepted", meeting(sql`a`, sql`a.version - 1`))}
        ), o AS (
          INSERT INTO notification_outbox (booking_id, kind, recipient, payload)
          SELECT id, 'booking_accepted', 'invitee', ${meeting(sql`a`, sql`a.version - 1`)} FROM a
        )
        SELECT id FROM a`.pipe(Effect.flatMap(idsOf), Effect.tap(written));

    /** Declines pending bookings: their time is free, and each invitee is told (with the reason). */
    const declined = sql`${meeting(sql`d`, sql`d.version - 1`)} || jsonb_build_object('by', 'host', 'reason', d.cancel_reason)`;
    const decline = (declines: ReadonlyArray<{ readonly id: BookingId; readonly reason: string | null }>) =>
      sql`
        WITH d AS (
          UPDATE bookings SET status = 'declined', cancelled_by = 'host', cancel_reason = u.reason, version = version + 1, updated_at = now()
          FROM unnest(${declines.map((d) => d.id)}::uuid[], ${declines.map((d) => d.reason)}::text[]) AS u(id, reason)
          WHERE bookings.id = u.id AND bookings.status = 'pending'
          RETURNING bookings.id, bookings.host_id, bookings.start_at, bookings.end_at, bookings.version, bookings.cancel_reason
        ), e AS (
          INSERT INTO booking_events (booking_id, host_id, type, actor, data)
          SELECT id, host_id, 'declined', 'host', jsonb_build_object('reason', cancel_reason) FROM d
        ), o AS (
          INSERT INTO notification_outbox (booking_id, kind, recipient, payload)
          SELECT id, 'booking_declined', 'invitee', ${declined} FROM d
        ), w AS (
          ${webhookNotices(sql`d`, "booking_declined", "booking.declined", declined)}
        )
        SELECT id FROM d`.pipe(Effect.flatMap(idsOf), Effect.tap(written));

    return {
      accept,
      decline,
      loadConfirmed,
      loadKeyed,
      findById,
      findByManageToken,
      findByIdempotencyKey,
      insert,
      insertGrouped,
      cancel,
      reschedule,
    } as const;
  }),
}) {}
