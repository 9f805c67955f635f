import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import type { HostId } from "../../src/domain/model.ts";
import { ApiKeyRepository, type ApiKeyScope } from "../../src/persistence/ApiKeyRepository.ts";
import { useTestApp } from "../support/app.ts";
import { createHost } from "../support/fixtures.ts";
import { queryOf } from "../support/host.ts";

const app = useTestApp();
const query = queryOf(app);

const keyFor = (hostId: HostId, scopes: ReadonlyArray<ApiKeyScope> = ["write"]) =>
  app.runtime.runPromise(Effect.map(Effect.flatMap(ApiKeyRepository, (r) => r.create(hostId, "test", scopes, Date.now())), (m) => m.key));

/** A JSON request as a host's script sends it. */
const call = async (key: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as Record<string, any> };
};

const eventTypeRows = (hostId: string) => query<{ slug: string }>("SELECT slug FROM event_types WHERE host_id = $1 ORDER BY slug", hostId);

describe("a host's script with an API key", () => {
  it("creates an event type and its hours, lists slots, books, reschedules and cancels", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC", rules: [] }));
    const key = await keyFor(host.hostId);
    const profile = await call(key, "GET", "/api/v1/host");
    expect(profile.body).toMatchObject({ id: host.hostId, slug: host.hostSlug, timeZone: "UTC" });
    const created = await call(key, "POST", "/api/v1/host/event-types", { slug: "consult", title: "Consultation", durationMinutes: 45, minimumNoticeMinutes: 60 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ slug: "consult", durationMinutes: 45, durationChoices: [45], active: true, colour: "blue", bookingUrl: `${app.url}/${host.hostSlug}/consult` });
    const hours = await call(key, "PUT", "/api/v1/host/availability/weekly", { rules: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: "09:00", end: "12:00" })) });
    expect(hours.status).toBe(200);
    expect(hours.body["rules"]).toHaveLength(7);
    expect(hours.body["rules"][0]).toEqual({ weekday: 0, start: "09:00", end: "12:00" });
    const from = new Date(Date.now() + 86_400_000).toISOString();
    const slots = await call(key, "GET", `/api/v1/hosts/${host.hostSlug}/event-types/consult/slots?from=${from}`);
    expect(slots.status).toBe(200);
    const starts: string[] = slots.body["slots"].map((s: { start: string }) => s.start);
    expect(starts.length).toBeGreaterThan(4);
    expect(starts.every((s) => s.slice(11, 16) >= "09:00" && s.slice(11, 16) <= "11:15")).toBe(true);
    const booked = await fetch(`${app.url}/api/v1/bookings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ eventTypeId: created.body["id"], start: starts[0], invitee: { name: "Ada", email: "ada@example.com", timeZone: "UTC" } }),
    });
    expect(booked.status).toBe(201);
    const booking = (await booked.json()) as { id: string };
    const moved = await call(key, "POST", `/api/v1/bookings/${booking.id}/reschedule`, { start: starts[3] });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ start: starts[3], cancelledBy: null });
    const cancelled = await call(key, "POST", `/api/v1/bookings/${booking.id}/cancel`, { reason: "closed" });
    expect(cancelled.body).toMatchObject({ status: "cancelled", cancelledBy: "host", cancelReason: "closed" });
  });

  it("changes some fields of an event type, turns it off, and deletes it", async () => {
    const host = await app.runtime.runPromise(createHost());
    const key = await keyFor(host.hostId);
    const listed = await call(key, "GET", "/api/v1/host/event-types");
    expect(listed.body["eventTypes"].map((e: { id: string }) => e.id)).toEqual([host.eventTypeId]);
    const changed = await call(key, "PATCH", `/api/v1/host/event-types/${host.eventTypeId}`, { title: "Renamed", durationChoices: [30, 60] });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ title: "Renamed", slug: host.eventSlug, durationChoices: [30, 60] });
    expect((await call(key, "GET", `/api/v1/host/event-types/${host.eventTypeId}`)).body["title"]).toBe("Renamed");
    expect((await call(key, "PATCH", `/api/v1/host/event-types/${host.eventTypeId}`, { active: false })).body["active"]).toBe(false);
    expect((await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots`)).status).toBe(404);
    expect((await call(key, "DELETE", `/api/v1/host/event-types/${host.eventTypeId}`)).status).toBe(204);
    expect((await call(key, "GET", `/api/v1/host/event-types/${host.eventTypeId}`)).status).toBe(404);
    expect((await call(key, "GET", "/api/v1/host/event-types")).body["eventTypes"]).toEqual([]);
  });

  it("sets and removes the hours of a date", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC" }));
    const key = await keyFor(host.hostId);
    const date = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const set = await call(key, "PUT", `/api/v1/host/availability/overrides/${date}`, { windows: [{ start: "13:00", end: "14:00" }] });
    expect(set.status).toBe(200);
    expect(set.body["overrides"]).toEqual([{ date, windows: [{ start: "13:00", end: "14:00" }] }]);
    const slots = await call(key, "GET", `/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${date}T00:00:00Z&to=${date}T23:59:00Z`);
    expect(slots.body["slots"].map((s: { start: string }) => s.start)).toEqual([`${date}T13:00:00.000Z`, `${date}T13:30:00.000Z`]);
    expect((await call(key, "DELETE", `/api/v1/host/availability/overrides/${date}`)).status).toBe(204);
    expect((await call(key, "GET", "/api/v1/host/availability")).body["overrides"]).toEqual([]);
    expect((await call(key, "PUT", "/api/v1/host/availability/overrides/2026-02-30", { windows: [] })).status).toBe(404);
  });

  it("refuses bad input naming the field, and writes nothing", async () => {
    const host = await app.runtime.runPromise(createHost());
    const key = await keyFor(host.hostId);
    const cases: Array<[string, string, unknown, string]> = [
      ["POST", "/api/v1/host/event-types", { slug: "Bad Slug", title: "X", durationMinutes: 30 }, "slug"],
      ["POST", "/api/v1/host/event-types", { slug: "ok", title: "X" }, "durationMinutes"],
      ["POST", "/api/v1/host/event-types", { slug: "ok", title: "X", durationMinutes: 30, colour: "pink" }, "colour"],
      ["POST", "/api/v1/host/event-types", { slug: host.eventSlug, title: "X", durationMinutes: 30 }, "slug"],
      ["POST", "/api/v1/host/event-types", { slug: "ok", title: "X", durationMinutes: 30, extra: 1 }, "extra"],
      ["PATCH", `/api/v1/host/event-types/${host.eventTypeId}`, { durationMinutes: -5 }, "durationMinutes"],
      ["PUT", "/api/v1/host/availability/weekly", { rules: [{ weekday: 7, start: "09:00", end: "10:00" }] }, "rules"],
      ["PUT", "/api/v1/host/availability/weekly", { rules: [{ weekday: 1, start: "10:00", end: "09:00" }] }, "rules"],
      ["PUT", "/api/v1/host/availability/weekly", { rules: [{ weekday: 1, start: "9am", end: "10:00" }] }, "rules"],
    ];
    for (const [method, path, body, field] of cases) {
      const refused = await call(key, method, path, body);
      expect(refused.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(String(refused.body["field"]), JSON.stringify(refused.body)).toContain(field);
    }
    expect((await eventTypeRows(host.hostId)).map((r) => r.slug)).toEqual([host.eventSlug]);
    expect((await call(key, "GET", `/api/v1/host/event-types/${host.eventTypeId}`)).body["durationMinutes"]).toBe(30);
    expect((await query("SELECT 1 FROM availability_rules WHERE host_id = $1 AND weekday = 1 AND start_time = '10:00'", host.hostId))).toEqual([]);
  });

  it("reaches nothing of another host's, and a read key changes nothing", async () => {
    const host = await app.runtime.runPromise(createHost());
    const other = await app.runtime.runPromise(createHost());
    const key = await keyFor(host.hostId);
    expect((await call(key, "GET", `/api/v1/host/event-types/${other.eventTypeId}`)).status).toBe(404);
    expect((await call(key, "PATCH", `/api/v1/host/event-types/${other.eventTypeId}`, { title: "Mine" })).status).toBe(404);
    expect((await call(key, "DELETE", `/api/v1/host/event-types/${other.eventTypeId}`)).status).toBe(404);
    const reader = await keyFor(host.hostId, ["read"]);
    expect((await call(reader, "GET", "/api/v1/host/event-types")).status).toBe(200);
    expect((await call(reader, "POST", "/api/v1/host/event-types", { slug: "nope", title: "N", durationMinutes: 30 })).status).toBe(403);
    expect((await call(reader, "PUT", "/api/v1/host/availability/weekly", { rules: [] })).status).toBe(403);
    expect((await eventTypeRows(host.hostId)).map((r) => r.slug)).toEqual([host.eventSlug]);
    expect((await eventTypeRows(other.hostId)).map((r) => r.slug)).toEqual([other.eventSlug]);
    expect((await call("no-key", "GET", "/api/v1/host")).status).toBe(403);
  });
});

