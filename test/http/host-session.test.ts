import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Redacted } from "effect";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { HostRepository } from "../../src/persistence/HostRepository.ts";
import { HostSessionRepository, SIGN_IN_LINK_MINUTES } from "../../src/persistence/HostSessionRepository.ts";
import { useTestApp } from "../support/app.ts";
import { bookViaApi } from "../support/api.ts";
import { inputValue, PageClient } from "../support/client.ts";
import { createHost, type HostFixture } from "../support/fixtures.ts";

const app = useTestApp();


const run = <A, E>(effect: Effect.Effect<A, E, SqlClient | HostRepository | HostSessionRepository>) => app.runtime.runPromise(effect);
const signInToken = (host: HostFixture, at = Date.now()) => run(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(host.hostId, at)));

const offered = async (host: HostFixture) => {
  const r = await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots`);
  return ((await r.json()) as { slots: { start: string }[] }).slots.map((s) => s.start);
};

const book = async (host: HostFixture, start: string, name = "Ada Lovelace") => {
  const r = await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start, name, email: "ada@example.com", timeZone: "America/New_York", answers: { note: "Bring the <b>plans</b>" } });
  expect(r.status).toBe(201);
  return (await r.json()) as { id: string; manageToken: string; start: string };
};

const bookingRow = (id: string) =>
  run(
    Effect.flatMap(SqlClient, (sql) =>
      sql<{ status: string; cancelledBy: string | null; cancelReason: string | null; startAt: Date }>`
        SELECT status, cancelled_by, cancel_reason, start_at FROM bookings WHERE id = ${id}`,
    ).pipe(Effect.map((rows) => rows[0]!)),
  );

const eventsOf = (id: string) =>
  run(
    Effect.flatMap(SqlClient, (sql) => sql<{ type: string; actor: string }>`SELECT type, actor FROM booking_events WHERE booking_id = ${id} ORDER BY id`),
  );

/** A browser without JavaScript, signed in as the host through a fresh link. */
const signedIn = async (host: HostFixture) => {
  const browser = new PageClient(app.url);
  const link = `/host/sign-in/${await signInToken(host)}`;
  const page = await browser.get(link);
  expect(page.status).toBe(200);
  const posted = await browser.postForm(link, { _csrf: inputValue(page.body, "_csrf")! });
  expect(posted.status).toBe(303);
  return { browser, link };
};

describe("a host's session", () => {
  it("starts from a single-use link that looking at does not use up", async () => {
    const host = await run(createHost());
    const browser = new PageClient(app.url);
    expect((await browser.get("/host")).status).toBe(401);

    const link = `/host/sign-in/${await signInToken(host)}`;
    const first = await browser.get(link);
    const again = await browser.get(link);
    expect(again.status).toBe(200);
    expect(again.body).toContain(`Sign in as Host ${host.hostSlug}`);
    expect(again.headers.get("referrer-policy")).toBe("no-referrer");

    const posted = await browser.postForm(link, { _csrf: inputValue(first.body, "_csrf")! });
    expect(posted.status).toBe(303);
    expect(posted.headers.get("location")).toBe("/host");
    const cookie = posted.headers.getSetCookie().find((c) => c.startsWith("rv_host="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Path=\/host/);
    expect(cookie).toMatch(/SameSite=Lax/);

    const dashboard = await browser.get("/host");
    expect(dashboard.status).toBe(200);
    expect(dashboard.body).toContain(`Upcoming meetings of Host ${host.hostSlug}`);

    // Used once: the same link, from another browser, does nothing.
    const stranger = new PageClient(app.url);
    expect((await stranger.get(link)).status).toBe(410);
    const reused = await stranger.postForm(link, { _csrf: inputValue(first.body, "_csrf")! });
    expect([403, 410]).toContain(reused.status);
    expect((await stranger.get("/host")).status).toBe(401);
  });

  it("does not start from a link older than its time, nor from a made-up one, nor without the form's token", async () => {
    const host = await run(createHost());
    const browser = new PageClient(app.url);
    const old = await signInToken(host, Date.now() - (SIGN_IN_LINK_MINUTES + 1) * 60_000);
    expect((await browser.get(`/host/sign-in/${old}`)).status).toBe(410);
    expect((await browser.get(`/host/sign-in/${"A".repeat(43)}`)).status).toBe(410);
    expect((await browser.get("/host/sign-in/not-a-token")).status).toBe(410);

    const fresh = `/host/sign-in/${await signInToken(host)}`;
    // Making a link clears those that can no longer be used.
    const expired = await run(Effect.flatMap(SqlClient, (sql) => sql`SELECT 1 FROM host_sign_in_links WHERE expires_at < now()`));
    expect(expired).toHaveLength(0);
    await browser.get(fresh);
    const forged = await browser.postForm(fresh, { _csrf: "forged" });
    expect(forged.status).toBe(403);
    expect(forged.headers.getSetCookie().some((c) => c.startsWith("rv_host="))).toBe(false);
    // The refused attempt did not use the link up.
    const page = await browser.get(fresh);
    expect((await browser.postForm(fresh, { _csrf: inputValue(page.body, "_csrf")! })).status).toBe(303);
  });

  it("shows the host's upcoming meetings, escaped, and cancels one with the host as the one who cancelled", async () => {
    const host = await run(createHost());
    const [start] = await offered(host);
    const booking = await book(host, start!, "<script>alert(1)</script> Ada");
    const { browser } = await signedIn(host);

    const dashboard = await browser.get("/host");
    expect(dashboard.body).toContain("&lt;script>alert(1)&lt;/script> Ada");
    expect(dashboard.body).not.toContain("<script>alert(1)</script>");
    expect(dashboard.body).toContain("Bring the &lt;b>plans&lt;/b>");
    expect(dashboard.body).toContain(`action="/host/bookings/${booking.id}/cancel"`);

    const cancelled = await browser.postForm(`/host/bookings/${booking.id}/cancel`, {
      _csrf: inputValue(dashboard.body, "_csrf")!,
      reason: "Ill today, sorry",
    });
    expect(cancelled.status).toBe(303);
    expect(cancelled.headers.get("location")).toBe("/host?cancelled=1");
    const after = await browser.get("/host?cancelled=1");
    expect(after.body).toContain("The meeting is cancelled.");
    expect(after.body).not.toContain(`/host/bookings/${booking.id}/cancel`);

    const row = await bookingRow(booking.id);
    expect(row).toMatchObject({ status: "cancelled", cancelledBy: "host", cancelReason: "Ill today, sorry" });
    expect(await eventsOf(booking.id)).toEqual([
      { type: "created", actor: "invitee" },
      { type: "cancelled", actor: "host" },
    ]);
    expect(await offered(host)).toContain(start);
    // The invitee's manage page says so, with the host's reason.
    const manage = await new PageClient(app.url).get(`/booking/${booking.manageToken}`);
    expect(manage.body).toContain("This meeting is cancelled");
    expect(manage.body).toContain("Ill today, sorry");

    // Twice: a clear refusal, nothing more written.
    const twice = await browser.postForm(`/host/bookings/${booking.id}/cancel`, { _csrf: inputValue(dashboard.body, "_csrf")!, reason: "" });
    expect(twice.status).toBeGreaterThanOrEqual(400);
    expect(twice.body).toMatch(/cancelled/i);
    expect(await eventsOf(booking.id)).toHaveLength(2);
  });

  it("cannot cancel another host's meeting, nor without the form's token, nor once signed out", async () => {
    const host = await run(createHost());
    const other = await run(createHost());
    const theirs = await book(other, (await offered(other))[0]!);
    const mine = await book(host, (await offered(host))[0]!);
    const { browser } = await signedIn(host);
    const csrf = inputValue((await browser.get("/host")).body, "_csrf")!;

    const foreign = await browser.postForm(`/host/bookings/${theirs.id}/cancel`, { _csrf: csrf, reason: "" });
    expect(foreign.status).toBe(404);
    expect((await browser.postForm(`/host/bookings/not-a-uuid/cancel`, { _csrf: csrf })).status).toBe(404);
    const forged = await browser.postForm(`/host/bookings/${mine.id}/cancel`, { _csrf: "forged", reason: "" });
    expect(forged.status).toBe(403);
    const crossSite = await browser.postForm(`/host/bookings/${mine.id}/cancel`, { _csrf: csrf }, { "sec-fetch-site": "cross-site" });
    expect(crossSite.status).toBe(403);

    const signedOut = await browser.postForm("/host/sign-out", { _csrf: csrf });
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.getSetCookie().find((c) => c.startsWith("rv_host="))).toMatch(/Max-Age=0/);
    expect((await browser.get("/host?signed-out=1")).body).toContain("You are signed out");
    expect((await browser.postForm(`/host/bookings/${mine.id}/cancel`, { _csrf: csrf })).status).toBe(401);

    expect((await bookingRow(theirs.id)).status).toBe("confirmed");
    expect((await bookingRow(mine.id)).status).toBe("confirmed");
  });

  it("ends on sign-out for good: the old cookie no longer works", async () => {
    const host = await run(createHost());
    const link = `/host/sign-in/${await signInToken(host)}`;
    const browser = new PageClient(app.url);
    const page = await browser.get(link);
    const posted = await browser.postForm(link, { _csrf: inputValue(page.body, "_csrf")! });
    const session = /rv_host=([^;]+)/.exec(posted.headers.getSetCookie().join("\n"))![1]!;
    const csrf = inputValue((await browser.get("/host")).body, "_csrf")!;
    await browser.postForm("/host/sign-out", { _csrf: csrf });
    const replayed = await fetch(`${app.url}/host`, { headers: { cookie: `rv_host=${session}` } });
    expect(replayed.status).toBe(401);
  });
});

describe("a host's session in the JSON API", () => {
  const startSession = (signInToken: string) =>
    fetch(`${app.url}/api/v1/host/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ signInToken }) });

  it("trades a sign-in token for a bearer token that acts on the host's own bookings as the host", async () => {
    const host = await run(createHost());
    const other = await run(createHost());
    const [first, second] = await offered(host);
    const booking = await book(host, first!);
    const theirs = await book(other, (await offered(other))[0]!);

    const token = await signInToken(host);
    const started = await startSession(token);
    expect(started.status).toBe(201);
    const { sessionToken, hostId } = (await started.json()) as { sessionToken: string; hostId: string };
    expect(hostId).toBe(host.hostId);
    expect(sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const reused = await startSession(token);
    expect(reused.status).toBe(403);
    expect(reused.headers.get("content-type")).toBe("application/problem+json");
    expect((await startSession("made-up")).status).toBe(403);

    const auth = { authorization: `Bearer ${sessionToken}`, "content-type": "application/json" };
    const seen = await fetch(`${app.url}/api/v1/bookings/${booking.id}`, { headers: auth });
    expect(seen.status).toBe(200);
    // The host sees the booking, but not the invitee's own credential.
    const shown = (await seen.json()) as Record<string, unknown>;
    expect(shown["invitee"]).toMatchObject({ name: "Ada Lovelace" });
    expect(shown).not.toHaveProperty("manageToken");
    expect(JSON.stringify(shown)).not.toContain(booking.manageToken);
    const moved = await fetch(`${app.url}/api/v1/bookings/${booking.id}/reschedule`, { method: "POST", headers: auth, body: JSON.stringify({ start: second }) });
    expect(moved.status).toBe(200);
    expect(Date.parse(((await moved.json()) as { start: string }).start)).toBe(Date.parse(second!));
    expect((await eventsOf(booking.id)).at(-1)).toEqual({ type: "rescheduled", actor: "host" });

    // Another host's booking: a 404 that says nothing, and nothing changes.
    const foreign = await fetch(`${app.url}/api/v1/bookings/${theirs.id}/cancel`, { method: "POST", headers: auth, body: "{}" });
    expect(foreign.status).toBe(404);
    expect((await bookingRow(theirs.id)).status).toBe("confirmed");

    const cancelled = await fetch(`${app.url}/api/v1/bookings/${booking.id}/cancel`, { method: "POST", headers: auth, body: JSON.stringify({ reason: "Moved away" }) });
    expect(cancelled.status).toBe(200);
    expect(await bookingRow(booking.id)).toMatchObject({ status: "cancelled", cancelledBy: "host", cancelReason: "Moved away" });
  });
});

