import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Schema } from "effect";
import { BookingStatus, HostId } from "../domain/model.ts";
import { decodeFirst, decodeRows, EpochColumn } from "./rows.ts";

const DueHost = Schema.Struct({ id: HostId, name: Schema.String, email: Schema.String, timeZone: Schema.String, locale: Schema.String, day: Schema.String });
export type DueAgenda = typeof DueHost.Type;

const AgendaItem = Schema.Struct({
  startAt: EpochColumn,
  endAt: EpochColumn,
  status: BookingStatus,
  inviteeName: Schema.String,
  inviteeEmail: Schema.String,
  title: Schema.String,
});
export type AgendaItem = typeof AgendaItem.Type;

/** Hosts' daily agendas: who wants one, and which are due. */
export class AgendaRepository extends Effect.Service<AgendaRepository>()("rendezvous/AgendaRepository", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient;

    const agendaHourOf = (hostId: HostId) =>
      sql`SELECT agenda_hour FROM hosts WHERE id = ${hostId}`.pipe(
        Effect.flatMap(decodeFirst(Schema.Struct({ agendaHour: Schema.NullOr(Schema.Number) }))),
        Effect.map((r) => r?.agendaHour ?? null),
      );

    const setAgendaHour = (hostId: HostId, hour: number | null) =>
      sql`UPDATE hosts SET agenda_hour = ${hour} WHERE id = ${hostId}`.pipe(Effect.asVoid);

    /**
     * Claims today's agendas that are due (their hour has come in the host's zone) and not yet
     * sent, in one statement: every process may look, each agenda goes out once a day.
     */
    const claimDue = sql`
      UPDATE hosts SET agenda_sent_on = (now() AT TIME ZONE time_zone)::date
      WHERE active AND agenda_hour IS NOT NULL
        AND extract(hour FROM now() AT TIME ZONE time_zone) >= agenda_hour
        AND (agenda_sent_on IS NULL OR agenda_sent_on < (now() AT TIME ZONE time_zone)::date)
      RETURNING id, name, email, time_zone, locale, ((now() AT TIME ZONE time_zone)::date)::text AS day`.pipe(Effect.flatMap(decodeRows(DueHost)));

    /** The host's confirmed and pending meetings on a host-local date, by start. */
    const meetingsOn = (hostId: HostId, day: string, timeZone: string) =>
      sql`
        SELECT b.start_at, b.end_at, b.status, b.invitee_name, b.invitee_email, et.title
        FROM bookings b JOIN event_types et ON et.id = b.event_type_id
        WHERE b.host_id = ${hostId} AND b.status IN ('pending', 'confirmed')
          AND b.start_at >= (${day}::date)::timestamp AT TIME ZONE ${timeZone}
          AND b.start_at < (${day}::date + 1)::timestamp AT TIME ZONE ${timeZone}
        ORDER BY b.start_at`.pipe(Effect.flatMap(decodeRows(AgendaItem)));

    return { agendaHourOf, setAgendaHour, claimDue, meetingsOn } as const;
  }),
}) {}
