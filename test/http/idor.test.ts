import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { HostSessionRepository, sessionIdOf } from "../../src/persistence/HostSessionRepository.ts";
import { ApiKeyRepository } from "../../src/persistence/ApiKeyRepository.ts";
import { bookViaApi } from "../support/api.ts";
import { useTestApp } from "../support/app.ts";
import { inputValue } from "../support/client.ts";
import { createHost, weekdays, type HostFixture } from "../support/fixtures.ts";
import { queryOf, signedInAs } from "../support/host.ts";

/**
 * Host A, signed in, aims every host route at host B's things (event types, bookings, webhooks,
 * notices, sessions, the host itself): each answer is a refusal, B's rows are unchanged, and no
 * page of A's shows B's data.
 */
const app = useTestApp();

const sql = queryOf(app);
const signedIn = (host: HostFixture) => signedInAs(app, host.hostId);

/** Everything of B's that a write could change, as one comparable value. */
const stateOf = async (hostId: string) => ({
  host: await sql("SELECT name, time_zone, bio, active, role FROM hosts WHERE id = $1", hostId),
  eventTypes: await sql("SELECT slug, title, duration_minutes, active, deleted FROM event_types WHERE host_id = $1 ORDER BY id", hostId),
  bookings: await sql("SELECT status, start_at, version FROM bookings WHERE host_id = $1 ORDER BY id", hostId),
  notes: await sql("SELECT note, no_show FROM booking_host_notes WHERE host_id = $1", hostId),
  webhooks: await sql("SELECT url FROM webhooks WHERE host_id = $1", hostId),
  // Dead notices only: the worker sends the others meanwhile.
  deadNotices: await sql("SELECT o.id FROM notification_outbox o JOIN bookings b ON b.id = o.booking_id WHERE b.host_id = $1 AND o.status = 'dead' ORDER BY o.id", hostId),
  sessions: await sql("SELECT ended_at FROM host_sessions WHERE host_id = $1", hostId),
  rules: await sql("SELECT weekday, start_time, end_time FROM availability_rules WHERE host_id = $1 ORDER BY weekday", hostId),
});

