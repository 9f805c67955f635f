import { Effect } from "effect";
import { beforeAll, describe, expect, it } from "vitest";
import type { HostId } from "../../src/domain/model.ts";
import { HostRepository, newEventType } from "../../src/persistence/HostRepository.ts";
import { useTestApp } from "../support/app.ts";
import { inputValue, type PageClient } from "../support/client.ts";
import { createHost, weekdays, type HostFixture } from "../support/fixtures.ts";
import { eventTypeForm, queryOf, signedInAs } from "../support/host.ts";

const app = useTestApp();
const sql = queryOf(app);
let host: HostFixture;
let other: HostFixture;
let browser: PageClient;
/** A second event type of the host, left on the host's own hours. */
let standupSlug: string;

const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  host = await app.runtime.runPromise(createHost({ timeZone: "UTC", rules: weekdays("09:00", "11:00", [0, 1, 2, 3, 4, 5, 6]) }));
  other = await app.runtime.runPromise(createHost({ timeZone: "UTC" }));
  standupSlug = "standup";
  await app.runtime.runPromise(Effect.flatMap(HostRepository, (r) => r.insertEventType(host.hostId, newEventType({ slug: standupSlug, title: "Standup" }))));
  browser = await signedInAs(app, host.hostId);
});

/** The starts (HH:MM, UTC) an event type offers tomorrow. */
const offeredTomorrow = async (eventSlug: string, hostSlug = host.hostSlug) => {
  const r = await fetch(`${app.url}/api/v1/hosts/${hostSlug}/event-types/${eventSlug}/slots?from=${tomorrow()}T00:00:00Z&to=${tomorrow()}T23:59:00Z`);
  return ((await r.json()) as { slots: { start: string }[] }).slots.map((s) => s.start.slice(11, 16));
};

/** The same hours every day of the week. */
const everyDay = (start: string, end: string) =>
  Object.fromEntries([0, 1, 2, 3, 4, 5, 6].flatMap((d) => [[`hours[${d}][0].start`, start], [`hours[${d}][0].end`, end]]));

const post = async (path: string, page: string, fields: Record<string, string>) => {
  const form = await browser.get(page);
  return browser.postForm(path, { _csrf: inputValue(form.body, "_csrf")!, ...fields });
};

/** Saves the host's event type with the fields a host leaves as they are, and these. */
const saveMeeting = (fields: Record<string, string>) =>
  post(`/host/event-types/${host.eventTypeId}`, `/host/event-types/${host.eventTypeId}`, eventTypeForm(host.eventSlug, fields));

const schedulesOf = (hostId: HostId) => app.runtime.runPromise(Effect.flatMap(HostRepository, (r) => r.load(hostId))).then((record) => record!.schedules);

