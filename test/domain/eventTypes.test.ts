import { describe, expect, it } from "vitest";
import { MAX_DURATION_CHOICES } from "../../src/domain/model.ts";
import { eventTypeProblems, windowProblem, type EventTypeFieldValues } from "../../src/domain/validation.ts";
import { eventTypeOf } from "../support/fixtures.ts";

/** What a host may set on an event type: every field's bounds, on both sides of each. */

const { id: _id, hostId: _host, active: _active, ...valid } = eventTypeOf();

const problems = (changes: Partial<EventTypeFieldValues>) => eventTypeProblems({ ...valid, ...changes }).map((p) => [p.field, p.message]);
const fieldsOf = (changes: Partial<EventTypeFieldValues>) => problems(changes).map(([field]) => field);

describe("an event type's fields", () => {
  it("a valid event type has no problem, and every wrong field is named once, in field order", () => {
    expect(problems({})).toEqual([]);
    expect(
      problems({
        title: "",
        slug: "Intro",
        description: "d".repeat(5001),
        location: "l".repeat(501),
        durationMinutes: 0,
        durationChoices: [0],
        slotIntervalMinutes: 0,
        bufferBeforeMinutes: -1,
        bufferAfterMinutes: -1,
        minimumNoticeMinutes: -1,
        maxDaysAhead: 0,
        maxPerDay: 0,
        maxPerWeek: 0,
        reminderMinutes: [0],
        questions: [{ id: "Bad", label: "", kind: "single_choice", required: false }],
      }),
    ).toEqual([
      ["title", "must be 1 to 200 characters"],
      ["slug", "must be lowercase letters, digits and dashes (at most 64)"],
      ["description", "must be at most 5000 characters"],
      ["location", "must be at most 500 characters"],
      ["durationMinutes", "must be 1 to 1440 minutes"],
      ["durationChoices", `must be up to ${MAX_DURATION_CHOICES - 1} other lengths of 1 to 1440 minutes`],
      ["slotIntervalMinutes", "must be 1 to 1440 minutes, or none"],
      ["bufferBeforeMinutes", "must be 0 to 1440 minutes"],
      ["bufferAfterMinutes", "must be 0 to 1440 minutes"],
      ["minimumNoticeMinutes", "must be 0 to 525600 minutes"],
      ["maxDaysAhead", "must be 1 to 3650 days, or none"],
      ["maxPerDay", "must be 1 to 1000, or none"],
      ["maxPerWeek", "must be 1 to 5000, or none"],
      ["reminderMinutes", "must be up to five different times between 1 minute and 4 weeks before"],
      ["questions[0].id", 'must be a short lowercase name (not "note")'],
      ["questions[0].label", "must be 1 to 200 characters"],
      ["questions[0].options", "must offer at least one choice"],
    ]);
  });

  it("takes every number at its bounds and refuses one past each, and fractions", () => {
    const bounds: [keyof EventTypeFieldValues, number, number][] = [
      ["durationMinutes", 1, 1440],
      ["slotIntervalMinutes", 1, 1440],
      ["bufferBeforeMinutes", 0, 1440],
      ["bufferAfterMinutes", 0, 1440],
      ["minimumNoticeMinutes", 0, 525_600],
      ["maxDaysAhead", 1, 3650],
      ["maxPerDay", 1, 1000],
      ["maxPerWeek", 1, 5000],
    ];
    for (const [field, min, max] of bounds) {
      const lengths = field === "durationMinutes" ? (m: number) => ({ durationChoices: [m] }) : () => ({});
      expect(fieldsOf({ [field]: min, ...lengths(min) }), `${field} = ${min}`).toEqual([]);
      expect(fieldsOf({ [field]: max, ...lengths(max) }), `${field} = ${max}`).toEqual([]);
      expect(fieldsOf({ [field]: min - 1, ...lengths(30) }), `${field} = ${min - 1}`).toEqual([field]);
      expect(fieldsOf({ [field]: max + 1, ...lengths(30) }), `${field} = ${max + 1}`).toEqual([field]);
      expect(fieldsOf({ [field]: min + 0.5, ...lengths(30) }), `${field} = ${min + 0.5}`).toEqual([field]);
    }
  });

  it("names the title and texts by their lengths", () => {
    expect(fieldsOf({ title: "t".repeat(200), description: "d".repeat(5000), location: "l".repeat(500) })).toEqual([]);
    expect(fieldsOf({ title: "t".repeat(201) })).toEqual(["title"]);
    expect(fieldsOf({ title: "   " })).toEqual(["title"]);
    expect(fieldsOf({ title: " a " })).toEqual([]);
  });

  it("checks the location by its kind", () => {
    expect(fieldsOf({ locationKind: "in_person", location: "  " })).toEqual(["location"]);
    expect(fieldsOf({ locationKind: "in_person", location: "Main St 1" })).toEqual([]);
    expect(fieldsOf({ locationKind: "phone", location: " +43 1 234 5678 " })).toEqual([]);
    expect(problems({ locationKind: "phone", location: "call me" })).toEqual([["location", "must be a phone number such as +43 1 234 5678"]]);
    expect(fieldsOf({ locationKind: "phone", location: "1234" })).toEqual(["location"]);
    expect(fieldsOf({ locationKind: "phone", location: "1".repeat(41) })).toEqual(["location"]);
    expect(fieldsOf({ locationKind: "video", location: " https://meet.example/abc " })).toEqual([]);
    expect(problems({ locationKind: "video", location: "http://meet.example/abc" })).toEqual([["location", "must be the video link, starting with https://"]]);
    expect(fieldsOf({ locationKind: "video", location: "https://meet.example/a b" })).toEqual(["location"]);
    expect(fieldsOf({ locationKind: "none", location: "anything at all" })).toEqual([]);
  });

  it("offers at most a few other lengths, each of 1 to 1440 minutes", () => {
    const most = [15, 30, 45, 60, 90].slice(0, MAX_DURATION_CHOICES);
    expect(fieldsOf({ durationMinutes: 30, durationChoices: most })).toEqual([]);
    expect(fieldsOf({ durationMinutes: 120, durationChoices: most })).toEqual(["durationChoices"]);
    // The event type's own length, listed again, is no extra choice.
    expect(fieldsOf({ durationMinutes: 30, durationChoices: [30, 30, 60] })).toEqual([]);
    expect(fieldsOf({ durationChoices: [30, 1441] })).toEqual(["durationChoices"]);
    expect(fieldsOf({ durationChoices: [30, 1440, 1] })).toEqual([]);
  });

  it("takes up to five different reminders between a minute and four weeks", () => {
    expect(fieldsOf({ reminderMinutes: [1, 60, 1440, 10_080, 40_320] })).toEqual([]);
    expect(fieldsOf({ reminderMinutes: [1, 2, 3, 4, 5, 6] })).toEqual(["reminderMinutes"]);
    expect(fieldsOf({ reminderMinutes: [40_321] })).toEqual(["reminderMinutes"]);
    expect(fieldsOf({ reminderMinutes: [60, 60] })).toEqual(["reminderMinutes"]);
  });

  it("names each question's own problems, and a question id used twice", () => {
    const q = { label: "Topic", kind: "short_text" as const, required: false };
    expect(fieldsOf({ questions: [{ ...q, id: "topic" }, { ...q, id: "a".repeat(40) }, { ...q, id: "b_2" }] })).toEqual([]);
    expect(problems({ questions: [{ ...q, id: "topic" }, { ...q, id: "topic" }] })).toEqual([["questions[1].id", "is used twice"]]);
    for (const id of ["note", "a".repeat(41), "2nd", "_x", "with-dash", ""]) {
      expect(fieldsOf({ questions: [{ ...q, id }] }), id).toEqual(["questions[0].id"]);
    }
    expect(fieldsOf({ questions: [{ ...q, id: "t", label: "l".repeat(200) }] })).toEqual([]);
    expect(fieldsOf({ questions: [{ ...q, id: "t", label: "l".repeat(201) }] })).toEqual(["questions[0].label"]);
    expect(fieldsOf({ questions: [{ ...q, id: "t", label: "  " }] })).toEqual(["questions[0].label"]);
    expect(fieldsOf({ questions: [{ ...q, id: "t", kind: "single_choice", options: ["A"] }] })).toEqual([]);
    expect(fieldsOf({ questions: [{ ...q, id: "t", kind: "single_choice", options: [] }] })).toEqual(["questions[0].options"]);
  });
});

describe("a window of hours", () => {
  it("runs from a start in the day to a later end, at most midnight", () => {
    expect(windowProblem({ start: 0, end: 1440 }, "w")).toBeUndefined();
    expect(windowProblem({ start: 1439, end: 1440 }, "w")).toBeUndefined();
    for (const [start, end] of [[-1, 60], [1440, 1441], [60, 60], [60, 59], [0, 1441], [0.5, 60], [0, 60.5]] as const) {
      expect(windowProblem({ start, end }, "w"), `${start}-${end}`).toMatchObject({
        field: "w",
        message: "must run from a start between 00:00 and 23:59 to a later end, at most 24:00",
      });
    }
  });
});