describe("a host's API sign-in with an Idempotency-Key", () => {
  const startSession = (signInToken: string, key?: string) =>
    fetch(`${app.url}/api/v1/host/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(key === undefined ? {} : { "idempotency-key": key }) },
      body: JSON.stringify({ signInToken }),
    });
  const sessionsOf = (host: HostFixture) =>
    run(Effect.flatMap(SqlClient, (sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM host_sessions WHERE host_id = ${host.hostId}`)).then(([r]) => r!.n);

  it("answers a retry of the same request with the same session, starts no second one, and keeps no token to do it", async () => {
    const host = await run(createHost());
    const token = await signInToken(host);
    const first = await startSession(token, "sign-in-1");
    expect(first.status).toBe(201);
    const started = (await first.json()) as { sessionToken: string; hostId: string; expiresAt: string };
    expect(started.hostId).toBe(host.hostId);

    const retried = await startSession(token, "sign-in-1");
    expect(retried.status).toBe(201);
    expect(await retried.json()).toEqual(started);
    expect(await sessionsOf(host)).toBe(1);
    const me = await fetch(`${app.url}/api/v1/host/bookings`, { headers: { authorization: `Bearer ${started.sessionToken}` } });
    expect(me.status).toBe(200);

    // Only the digest of the session token is in the database, and no kept answer holds it.
    const kept = await run(
      Effect.flatMap(SqlClient, (sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM api_idempotency_keys WHERE body LIKE ${`%${started.sessionToken}%`}`),
    );
    expect(kept[0]!.n).toBe(0);

    // The link stays single-use for everyone else: another key, or none, is refused.
    expect((await startSession(token, "sign-in-2")).status).toBe(403);
    expect((await startSession(token)).status).toBe(403);
    expect(await sessionsOf(host)).toBe(1);
  });

  it("refuses the retry once the session ended or the link's 15 minutes are over, and a malformed key", async () => {
    const host = await run(createHost());
    const token = await signInToken(host);
    const { sessionToken } = (await (await startSession(token, "k")).json()) as { sessionToken: string };
    await run(Effect.flatMap(HostSessionRepository, (r) => r.endSession(sessionToken, Date.now())));
    expect((await startSession(token, "k")).status, "an ended session is not handed out again").toBe(403);

    const later = await signInToken(host);
    expect((await startSession(later, "k")).status).toBe(201);
    await run(Effect.flatMap(SqlClient, (sql) => sql`UPDATE host_sign_in_links SET expires_at = now() - interval '1 second' WHERE host_id = ${host.hostId}`));
    expect((await startSession(later, "k")).status, "past the link's lifetime a retry is refused").toBe(403);

    const bad = await startSession(await signInToken(host), "spaces are not allowed");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toBe("Idempotency-Key: must be 1 to 200 visible ASCII characters");
  });
});

describe("npm run sign-in", () => {
  it("prints a working single-use link for a host, and exits 2 for an unknown slug or a deactivated host", async () => {
    const host = await run(createHost());
    const signIn = (slug: string) =>
      spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "sign-in", slug], {
        encoding: "utf8",
        env: { ...process.env, DATABASE_URL: Redacted.value(app.databaseUrl), PUBLIC_URL: app.url, LOG_LEVEL: "warning" },
      });
    const printed = signIn(host.hostSlug);
    expect(printed.status).toBe(0);
    const link = printed.stdout.trim();
    expect(link).toMatch(new RegExp(`^${app.url}/host/sign-in/[A-Za-z0-9_-]{43}$`));
    const page = await new PageClient(app.url).get(new URL(link).pathname);
    expect(page.body).toContain(`Sign in as Host ${host.hostSlug}`);

    const unknown = signIn("nobody-here");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no host has the slug "nobody-here"');

    const gone = await run(createHost());
    await run(Effect.flatMap(HostRepository, (r) => r.setActive(gone.hostId, false)));
    const refused = signIn(gone.hostSlug);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain(`the host "${gone.hostSlug}" is deactivated`);
  });
});

describe("host slugs", () => {
  it("may not be one of the paths the server routes itself", async () => {
    for (const slug of ["api", "host", "booking", "assets"]) {
      const exit = await app.runtime.runPromiseExit(
        Effect.flatMap(HostRepository, (r) => r.insertHost({ slug, name: "Squatter", email: "s@example.com", timeZone: "UTC" })),
      );
      expect(exit._tag).toBe("Failure");
    }
  });
});
