import type { Interval, OpenTime } from "./schedule.ts";
import { addDays, epochMs, type EpochMs, type LocalDate } from "./time.ts";

/** What an event type asks of a slot. Durations in ms. */
export interface EventPolicy {
  readonly durationMs: number;
  readonly intervalMs: number;
  readonly bufferBeforeMs: number;
  readonly bufferAfterMs: number;
  readonly minimumNoticeMs: number;
  /** Slots must fall on a host-local date before host-local today + this many days. */
  readonly maxDaysAhead: number | null;
  /** At most this many confirmed bookings of the event type per host-local date. */
  readonly maxPerDay: number | null;
}

/** A meeting already on the calendar (a booking or a hold), with its own buffers. */
export interface Occupied {
  readonly start: number;
  readonly end: number;
  readonly bufferBeforeMs: number;
  readonly bufferAfterMs: number;
  /** A confirmed booking of the same event type: counts toward its per-day limit. */
  readonly countsTowardDailyLimit: boolean;
}

export interface SlotInput {
  readonly openTime: OpenTime;
  readonly policy: EventPolicy;
  readonly occupied: ReadonlyArray<Occupied>;
  /** External busy time: no buffers of its own, but the slot's buffers may not touch it. */
  readonly busy: ReadonlyArray<Interval>;
}

export interface SlotRange {
  readonly from: number;
  readonly to: number;
  readonly now: number;
}

export type Refusal = "TooSoon" | "TooFarAhead" | "SlotNotOffered" | "DailyLimitReached" | "SlotTaken";

export type Verdict = { readonly offered: true } | { readonly offered: false; readonly reason: Refusal };

/** Open time before the host-local start of yesterday never matters: slots are never in the past. */
const clipOf = (openTime: OpenTime, now: number): EpochMs =>
  openTime.zone.startOfDay(addDays(openTime.zone.localDateOf(now), -1));

/** The first instant on a host-local date that `maxDaysAhead` no longer allows. */
const horizonOf = (openTime: OpenTime, policy: EventPolicy, now: number): number =>
  policy.maxDaysAhead === null
    ? Number.POSITIVE_INFINITY
    : openTime.zone.startOfDay(addDays(openTime.zone.localDateOf(now), policy.maxDaysAhead));

const overlapsAny = (spans: Interval[]) => {
  spans.sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const s of spans) {
    const top = merged[merged.length - 1];
    if (top !== undefined && s.start <= top.end) {
      if (s.end > top.end) merged[merged.length - 1] = { start: top.start, end: s.end };
    } else merged.push(s);
  }
  let i = 0;
  // Queries arrive with increasing starts, so one forward pointer answers them all.
  return (start: number, end: number): boolean => {
    while (i < merged.length && merged[i]!.end <= start) i++;
    return i < merged.length && merged[i]!.start < end;
  };
};

/**
 * The slots offered in `[from, to)`: the one policy that decides both listing and booking.
 * A slot starts on its stretch's grid (stretch start + k × interval, in absolute time), its
 * meeting lies inside open time, its buffered span touches no other meeting or busy time, its
 * meeting touches no other meeting's buffers, and notice, days-ahead and per-day limits hold.
 */
export const listSlots = (input: SlotInput, range: SlotRange): EpochMs[] => {
  const { openTime, policy } = input;
  const { durationMs: duration, intervalMs: interval, bufferBeforeMs: before, bufferAfterMs: after } = policy;
  const lower = Math.max(range.from, range.now + policy.minimumNoticeMs);
  const upper = Math.min(range.to, horizonOf(openTime, policy, range.now));
  if (lower >= upper) return [];

  const reachFrom = lower - before - duration - 1;
  const reachTo = upper + duration + after + 1;
  const meetings: Interval[] = [];
  const buffered: Interval[] = [];
  const dailyCounts = new Map<LocalDate, number>();
  for (const o of input.occupied) {
    if (o.countsTowardDailyLimit && policy.maxPerDay !== null) {
      const date = openTime.zone.localDateOf(o.start);
      dailyCounts.set(date, (dailyCounts.get(date) ?? 0) + 1);
    }
    if (o.end + o.bufferAfterMs < reachFrom || o.start - o.bufferBeforeMs > reachTo) continue;
    meetings.push({ start: o.start, end: o.end });
    buffered.push({ start: o.start - o.bufferBeforeMs, end: o.end + o.bufferAfterMs });
  }
  for (const b of input.busy) if (b.end >= reachFrom && b.start <= reachTo) meetings.push(b);
  const hitsMeeting = overlapsAny(meetings);
  const hitsBuffer = overlapsAny(buffered);

  const slots: EpochMs[] = [];
  for (const stretch of openTime.stretches(lower, upper, clipOf(openTime, range.now))) {
    const lastStart = Math.min(stretch.end - duration, upper - 1);
    let t = stretch.start;
    if (t < lower) t += Math.ceil((lower - t) / interval) * interval;
    for (; t <= lastStart; t += interval) {
      if (hitsMeeting(t - before, t + duration + after) || hitsBuffer(t, t + duration)) continue;
      if (policy.maxPerDay !== null && (dailyCounts.get(openTime.zone.localDateOf(t)) ?? 0) >= policy.maxPerDay) continue;
      slots.push(epochMs(t));
    }
  }
  return slots;
};

/**
 * Whether `start` may be booked now, by asking `listSlots` itself (so listing and booking can
 * never disagree), and if not, which rule refuses it: found by relaxing one rule at a time.
 */
export const checkSlot = (input: SlotInput, start: number, now: number): Verdict => {
  const offeredIn = (i: SlotInput) => listSlots(i, { from: start, to: start + 1, now }).length === 1;
  if (offeredIn(input)) return { offered: true };
  const { policy } = input;
  if (start < now + policy.minimumNoticeMs) return { offered: false, reason: "TooSoon" };
  if (start >= horizonOf(input.openTime, policy, now)) return { offered: false, reason: "TooFarAhead" };
  const unbooked = { ...input, occupied: [], busy: [] };
  if (!offeredIn(unbooked)) return { offered: false, reason: "SlotNotOffered" };
  const unlimited = { ...input, policy: { ...policy, maxPerDay: null } };
  if (!offeredIn(unlimited)) return { offered: false, reason: "SlotTaken" };
  return { offered: false, reason: "DailyLimitReached" };
};
