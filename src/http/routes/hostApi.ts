import { Schema } from "effect";
import { EventTypeFields, QuestionPayload } from "../../actors/protocol.ts";
import { NotFound } from "../../domain/errors.ts";
import { COLOURS, EventTypeId, LOCATION_KINDS, ScheduleId, type EventType, type HostId, type NamedSchedule } from "../../domain/model.ts";
import { WallTime, Weekday, Window } from "../../domain/spec.ts";
import type { HostSnapshot } from "../../actors/HostSnapshot.ts";
import { formatLocalDate, formatWallTime, parseLocalDate } from "../../domain/time.ts";
import { availabilityTag, eventTypeTag } from "../../domain/etag.ts";
import { isReply, type Reply, type Request } from "../exchange.ts";
import { isAppError } from "../problems.ts";
import { json, type Web } from "../web.ts";
import { bookingJson, decodeBody, hostBearing, idempotently, invalid, problemReply } from "./api.ts";
import { Instant } from "../forms.ts";
import type { AvailabilityJson, EventTypeJson, ProfileJson, ScheduleJson } from "../apiReplies.ts";

const Minutes = Schema.Int;
const orNull = <A, I>(schema: Schema.Schema<A, I>) => Schema.optionalWith(Schema.NullOr(schema), { default: () => null });

/** An event type as a script creates it: what the editor asks, with the editor's defaults. */
export const EventTypeBody = Schema.Struct({
  slug: Schema.String,
  title: Schema.String,
  description: Schema.optionalWith(Schema.String, { default: () => "" }),
  location: Schema.optionalWith(Schema.String, { default: () => "" }),
  locationKind: Schema.optionalWith(Schema.Literal(...LOCATION_KINDS), { default: () => "none" as const }),
  durationMinutes: Minutes,
  durationChoices: Schema.optionalWith(Schema.Array(Minutes), { default: () => [] }),
  bufferBeforeMinutes: Schema.optionalWith(Minutes, { default: () => 0 }),
  bufferAfterMinutes: Schema.optionalWith(Minutes, { default: () => 0 }),
  minimumNoticeMinutes: Schema.optionalWith(Minutes, { default: () => 0 }),
  maxDaysAhead: orNull(Schema.Int),
  slotIntervalMinutes: orNull(Minutes),
  maxPerDay: orNull(Schema.Int),
  maxPerWeek: orNull(Schema.Int),
  questions: Schema.optionalWith(Schema.Array(QuestionPayload), { default: () => [] }),
  active: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  requiresConfirmation: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  reminderMinutes: Schema.optionalWith(Schema.Array(Minutes), { default: () => [] }),
  colour: Schema.optionalWith(Schema.Literal(...COLOURS), { default: () => "blue" as const }),
  scheduleId: orNull(ScheduleId),
});

/** A change to some fields of an event type (`{"active": false}` turns it off). */
export const EventTypePatch = Schema.partial(EventTypeFields);

/** The host's weekly hours, replaced as a whole: wall times in their zone. */
export const WeeklyHoursBody = Schema.Struct({ rules: Schema.Array(Schema.Struct({ weekday: Weekday, start: WallTime, end: WallTime })) });

/** A named schedule: weekly hours in the host's zone that event types can use instead of the host's own. */
export const ScheduleBody = Schema.Struct({ name: Schema.String, rules: WeeklyHoursBody.fields.rules });

/** The windows of one or more dates from the path's date on (none: days off). */
export const OverrideBody = Schema.Struct({ windows: Schema.Array(Window), days: Schema.optionalWith(Schema.Int, { default: () => 1 }) });

const noContent: Reply = { status: 204, headers: [["Cache-Control", "no-store"]], body: "" };

