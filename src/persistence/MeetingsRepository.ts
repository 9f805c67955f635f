import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Schema } from "effect";
import type { Meeting, MeetingQuery } from "../domain/meetings.ts";
import { BookingId, type Booking, type HostId } from "../domain/model.ts";
import { bookingsOf } from "./BookingRepository.ts";
import { decodeRows, EpochColumn, iso } from "./rows.ts";

const HistoryRow = Schema.Struct({
  bookingId: BookingId,
  type: Schema.Literal("created", "cancelled", "rescheduled", "accepted", "declined"),
  actor: Schema.Literal("invitee", "host", "system"),
  at: EpochColumn,
});

const NoteRow = Schema.Struct({ bookingId: BookingId, note: Schema.String, noShow: Schema.Boolean });

/**
 * A host's meetings as lists to page through, search and export, and the notes they keep on
 * them: archived meetings included (`all_bookings`), so the past list never loses one.
 */
export class MeetingsRepository extends Effect.Service<MeetingsRepository>()("rendezvous/MeetingsRepository", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient;

    const where = (hostId: HostId, q: MeetingQuery, now: number) => {
      const view =
        q.view === "cancelled"
          ? sql`b.status IN ('cancelled', 'declined')`
          : q.view === "past"
            ? sql`b.status = 'confirmed' AND b.end_at <= ${iso(now)}::timestamptz`
            : q.view === "pending"
              ? sql`b.status = 'pending' AND b.end_at > ${iso(now)}::timestamptz`
              : sql`b.status IN ('pending', 'confirmed') AND b.end_at > ${iso(now)}::timestamptz`;
      return sql.and([
        sql`b.host_id = ${hostId}`,
        view,
        ...(q.eventTypeId === null ? [] : [sql`b.event_type_id = ${q.eventTypeId}`]),
        ...(q.from === null ? [] : [sql`b.start_at >= ${iso(q.from)}::timestamptz`]),
        ...(q.to === null ? [] : [sql`b.start_at < ${iso(q.to)}::timestamptz`]),
        // strpos, not LIKE: what the host types is matched as text, wildcards and all.
        ...(q.search === "" ? [] : [sql`(strpos(lower(b.invitee_name), lower(${q.search})) > 0 OR strpos(lower(b.invitee_email), lower(${q.search})) > 0)`]),
      ]);
    };

    /** One page of meetings (upcoming soonest first, the others latest first) and how many match in all. */
    const list = (hostId: HostId, q: MeetingQuery, now: number, limit: number, offset: number) =>
      Effect.gen(function* () {
        const order = q.view === "upcoming" ? sql`b.start_at ASC` : sql`b.start_at DESC`;
        const rows = yield* sql`
          SELECT b.*, count(*) OVER () AS total_count FROM all_bookings b
          WHERE ${where(hostId, q, now)} ORDER BY ${order}, b.id LIMIT ${limit} OFFSET ${offset}`;
        const total = rows.length === 0 ? 0 : Number((rows[0] as { totalCount: unknown }).totalCount);
        const bookings = yield* bookingsOf(rows);
        return { meetings: yield* withNotes(bookings), total };
      });

    const withNotes = (bookings: ReadonlyArray<Booking>) =>
      Effect.gen(function* () {
        if (bookings.length === 0) return [];
        const ids = bookings.map((b) => b.id);
        const history = yield* sql`
          SELECT booking_id, type, actor, at FROM booking_events WHERE booking_id = ANY(${ids}::uuid[]) ORDER BY id`.pipe(Effect.flatMap(decodeRows(HistoryRow)));
        const notes = yield* sql`
          SELECT booking_id, note, no_show FROM booking_host_notes WHERE booking_id = ANY(${ids}::uuid[])`.pipe(Effect.flatMap(decodeRows(NoteRow)));
        return bookings.map((booking): Meeting => {
          const note = notes.find((n) => n.bookingId === booking.id);
          return {
            booking,
            note: note?.note ?? "",
            noShow: note?.noShow ?? false,
            history: history.filter((h) => h.bookingId === booking.id).map(({ bookingId: _, ...entry }) => entry),
          };
        });
      });

    /**
     * A page of meetings after a cursor (the last one of the previous page), for the API: upcoming
     * soonest first, the others latest first, ties by id, so pages neither skip nor repeat a
     * meeting while others are booked or cancelled. One more row than asked says whether more follow.
     */
    const pageAfter = (hostId: HostId, q: MeetingQuery, now: number, limit: number, after: { readonly start: number; readonly id: string } | null) =>
      Effect.gen(function* () {
        const ascending = q.view === "upcoming" || q.view === "pending";
        const order = ascending ? sql`b.start_at ASC, b.id ASC` : sql`b.start_at DESC, b.id DESC`;
        const cursor =
          after === null
            ? sql`true`
            : ascending
              ? sql`(b.start_at, b.id) > (${iso(after.start)}::timestamptz, ${after.id}::uuid)`
              : sql`(b.start_at, b.id) < (${iso(after.start)}::timestamptz, ${after.id}::uuid)`;
        const rows = yield* sql`SELECT b.* FROM all_bookings b WHERE ${where(hostId, q, now)} AND ${cursor} ORDER BY ${order} LIMIT ${limit + 1}`;
        const bookings = yield* bookingsOf(rows);
        return { meetings: yield* withNotes(bookings.slice(0, limit)), more: bookings.length > limit };
      });

    /** Marks whether the invitee came to one of the host's own meetings, keeping the host's note; false when it is not theirs. */
    const markNoShow = (hostId: HostId, bookingId: BookingId, noShow: boolean) =>
      sql`
        INSERT INTO booking_host_notes (booking_id, host_id, note, no_show)
        SELECT id, host_id, '', ${noShow} FROM all_bookings WHERE id = ${bookingId} AND host_id = ${hostId}
        ON CONFLICT (booking_id) DO UPDATE SET no_show = excluded.no_show, updated_at = now()
        RETURNING booking_id`.pipe(Effect.map((rows) => rows.length === 1));

    /** Every matching meeting, for export (at most `limit`). */
    const all = (hostId: HostId, q: MeetingQuery, now: number, limit: number) =>
      Effect.flatMap(list(hostId, q, now, limit, 0), (page) => Effect.succeed(page.meetings));

    /** Keeps the host's note on one of their own bookings; false when the booking is not theirs. */
    const keepNote = (hostId: HostId, bookingId: BookingId, note: string, noShow: boolean) =>
      sql`
        INSERT INTO booking_host_notes (booking_id, host_id, note, no_show)
        SELECT id, host_id, ${note}, ${noShow} FROM all_bookings WHERE id = ${bookingId} AND host_id = ${hostId}
        ON CONFLICT (booking_id) DO UPDATE SET note = excluded.note, no_show = excluded.no_show, updated_at = now()
        RETURNING booking_id`.pipe(Effect.map((rows) => rows.length === 1));

    return { list, pageAfter, all, keepNote, markNoShow } as const;
  }),
}) {}
