import { createHash } from "node:crypto";
import type { Availability, EventType } from "./model.ts";

/**
 * Entity tags for what the API lets a host read and then change (`ETag`, `If-Match`): a digest
 * of the state itself, so a tag changes exactly when the thing does, whatever else the host's
 * calendar does meanwhile (bookings do not change an event type's tag).
 */
const tagOf = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("base64url").slice(0, 22);

export const eventTypeTag = (e: EventType): string =>
  tagOf([
    e.slug,
    e.title,
    e.description,
    e.location,
    e.locationKind,
    e.durationMinutes,
    e.durationChoices,
    e.bufferBeforeMinutes,
    e.bufferAfterMinutes,
    e.minimumNoticeMinutes,
    e.maxDaysAhead,
    e.slotIntervalMinutes,
    e.maxPerDay,
    e.maxPerWeek,
    e.questions.map((q) => [q.id, q.label, q.kind, q.required, q.options ?? null]),
    e.active,
    e.requiresConfirmation,
    e.reminderMinutes,
    e.colour,
    e.scheduleId,
  ]);

/** The host's own weekly hours and dates that differ, in their zone (named schedules have their own pages). */
export const availabilityTag = (timeZone: string, a: Availability): string =>
  tagOf([timeZone, a.rules.map((r) => [r.weekday, r.start, r.end]), a.overrides.map((o) => [o.date, o.windows.map((w) => [w.start, w.end])])]);

/** Whether an `If-Match` list (none: no condition) names the current tag, or `*`. */
export const matches = (ifMatch: ReadonlyArray<string> | undefined, current: string) => ifMatch === undefined || ifMatch.includes("*") || ifMatch.includes(current);