/** The tags of an `If-Match` or `If-None-Match` header (quotes and weakness dropped), or undefined without one. */
const tagsOf = (header: string | undefined) =>
  header === undefined ? undefined : header.split(",").map((t) => t.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1")).filter((t) => t !== "");

/** A read with its entity tag, or `304` when the client's copy is current. */
const tagged = (request: Request, tag: string, status: number, value: unknown, headers: ReadonlyArray<readonly [string, string]> = []): Reply => {
  const etag: readonly [string, string] = ["ETag", `"${tag}"`];
  const known = request.method === "GET" ? tagsOf(request.headers.get("if-none-match")) : undefined;
  return known !== undefined && (known.includes(tag) || known.includes("*")) ? { status: 304, headers: [etag, ["Cache-Control", "no-store"]], body: "" } : json(status, value, [etag, ...headers]);
};

const VIEWS = ["upcoming", "pending", "past", "cancelled"] as const;

/** A page's cursor: the last meeting's start and id, opaque to clients. */
const cursorOf = (b: { readonly start: number; readonly id: string }) => Buffer.from(`${b.start}.${b.id}`).toString("base64url");
const afterOf = (cursor: string): { readonly start: number; readonly id: string } | undefined => {
  const [start, id] = Buffer.from(cursor, "base64url").toString("utf8").split(".");
  return start !== undefined && /^\d{1,15}$/.test(start) && id !== undefined && Schema.is(Schema.UUID)(id) ? { start: Number(start), id } : undefined;
};

/** The booking list's query: what it filters by, or the 400 that names the bad parameter. */
const bookingQueryOf = (web: Web, q: URLSearchParams) => {
  const view = q.get("view") ?? "upcoming";
  if (!(VIEWS as ReadonlyArray<string>).includes(view)) return invalid(web, "view", `must be one of ${VIEWS.join(", ")}`);
  const eventTypeId = q.get("eventTypeId");
  if (eventTypeId !== null && !Schema.is(EventTypeId)(eventTypeId)) return invalid(web, "eventTypeId", "must be an event type's id");
  const instant = (name: string) => {
    const raw = q.get(name);
    if (raw === null) return null;
    const decoded = Schema.decodeUnknownOption(Instant)(raw);
    return decoded._tag === "Some" ? decoded.value : invalid(web, name, "must be an ISO 8601 instant like 2026-03-09T13:00:00Z");
  };
  const from = instant("from");
  if (isReply(from)) return from;
  const to = instant("to");
  if (isReply(to)) return to;
  const search = q.get("q") ?? "";
  if (search.length > 200) return invalid(web, "q", "must be at most 200 characters");
  const limitText = q.get("limit") ?? "50";
  const limit = /^\d{1,3}$/.test(limitText) ? Number(limitText) : 0;
  if (limit < 1 || limit > 100) return invalid(web, "limit", "must be a whole number from 1 to 100");
  const cursor = q.get("cursor");
  const after = cursor === null ? null : afterOf(cursor);
  if (after === undefined) return invalid(web, "cursor", "is not a cursor this API gave");
  return { query: { view: view as (typeof VIEWS)[number], eventTypeId, from, to, search }, limit, after };
};

/** The host's own resources over `/api/v1/host/…`: profile, event types, availability. Every change goes through the host's actor. */
export const hostApiRoutes = (web: Web) => {
  const context = web.booking;
  const problem = (error: Parameters<typeof problemReply>[1]) => problemReply(web, error);

  const eventTypeJson = (host: HostSnapshot["host"], e: EventType): typeof EventTypeJson.Encoded => ({
    id: e.id,
    slug: e.slug,
    title: e.title,
    description: e.description,
    location: e.location,
    locationKind: e.locationKind,
    durationMinutes: e.durationMinutes,
    durationChoices: e.durationChoices,
    bufferBeforeMinutes: e.bufferBeforeMinutes,
    bufferAfterMinutes: e.bufferAfterMinutes,
    minimumNoticeMinutes: e.minimumNoticeMinutes,
    maxDaysAhead: e.maxDaysAhead,
    slotIntervalMinutes: e.slotIntervalMinutes,
    maxPerDay: e.maxPerDay,
    maxPerWeek: e.maxPerWeek,
    questions: e.questions,
    active: e.active,
    requiresConfirmation: e.requiresConfirmation,
    reminderMinutes: e.reminderMinutes,
    colour: e.colour,
    scheduleId: e.scheduleId,
    bookingUrl: `${web.config.publicUrl}/${host.slug}/${e.slug}`,
  });

  const availabilityJson = (s: HostSnapshot): typeof AvailabilityJson.Encoded => ({
    timeZone: s.host.timeZone,
    rules: s.availability.rules.map((r) => ({ weekday: r.weekday, start: formatWallTime(r.start), end: formatWallTime(r.end) })),
    overrides: s.availability.overrides.map((o) => ({ date: formatLocalDate(o.date), windows: o.windows.map((w) => ({ start: formatWallTime(w.start), end: formatWallTime(w.end) })) })),
  });

  /** The bearer's host and their latest snapshot, or the reply that refuses. */
  const hostOf = async (request: Request): Promise<{ readonly hostId: HostId; readonly snapshot: HostSnapshot } | Reply> => {
    const hostId = await hostBearing(web, request);
    if (isReply(hostId)) return hostId;
    const snapshot = await context.hostSnapshot(hostId);
    return isAppError(snapshot) ? problem(snapshot) : { hostId, snapshot };
  };

  /** One of the host's event types by the path's id (a deleted one, or another host's, is a 404). */
  const eventTypeOf = (snapshot: HostSnapshot, id: string): EventType | Reply => {
    const eventType = Schema.is(EventTypeId)(id) ? snapshot.eventTypes.get(id) : undefined;
    return eventType === undefined || eventType.deleted === true ? problem(new NotFound({ what: "event type" })) : eventType;
  };

  /** Answers with the event type as the actor now holds it, and its tag. */
  const savedEventType = async (request: Request, hostId: HostId, id: EventTypeId, status: number) => {
    const snapshot = await context.hostSnapshot(hostId);
    if (isAppError(snapshot)) return problem(snapshot);
    const extra: ReadonlyArray<readonly [string, string]> = status === 201 ? [["Location", `/api/v1/host/event-types/${id}`]] : [];
    const eventType = snapshot.eventTypes.get(id)!;
    return tagged(request, eventTypeTag(eventType), status, eventTypeJson(snapshot.host, eventType), extra);
  };

  const profile = async (request: Request): Promise<Reply> => {
    const host = await hostOf(request);
    if (isReply(host)) return host;
    const { id, slug, name, timeZone, bio, locale } = host.snapshot.host;
    return json(200, { id, slug, name, timeZone, bio, locale, bookingUrl: `${web.config.publicUrl}/${slug}` } satisfies typeof ProfileJson.Encoded);
  };

  const listEventTypes = async (request: Request): Promise<Reply> => {
    const host = await hostOf(request);
    if (isReply(host)) return host;
    const eventTypes = [...host.snapshot.eventTypes.values()].filter((e) => e.deleted !== true).sort((a, b) => a.title.localeCompare(b.title));
    return json(200, { eventTypes: eventTypes.map((e) => eventTypeJson(host.snapshot.host, e)) });
  };

  const getEventType = async (request: Request): Promise<Reply> => {
    const host = await hostOf(request);
    if (isReply(host)) return host;
    const eventType = eventTypeOf(host.snapshot, request.params[0]!);
    return isReply(eventType) ? eventType : tagged(request, eventTypeTag(eventType), 200, eventTypeJson(host.snapshot.host, eventType));
  };

  const createEventType = async (request: Request): Promise<Reply> => {
    const hostId = await hostBearing(web, request);
    if (isReply(hostId)) return hostId;
    return idempotently(web, request, hostId, async () => {
      const body = decodeBody(web, request, EventTypeBody);
      if (isReply(body)) return body;
      const id = await context.saveEventType(hostId, null, body);
      return isAppError(id) ? problem(id) : savedEventType(request, hostId, id, 201);
    });
  };

  const updateEventType = async (request: Request): Promise<Reply> => {
    const host = await hostOf(request);
    if (isReply(host)) return host;
    const eventType = eventTypeOf(host.snapshot, request.params[0]!);
    if (isReply(eventType)) return eventType;
    const patch = decodeBody(web, request, EventTypePatch);
    if (isReply(patch)) return patch;
    const { id, hostId: _host, deleted: _deleted, ...fields } = eventType;
    const saved = await context.saveEventType(host.hostId, id, { ...fields, ...patch }, tagsOf(request.headers.get("if-match")));
    return isAppError(saved) ? problem(saved) : savedEventType(request, host.hostId, id, 200);
  };

  const deleteEventType = async (request: Request): Promise<Reply> => {
    const host = await hostOf(request);
    if (isReply(host)) return host;
    const eventType = eventTypeOf(host.snapshot, request.params[0]!);
    if (isReply(eventType)) return eventType;
    const deleted = await context.deleteEventType(host.hostId, eventType.id, tagsOf(request.headers.get("if-match")));
    return isAppError(deleted) ? problem(deleted) : noContent;
  };

  const availabilityReply = (request: Request, s: HostSnapshot) => tagged(request, availabilityTag(s.host.timeZone, s.availability), 200, availabilityJson(s));

  /** Answers with the availability as the actor now holds it. */
  const savedAvailability = async (request: Request, hostId: HostId) => {
    const snapshot = await context.hostSnapshot(hostId);
    return isAppError(snapshot) ? problem(snapshot) : availabilityReply(request, snapshot);
  };

  const availability = async (request: Request): Promise<Reply> => {
    const host = await hostOf(request);
    return isReply(host) ? host : availabilityReply(request, host.snapshot);
  };

  const replaceWeeklyHours = async (request: Request): Promise<Reply> => {
    const hostId = await hostBearing(web, request);
    if (isReply(hostId)) return hostId;
    const body = decodeBody(web, request, WeeklyHoursBody);
    if (isReply(body)) return body;
    const saved = await context.replaceWeeklyHours(hostId, body.rules, undefined, tagsOf(request.headers.get("if-match")));
    return isAppError(saved) ? problem(saved) : savedAvailability(request, hostId);
  };

  const scheduleJson = (n: NamedSchedule): typeof ScheduleJson.Encoded => ({
    id: n.id,
    name: n.name,
    rules: n.rules.map((r) => ({ weekday: r.weekday, start: formatWallTime(r.start), end: formatWallTime(r.end) })),
  });

  /** One of the host's named schedules by the path's id (another host's is a 404). */
  const scheduleOf = (snapshot: HostSnapshot, id: string) =>
    snapshot.availability.schedules.find((n) => n.id === id) ?? problem(new NotFound({ what: "schedule" }));

  /** Answers with the schedule as the actor now holds it. */
  const savedSchedule = async (hostId: HostId, id: ScheduleId, status: number) => {
    const snapshot = await context.hostSnapshot(hostId);
    if (isAppError(snapshot)) return problem(snapshot);
    const extra: ReadonlyArray<readonly [string, string]> = status === 201 ? [["Location", `/api/v1/host/schedules/${id}`]] : [];
    return json(status, scheduleJson(snapshot.availability.schedules.find((n) => n.id === id)!), extra);
  };

  const listSchedules = async (request: Request): Promise<Reply> => {
    const host = await hostOf(request);
    return isReply(host) ? host : json(200, { schedules: host.snapshot.availability.schedules.map(scheduleJson) });
  };

  const createSchedule = async (request: Request): Promise<Reply> => {
    const hostId = await hostBearing(web, request);
    if (isReply(hostId)) return hostId;
    return idempotently(web, request, hostId, async () => {
      const body = decodeBody(web, request, ScheduleBody);
      if (isReply(body)) return body;
      const id = await context.replaceWeeklyHours(hostId, body.rules, { id: "new", name: body.name });
      return isAppError(id) ? problem(id) : savedSchedule(hostId, id as ScheduleId, 201);
    });
  };

  const replaceSchedule = async (request: Request): Promise<Reply> => {
    const host = await hostOf(request);
    if (isReply(host)) return host;
    const schedule = scheduleOf(host.snapshot, request.params[0]!);
    if (isReply(schedule)) return schedule;
    const body = decodeBody(web, request, ScheduleBody);
    if (isReply(body)) return body;
    const saved = await context.replaceWeeklyHours(host.hostId, body.rules, { id: schedule.id, name: body.name });
    return isAppError(saved) ? problem(saved) : savedSchedule(host.hostId, schedule.id, 200);
  };

  const deleteSchedule = async (request: Request): Promise<Reply> => {
    const host = await hostOf(request);
    if (isReply(host)) return host;
    const schedule = scheduleOf(host.snapshot, request.params[0]!);
    if (isReply(schedule)) return schedule;
    const deleted = await context.deleteSchedule(host.hostId, schedule.id);
    return isAppError(deleted) ? problem(deleted) : noContent;
  };

  /** `PUT` sets the dates' windows from the path's date on; `DELETE` gives that date back to the weekly hours. */
  const setOverride = (remove: boolean) => async (request: Request): Promise<Reply> => {
    const hostId = await hostBearing(web, request);
    if (isReply(hostId)) return hostId;
    const date = parseLocalDate(request.params[0]!);
    if (date === undefined) return problem(new NotFound({ what: "page" }));
    const body = remove ? { windows: null, days: 1 } : decodeBody(web, request, OverrideBody);
    if (isReply(body)) return body;
    const saved = await context.setDateOverride(hostId, date, body.windows, body.days, tagsOf(request.headers.get("if-match")));
    if (isAppError(saved)) return problem(saved);
    return remove ? noContent : savedAvailability(request, hostId);
  };

  /** `GET /api/v1/host/bookings`: the host's meetings, filtered, a page at a time. */
  const listBookings = async (request: Request): Promise<Reply> => {
    const hostId = await hostBearing(web, request);
    if (isReply(hostId)) return hostId;
    const asked = bookingQueryOf(web, request.query);
    if (isReply(asked)) return asked;
    const page = await context.meetingsAfter(hostId, asked.query, asked.limit, asked.after);
    if (isAppError(page)) return problem(page);
    const last = page.meetings.at(-1)?.booking;
    return json(200, {
      bookings: page.meetings.map((m) => ({ ...bookingJson(web, m.booking, "host"), note: m.note, noShow: m.noShow })),
      nextCursor: page.more && last !== undefined ? cursorOf(last) : null,
    });
  };

  return {
    listBookings,
    profile,
    listEventTypes,
    getEventType,
    createEventType,
    updateEventType,
    deleteEventType,
    availability,
    replaceWeeklyHours,
    listSchedules,
    createSchedule,
    replaceSchedule,
    deleteSchedule,
    setOverride: setOverride(false),
    removeOverride: setOverride(true),
  };
};
