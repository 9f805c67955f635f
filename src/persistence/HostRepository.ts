import { SqlClient } from "@effect/sql/SqlClient";
import type { SqlError } from "@effect/sql/SqlError";
import { Effect, Schema } from "effect";
import { COLOURS, durationChoicesOf, EventTypeId, HostId, LOCATION_KINDS, ScheduleId, type EventType, type Host, type NamedSchedule, type Question } from "../domain/model.ts";
import { decodeFirst, decodeRows } from "./rows.ts";
import type { DateOverride, WeeklyRule } from "../domain/schedule.ts";
import { formatLocalDate, formatWallTime, parseLocalDate, wallMinutes, type LocalDate } from "../domain/time.ts";

const HostRow = Schema.Struct({
  id: HostId,
  slug: Schema.String,
  name: Schema.String,
  email: Schema.String,
  timeZone: Schema.String,
  locale: Schema.String,
  bio: Schema.String,
  active: Schema.Boolean,
});

const NullableInt = Schema.NullOr(Schema.Number);

const EventTypeRow = Schema.Struct({
  id: EventTypeId,
  hostId: HostId,
  slug: Schema.String,
  title: Schema.String,
  description: Schema.String,
  location: Schema.String,
  locationKind: Schema.Literal(...LOCATION_KINDS),
  durationMinutes: Schema.Number,
  otherDurations: Schema.Array(Schema.Number),
  bufferBeforeMinutes: Schema.Number,
  bufferAfterMinutes: Schema.Number,
  minimumNoticeMinutes: Schema.Number,
  maxDaysAhead: NullableInt,
  slotIntervalMinutes: NullableInt,
  maxPerDay: NullableInt,
  maxPerWeek: NullableInt,
  questions: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      label: Schema.String,
      kind: Schema.Literal("short_text", "long_text", "single_choice", "checkbox", "phone"),
      required: Schema.Boolean,
      options: Schema.optional(Schema.Array(Schema.String)),
    }),
  ),
  active: Schema.Boolean,
  requiresConfirmation: Schema.Boolean,
  reminderMinutes: Schema.Array(Schema.Number),
  colour: Schema.Literal(...COLOURS),
  deleted: Schema.Boolean,
  scheduleId: Schema.NullOr(ScheduleId),
});

interface WindowRow {
  readonly startTime: string;
  readonly endTime: string;
}

const hostsOf = decodeRows(HostRow);
/** Stored as the first length and the others; in memory as every length offered. */
const eventTypesOf = (rows: ReadonlyArray<unknown>) =>
  Effect.map(decodeRows(EventTypeRow)(rows), (decoded): ReadonlyArray<EventType> =>
    decoded.map(({ otherDurations, ...row }) => ({ ...row, durationChoices: durationChoicesOf(row.durationMinutes, otherDurations) })),
  );
const otherDurationsOf = (first: number, choices: ReadonlyArray<number>) => durationChoicesOf(first, choices).filter((m) => m !== first);
const idOf = <A, I>(id: Schema.Schema<A, I>) => (rows: ReadonlyArray<unknown>) => Effect.map(decodeFirst(Schema.Struct({ id }))(rows), (r) => r?.id);
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

export type NewEventType = Omit<EventType, "id" | "hostId" | "active" | "questions" | "durationChoices" | "scheduleId"> & {
  readonly active?: boolean;
  readonly scheduleId?: ScheduleId | null;
  readonly questions?: ReadonlyArray<Question>;
  /** Lengths offered besides `durationMinutes`. */
  readonly durationChoices?: ReadonlyArray<number>;
};

/** An event type with nothing but a name: 30 minutes, no buffers, notice or limits; override what differs. */
export const newEventType = (e: Pick<NewEventType, "slug" | "title"> & Partial<NewEventType>): NewEventType => ({
  description: "",
  location: "",
  locationKind: "none",
  requiresConfirmation: false,
  reminderMinutes: [1440, 60],
  colour: "blue",
  durationMinutes: 30,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  minimumNoticeMinutes: 0,
  maxDaysAhead: null,
  slotIntervalMinutes: null,
  maxPerDay: null,
  maxPerWeek: null,
  ...e,
});

