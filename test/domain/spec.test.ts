import { Either } from "effect";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { decodeSlotSpec } from "../../src/domain/spec.ts";

const valid = {
  hostTimeZone: "America/New_York",
  rules: [{ days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" }],
  now: "2026-03-01T00:00:00Z",
  from: "2026-03-09T00:00:00Z",
  to: "2026-03-10T00:00:00Z",
};

const errorOf = (spec: unknown) => {
  const result = decodeSlotSpec(spec);
  return Either.isLeft(result) ? `${result.left.field}: ${result.left.message}` : "no error";
};

const runCli = (input: string) => {
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "slots"], { input, encoding: "utf8" });
  return { status: result.status, out: JSON.parse(result.stdout) as { slots?: string[]; error?: string } };
};

describe("a slot spec with bad input is refused with the field named", () => {
  it.each([
    ["an unknown zone", { ...valid, hostTimeZone: "Mars/Olympus_Mons" }, /^hostTimeZone: unknown time zone/],
    ["a window that ends before it starts", { ...valid, rules: [{ days: [1], start: "17:00", end: "09:00" }] }, /^rules\[0\]\.start: must be before end/],
    ["a weekday outside 0–6", { ...valid, rules: [{ days: [1, 7], start: "09:00", end: "10:00" }] }, /^rules\[0\]\.days\[1\]: must be a weekday/],
    ["a zero duration", { ...valid, durationMinutes: 0 }, /^durationMinutes: a duration must be/],
    ["a duration over a day", { ...valid, durationMinutes: 1441 }, /^durationMinutes: a duration must be/],
    ["a range over a year", { ...valid, to: "2027-03-11T00:00:00Z" }, /^to: the range may be at most a year/],
    ["a range that ends before it starts", { ...valid, to: "2026-03-08T00:00:00Z" }, /^from: must be before to/],
    ["an instant without a zone", { ...valid, from: "2026-03-09T00:00:00" }, /^from: must be an ISO 8601 instant/],
    ["a day that does not exist", { ...valid, overrides: [{ date: "2026-02-30", windows: [] }] }, /^overrides\[0\]\.date: must be a date/],
    ["a time past 24:00", { ...valid, rules: [{ days: [1], start: "09:00", end: "24:30" }] }, /^rules\[0\]\.end: must be a time/],
    ["an unknown field", { ...valid, bufferBefore: 10 }, /^bufferBefore: /],
    ["a missing field", { hostTimeZone: "UTC" }, /^now: /],
  ])("%s", (_, spec, expected) => {
    expect(errorOf(spec)).toMatch(expected);
  });

  it("accepts 24:00 as the end of the day", () => {
    expect(errorOf({ ...valid, rules: [{ days: [1], start: "23:00", end: "24:00" }] })).toBe("no error");
  });
});

describe("npm run -s slots", () => {
  it("prints the sorted UTC slots of a spec read from stdin", () => {
    const { status, out } = runCli(JSON.stringify({ ...valid, rules: [{ days: [1], start: "09:00", end: "10:00" }] }));
    expect(status).toBe(0);
    expect(out).toEqual({ slots: ["2026-03-09T13:00:00.000Z", "2026-03-09T13:30:00.000Z"] });
  });

  it("exits 2 with the error for an invalid spec, and for text that is not JSON", () => {
    const bad = runCli(JSON.stringify({ ...valid, durationMinutes: -5 }));
    expect(bad.status).toBe(2);
    expect(bad.out.error).toMatch(/^durationMinutes: /);
    const notJson = runCli("{ nope");
    expect(notJson.status).toBe(2);
    expect(notJson.out.error).toMatch(/^spec: not valid JSON/);
  });
});
