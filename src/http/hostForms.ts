import { Either, Schema } from "effect";
import type { EventTypeFields } from "../actors/protocol.ts";
import { COLOURS, LOCATION_KINDS, ScheduleId, type EventType, type QuestionKind } from "../domain/model.ts";
import { formatWallTime, parseLocalDate, type LocalDate } from "../domain/time.ts";
import { eventTypeProblems } from "../domain/validation.ts";
import { MAX_OVERRIDE_DAYS } from "../actors/protocol.ts";
import type { WeeklyWindow } from "../booking/HostSetup.ts";
import { QUESTION_KIND_LABELS, QUESTION_ROWS, WEEK_ORDER, WINDOWS_PER_DAY } from "../views/hostFormLayout.ts";
import { Email, fieldErrorsOf } from "./forms.ts";

/**
 * The host's setup forms: what was typed (to show again on an error), and either the decoded
 * value or every wrong field at once, each with what is wrong with it.
 */
export type FormValues = Readonly<Record<string, string>>;
export type Parsed<A> = { readonly value: A } | { readonly errors: ReadonlyMap<string, string> };

const text = (fields: Record<string, unknown>, name: string) => (typeof fields[name] === "string" ? (fields[name] as string) : "");

/** Every posted text field, so a form shows exactly what was sent. */
export const valuesOf = (fields: Record<string, unknown>): FormValues =>
  Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => typeof e[1] === "string"));

const QUESTION_KINDS = Object.keys(QUESTION_KIND_LABELS) as ReadonlyArray<QuestionKind>;

/** A question's id from its label: stable once made (kept in a hidden field), readable in webhooks and exports. */
const idFromLabel = (label: string, taken: ReadonlySet<string>, row: number) => {
  const base = label.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "_").replace(/^[^a-z]+|_+$/g, "").slice(0, 32) || `question_${row + 1}`;
  let id = base === "note" ? "note_1" : base;
  for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
  return id;
};

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ["w", 10_080],
  ["d", 1440],
  ["h", 60],
  ["m", 1],
];

/** Reminder offsets as a host types them: `1d, 1h, 30m` (a bare number is minutes). */
export const formatReminders = (minutes: ReadonlyArray<number>) =>
  minutes.map((m) => {
    const [unit, size] = UNITS.find(([, size]) => m % size === 0)!;
    return `${m / size}${unit}`;
  }).join(", ");

const parseReminders = (raw: string): number[] | undefined => {
  const parts = raw.split(",").map((p) => p.trim()).filter((p) => p !== "");
  const minutes: number[] = [];
  for (const part of parts) {
    const m = /^(\d{1,5})\s*([wdhm]?)$/i.exec(part);
    if (m === null) return undefined;
    minutes.push(Number(m[1]) * (UNITS.find(([unit]) => unit === (m[2] || "m").toLowerCase())![1]));
  }
  return minutes.sort((a, b) => b - a);
};

/** The editor's fields for an event type (a new one starts from these defaults). */
export const eventTypeValues = (e: EventType | undefined): FormValues => {
  if (e === undefined) {
    return { durationMinutes: "30", bufferBeforeMinutes: "0", bufferAfterMinutes: "0", minimumNoticeMinutes: "60", maxDaysAhead: "60", reminderMinutes: "1d, 1h", active: "on" };
  }
  const values: Record<string, string> = {
    title: e.title,
    slug: e.slug,
    description: e.description,
    location: e.location,
    locationKind: e.locationKind,
    durationMinutes: String(e.durationMinutes),
    durationChoices: e.durationChoices.filter((m) => m !== e.durationMinutes).join(", "),
    slotIntervalMinutes: e.slotIntervalMinutes === null ? "" : String(e.slotIntervalMinutes),
    bufferBeforeMinutes: String(e.bufferBeforeMinutes),
    bufferAfterMinutes: String(e.bufferAfterMinutes),
    minimumNoticeMinutes: String(e.minimumNoticeMinutes),
    maxDaysAhead: e.maxDaysAhead === null ? "" : String(e.maxDaysAhead),
    maxPerDay: e.maxPerDay === null ? "" : String(e.maxPerDay),
    maxPerWeek: e.maxPerWeek === null ? "" : String(e.maxPerWeek),
    reminderMinutes: formatReminders(e.reminderMinutes),
    colour: e.colour,
    scheduleId: e.scheduleId ?? "",
  };
  if (e.active) values["active"] = "on";
  if (e.requiresConfirmation) values["requiresConfirmation"] = "on";
  for (const [i, q] of e.questions.entries()) {
    values[`questions[${i}].id`] = q.id;
    values[`questions[${i}].label`] = q.label;
    values[`questions[${i}].kind`] = q.kind;
    values[`questions[${i}].options`] = (q.options ?? []).join("\n");
    if (q.required) values[`questions[${i}].required`] = "on";
  }
  return values;
};

