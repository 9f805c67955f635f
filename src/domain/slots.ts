import { mergeIntervals, type Interval, type OpenTime } from "./schedule.ts";
import { addDays, epochMs, weekdayOf, type EpochMs, type LocalDate } from "./time.ts";

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
  /** At most this many per host-local week, Monday to Sunday. */
  readonly maxPerWeek: number | null;
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

export type Refusal = "TooSoon" | "TooFarAhead" | "SlotNotOffered" | "DailyLimitReached" | "WeeklyLimitReached" | "SlotTaken";

/** The Monday that starts a host-local date's week. */
const weekOf = (date: LocalDate): number => date - ((weekdayOf(date) + 6) % 7);

export type Verdict = { readonly offered: true } | { readonly offered: false; readonly reason: Refusal };

/** The first instant on a host-local date that `maxDaysAhead` no longer allows. */
const horizonOf = (openTime: OpenTime, policy: EventPolicy, now: number): number =>
  policy.maxDaysAhead === null
    ? Number.POSITIVE_INFINITY
    : openTime.zone.startOfDay(addDays(openTime.zone.localDateOf(now), policy.maxDaysAhead));

/** For queries with increasing starts: does `[start, end)` overlap any of these spans? */
const overlapTest = (spans: Interval[]) => {
  const merged = mergeIntervals(spans);
  let i = 0;
  return (start: number, end: number): boolean => {
    while (i < merged.length && merged[i]!.end <= start) i++;
    return i < merged.length && merged[i]!.start < end;
  };
};

/** Does open time (disjoint, sorted stretches) contain all of `[start, end)`? */
const containedIn = (stretches: Interval[], start: number, end: number): boolean => {
  let lo = 0;
  let hi = stretches.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = stretches[mid]!;
    if (s.end <= start) lo = mid + 1;
    else if (s.start > start) hi = mid - 1;
    else return end <= s.end;
  }
  return false;
};

/**
 * The slots offered in `[from, to)`: the one policy that decides both listing and booking.
 * Each window steps its own grid from its start (start + k × interval, in absolute time), so a
 * window at 09:30 offers 09:30 and adding a window never moves another window's slots. A slot
 * starts inside its window; its meeting must lie inside open time, where windows that touch
 * or overlap (across midnight too) join. Its buffered span may touch no other meeting or busy
 * time, its meeting no other meeting's buffers; notice, days-ahead and per-day limits hold.
 */
export const listSlots = (input: SlotInput, range: SlotRange): EpochMs[] => {
  const { openTime, policy } = input;
  const zone = openTime.zone;
  const { durationMs: duration, intervalMs: interval, bufferBeforeMs: before, bufferAfterMs: after } = policy;
  const lower = Math.max(range.from, range.now + policy.minimumNoticeMs);
  const upper = Math.min(range.to, horizonOf(openTime, policy, range.now));
  if (lower >= upper) return [];

  // A slot starting on date D ends before D + 2: windows one date either side are enough.
  const firstDate = addDays(zone.localDateOf(lower), -1);
  const lastDate = addDays(zone.localDateOf(upper), 1);
  const open = mergeIntervals(openTime.windowsBetween(firstDate, addDays(lastDate, 1)));
  const candidates: number[] = [];
  // Stryker disable next-line BooleanLiteral: sorting candidates that are already in order changes nothing
  let inOrder = true;
  for (const w of openTime.windowsBetween(firstDate, lastDate)) {
    let t = w.grid;
    const earliest = Math.max(w.start, lower);
    if (t < earliest) t += Math.ceil((earliest - t) / interval) * interval;
    for (const end = Math.min(w.end, upper); t < end; t += interval) {
      if (!containedIn(open, t, t + duration)) continue;
      // Stryker disable next-line all: only decides whether to sort; sorting sorted candidates changes nothing
      if (candidates.length > 0 && t < candidates[candidates.length - 1]!) inOrder = false;
      candidates.push(t);
    }
  }
  // Windows of a date may overlap or come out of order; most calendars need no sort at all.
  if (!inOrder) candidates.sort((a, b) => a - b);

  const reachFrom = lower - before - duration;
  const reachTo = upper + duration + after;
  const meetings: Interval[] = [];
  const buffered: Interval[] = [];
  const dailyCounts = new Map<LocalDate, number>();
  const weeklyCounts = new Map<number, number>();
  for (const o of input.occupied) {
    if (o.countsTowardDailyLimit && policy.maxPerDay !== null) {
      const date = zone.localDateOf(o.start);
      dailyCounts.set(date, (dailyCounts.get(date) ?? 0) + 1);
    }
    if (o.countsTowardDailyLimit && policy.maxPerWeek !== null) {
      const week = weekOf(zone.localDateOf(o.start));
      weeklyCounts.set(week, (weeklyCounts.get(week) ?? 0) + 1);
    }
    if (o.end + o.bufferAfterMs < reachFrom || o.start - o.bufferBeforeMs > reachTo) continue;
    meetings.push({ start: o.start, end: o.end });
    buffered.push({ start: o.start - o.bufferBeforeMs, end: o.end + o.bufferAfterMs });
  }
  for (const b of input.busy) if (b.end >= reachFrom && b.start <= reachTo) meetings.push(b);
  const hitsMeeting = overlapTest(meetings);
  const hitsBuffer = overlapTest(buffered);

  const slots: EpochMs[] = [];
  let previous = Number.NaN;
  for (const t of candidates) {
    if (t === previous) continue;
    previous = t;
    if (hitsMeeting(t - before, t + duration + after) || hitsBuffer(t, t + duration)) continue;
    if (policy.maxPerDay !== null && (dailyCounts.get(zone.localDateOf(t)) ?? 0) >= policy.maxPerDay) continue;
    if (policy.maxPerWeek !== null && (weeklyCounts.get(weekOf(zone.localDateOf(t))) ?? 0) >= policy.maxPerWeek) continue;
    slots.push(epochMs(t));
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
  const unlimited = { ...input, policy: { ...policy, maxPerDay: null, maxPerWeek: null } };
  if (!offeredIn(unlimited)) return { offered: false, reason: "SlotTaken" };
  const dailyOnly = { ...input, policy: { ...policy, maxPerWeek: null } };
  return { offered: false, reason: offeredIn(dailyOnly) ? "WeeklyLimitReached" : "DailyLimitReached" };
};
