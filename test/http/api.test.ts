import { SqlClient } from "@effect/sql/SqlClient";
import { Effect } from "effect";
import { beforeAll, describe, expect, it } from "vitest";
import { HostActors } from "../../src/actors/HostActors.ts";
import { Hold } from "../../src/actors/protocol.ts";
import { useTestApp } from "../support/app.ts";
import { createHost, type HostFixture } from "../support/fixtures.ts";

const app = useTestApp();
let host: HostFixture;

beforeAll(async () => {
  host = await app.runtime.runPromise(createHost({ timeZone: "America/New_York" }));
});

const api = (path: string, init: RequestInit & { json?: unknown } = {}) =>
  fetch(`${app.url}/api/v1${path}`, {
    ...init,
    headers: { ...(init.json === undefined ? {} : { "content-type": "application/json" }), ...(init.headers as Record<string, string>) },
    body: init.json === undefined ? init.body : JSON.stringify(init.json),
  });

const offered = async () => {
  const from = new Date(Date.now() + 86_400_000).toISOString();
  const to = new Date(Date.now() + 8 * 86_400_000).toISOString();
  const res = await api(`/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${from}&to=${to}&tz=Asia/Tokyo`);
  expect(res.status).toBe(200);
  return (await res.json()) as { eventTypeId: string; timeZone: string; slots: { start: string; end: string }[] };
};

const request = (start: string, name = "Ada Lovelace", extra: object = {}) => ({
  eventTypeId: host.eventTypeId,
  start,
  invitee: { name, email: `${name.split(" ")[0]!.toLowerCase()}@example.com`, timeZone: "Europe/London" },
  ...extra,
});

const bookings = () =>
  app.runtime.runPromise(
    Effect.flatMap(SqlClient, (sql) => sql`SELECT id FROM bookings WHERE host_id = ${host.hostId}`).pipe(Effect.map((r) => r.length)),
  );