/** The posted event type editor: the actor's fields, or every wrong field. */
export const parseEventType = (fields: Record<string, unknown>): Parsed<typeof EventTypeFields.Type> => {
  const errors = new Map<string, string>();
  const whole = (name: string, optional: boolean): number | null => {
    const raw = text(fields, name).trim();
    if (raw === "") {
      if (!optional) errors.set(name, "is required");
      return optional ? null : 0;
    }
    if (!/^\d{1,7}$/.test(raw)) errors.set(name, "must be a whole number");
    return Number(raw);
  };
  const title = text(fields, "title").trim();
  const kindText = text(fields, "locationKind") || "none";
  const locationKind = LOCATION_KINDS.find((k) => k === kindText) ?? "none";
  if (locationKind !== kindText) errors.set("locationKind", "must be one of the offered kinds");
  const durationMinutes = whole("durationMinutes", false) ?? 0;
  const choiceParts = text(fields, "durationChoices").split(",").map((p) => p.trim()).filter((p) => p !== "");
  if (choiceParts.some((p) => !/^\d{1,7}$/.test(p))) errors.set("durationChoices", "must be lengths in minutes, such as 15, 60, separated by commas");
  const durationChoices = choiceParts.map(Number);
  const slotIntervalMinutes = whole("slotIntervalMinutes", true);
  const bufferBeforeMinutes = whole("bufferBeforeMinutes", true) ?? 0;
  const bufferAfterMinutes = whole("bufferAfterMinutes", true) ?? 0;
  const minimumNoticeMinutes = whole("minimumNoticeMinutes", true) ?? 0;
  const maxDaysAhead = whole("maxDaysAhead", true);
  const maxPerDay = whole("maxPerDay", true);
  const maxPerWeek = whole("maxPerWeek", true);
  const colourText = text(fields, "colour") || "blue";
  const colour = COLOURS.find((c) => c === colourText) ?? "blue";
  if (colour !== colourText) errors.set("colour", "must be one of the offered colours");
  const scheduleText = text(fields, "scheduleId");
  const scheduleId = scheduleText === "" ? null : Schema.is(ScheduleId)(scheduleText) ? scheduleText : undefined;
  if (scheduleId === undefined) errors.set("scheduleId", "must be one of your schedules");
  const reminderMinutes = parseReminders(text(fields, "reminderMinutes"));
  if (reminderMinutes === undefined) errors.set("reminderMinutes", "must be times like 1d, 2h, 30m, separated by commas");
  const taken = new Set<string>();
  for (let i = 0; i < QUESTION_ROWS; i++) {
    const id = text(fields, `questions[${i}].id`);
    if (id !== "") taken.add(id);
  }
  const questions = [];
  for (let i = 0; i < QUESTION_ROWS; i++) {
    const at = `questions[${i}]`;
    const label = text(fields, `${at}.label`).trim();
    if (label === "") continue;
    const kind = text(fields, `${at}.kind`) as QuestionKind;
    if (!QUESTION_KINDS.includes(kind)) errors.set(`${at}.kind`, "must be one of the offered kinds");
    const options = text(fields, `${at}.options`).split(/\r?\n/).map((o) => o.trim()).filter((o) => o !== "");
    let id = text(fields, `${at}.id`);
    if (id === "") {
      id = idFromLabel(label, taken, i);
      taken.add(id);
    }
    questions.push({
      id,
      label,
      kind,
      required: fields[`${at}.required`] === "on",
      ...(kind === "single_choice" ? { options } : {}),
    });
  }
  const value = {
    slug: text(fields, "slug").trim().toLowerCase(),
    title,
    description: text(fields, "description").trim(),
    location: text(fields, "location").trim(),
    locationKind,
    durationMinutes,
    durationChoices,
    bufferBeforeMinutes,
    bufferAfterMinutes,
    minimumNoticeMinutes,
    maxDaysAhead,
    slotIntervalMinutes,
    maxPerDay,
    maxPerWeek,
    questions,
    active: fields["active"] === "on",
    requiresConfirmation: fields["requiresConfirmation"] === "on",
    reminderMinutes: reminderMinutes ?? [],
    colour,
    scheduleId: scheduleId ?? null,
  };
  for (const problem of eventTypeProblems(value)) {
    // Question problems are reported on the row the host typed, not the stored position.
    if (!errors.has(problem.field)) errors.set(problem.field, problem.message);
  }
  // Postgres refuses NUL and lone surrogates: such text is a field error here, not a failed write.
  const texts: Array<readonly [string, string]> = [
    ["title", title],
    ["description", value.description],
    ["location", value.location],
    ...questions.flatMap((q, i) => [[`questions[${i}].label`, q.label] as const, ...(q.options ?? []).map((o) => [`questions[${i}].options`, o] as const)]),
  ];
  for (const [name, t] of texts) {
    if (t.includes("\u0000") || !t.isWellFormed()) errors.set(name, "must not contain NUL characters or broken Unicode");
  }
  return errors.size > 0 ? { errors } : { value };
};


