import { beforeAll, describe, expect, it } from "vitest";
import type { EpochMs } from "../../src/domain/time.ts";
import { slotElementId } from "../../src/views/SlotList.tsx";
import { bookViaApi } from "../support/api.ts";
import { useTestApp } from "../support/app.ts";
import { bookingFormFields, inputValue, offeredStarts, PageClient } from "../support/client.ts";
import { createHost, weekdays, type HostFixture } from "../support/fixtures.ts";
import { eventTypeForm, queryOf, signedInAs } from "../support/host.ts";
import { openLiveSocket } from "../support/ws.ts";

const app = useTestApp();
const sql = queryOf(app);
let host: HostFixture;

/** Tomorrow (UTC) as a date, and an instant on it. */
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
const at = (hhmm: string) => `${tomorrow()}T${hhmm}:00.000Z`;

beforeAll(async () => {
  // 09:00–11:00 UTC every day; 30 minutes first, 60 on request.
  host = await app.runtime.runPromise(
    createHost({ timeZone: "UTC", rules: weekdays("09:00", "11:00", [0, 1, 2, 3, 4, 5, 6]), eventType: { durationMinutes: 30, durationChoices: [60] } }),
  );
});

const slotsOf = async (query: string) => {
  const r = await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${at("00:00")}&to=${at("23:59")}${query}`);
  return { status: r.status, body: (await r.json()) as { durationMinutes: number; durationChoices: number[]; slots: { start: string; end: string }[]; field?: string } };
};

const bookingRow = (id: string) =>
  sql<{ start: string; end: string }>("SELECT to_json(start_at)#>>'{}' AS start, to_json(end_at)#>>'{}' AS end FROM bookings WHERE id = $1", id).then((rows) => rows[0]);

const minutesBetween = (row: { start: string; end: string } | undefined) => (Date.parse(row!.end) - Date.parse(row!.start)) / 60_000;

describe("an event type with several lengths", () => {
  it("lists, holds and books each length on its own grid over the API, and refuses a length it does not offer without writing", async () => {
    const thirty = await slotsOf("");
    expect(thirty.body.durationChoices).toEqual([30, 60]);
    expect(thirty.body.slots.map((s) => s.start.slice(11, 16))).toEqual(["09:00", "09:30", "10:00", "10:30"]);
    const sixty = await slotsOf("&duration=60");
    expect(sixty.body.slots).toEqual([
      { start: at("09:00"), end: at("10:00") },
      { start: at("10:00"), end: at("11:00") },
    ]);
    const odd = await slotsOf("&duration=45");
    expect(odd.status).toBe(400);
    expect(JSON.stringify(odd.body)).toContain("must be one of 30, 60 minutes");

    const refused = await fetch(`${app.url}/api/v1/bookings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ eventTypeId: host.eventTypeId, start: at("09:00"), durationMinutes: 45, invitee: { name: "Al", email: "al@example.com", timeZone: "UTC" } }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("duration: must be one of 30, 60 minutes");
    expect(await sql("SELECT 1 FROM bookings WHERE host_id = $1", host.hostId)).toEqual([]);

    const booked = await fetch(`${app.url}/api/v1/bookings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ eventTypeId: host.eventTypeId, start: at("09:00"), durationMinutes: 60, invitee: { name: "Bo", email: "bo@example.com", timeZone: "UTC" } }),
    });
    expect(booked.status).toBe(201);
    const booking = (await booked.json()) as { id: string; end: string; manageToken: string };
    expect(booking.end).toBe(at("10:00"));
    expect(minutesBetween(await bookingRow(booking.id))).toBe(60);
    // The hour is gone for both lengths; 30-minute meetings still fit after it.
    expect((await slotsOf("")).body.slots.map((s) => s.start.slice(11, 16))).toEqual(["10:00", "10:30"]);
    expect((await slotsOf("&duration=60")).body.slots.map((s) => s.start.slice(11, 16))).toEqual(["10:00"]);

    // Moved, it keeps its hour.
    const moved = await fetch(`${app.url}/api/v1/bookings/${booking.id}/reschedule`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${booking.manageToken}` },
      body: JSON.stringify({ start: at("10:00") }),
    });
    expect(moved.status).toBe(200);
    expect(((await moved.json()) as { end: string }).end).toBe(at("11:00"));
    expect(minutesBetween(await bookingRow(booking.id))).toBe(60);
    await fetch(`${app.url}/api/v1/bookings/${booking.id}/cancel`, { method: "POST", headers: { authorization: `Bearer ${booking.manageToken}` } });
  });

  it("lets the invitee pick the length on the page, without JavaScript: the choice stays through hold, form and booking", async () => {
    const browser = new PageClient(app.url);
    const base = `/${host.hostSlug}/${host.eventSlug}`;
    const first = await browser.get(`${base}?tz=UTC&date=${tomorrow()}`);
    expect(first.body).toContain('aria-label="Meeting length"');
    // The 30-minute view is the first; its link to 60 minutes keeps the day.
    expect(first.body).toMatch(/<a href="[^"]*d=30[^"]*" aria-current="true">30 min<\/a>/);
    const link = /<a href="([^"]*d=60[^"]*)">60 min<\/a>/.exec(first.body)?.[1]?.replaceAll("&amp;", "&");
    expect(link).toContain(`date=${tomorrow()}`);

    const page = await browser.get(link!);
    expect(page.body).toMatch(/aria-current="true">60 min</);
    expect(offeredStarts(page.body)).toEqual([at("09:00").replace(":00.000Z", "Z"), at("10:00").replace(":00.000Z", "Z")]);
    expect(inputValue(page.body, "d")).toBe("60");

    // A length the event type does not offer is refused by name, and holds nothing.
    const wrong = await browser.postForm(`${base}/hold`, { _csrf: inputValue(page.body, "_csrf")!, tz: "UTC", start: at("10:00"), d: "45" });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain("must be one of 30, 60 minutes");

    const held = await browser.postForm(`${base}/hold`, { _csrf: inputValue(page.body, "_csrf")!, tz: "UTC", start: at("10:00"), d: "60" });
    expect(held.status).toBe(303);
    const formUrl = held.headers.get("location")!;
    expect(formUrl).toContain("d=60");
    // Held for the hour: no 30-minute time is left in it.
    expect((await slotsOf("")).body.slots.map((s) => s.start.slice(11, 16))).toEqual(["09:00", "09:30"]);

    const form = await browser.get(formUrl);
    expect(form.body).toContain("10:00 – 11:00");
    expect(inputValue(form.body, "d")).toBe("60");
    const done = await browser.postForm(`${base}/book`, { ...bookingFormFields(form.body, { name: "Cy", email: "cy@example.com" }), d: "60" });
    expect(done.status).toBe(303);
    const token = /\/booking\/([^?]+)/.exec(done.headers.get("location")!)![1]!;
    const [row] = await sql<{ start: string; end: string }>(
      "SELECT to_json(start_at)#>>'{}' AS start, to_json(end_at)#>>'{}' AS end FROM bookings WHERE manage_token = $1",
      token,
    );
    expect(minutesBetween(row)).toBe(60);
    expect((await slotsOf("&duration=60")).body.slots.map((s) => s.start.slice(11, 16))).toEqual(["09:00"]);
  });

  it("keeps pages of each length live on their own: a booking removes the times it took from each", async () => {
    const other = await app.runtime.runPromise(
      createHost({ timeZone: "UTC", rules: weekdays("13:00", "15:00", [0, 1, 2, 3, 4, 5, 6]), eventType: { durationMinutes: 30, durationChoices: [60] } }),
    );
    const socket = await openLiveSocket(`${app.url.replace("http", "ws")}/live/hosts/${other.hostId}`);
    const booked = await bookViaApi(app.url, { eventTypeId: other.eventTypeId, start: at("14:00"), email: "dee@example.com" });
    expect(booked.status).toBe(201);
    // A 30-minute meeting at 14:00 takes 14:00 from the pages of either length, and no more:
    // the hour grid runs 13:00, 14:00, and 13:00–14:00 ends as the meeting starts.
    const removes = (id: string) => `<li id="${id}" hx-swap-oob="delete"></li>`;
    const frame = await socket.next((f) => f.includes("hx-swap-oob=\"delete\""));
    const start = (hhmm: string) => Date.parse(at(hhmm)) as EpochMs;
    const id30 = (hhmm: string) => slotElementId(`${other.eventTypeId}~30`, start(hhmm));
    const id60 = (hhmm: string) => slotElementId(`${other.eventTypeId}~60`, start(hhmm));
    expect(frame).toContain(removes(id30("14:00")));
    expect(frame).toContain(removes(id60("14:00")));
    expect(frame).not.toContain(removes(id30("13:30")));
    expect(frame).not.toContain(removes(id60("13:00")));
    // And the page of each length names its slots by those ids.
    const page = await new PageClient(app.url).get(`/${other.hostSlug}/${other.eventSlug}?tz=UTC&d=60&date=${tomorrow()}`);
    expect(page.body).toContain(`id="${id60("13:00")}"`);
    socket.close();
  });

  it("is edited by the host: other lengths are saved, shown back, and a bad list names its field without saving", async () => {
    const browser = await signedInAs(app, host.hostId);
    const editor = await browser.get(`/host/event-types/${host.eventTypeId}`);
    expect(inputValue(editor.body, "durationChoices")).toBe("60");
    const posted = { _csrf: inputValue(editor.body, "_csrf")!, ...eventTypeForm(host.eventSlug) };
    const bad = await browser.postForm(`/host/event-types/${host.eventTypeId}`, { ...posted, durationChoices: "15, an hour" });
    expect(bad.status).toBe(422);
    expect(bad.body).toContain("must be lengths in minutes");
    const tooMany = await browser.postForm(`/host/event-types/${host.eventTypeId}`, { ...posted, durationChoices: "5, 10, 15, 20, 25" });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toContain("up to 4 other lengths");
    expect((await slotsOf("")).body.durationChoices).toEqual([30, 60]);

    const saved = await browser.postForm(`/host/event-types/${host.eventTypeId}`, { ...posted, durationChoices: "15, 60, 15" });
    expect(saved.status).toBe(303);
    expect((await slotsOf("")).body.durationChoices).toEqual([15, 30, 60]);
    const [row] = await sql<{ durationMinutes: number; otherDurations: number[] }>("SELECT duration_minutes, other_durations FROM event_types WHERE id = $1", host.eventTypeId);
    expect(row).toEqual({ durationMinutes: 30, otherDurations: [15, 60] });
    expect(inputValue((await browser.get(`/host/event-types/${host.eventTypeId}`)).body, "durationChoices")).toBe("15, 60");
  });
});
