import { InvalidInput } from "./errors.ts";
import { MAX_DURATION_CHOICES, NOTE, type EventType } from "./model.ts";

/**
 * The shape rules for what hosts configure, the same the database checks, so a bad value is
 * refused with its field named before anything is written.
 */

export const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export interface WindowMinutes {
  readonly start: number;
  readonly end: number;
}

export const windowProblem = (w: WindowMinutes, field: string): InvalidInput | undefined =>
  Number.isInteger(w.start) && Number.isInteger(w.end) && w.start >= 0 && w.start < 1440 && w.end > w.start && w.end <= 1440
    ? undefined
    : new InvalidInput({ field, message: "must run from a start between 00:00 and 23:59 to a later end, at most 24:00" });

const intIn = (value: number | null, min: number, max: number) =>
  value === null || (Number.isInteger(value) && value >= min && value <= max);

/** What a host sets on an event type (everything but its identity and whether it is active). */
export type EventTypeFieldValues = Omit<EventType, "id" | "hostId" | "active">;

/** Every problem of an event type, one per field, in field order (forms name them all at once). */
export const eventTypeProblems = (e: EventTypeFieldValues): ReadonlyArray<InvalidInput> => {
  const problems: InvalidInput[] = [];
  const bad = (field: string, message: string) => {
    if (!problems.some((p) => p.field === field)) problems.push(new InvalidInput({ field, message }));
  };
  if (e.title.trim().length < 1 || e.title.length > 200) bad("title", "must be 1 to 200 characters");
  if (!SLUG.test(e.slug)) bad("slug", "must be lowercase letters, digits and dashes (at most 64)");
  if (e.description.length > 5000) bad("description", "must be at most 5000 characters");
  if (e.location.length > 500) bad("location", "must be at most 500 characters");
  else if (e.locationKind === "in_person" && e.location.trim() === "") bad("location", "must give the address");
  else if (e.locationKind === "phone" && !/^\+?[0-9 ()./-]{5,40}$/.test(e.location.trim())) bad("location", "must be a phone number such as +43 1 234 5678");
  else if (e.locationKind === "video" && !/^https:\/\/[^\s]+$/.test(e.location.trim())) bad("location", "must be the video link, starting with https://");
  if (!intIn(e.durationMinutes, 1, 1440)) bad("durationMinutes", "must be 1 to 1440 minutes");
  if (e.durationChoices.some((m) => !intIn(m, 1, 1440)) || new Set([e.durationMinutes, ...e.durationChoices]).size > MAX_DURATION_CHOICES) {
    bad("durationChoices", `must be up to ${MAX_DURATION_CHOICES - 1} other lengths of 1 to 1440 minutes`);
  }
  if (!intIn(e.slotIntervalMinutes, 1, 1440)) bad("slotIntervalMinutes", "must be 1 to 1440 minutes, or none");
  if (!intIn(e.bufferBeforeMinutes, 0, 1440)) bad("bufferBeforeMinutes", "must be 0 to 1440 minutes");
  if (!intIn(e.bufferAfterMinutes, 0, 1440)) bad("bufferAfterMinutes", "must be 0 to 1440 minutes");
  if (!intIn(e.minimumNoticeMinutes, 0, 525_600)) bad("minimumNoticeMinutes", "must be 0 to 525600 minutes");
  if (!intIn(e.maxDaysAhead, 1, 3650)) bad("maxDaysAhead", "must be 1 to 3650 days, or none");
  if (!intIn(e.maxPerDay, 1, 1000)) bad("maxPerDay", "must be 1 to 1000, or none");
  if (!intIn(e.maxPerWeek, 1, 5000)) bad("maxPerWeek", "must be 1 to 5000, or none");
  if (e.reminderMinutes.length > 5 || e.reminderMinutes.some((m) => !intIn(m, 1, 40_320)) || new Set(e.reminderMinutes).size !== e.reminderMinutes.length) {
    bad("reminderMinutes", "must be up to five different times between 1 minute and 4 weeks before");
  }
  const ids = new Set<string>();
  for (const [i, q] of e.questions.entries()) {
    const field = `questions[${i}]`;
    if (!/^[a-z][a-z0-9_]{0,39}$/.test(q.id) || q.id === "note") bad(`${field}.id`, "must be a short lowercase name (not \"note\")");
    else if (ids.has(q.id)) bad(`${field}.id`, "is used twice");
    ids.add(q.id);
    if (q.label.trim().length < 1 || q.label.length > 200) bad(`${field}.label`, "must be 1 to 200 characters");
    if (q.kind === "single_choice" && (q.options ?? []).length === 0) bad(`${field}.options`, "must offer at least one choice");
  }
  return problems;
};

/**
 * What is wrong with an invitee's answers, one problem per field in form order (the form names
 * them all at once; the actor refuses with the first): required questions answered, choices
 * among the options, nothing unknown, lengths bounded.
 */
export const answerProblems = (et: EventType, answers: Readonly<Record<string, string>>): ReadonlyArray<InvalidInput> => {
  const problems: InvalidInput[] = [];
  const known = new Set(et.questions.map((q) => q.id));
  for (const key of Object.keys(answers)) {
    if (key !== NOTE && !known.has(key)) problems.push(new InvalidInput({ field: `answers.${key}`, message: "is not a question of this event" }));
  }
  if ((answers[NOTE] ?? "").length > 2000) problems.push(new InvalidInput({ field: "note", message: "Note must be at most 2000 characters" }));
  for (const q of et.questions) {
    const value = (answers[q.id] ?? "").trim();
    const field = `answers.${q.id}`;
    const bad = (message: string) => problems.push(new InvalidInput({ field, message }));
    const max = q.kind === "long_text" ? 5000 : 500;
    if (value === "") {
      if (q.required) bad(q.kind === "checkbox" ? `${q.label} must be ticked` : `${q.label} is required`);
    } else if (q.kind === "checkbox" && value !== "yes") bad(`${q.label} is ticked ("yes") or left out`);
    else if (value.length > max) bad(`${q.label} is longer than ${max} characters`);
    else if (q.kind === "single_choice" && !(q.options ?? []).includes(value)) bad(`${q.label} must be one of the offered choices`);
    else if (q.kind === "phone" && !/^\+?[0-9 ()./-]{5,32}$/.test(value)) bad(`${q.label} must be a phone number`);
  }
  return problems;
};

/** The first problem of an event type, if any. */
export const eventTypeProblem = (e: EventTypeFieldValues): InvalidInput | undefined => eventTypeProblems(e)[0];

/** Paths the server routes itself: a host with such a slug could never be reached (the database refuses them too). */
export const RESERVED_HOST_SLUGS: ReadonlySet<string> = new Set(["api", "assets", "booking", "health", "host", "live", "mailbox", "metrics"]);
