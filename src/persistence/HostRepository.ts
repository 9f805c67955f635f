import { SqlClient } from "@effect/sql/SqlClient";
import { Effect } from "effect";
import type { EventType, EventTypeId, Host, HostId, Question } from "../domain/model.ts";
import type { DateOverride, WeeklyRule } from "../domain/schedule.ts";
import { formatLocalDate, formatWallTime, parseLocalDate, wallMinutes, type LocalDate } from "../domain/time.ts";

interface HostRow {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly email: string;
  readonly timeZone: string;
  readonly locale: string;
}

type EventTypeRow = Omit<EventType, "id" | "hostId"> & { readonly id: string; readonly hostId: string };

interface WindowRow {
  readonly startTime: string;
  readonly endTime: string;
}

const toHost = (r: HostRow): Host => ({ ...r, id: r.id as HostId });
const toEventType = (r: EventTypeRow): EventType => ({ ...r, id: r.id as EventTypeId, hostId: r.hostId as HostId });
/** `time` columns come back as `HH:MM:SS`; '24:00:00' is the end of the day. */
const minutesOf = (time: string) => wallMinutes(Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5)));
const toWindow = (r: WindowRow) => ({ start: minutesOf(r.startTime), end: minutesOf(r.endTime) });

export interface NewHost {
  readonly slug: string;
  readonly name: string;
  readonly email: string;
  readonly timeZone: string;
  readonly locale?: string;
}

export type NewEventType = Omit<EventType, "id" | "hostId" | "active" | "questions"> & {
  readonly active?: boolean;
  readonly questions?: ReadonlyArray<Question>;
};

/** An event type with nothing but a name: 30 minutes, no buffers, notice or limits; override what differs. */
export const newEventType = (e: Pick<NewEventType, "slug" | "title"> & Partial<NewEventType>): NewEventType => ({
  description: "",
  location: "",
  durationMinutes: 30,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  minimumNoticeMinutes: 0,
  maxDaysAhead: null,
  slotIntervalMinutes: null,
  maxPerDay: null,
  ...e,
});

export interface HostRecord {
  readonly host: Host;
  readonly eventTypes: ReadonlyArray<EventType>;
  readonly rules: ReadonlyArray<WeeklyRule>;
  readonly overrides: ReadonlyArray<DateOverride>;
}