describe("the host's bookings over the API", () => {
  const bookN = async (host: { hostSlug: string; eventSlug: string; eventTypeId: string }, n: number) => {
    const from = new Date(Date.now() + 86_400_000).toISOString();
    const slots = (await (await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${from}`)).json()) as { slots: { start: string }[] };
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const booked = await fetch(`${app.url}/api/v1/bookings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ eventTypeId: host.eventTypeId, start: slots.slots[i]!.start, invitee: { name: `Guest ${i}`, email: `guest${i}@example.com`, timeZone: "UTC" } }),
      });
      expect(booked.status).toBe(201);
      ids.push(((await booked.json()) as { id: string }).id);
    }
    return ids;
  };

  it("pages through upcoming bookings by cursor, soonest first, none skipped or repeated while one is cancelled", async () => {
    const host = await app.runtime.runPromise(createHost());
    const key = await keyFor(host.hostId);
    const ids = await bookN(host, 5);
    const first = await call(key, "GET", "/api/v1/host/bookings?limit=2");
    expect(first.status).toBe(200);
    expect(first.body["bookings"].map((b: { id: string }) => b.id)).toEqual(ids.slice(0, 2));
    expect(first.body["bookings"][0]).not.toHaveProperty("manageToken");
    expect(first.body["bookings"][0]).toMatchObject({ note: "", noShow: false });
    // A booking already seen is cancelled between pages: the next page starts where the last ended.
    await call(key, "POST", `/api/v1/bookings/${ids[0]}/cancel`, {});
    const second = await call(key, "GET", `/api/v1/host/bookings?limit=2&cursor=${first.body["nextCursor"]}`);
    expect(second.body["bookings"].map((b: { id: string }) => b.id)).toEqual(ids.slice(2, 4));
    const third = await call(key, "GET", `/api/v1/host/bookings?limit=2&cursor=${second.body["nextCursor"]}`);
    expect(third.body["bookings"].map((b: { id: string }) => b.id)).toEqual([ids[4]]);
    expect(third.body["nextCursor"]).toBeNull();
    const cancelled = await call(key, "GET", "/api/v1/host/bookings?view=cancelled");
    expect(cancelled.body["bookings"].map((b: { id: string }) => b.id)).toEqual([ids[0]]);
    const searched = await call(key, "GET", "/api/v1/host/bookings?q=GUEST3");
    expect(searched.body["bookings"].map((b: { id: string }) => b.id)).toEqual([ids[3]]);
    const other = await app.runtime.runPromise(createHost());
    expect((await call(key, "GET", `/api/v1/host/bookings?eventTypeId=${other.eventTypeId}`)).body["bookings"]).toEqual([]);
    expect((await call(await keyFor(other.hostId), "GET", "/api/v1/host/bookings")).body["bookings"]).toEqual([]);
  });

  it("refuses a bad filter, naming it", async () => {
    const host = await app.runtime.runPromise(createHost());
    const key = await keyFor(host.hostId, ["read"]);
    for (const [q, field] of [["view=all", "view"], ["eventTypeId=x", "eventTypeId"], ["from=yesterday", "from"], ["limit=0", "limit"], ["limit=101", "limit"], ["cursor=bogus", "cursor"], [`q=${"x".repeat(201)}`, "q"]] as const) {
      const refused = await call(key, "GET", `/api/v1/host/bookings?${q}`);
      expect(refused.status, q).toBe(400);
      expect(refused.body["field"]).toBe(field);
    }
  });

  it("marks a no-show as the host, keeping the note; the invitee cannot", async () => {
    const host = await app.runtime.runPromise(createHost());
    const key = await keyFor(host.hostId);
    const [id] = await bookN(host, 1);
    const manageToken = (await query<{ token: string }>("SELECT manage_token AS token FROM bookings WHERE id = $1", id))[0]!.token;
    expect((await call(manageToken, "POST", `/api/v1/bookings/${id}/no-show`, { noShow: true })).status).toBe(404);
    expect((await call(key, "POST", `/api/v1/bookings/${id}/no-show`, { noShow: "yes" })).status).toBe(400);
    await query("INSERT INTO booking_host_notes (booking_id, host_id, note, no_show) VALUES ($1, $2, 'kept', false)", id, host.hostId);
    const marked = await call(key, "POST", `/api/v1/bookings/${id}/no-show`, { noShow: true });
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ id, noShow: true });
    expect((await call(key, "GET", "/api/v1/host/bookings")).body["bookings"][0]).toMatchObject({ note: "kept", noShow: true });
    const reader = await keyFor(host.hostId, ["read"]);
    expect((await call(reader, "POST", `/api/v1/bookings/${id}/no-show`, { noShow: false })).status).toBe(403);
  });
});