describe("named schedules", () => {
  it("are created with hours of their own, chosen per event type, and the others keep the host's hours", async () => {
    const page = await browser.get("/host/availability?schedule=new");
    expect(page.status).toBe(200);
    expect(page.body).toContain("New schedule");
    const created = await post("/host/availability", "/host/availability?schedule=new", { schedule: "new", name: "Evenings", action: "save", ...everyDay("18:00", "20:00") });
    expect(created.status).toBe(303);
    const [evenings] = await schedulesOf(host.hostId);
    expect(evenings).toMatchObject({ name: "Evenings" });
    expect(evenings!.rules).toHaveLength(7);
    expect(created.headers.get("location")).toBe(`/host/availability?schedule=${evenings!.id}&saved=1`);
    // Nothing offers it yet: both event types still offer the host's own hours.
    expect(await offeredTomorrow(host.eventSlug)).toEqual(["09:00", "09:30", "10:00", "10:30"]);

    const editor = await browser.get(`/host/event-types/${host.eventTypeId}`);
    expect(editor.body).toContain(`<option value="${evenings!.id}">Evenings</option>`);
    expect((await saveMeeting({ scheduleId: evenings!.id })).status).toBe(303);
    expect(await offeredTomorrow(host.eventSlug)).toEqual(["18:00", "18:30", "19:00", "19:30"]);
    expect(await offeredTomorrow(standupSlug)).toEqual(["09:00", "09:30", "10:00", "10:30"]);
    expect((await browser.get(`/host/availability?schedule=${evenings!.id}`)).body).toContain("Offered by: A meeting.");

    // Renamed and given other hours in one save; the event type follows at once.
    const renamed = await post("/host/availability", `/host/availability?schedule=${evenings!.id}`, { schedule: evenings!.id, name: "Late", action: "save", ...everyDay("19:00", "20:00") });
    expect(renamed.status).toBe(303);
    expect(await offeredTomorrow(host.eventSlug)).toEqual(["19:00", "19:30"]);
    expect((await schedulesOf(host.hostId)).map((n) => n.name)).toEqual(["Late"]);
    // The host's own hours are untouched by a schedule's save.
    expect(await offeredTomorrow(standupSlug)).toEqual(["09:00", "09:30", "10:00", "10:30"]);
  });

  it("share the host's dates that differ: a day off closes every schedule", async () => {
    const [late] = await schedulesOf(host.hostId);
    const dayOff = await post("/host/availability/overrides", "/host/availability", { date: tomorrow(), mode: "off", action: "save" });
    expect(dayOff.status).toBe(303);
    expect(await offeredTomorrow(host.eventSlug)).toEqual([]);
    expect(await offeredTomorrow(standupSlug)).toEqual([]);
    expect((await post(`/host/availability/overrides/${tomorrow()}/delete`, "/host/availability", {})).status).toBe(303);
    expect(await offeredTomorrow(host.eventSlug)).toEqual(["19:00", "19:30"]);
    expect(late).toBeDefined();
  });

  it("refuse what is wrong by field, and writes nothing", async () => {
    const [late] = await schedulesOf(host.hostId);
    const before = await sql("SELECT * FROM schedules ORDER BY id");
    const unnamed = await post("/host/availability", "/host/availability?schedule=new", { schedule: "new", name: " ", action: "save", ...everyDay("08:00", "09:00") });
    expect(unnamed.status).toBe(422);
    expect(unnamed.body).toContain("must be 1 to 80 characters");
    const twice = await post("/host/availability", "/host/availability?schedule=new", { schedule: "new", name: "late", action: "save", ...everyDay("08:00", "09:00") });
    expect(twice.status).toBe(422);
    expect(twice.body).toContain("is the name of another of your schedules");
    expect(twice.body).toContain('value="08:00"');
    const badHours = await post("/host/availability", `/host/availability?schedule=${late!.id}`, { schedule: late!.id, name: "Late", action: "save", "hours[1][0].start": "12:00", "hours[1][0].end": "10:00" });
    expect(badHours.status).toBe(422);
    const unknown = await post("/host/availability", "/host/availability", { schedule: "00000000-0000-4000-8000-000000000000", name: "X", action: "save" });
    expect(unknown.status).toBe(404);
    expect((await saveMeeting({ scheduleId: "not-a-schedule" })).status).toBe(422);
    expect(await sql("SELECT * FROM schedules ORDER BY id")).toEqual(before);
    expect(await offeredTomorrow(host.eventSlug)).toEqual(["19:00", "19:30"]);
  });

  it("belong to their host alone: another host can neither see, choose, change nor delete them", async () => {
    const [late] = await schedulesOf(host.hostId);
    const stranger = await signedInAs(app, other.hostId);
    expect((await stranger.get(`/host/availability?schedule=${late!.id}`)).status).toBe(404);
    const page = await stranger.get(`/host/event-types/${other.eventTypeId}`);
    expect(page.body).not.toContain(late!.id);
    const chosen = await stranger.postForm(`/host/event-types/${other.eventTypeId}`, {
      _csrf: inputValue(page.body, "_csrf")!,
      title: "A meeting",
      slug: other.eventSlug,
      durationMinutes: "30",
      active: "on",
      scheduleId: late!.id,
    });
    expect(chosen.status).toBe(422);
    expect(chosen.body).toContain("must be one of your schedules");
    const availability = await stranger.get("/host/availability");
    const csrf = inputValue(availability.body, "_csrf")!;
    expect((await stranger.postForm("/host/availability", { _csrf: csrf, schedule: late!.id, name: "Mine", action: "save", ...everyDay("01:00", "02:00") })).status).toBe(404);
    expect((await stranger.postForm(`/host/availability/schedules/${late!.id}/delete`, { _csrf: csrf })).status).toBe(404);
    expect(await schedulesOf(host.hostId)).toEqual([late]);
    expect(await schedulesOf(other.hostId)).toEqual([]);
  });

  it("are deleted only when no event type offers them; the rest keeps its hours", async () => {
    const [late] = await schedulesOf(host.hostId);
    const refused = await post(`/host/availability/schedules/${late!.id}/delete`, "/host/availability", {});
    expect(refused.status).toBe(400);
    expect(refused.body).toContain("is used by A meeting");
    expect(await schedulesOf(host.hostId)).toHaveLength(1);

    expect((await saveMeeting({ scheduleId: "" })).status).toBe(303);
    expect(await offeredTomorrow(host.eventSlug)).toEqual(["09:00", "09:30", "10:00", "10:30"]);
    const deleted = await post(`/host/availability/schedules/${late!.id}/delete`, "/host/availability", {});
    expect(deleted.status).toBe(303);
    expect(await schedulesOf(host.hostId)).toEqual([]);
    expect(await sql("SELECT 1 FROM availability_rules WHERE schedule_id IS NOT NULL")).toEqual([]);
    expect(await offeredTomorrow(standupSlug)).toEqual(["09:00", "09:30", "10:00", "10:30"]);
  });
});