export interface HostRecord {
  readonly host: Host;
  readonly eventTypes: ReadonlyArray<EventType>;
  readonly rules: ReadonlyArray<WeeklyRule>;
  readonly overrides: ReadonlyArray<DateOverride>;
  readonly schedules: ReadonlyArray<NamedSchedule>;
}

/** Hosts, their event types and availability. */
export class HostRepository extends Effect.Service<HostRepository>()("rendezvous/HostRepository", {
  effect: Effect.gen(function* () {
  const sql = yield* SqlClient;

  const findHostIdBySlug = (slug: string) =>
    sql`SELECT id FROM hosts WHERE slug = ${slug}`.pipe(Effect.flatMap(idOf(HostId)));

  const findHostIdOfEventType = (id: EventTypeId) =>
    sql`SELECT host_id AS id FROM event_types WHERE id = ${id}`.pipe(Effect.flatMap(idOf(HostId)));

  const listHosts: Effect.Effect<ReadonlyArray<Host>, SqlError> = sql`SELECT id, slug, name, email, time_zone, locale, bio, active FROM hosts WHERE active AND listed ORDER BY name, slug`.pipe(
    Effect.flatMap(hostsOf),
  );

  const listEventTypes = (hostIds: ReadonlyArray<HostId>) =>
    hostIds.length === 0
      ? Effect.succeed<ReadonlyArray<EventType>>([])
      : sql`SELECT * FROM event_types WHERE host_id = ANY(${hostIds}::uuid[]) ORDER BY title, slug`.pipe(Effect.flatMap(eventTypesOf));

  /** Everything a host actor starts from, read in one snapshot. */
  const load = (hostId: HostId) =>
    sql.withTransaction(
      Effect.gen(function* () {
        yield* sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`;
        const host = yield* sql`SELECT id, slug, name, email, time_zone, locale, bio, active FROM hosts WHERE id = ${hostId}`.pipe(
          Effect.flatMap(decodeFirst(HostRow)),
        );
        if (host === undefined) return undefined;
        const eventTypes = yield* listEventTypes([hostId]);
        const rules = yield* sql<WindowRow & { weekday: number; scheduleId: string | null }>`
          SELECT schedule_id, weekday, start_time, end_time FROM availability_rules WHERE host_id = ${hostId} ORDER BY weekday, start_time`;
        const named = yield* sql`SELECT id, name FROM schedules WHERE host_id = ${hostId} ORDER BY name`.pipe(
          Effect.flatMap(decodeRows(Schema.Struct({ id: ScheduleId, name: Schema.String }))),
        );
        const rulesOf = (scheduleId: string | null) =>
          rules.filter((r) => r.scheduleId === scheduleId).map((r) => ({ weekday: r.weekday, ...toWindow(r) }));
        const overrideDates = yield* sql<{ localDate: string }>`
          SELECT local_date::text FROM date_overrides WHERE host_id = ${hostId}`;
        const overrideWindows = yield* sql<WindowRow & { localDate: string }>`
          SELECT local_date::text, start_time, end_time FROM date_override_windows WHERE host_id = ${hostId} ORDER BY start_time`;
        const windowsByDate = new Map<string, ReturnType<typeof toWindow>[]>(overrideDates.map((o) => [o.localDate, []]));
        for (const w of overrideWindows) windowsByDate.get(w.localDate)?.push(toWindow(w));
        return {
          host,
          eventTypes,
          rules: rulesOf(null),
          overrides: [...windowsByDate].map(([date, windows]) => ({ date: parseLocalDate(date)!, windows })),
          schedules: named.map((n) => ({ ...n, rules: rulesOf(n.id) })),
        } satisfies HostRecord;
      }),
    );

  const insertHost = (h: NewHost) =>
    sql`
      INSERT INTO hosts (slug, name, email, time_zone, locale)
      VALUES (${h.slug}, ${h.name}, ${h.email}, ${h.timeZone}, ${h.locale ?? "en"})
      RETURNING id`.pipe(Effect.flatMap(idOf(HostId)), Effect.map((id) => id!));

  const insertEventType = (hostId: HostId, e: NewEventType, id?: EventTypeId) =>
    sql`
      INSERT INTO event_types (id, host_id, slug, title, description, location, location_kind, duration_minutes, buffer_before_minutes,
        buffer_after_minutes, minimum_notice_minutes, max_days_ahead, slot_interval_minutes, max_per_day, max_per_week, questions, active, requires_confirmation, reminder_minutes, colour, other_durations, schedule_id)
      VALUES (COALESCE(${id ?? null}::uuid, gen_random_uuid()), ${hostId}, ${e.slug}, ${e.title}, ${e.description}, ${e.location}, ${e.locationKind}, ${e.durationMinutes},
        ${e.bufferBeforeMinutes}, ${e.bufferAfterMinutes}, ${e.minimumNoticeMinutes}, ${e.maxDaysAhead},
        ${e.slotIntervalMinutes}, ${e.maxPerDay}, ${e.maxPerWeek}, ${JSON.stringify(e.questions ?? [])}::jsonb, ${e.active ?? true}, ${e.requiresConfirmation}, ${e.reminderMinutes}::int[], ${e.colour},
        ${otherDurationsOf(e.durationMinutes, e.durationChoices ?? [])}::int[], ${e.scheduleId ?? null})
      RETURNING id`.pipe(Effect.flatMap(idOf(EventTypeId)), Effect.map((id) => id!));

  const updateEventType = (e: EventType) =>
    sql`
      UPDATE event_types SET slug = ${e.slug}, title = ${e.title}, description = ${e.description},
        location = ${e.location}, location_kind = ${e.locationKind}, duration_minutes = ${e.durationMinutes},
        buffer_before_minutes = ${e.bufferBeforeMinutes}, buffer_after_minutes = ${e.bufferAfterMinutes},
        minimum_notice_minutes = ${e.minimumNoticeMinutes}, max_days_ahead = ${e.maxDaysAhead},
        slot_interval_minutes = ${e.slotIntervalMinutes}, max_per_day = ${e.maxPerDay}, max_per_week = ${e.maxPerWeek},
        questions = ${JSON.stringify(e.questions)}::jsonb, active = ${e.active}, requires_confirmation = ${e.requiresConfirmation},
        reminder_minutes = ${e.reminderMinutes}::int[], colour = ${e.colour}, other_durations = ${otherDurationsOf(e.durationMinutes, e.durationChoices)}::int[],
        schedule_id = ${e.scheduleId}
      WHERE id = ${e.id} AND host_id = ${e.hostId}`;

  const updateProfile = (hostId: HostId, p: { readonly name: string; readonly slug: string; readonly timeZone: string; readonly bio: string; readonly locale: string }) =>
    sql`UPDATE hosts SET name = ${p.name}, slug = ${p.slug}, time_zone = ${p.timeZone}, bio = ${p.bio}, locale = ${p.locale} WHERE id = ${hostId}`.pipe(Effect.asVoid);

  /** The host's uploaded picture (and its type), with what initials need, by booking page address. */
  const avatarOf = (slug: string) =>
    sql`SELECT id, name, avatar, avatar_type FROM hosts WHERE slug = ${slug} AND active`.pipe(
      Effect.flatMap(
        decodeFirst(
          Schema.Struct({ id: HostId, name: Schema.String, avatar: Schema.NullOr(Schema.Uint8ArrayFromSelf), avatarType: Schema.NullOr(Schema.String) }),
        ),
      ),
    );

  const setAvatar = (hostId: HostId, picture: { readonly bytes: Uint8Array; readonly type: string } | null) =>
    sql`UPDATE hosts SET avatar = ${picture === null ? null : Buffer.from(picture.bytes)}, avatar_type = ${picture?.type ?? null} WHERE id = ${hostId}`.pipe(Effect.asVoid);

  /** Whether another host has this address. */
  const slugTaken = (slug: string, except: HostId) =>
    sql`SELECT 1 FROM hosts WHERE slug = ${slug} AND id <> ${except}`.pipe(Effect.map((rows) => rows.length > 0));

  /** Deletes an event type: kept for its meetings, off for good, its address freed. */
  const deleteEventType = (hostId: HostId, id: EventTypeId) =>
    sql`
      UPDATE event_types SET deleted = true, active = false, slug = left(slug, 40) || '-deleted-' || left(id::text, 8)
      WHERE id = ${id} AND host_id = ${hostId}`.pipe(Effect.asVoid);

  /** Whether the front page lists the host. */
  const listedOf = (hostId: HostId) =>
    sql`SELECT listed FROM hosts WHERE id = ${hostId}`.pipe(Effect.flatMap(decodeFirst(Schema.Struct({ listed: Schema.Boolean }))), Effect.map((r) => r?.listed ?? false));

  const setListed = (hostId: HostId, listed: boolean) => sql`UPDATE hosts SET listed = ${listed} WHERE id = ${hostId}`.pipe(Effect.asVoid);

  const setActive = (hostId: HostId, active: boolean) => sql`UPDATE hosts SET active = ${active} WHERE id = ${hostId}`.pipe(Effect.asVoid);

  /** Replaces the weekly rules of the host's own hours, or (with `scheduleId`) of one named schedule. */
  const replaceWeeklyRules = (hostId: HostId, rules: ReadonlyArray<WeeklyRule>, scheduleId: ScheduleId | null = null) =>
    sql.withTransaction(Effect.gen(function* () {
      yield* sql`DELETE FROM availability_rules WHERE host_id = ${hostId} AND schedule_id IS NOT DISTINCT FROM ${scheduleId}::uuid`;
      if (rules.length === 0) return;
      yield* sql`
        INSERT INTO availability_rules (host_id, schedule_id, weekday, start_time, end_time)
        SELECT ${hostId}, ${scheduleId}::uuid, w, s::time, e::time
        FROM unnest(${rules.map((r) => r.weekday)}::int[], ${rules.map((r) => formatWallTime(r.start))}::text[],
                    ${rules.map((r) => formatWallTime(r.end))}::text[]) AS u(w, s, e)`;
    }));

  /** Creates or renames a named schedule and replaces its weekly rules. */
  const saveSchedule = (hostId: HostId, schedule: NamedSchedule) =>
    sql.withTransaction(Effect.gen(function* () {
      yield* sql`
        INSERT INTO schedules (id, host_id, name) VALUES (${schedule.id}, ${hostId}, ${schedule.name})
        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name WHERE schedules.host_id = EXCLUDED.host_id`;
      yield* replaceWeeklyRules(hostId, schedule.rules, schedule.id);
    }));

  /** Deletes a named schedule and its rules; event types that named it (deleted ones) fall back to the host's hours. */
  const deleteSchedule = (hostId: HostId, id: ScheduleId) => sql`DELETE FROM schedules WHERE id = ${id} AND host_id = ${hostId}`.pipe(Effect.asVoid);

  const replaceOverride = (hostId: HostId, date: LocalDate, windows: DateOverride["windows"] | null) =>
    sql.withTransaction(Effect.gen(function* () {
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
    }));

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
    saveSchedule,
    deleteSchedule,
    replaceOverride,
    updateProfile,
    slugTaken,
    avatarOf,
    setAvatar,
    setActive,
    listedOf,
    setListed,
    deleteEventType,
  } as const;
  }),
}) {}