describe("versions: ETag and If-Match", () => {
  const withHeaders = async (key: string, method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, etag: response.headers.get("etag"), body: await response.text() };
  };

  it("tags an event type; a change made with a stale tag is refused with 412 and changes nothing", async () => {
    const host = await app.runtime.runPromise(createHost());
    const key = await keyFor(host.hostId);
    const path = `/api/v1/host/event-types/${host.eventTypeId}`;
    const read = await withHeaders(key, "GET", path, {});
    expect(read.etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect((await withHeaders(key, "GET", path, { "if-none-match": read.etag! })).status).toBe(304);
    // A booking changes the host's calendar, not the event type: its tag stays.
    const from = new Date(Date.now() + 86_400_000).toISOString();
    const slots = (await (await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${from}`)).json()) as { slots: { start: string }[] };
    await fetch(`${app.url}/api/v1/bookings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ eventTypeId: host.eventTypeId, start: slots.slots[0]!.start, invitee: { name: "Ada", email: "ada@example.com", timeZone: "UTC" } }),
    });
    expect((await withHeaders(key, "GET", path, {})).etag).toBe(read.etag);
    const first = await withHeaders(key, "PATCH", path, { "if-match": read.etag! }, { title: "First" });
    expect(first.status).toBe(200);
    expect(first.etag).not.toBe(read.etag);
    const stale = await withHeaders(key, "PATCH", path, { "if-match": read.etag! }, { title: "Second" });
    expect(stale.status).toBe(412);
    expect(JSON.parse(stale.body)).toMatchObject({ status: 412, type: expect.stringContaining("precondition-failed") });
    expect(JSON.parse((await withHeaders(key, "GET", path, {})).body)["title"]).toBe("First");
    expect((await withHeaders(key, "DELETE", path, { "if-match": read.etag! })).status).toBe(412);
    expect((await withHeaders(key, "PATCH", path, { "if-match": `W/${first.etag}` }, { title: "Third" })).status).toBe(200);
    expect((await withHeaders(key, "PATCH", path, { "if-match": "*" }, { title: "Fourth" })).status).toBe(200);
    expect((await withHeaders(key, "PATCH", path, {}, { title: "Fifth" })).status).toBe(200);
  });

  it("tags the availability; a stale tag refuses new hours and a date's hours", async () => {
    const host = await app.runtime.runPromise(createHost());
    const key = await keyFor(host.hostId);
    const read = await withHeaders(key, "GET", "/api/v1/host/availability", {});
    const rules = { rules: [{ weekday: 1, start: "08:00", end: "12:00" }] };
    const changed = await withHeaders(key, "PUT", "/api/v1/host/availability/weekly", { "if-match": read.etag! }, rules);
    expect(changed.status).toBe(200);
    expect(changed.etag).not.toBe(read.etag);
    expect((await withHeaders(key, "PUT", "/api/v1/host/availability/weekly", { "if-match": read.etag! }, { rules: [] })).status).toBe(412);
    const date = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    expect((await withHeaders(key, "PUT", `/api/v1/host/availability/overrides/${date}`, { "if-match": read.etag! }, { windows: [] })).status).toBe(412);
    const now = JSON.parse((await withHeaders(key, "GET", "/api/v1/host/availability", {})).body);
    expect(now).toMatchObject({ rules: [{ weekday: 1, start: "08:00", end: "12:00" }], overrides: [] });
    expect((await withHeaders(key, "PUT", `/api/v1/host/availability/overrides/${date}`, { "if-match": changed.etag! }, { windows: [] })).status).toBe(200);
  });
});

