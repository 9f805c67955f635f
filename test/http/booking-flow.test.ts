import { Effect } from "effect";
import { beforeAll, describe, expect, it } from "vitest";
import type { HostFixture } from "../support/fixtures.ts";
import { createHost } from "../support/fixtures.ts";
import { useTestApp } from "../support/app.ts";
import { bookingFormFields, inputValue, offeredStarts, PageClient } from "../support/client.ts";
import { SqlClient } from "@effect/sql/SqlClient";

const app = useTestApp();
let host: HostFixture;

beforeAll(async () => {
  host = await app.runtime.runPromise(createHost({ timeZone: "Europe/Vienna" }));
});

const bookingCount = () =>
  app.runtime.runPromise(
    Effect.flatMap(SqlClient, (sql) => sql`SELECT 1 FROM bookings WHERE host_id = ${host.hostId}`).pipe(Effect.map((r) => r.length)),
  );

describe("booking through the running server", () => {
  it("holds a slot, takes the details and confirms with the time in both zones", async () => {
    const browser = new PageClient(app.url);
    // A day a week ahead: today may have only a few times left, depending on when the test runs.
    const day = `/${host.hostSlug}/${host.eventSlug}?tz=America/New_York&date=${new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10)}`;
    const page = await browser.get(day);
    expect(page.status).toBe(200);
    expect(page.body).toContain("America/New York");
    const start = offeredStarts(page.body)[2]!;

    const held = await browser.postForm(`/${host.hostSlug}/${host.eventSlug}/hold`, {
      _csrf: inputValue(page.body, "_csrf")!,
      tz: "America/New_York",
      start,
    });
    expect(held.status).toBe(303);
    const form = await browser.get(held.headers.get("location")!);
    expect(form.body).toContain('id="book-form"');
    expect(Date.parse(inputValue(form.body, "start")!)).toBe(Date.parse(start));

    const fields = bookingFormFields(form.body, { name: "Grace Hopper", email: "grace@example.com", note: "Looking forward" });
    const booked = await browser.postForm(`/${host.hostSlug}/${host.eventSlug}/book`, fields);
    expect(booked.status).toBe(303);
    const location = booked.headers.get("location")!;
    expect(location).toMatch(/^\/booking\/[A-Za-z0-9_-]{22}\?new=1$/);

    // A double click (the same POST again) confirms the same booking, not a second one.
    const again = await browser.postForm(`/${host.hostSlug}/${host.eventSlug}/book`, fields);
    expect(again.headers.get("location")).toBe(location);
    expect(await bookingCount()).toBe(1);

    const confirmation = await browser.get(location);
    expect(confirmation.status).toBe(200);
    expect(confirmation.body).toContain("You are scheduled");
    expect(confirmation.body).toContain("America/New York");
    expect(confirmation.body).toContain("Europe/Vienna");

    // The slot is gone from the page.
    const after = await browser.get(day);
    expect(offeredStarts(after.body)).toContain(offeredStarts(page.body)[0]);
    expect(offeredStarts(after.body)).not.toContain(start);
  });

  it("answers an unknown host or event type with a 404 page", async () => {
    const browser = new PageClient(app.url);
    const noHost = await browser.get(`/nobody-here/${host.eventSlug}`);
    expect(noHost.status).toBe(404);
    expect(noHost.body).toContain("We could not find that host.");
    const noEvent = await browser.get(`/${host.hostSlug}/no-such-event`);
    expect(noEvent.status).toBe(404);
    expect(noEvent.body).toContain("We could not find that event type.");
  });

  it("shows a malformed form again with each field's error and the entered values, writing nothing", async () => {
    const browser = new PageClient(app.url);
    const page = await browser.get(`/${host.hostSlug}/${host.eventSlug}`);
    const before = await bookingCount();
    const response = await browser.postForm(`/${host.hostSlug}/${host.eventSlug}/book`, {
      _csrf: inputValue(page.body, "_csrf")!,
      start: offeredStarts(page.body)[0]!,
      tz: "Europe/Vienna",
      hold: "",
      idempotencyKey: "abcdefgh12345678",
      name: "  ",
      email: "not-an-email",
      note: "keep me",
    });
    expect(response.status).toBe(422);
    expect(response.body).toContain("Name is required");
    expect(response.body).toContain("Email must look like name@example.com");
    expect(response.body).toContain('value="not-an-email"');
    expect(response.body).toContain("keep me");
    expect(response.body).toContain('aria-invalid="true"');
    expect(await bookingCount()).toBe(before);
  });

  it("refuses a time that is not offered with 422 and a plain sentence, writing nothing", async () => {
    const browser = new PageClient(app.url);
    const page = await browser.get(`/${host.hostSlug}/${host.eventSlug}`);
    const before = await bookingCount();
    const offGrid = new Date(Date.parse(offeredStarts(page.body)[0]!) + 7 * 60_000).toISOString();
    const response = await browser.postForm(`/${host.hostSlug}/${host.eventSlug}/book`, {
      _csrf: inputValue(page.body, "_csrf")!,
      start: offGrid,
      tz: "Europe/Vienna",
      hold: "",
      idempotencyKey: "abcdefgh87654321",
      name: "Alan",
      email: "alan@example.com",
    });
    expect(response.status).toBe(422);
    expect(response.body).toContain("That time is not offered for this meeting.");
    expect(await bookingCount()).toBe(before);
  });

  it("refuses a form without the visitor's CSRF token", async () => {
    const browser = new PageClient(app.url);
    await browser.get(`/${host.hostSlug}/${host.eventSlug}`);
    const response = await browser.postForm(`/${host.hostSlug}/${host.eventSlug}/hold`, {
      _csrf: "forged",
      tz: "Europe/Vienna",
      start: "2030-01-01T10:00:00Z",
    });
    expect(response.status).toBe(403);
  });

  it("reports the database status on /health", async () => {
    const response = await fetch(`${app.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", database: "ok" });
  });

  it("is live while the process answers, and ready only with every migration applied", async () => {
    expect(await (await fetch(`${app.url}/health/live`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${app.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ok", database: "ok", migrations: "applied", draining: false });
    // As if this build shipped a migration the database has not seen.
    const sql = <A extends object>(f: (s: SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) => app.runtime.runPromise(Effect.flatMap(SqlClient, f));
    const [last] = await sql<{ migrationId: number; name: string; createdAt: Date }>((s) => s`DELETE FROM effect_sql_migrations WHERE migration_id = (SELECT max(migration_id) FROM effect_sql_migrations) RETURNING *`);
    try {
      const behind = await fetch(`${app.url}/health/ready`);
      expect(behind.status).toBe(503);
      expect(behind.headers.get("retry-after")).toBe("5");
      expect(await behind.json()).toMatchObject({ status: "degraded", migrations: "1 pending" });
      expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
    } finally {
      await sql((s) => s`INSERT INTO effect_sql_migrations (migration_id, name, created_at) VALUES (${last!.migrationId}, ${last!.name}, ${last!.createdAt})`);
    }
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
  });
});

describe("static assets", () => {
  it("serve htmx, its WebSocket extension and our script as one fingerprinted file, cached for a year", async () => {
    const page = await new PageClient(app.url).get(`/${host.hostSlug}/${host.eventSlug}`);
    const scripts = [...page.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toMatch(/^\/assets\/app\.[0-9a-f]{12}\.js$/);
    const response = await fetch(app.url + scripts[0]);
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const script = await response.text();
    // The extension must register before htmx starts, so it comes right after htmx, in the same file.
    const htmxAt = script.indexOf('version="4.');
    const extensionAt = script.indexOf('registerExtension("ws"');
    expect(htmxAt).toBeGreaterThanOrEqual(0);
    expect(extensionAt).toBeGreaterThan(htmxAt);
    expect(script.indexOf("rv_tz=")).toBeGreaterThan(extensionAt);
    expect((await fetch(`${app.url}/assets/app.000000000000.js`)).status).toBe(404);
  });
});