/** `HH:MM` as minutes; an end of `00:00` (or `24:00`) is the end of the day. */
const minutesOf = (raw: string, isEnd: boolean): number | undefined => {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(raw.trim());
  if (m === null) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (minutes > 1440) return undefined;
  return isEnd && minutes === 0 ? 1440 : minutes;
};

/** Windows of one day from `prefix[k].start/end`, or errors under `prefix[k]`. */
const windowsOf = (fields: Record<string, unknown>, prefix: string, errors: Map<string, string>) => {
  const windows: { start: number; end: number }[] = [];
  for (let k = 0; k < WINDOWS_PER_DAY; k++) {
    const at = `${prefix}[${k}]`;
    const rawStart = text(fields, `${at}.start`);
    const rawEnd = text(fields, `${at}.end`);
    if (rawStart.trim() === "" && rawEnd.trim() === "") continue;
    const start = minutesOf(rawStart, false);
    const end = minutesOf(rawEnd, true);
    if (start === undefined || end === undefined || start >= 1440) errors.set(at, "needs a start and an end time such as 09:00 and 17:00");
    else if (end <= start) errors.set(at, "must end after it starts");
    else if (windows.some((w) => start < w.end && w.start < end)) errors.set(at, "overlaps another time on this day");
    else windows.push({ start, end });
  }
  return windows.sort((a, b) => a.start - b.start);
};

export const weeklyHoursValues = (rules: ReadonlyArray<WeeklyWindow>): FormValues => {
  const values: Record<string, string> = {};
  for (const weekday of WEEK_ORDER) {
    rules
      .filter((r) => r.weekday === weekday)
      .slice(0, WINDOWS_PER_DAY)
      .forEach((r, k) => {
        values[`hours[${weekday}][${k}].start`] = formatWallTime(r.start);
        values[`hours[${weekday}][${k}].end`] = formatWallTime(r.end);
      });
  }
  return values;
};

export const parseWeeklyHours = (fields: Record<string, unknown>): Parsed<ReadonlyArray<WeeklyWindow>> => {
  const errors = new Map<string, string>();
  const rules: WeeklyWindow[] = [];
  for (const weekday of WEEK_ORDER) {
    for (const w of windowsOf(fields, `hours[${weekday}]`, errors)) rules.push({ weekday, ...w });
  }
  return errors.size > 0 ? { errors } : { value: rules };
};

/** The weekly hours form with one day's windows copied onto the chosen days (shown, not yet saved). */
export const copyDay = (fields: Record<string, unknown>): FormValues => {
  const values: Record<string, string> = { ...valuesOf(fields) };
  const from = Number(text(fields, "copyFrom"));
  if (!Number.isInteger(from) || from < 0 || from > 6) return values;
  for (const to of WEEK_ORDER) {
    if (to === from || fields[`copyTo.${to}`] !== "on") continue;
    for (let k = 0; k < WINDOWS_PER_DAY; k++) {
      for (const end of ["start", "end"]) values[`hours[${to}][${k}].${end}`] = values[`hours[${from}][${k}].${end}`] ?? "";
    }
  }
  return values;
};

export interface OverrideInput {
  readonly date: LocalDate;
  /** How many dates from `date` on (1: that date alone). */
  readonly days: number;
  /** Empty: the day is off. */
  readonly windows: ReadonlyArray<{ start: number; end: number }>;
}

export const parseOverride = (fields: Record<string, unknown>, today: LocalDate): Parsed<OverrideInput> => {
  const errors = new Map<string, string>();
  const date = parseLocalDate(text(fields, "date").trim());
  if (date === undefined) errors.set("date", "must be a date such as 2027-03-09");
  else if (date < today) errors.set("date", "is in the past");
  const untilText = text(fields, "until").trim();
  const until = untilText === "" ? date : parseLocalDate(untilText);
  if (until === undefined) errors.set("until", "must be a date such as 2027-03-16, or empty for one day");
  else if (date !== undefined && (until < date || until - date >= MAX_OVERRIDE_DAYS)) errors.set("until", `must be the first date or up to ${MAX_OVERRIDE_DAYS - 1} days after it`);
  const off = text(fields, "mode") !== "hours";
  const windows = windowsOf(fields, "windows", errors);
  if (!off && windows.length === 0 && !errors.has("windows[0]")) errors.set("windows[0]", "give at least one time, or choose a day off");
  return errors.size > 0 || date === undefined || until === undefined ? { errors } : { value: { date, days: until - date + 1, windows: off ? [] : windows } };
};

/** An email address from a form (an invitation's, a sign-in request's), or why it is not one. */
export const parseEmail = (fields: Record<string, unknown>): Parsed<string> =>
  Either.match(Schema.decodeUnknownEither(Email)(text(fields, "email")), {
    onLeft: (e) => ({ errors: new Map([["email", [...fieldErrorsOf(e).values()][0] ?? "Email is not valid"]]) }),
    onRight: (value) => ({ value }),
  });