describe("Idempotency-Key on creating POSTs", () => {
  const post = async (key: string, path: string, body: unknown, idempotencyKey?: string) => {
    const response = await fetch(`${app.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...(idempotencyKey === undefined ? {} : { "idempotency-key": idempotencyKey }) },
      body: JSON.stringify(body),
    });
    return { status: response.status, location: response.headers.get("location"), body: await response.text() };
  };

  it("creates an event type once for a key, answers a retry alike, and refuses the key for another request", async () => {
    const host = await app.runtime.runPromise(createHost());
    const key = await keyFor(host.hostId);
    const body = { slug: "once", title: "Once", durationMinutes: 20 };
    const first = await post(key, "/api/v1/host/event-types", body, "create-once");
    expect(first.status).toBe(201);
    const again = await post(key, "/api/v1/host/event-types", body, "create-once");
    expect(again).toEqual(first);
    expect((await eventTypeRows(host.hostId)).filter((r) => r.slug === "once")).toHaveLength(1);
    const other = await post(key, "/api/v1/host/event-types", { ...body, slug: "twice" }, "create-once");
    expect(other.status).toBe(422);
    expect(other.body).toContain("idempotency-key-reused");
    expect((await eventTypeRows(host.hostId)).map((r) => r.slug)).not.toContain("twice");
    // Keys are each host's own.
    const stranger = await app.runtime.runPromise(createHost());
    expect((await post(await keyFor(stranger.hostId), "/api/v1/host/event-types", { ...body, slug: "theirs" }, "create-once")).status).toBe(201);
    expect((await post(key, "/api/v1/host/event-types", body, "bad key with spaces")).status).toBe(400);
    const concurrent = await Promise.all([0, 1, 2].map(() => post(key, "/api/v1/host/event-types", { ...body, slug: "together" }, "together")));
    expect(concurrent.map((c) => c.status).filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    expect(concurrent.every((c) => c.status === 201 || c.status === 409)).toBe(true);
    expect((await eventTypeRows(host.hostId)).filter((r) => r.slug === "together")).toHaveLength(1);
  });

  it("keeps a refusal as the answer, and adds a webhook once", async () => {
    const host = await app.runtime.runPromise(createHost());
    const key = await keyFor(host.hostId);
    const refused = await post(key, "/api/v1/host/event-types", { slug: "Bad Slug", title: "X", durationMinutes: 20 }, "refused");
    expect(refused.status).toBe(400);
    expect(await post(key, "/api/v1/host/event-types", { slug: "Bad Slug", title: "X", durationMinutes: 20 }, "refused")).toEqual(refused);
    const hook = { url: "http://127.0.0.1:9/hook" };
    const added = await post(key, "/api/v1/host/webhooks", hook, "hook-1");
    expect(added.status).toBe(201);
    expect(added.location).toMatch(/^\/api\/v1\/host\/webhooks\/[0-9a-f-]{36}$/);
    expect(await post(key, "/api/v1/host/webhooks", hook, "hook-1")).toEqual(added);
    expect(await query("SELECT 1 FROM webhooks WHERE host_id = $1", host.hostId)).toHaveLength(1);
  });
});

describe("named schedules over the API", () => {
  it("creates, lists, replaces and deletes a schedule an event type can use, and keeps other hosts out", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC" }));
    const other = await app.runtime.runPromise(createHost({ timeZone: "UTC" }));
    const key = await keyFor(host.hostId);
    const otherKey = await keyFor(other.hostId);
    const evenings = { name: "Evenings", rules: [1, 3].map((weekday) => ({ weekday, start: "18:00", end: "21:00" })) };
    const created = await fetch(`${app.url}/api/v1/host/schedules`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "idempotency-key": "evenings-1" },
      body: JSON.stringify(evenings),
    });
    expect(created.status).toBe(201);
    const schedule = (await created.json()) as { id: string; name: string; rules: unknown[] };
    expect(schedule).toMatchObject({ name: "Evenings", rules: evenings.rules });
    expect(created.headers.get("location")).toBe(`/api/v1/host/schedules/${schedule.id}`);
    const replayed = await fetch(`${app.url}/api/v1/host/schedules`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "idempotency-key": "evenings-1" },
      body: JSON.stringify(evenings),
    });
    expect(((await replayed.json()) as { id: string }).id).toBe(schedule.id);
    expect((await call(key, "GET", "/api/v1/host/schedules")).body).toEqual({ schedules: [schedule] });

    const renamed = await call(key, "PUT", `/api/v1/host/schedules/${schedule.id}`, { name: "Late", rules: [{ weekday: 5, start: "17:00", end: "20:00" }] });
    expect(renamed.body).toEqual({ id: schedule.id, name: "Late", rules: [{ weekday: 5, start: "17:00", end: "20:00" }] });
    expect((await call(key, "PUT", `/api/v1/host/schedules/${schedule.id}`, { name: "Late", rules: [{ weekday: 9, start: "17:00", end: "20:00" }] })).status).toBe(400);

    expect((await call(key, "PATCH", `/api/v1/host/event-types/${host.eventTypeId}`, { scheduleId: schedule.id })).body).toMatchObject({ scheduleId: schedule.id });
    const inUse = await call(key, "DELETE", `/api/v1/host/schedules/${schedule.id}`);
    expect(inUse.status).toBe(400);

    for (const [method, body] of [["PUT", evenings], ["DELETE", undefined]] as const) {
      expect((await call(otherKey, method, `/api/v1/host/schedules/${schedule.id}`, body)).status, `${method} by another host`).toBe(404);
    }
    expect((await call(otherKey, "GET", "/api/v1/host/schedules")).body).toEqual({ schedules: [] });

    await call(key, "PATCH", `/api/v1/host/event-types/${host.eventTypeId}`, { scheduleId: null });
    expect((await call(key, "DELETE", `/api/v1/host/schedules/${schedule.id}`)).status).toBe(204);
    expect((await call(key, "GET", "/api/v1/host/schedules")).body).toEqual({ schedules: [] });
  });
});