describe("host A aiming at host B", () => {
  it("is refused on every route, changes nothing of B's, and sees none of B's data", async () => {
    const a = await app.runtime.runPromise(createHost({ timeZone: "UTC" }));
    const b = await app.runtime.runPromise(createHost({ timeZone: "UTC", rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]), eventType: { requiresConfirmation: true } }));
    const from = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const slots = ((await (await fetch(`${app.url}/api/v1/hosts/${b.hostSlug}/event-types/${b.eventSlug}/slots?from=${from}`)).json()) as { slots: { start: string }[] }).slots;
    const booking = (await (await bookViaApi(app.url, { eventTypeId: b.eventTypeId, start: slots[0]!.start, name: "Secret Invitee", email: "secret@example.com" })).json()) as { id: string };
    const [webhook] = await sql<{ id: string }>("INSERT INTO webhooks (host_id, url, secret, events) VALUES ($1, 'https://b.example.com/hook', $2, ARRAY['booking.created']) RETURNING id", b.hostId, "s".repeat(43));
    const [notice] = await sql<{ id: string }>("UPDATE notification_outbox SET status = 'dead', finished_at = now(), lease_owner = NULL, lease_until = NULL WHERE booking_id = $1 AND recipient = 'host' RETURNING id", booking.id);
    const bSession = await app.runtime.runPromise(
      Effect.flatMap(HostSessionRepository, (r) => Effect.flatMap(r.issueSignInLink(b.hostId, Date.now()), (link) => r.redeemSignInLink(link, Date.now(), "B's laptop"))),
    );
    const before = await stateOf(b.hostId);

    const browser = await signedIn(a);
    const csrf = inputValue((await browser.get("/host")).body, "_csrf")!;
    const reads = [
      `/host/event-types/${b.eventTypeId}`,
      `/host/event-types/${b.eventTypeId}/duplicate`,
      `/host/preview?event=${b.eventTypeId}&tz=UTC`,
      `/host/bookings/${booking.id}/reschedule`,
      "/host/team",
    ];
    for (const path of reads) expect((await browser.get(path)).status, path).toBe(404);
    const writes: ReadonlyArray<readonly [string, Record<string, string>]> = [
      [`/host/event-types/${b.eventTypeId}`, { title: "Mine now", slug: "mine", durationMinutes: "30", active: "on" }],
      [`/host/event-types/${b.eventTypeId}/delete`, {}],
      [`/host/bookings/${booking.id}/cancel`, { reason: "no" }],
      [`/host/bookings/${booking.id}/reschedule`, { start: slots[3]!.start }],
      [`/host/bookings/${booking.id}/accept`, {}],
      [`/host/bookings/${booking.id}/decline`, { reason: "no" }],
      [`/host/bookings/${booking.id}/note`, { note: "mine", noShow: "on" }],
      [`/host/webhooks/${webhook!.id}/delete`, {}],
      [`/host/webhooks/${webhook!.id}/test`, {}],
      [`/host/notices/${notice!.id}/retry`, {}],
      [`/host/sessions/${sessionIdOf(bSession!.session)}/end`, {}],
      [`/host/team/${b.hostId}/deactivate`, {}],
      [`/host/team/${b.hostId}/role`, { role: "admin" }],
    ];
    for (const [path, fields] of writes) {
      const res = await browser.postForm(path, { _csrf: csrf, ...fields });
      expect(res.status, path).toBe(404);
    }
    expect(await stateOf(b.hostId)).toEqual(before);

    // A's API key (it may write) aimed at B's things over the API: the same 404s, nothing changed.
    const [keyOfB] = await sql<{ id: string }>("INSERT INTO api_keys (host_id, name, token_digest, scopes) VALUES ($1, 'b', '\\x00', ARRAY['read']) RETURNING id", b.hostId);
    const aKey = await app.runtime.runPromise(Effect.flatMap(ApiKeyRepository, (r) => r.create(a.hostId, "a", ["write"], Date.now())));
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${app.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${aKey.key}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const bKey = await app.runtime.runPromise(Effect.flatMap(ApiKeyRepository, (r) => r.create(b.hostId, "b", ["write"], Date.now())));
    const bSchedule = (await (
      await fetch(`${app.url}/api/v1/host/schedules`, {
        method: "POST",
        headers: { authorization: `Bearer ${bKey.key}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "B's evenings", rules: [{ weekday: 1, start: "18:00", end: "20:00" }] }),
      })
    ).json()) as { id: string };
    // B's own change: what A's calls below must leave exactly as it is.
    const beforeApi = await stateOf(b.hostId);
    const apiCalls: ReadonlyArray<readonly [string, string, unknown?]> = [
      ["PUT", `/api/v1/host/schedules/${bSchedule.id}`, { name: "Mine now", rules: [] }],
      ["DELETE", `/api/v1/host/schedules/${bSchedule.id}`],
      ["GET", `/api/v1/bookings/${booking.id}`],
      ["POST", `/api/v1/bookings/${booking.id}/cancel`, {}],
      ["POST", `/api/v1/bookings/${booking.id}/reschedule`, { start: slots[3]!.start }],
      ["POST", `/api/v1/bookings/${booking.id}/accept`, {}],
      ["POST", `/api/v1/bookings/${booking.id}/decline`, {}],
      ["POST", `/api/v1/bookings/${booking.id}/no-show`, { noShow: true }],
      ["GET", `/api/v1/host/event-types/${b.eventTypeId}`],
      ["PATCH", `/api/v1/host/event-types/${b.eventTypeId}`, { title: "Mine now" }],
      ["DELETE", `/api/v1/host/event-types/${b.eventTypeId}`],
      ["DELETE", `/api/v1/host/webhooks/${webhook!.id}`],
    ];
    for (const [method, path, body] of apiCalls) expect((await api(method, path, body)).status, `${method} ${path}`).toBe(404);
    const page = await browser.get("/host/api-keys");
    expect((await browser.postForm(`/host/api-keys/${keyOfB!.id}/revoke`, { _csrf: inputValue(page.body, "_csrf")! })).status).toBe(404);
    expect(await sql("SELECT 1 FROM api_keys WHERE id = $1 AND revoked_at IS NULL", keyOfB!.id)).toHaveLength(1);
    const bSchedules = await (await fetch(`${app.url}/api/v1/host/schedules`, { headers: { authorization: `Bearer ${bKey.key}` } })).json();
    expect(bSchedules).toEqual({ schedules: [{ id: bSchedule.id, name: "B's evenings", rules: [{ weekday: 1, start: "18:00", end: "20:00" }] }] });
    for (const path of ["/api/v1/host", "/api/v1/host/event-types", "/api/v1/host/availability", "/api/v1/host/schedules", "/api/v1/host/bookings", "/api/v1/host/bookings?view=pending", "/api/v1/host/webhooks"]) {
      const body = await (await api("GET", path)).text();
      expect(body, path).not.toContain(bSchedule.id);
      expect(body, path).not.toContain("Secret Invitee");
      expect(body, path).not.toContain(b.eventTypeId);
      expect(body, path).not.toContain(b.hostSlug);
    }
    expect(await stateOf(b.hostId)).toEqual(beforeApi);

    // Nothing of B's shows on A's pages or in A's export.
    for (const path of ["/host", "/host/meetings", "/host/meetings?view=pending", "/host/meetings?view=cancelled", "/host/meetings?view=past", "/host/meetings.csv", "/host/event-types", "/host/account", "/host/api-keys"]) {
      const body = (await browser.get(path)).body;
      expect(body, path).not.toContain("Secret Invitee");
      expect(body, path).not.toContain(b.eventTypeId);
      expect(body, path).not.toContain("B's laptop");
    }
  });
});