/** Hosts, their event types and availability. */
export class HostRepository extends Effect.Service<HostRepository>()("rendezvous/HostRepository", {
  effect: Effect.gen(function* () {
  const sql = yield* SqlClient;

  const findHostIdBySlug = (slug: string) =>
    sql<{ id: string }>`SELECT id FROM hosts WHERE slug = ${slug}`.pipe(
      Effect.map((rows) => rows[0]?.id as HostId | undefined),
    );

  const findHostIdOfEventType = (id: EventTypeId) =>
    sql<{ hostId: string }>`SELECT host_id FROM event_types WHERE id = ${id}`.pipe(
      Effect.map((rows) => rows[0]?.hostId as HostId | undefined),
    );

  const listHosts = sql<HostRow>`SELECT id, slug, name, email, time_zone, locale FROM hosts ORDER BY name, slug`.pipe(
    Effect.map((rows) => rows.map(toHost)),
  );

  const listEventTypes = (hostIds: ReadonlyArray<HostId>) =>
    hostIds.length === 0
      ? Effect.succeed([] as EventType[])
      : sql<EventTypeRow>`SELECT * FROM event_types WHERE host_id = ANY(${hostIds}::uuid[]) ORDER BY title, slug`.pipe(
          Effect.map((rows) => rows.map(toEventType)),
        );

  /** Everything a host actor starts from, read in one snapshot. */
  const load = (hostId: HostId) =>
    sql.withTransaction(
      Effect.gen(function* () {
        yield* sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`;
        const hosts = yield* sql<HostRow>`SELECT id, slug, name, email, time_zone, locale FROM hosts WHERE id = ${hostId}`;
        if (hosts[0] === undefined) return undefined;
        const eventTypes = yield* listEventTypes([hostId]);
        const rules = yield* sql<WindowRow & { weekday: number }>`
          SELECT weekday, start_time, end_time FROM availability_rules WHERE host_id = ${hostId} ORDER BY weekday, start_time`;
        const overrideDates = yield* sql<{ localDate: string }>`
          SELECT local_date::text FROM date_overrides WHERE host_id = ${hostId}`;
        const overrideWindows = yield* sql<WindowRow & { localDate: string }>`
          SELECT local_date::text, start_time, end_time FROM date_override_windows WHERE host_id = ${hostId} ORDER BY start_time`;
        const windowsByDate = new Map<string, ReturnType<typeof toWindow>[]>(overrideDates.map((o) => [o.localDate, []]));
        for (const w of overrideWindows) windowsByDate.get(w.localDate)?.push(toWindow(w));
        return {
          host: toHost(hosts[0]),
          eventTypes,
          rules: rules.map((r) => ({ weekday: r.weekday, ...toWindow(r) })),
          overrides: [...windowsByDate].map(([date, windows]) => ({ date: parseLocalDate(date)!, windows })),
        } satisfies HostRecord;
      }),
    );

  const insertHost = (h: NewHost) =>
    sql<{ id: string }>`
      INSERT INTO hosts (slug, name, email, time_zone, locale)
      VALUES (${h.slug}, ${h.name}, ${h.email}, ${h.timeZone}, ${h.locale ?? "en"})
      RETURNING id`.pipe(Effect.map((rows) => rows[0]!.id as HostId));

  const insertEventType = (hostId: HostId, e: NewEventType, id?: EventTypeId) =>
    sql<{ id: string }>`
      INSERT INTO event_types (id, host_id, slug, title, description, location, duration_minutes, buffer_before_minutes,
        buffer_after_minutes, minimum_notice_minutes, max_days_ahead, slot_interval_minutes, max_per_day, questions, active)
      VALUES (COALESCE(${id ?? null}::uuid, gen_random_uuid()), ${hostId}, ${e.slug}, ${e.title}, ${e.description}, ${e.location}, ${e.durationMinutes},
        ${e.bufferBeforeMinutes}, ${e.bufferAfterMinutes}, ${e.minimumNoticeMinutes}, ${e.maxDaysAhead},
        ${e.slotIntervalMinutes}, ${e.maxPerDay}, ${JSON.stringify(e.questions ?? [])}::jsonb, ${e.active ?? true})
      RETURNING id`.pipe(Effect.map((rows) => rows[0]!.id as EventTypeId));

  const updateEventType = (e: EventType) =>
    sql`
      UPDATE event_types SET slug = ${e.slug}, title = ${e.title}, description = ${e.description},
        location = ${e.location}, duration_minutes = ${e.durationMinutes},
        buffer_before_minutes = ${e.bufferBeforeMinutes}, buffer_after_minutes = ${e.bufferAfterMinutes},
        minimum_notice_minutes = ${e.minimumNoticeMinutes}, max_days_ahead = ${e.maxDaysAhead},
        slot_interval_minutes = ${e.slotIntervalMinutes}, max_per_day = ${e.maxPerDay},
        questions = ${JSON.stringify(e.questions)}::jsonb, active = ${e.active}
      WHERE id = ${e.id} AND host_id = ${e.hostId}`;

  const replaceWeeklyRules = (hostId: HostId, rules: ReadonlyArray<WeeklyRule>) =>
    Effect.gen(function* () {
      yield* sql`DELETE FROM availability_rules WHERE host_id = ${hostId}`;
      if (rules.length === 0) return;
      yield* sql`
        INSERT INTO availability_rules (host_id, weekday, start_time, end_time)
        SELECT ${hostId}, w, s::time, e::time
        FROM unnest(${rules.map((r) => r.weekday)}::int[], ${rules.map((r) => formatWallTime(r.start))}::text[],
                    ${rules.map((r) => formatWallTime(r.end))}::text[]) AS u(w, s, e)`;
    });

  const replaceOverride = (hostId: HostId, date: LocalDate, windows: DateOverride["windows"] | null) =>
    Effect.gen(function* () {
      const day = formatLocalDate(date);
      yield* sql`DELETE FROM date_overrides WHERE host_id = ${hostId} AND local_date = ${day}::date`;
      if (windows === null) return;
      yield* sql`INSERT INTO date_overrides (host_id, local_date) VALUES (${hostId}, ${day}::date)`;
      if (windows.length === 0) return;
      yield* sql`
        INSERT INTO date_override_windows (host_id, local_date, start_time, end_time)
        SELECT ${hostId}, ${day}::date, s::time, e::time
        FROM unnest(${windows.map((w) => formatWallTime(w.start))}::text[],
                    ${windows.map((w) => formatWallTime(w.end))}::text[]) AS u(s, e)`;
    });

    return {
    findHostIdBySlug,
    findHostIdOfEventType,
    listHosts,
    listEventTypes,
    load,
    insertHost,
    insertEventType,
    updateEventType,
    replaceWeeklyRules,
    replaceOverride,
  } as const;
  }),
}) {}