describe("GET /api/v1/hosts/:host/event-types/:event/slots", () => {
  it("lists offered slots as UTC instants with their ends", async () => {
    const body = await offered();
    expect(body.eventTypeId).toBe(host.eventTypeId);
    expect(body.timeZone).toBe("Asia/Tokyo");
    expect(body.slots.length).toBeGreaterThan(10);
    const [first] = body.slots;
    expect(Date.parse(first!.end) - Date.parse(first!.start)).toBe(30 * 60_000);
  });

  it("refuses a malformed range with 400 naming the field, and an unknown host with 404", async () => {
    const bad = await api(`/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toBe("application/problem+json");
    expect(await bad.json()).toMatchObject({ field: "from" });
    const long = await api(`/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=2030-01-01T00:00:00Z&to=2032-01-01T00:00:00Z`);
    expect(long.status).toBe(400);
    const missing = await api(`/hosts/nobody/event-types/${host.eventSlug}/slots`);
    expect(missing.status).toBe(404);
  });
});

describe("POST /api/v1/bookings", () => {
  it("confirms with 201, and a replay with the same Idempotency-Key returns the same body", async () => {
    const { slots } = await offered();
    const init = { method: "POST", headers: { "idempotency-key": "api-replay-1" }, json: request(slots[0]!.start) };
    const first = await api("/bookings", init);
    expect(first.status).toBe(201);
    const body = (await first.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: "confirmed", start: slots[0]!.start, end: slots[0]!.end });
    expect(String(body["manageToken"])).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const replay = await api("/bookings", init);
    expect(replay.status).toBe(201);
    expect(await replay.json()).toEqual(body);

    const reused = await api("/bookings", { ...init, json: request(slots[5]!.start) });
    expect(reused.status).toBe(422);
    expect(((await reused.json()) as { type: string }).type).toMatch(/idempotency-key-reused$/);
  });

  it("answers a taken slot with 409 slot-taken and nearby alternatives, writing nothing", async () => {
    const { slots } = await offered();
    expect((await api("/bookings", { method: "POST", json: request(slots[1]!.start) })).status).toBe(201);
    const before = await bookings();
    const taken = await api("/bookings", { method: "POST", json: request(slots[1]!.start, "Bob Builder") });
    expect(taken.status).toBe(409);
    expect(taken.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await taken.json()) as { type: string; status: number; alternatives: string[] };
    expect(problem.type).toMatch(/\/slot-taken$/);
    expect(problem.status).toBe(409);
    expect(problem.alternatives.length).toBeGreaterThan(0);
    expect(problem.alternatives).not.toContain(slots[1]!.start);
    expect(await bookings()).toBe(before);
  });

  it("refuses policy violations with 422 problems: off the grid, in the past", async () => {
    const { slots } = await offered();
    const offGrid = new Date(Date.parse(slots[2]!.start) + 10 * 60_000).toISOString();
    const notOffered = await api("/bookings", { method: "POST", json: request(offGrid) });
    expect(notOffered.status).toBe(422);
    expect(((await notOffered.json()) as { type: string }).type).toMatch(/slot-not-offered$/);
    const past = await api("/bookings", { method: "POST", json: request("2020-01-06T14:00:00Z") });
    expect(past.status).toBe(422);
    expect(((await past.json()) as { type: string }).type).toMatch(/too-soon$/);
  });

  it("refuses malformed JSON and malformed fields with 400 naming the field, writing nothing", async () => {
    const before = await bookings();
    const notJson = await api("/bookings", { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ field: "body" });
    const { slots } = await offered();
    const badEmail = await api("/bookings", {
      method: "POST",
      json: { ...request(slots[3]!.start), invitee: { name: "X", email: "nope", timeZone: "UTC" } },
    });
    expect(badEmail.status).toBe(400);
    expect(await badEmail.json()).toMatchObject({ field: "invitee.email" });
    const badZone = await api("/bookings", {
      method: "POST",
      json: { ...request(slots[3]!.start), invitee: { name: "X", email: "x@example.com", timeZone: "Nowhere" } },
    });
    expect(await badZone.json()).toMatchObject({ field: "invitee.timeZone" });
    const missing = await api("/bookings", { method: "POST", json: { eventTypeId: host.eventTypeId } });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ field: "start" });
    const unknownEvent = await api("/bookings", {
      method: "POST",
      json: { ...request(slots[3]!.start), eventTypeId: "00000000-0000-4000-8000-000000000000" },
    });
    expect(unknownEvent.status).toBe(404);
    expect(await bookings()).toBe(before);
  });

  it("books the time itself for a hold that is unknown or ran out (as the form does), and refuses a hold for another slot", async () => {
    const { slots } = await offered();
    const unknown = await api("/bookings", { method: "POST", json: request(slots[6]!.start, "Edsger Dijkstra", { holdToken: "not-a-real-token" }) });
    expect(unknown.status).toBe(201);
    const grant = await app.runtime.runPromise(
      Effect.flatMap(HostActors, (actors) =>
        actors.ask(host.hostId, new Hold({ eventTypeId: host.eventTypeId as never, start: Date.parse(slots[7]!.start), visitor: "v1", address: null })),
      ),
    );
    const other = await api("/bookings", { method: "POST", json: request(slots[8]!.start, "Ada Lovelace", { holdToken: grant.token }) });
    expect(other.status).toBe(422);
    expect(((await other.json()) as { type: string }).type).toMatch(/hold-other-slot$/);
    // Held by someone else: busy for everyone without the token.
    const held = await api("/bookings", { method: "POST", json: request(slots[7]!.start) });
    expect(held.status).toBe(409);
    const withToken = await api("/bookings", { method: "POST", json: request(slots[7]!.start, "Ada Lovelace", { holdToken: grant.token }) });
    expect(withToken.status).toBe(201);
  });
});

describe("managing a booking with its token", () => {
  const bookOne = async (index: number) => {
    const { slots } = await offered();
    const res = await api("/bookings", { method: "POST", json: request(slots[index]!.start, "Grace Hopper") });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; manageToken: string; start: string };
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it("shows, reschedules (atomically, bumping the version) and cancels; a wrong token is a plain 404", async () => {
    const booking = await bookOne(12);
    expect((await api(`/bookings/${booking.id}`, { headers: bearer(booking.manageToken) })).status).toBe(200);
    const wrong = await api(`/bookings/${booking.id}`, { headers: bearer("x".repeat(22)) });
    expect(wrong.status).toBe(404);
    const unknown = await api(`/bookings/00000000-0000-4000-8000-000000000000`, { headers: bearer(booking.manageToken) });
    expect(await unknown.json()).toEqual(await (await api(`/bookings/${booking.id}`, { headers: bearer("y".repeat(22)) })).json());

    const { slots } = await offered();
    const target = slots.find((s) => Date.parse(s.start) > Date.parse(booking.start) + 3 * 3_600_000)!;
    const moved = await api(`/bookings/${booking.id}/reschedule`, { method: "POST", headers: bearer(booking.manageToken), json: { start: target.start, reason: "Train strike" } });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ start: target.start, version: 2, status: "confirmed" });
    const after = await offered();
    expect(after.slots.map((s) => s.start)).toContain(booking.start);
    expect(after.slots.map((s) => s.start)).not.toContain(target.start);

    const cancelled = await api(`/bookings/${booking.id}/cancel`, { method: "POST", headers: bearer(booking.manageToken), json: { reason: "Something came up" } });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ status: "cancelled", cancelledBy: "invitee", cancelReason: "Something came up", version: 3 });

    const again = await api(`/bookings/${booking.id}/cancel`, { method: "POST", headers: bearer(booking.manageToken) });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { type: string }).type).toMatch(/booking-cancelled$/);
    const moveCancelled = await api(`/bookings/${booking.id}/reschedule`, { method: "POST", headers: bearer(booking.manageToken), json: { start: target.start } });
    expect(moveCancelled.status).toBe(409);
    const events = await app.runtime.runPromise(
      Effect.flatMap(SqlClient, (sql) => sql<{ type: string; reason: string | null }>`SELECT type, data->>'reason' AS reason FROM booking_events WHERE booking_id = ${booking.id} ORDER BY id`),
    );
    expect(events.map((e) => e.type)).toEqual(["created", "rescheduled", "cancelled"]);
    // The move's reason is kept with it.
    expect(events[1]!.reason).toBe("Train strike");
  });

  it("refuses a reschedule onto a taken time, leaving the booking where it was", async () => {
    const a = await bookOne(20);
    const b = await bookOne(21);
    const res = await api(`/bookings/${a.id}/reschedule`, { method: "POST", headers: bearer(a.manageToken), json: { start: b.start } });
    expect(res.status).toBe(409);
    expect(await (await api(`/bookings/${a.id}`, { headers: bearer(a.manageToken) })).json()).toMatchObject({ start: a.start, version: 1 });
  });
});
