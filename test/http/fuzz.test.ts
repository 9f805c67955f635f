import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, FastCheck as fc } from "effect";
import { request as httpRequest } from "node:http";
import { beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { useTestApp } from "../support/app.ts";
import { bookViaApi } from "../support/api.ts";
import { createHost, type HostFixture } from "../support/fixtures.ts";
import { HostSessionRepository } from "../../src/persistence/HostSessionRepository.ts";
import { ApiKeyRepository } from "../../src/persistence/ApiKeyRepository.ts";

/**
 * Every route and method, with random paths, percent-encodings, headers and bodies. Whatever
 * arrives: the process stays up, no answer is a 5xx or shows a stack trace, and Postgres holds
 * nothing new. FUZZ_RUNS raises the number of cases (CI runs 5,000).
 */
const RUNS = Number(process.env["FUZZ_RUNS"] ?? 5_000);

const app = useTestApp();
let host: HostFixture;
let booking: { id: string; manageToken: string };
/** Its token goes in Authorization: a real token of another booking, so no request can rightly act on `booking`. */
let other: { id: string; manageToken: string };
/** A real session of the host (the owner, so the team pages answer): signed-in pages see the fuzz too. */
let session: string;
/** A real read-only API key of the host (and its id): the API reads with it, and may write nothing. */
let readKey: { id: string; key: string };

beforeAll(async () => {
  host = await app.runtime.runPromise(
    createHost({ eventType: { questions: [{ id: "topic", label: "Topic", kind: "single_choice", required: true, options: ["a", "b"] }] } }),
  );
  const from = new Date(Date.now() + 86_400_000).toISOString();
  const slots = (await (await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${from}`)).json()) as { slots: { start: string }[] };
  const res = await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: slots.slots[0]!.start, name: "Fuzz", email: "fuzz@example.com", answers: { topic: "a" } });
  booking = (await res.json()) as typeof booking;
  const second = await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: slots.slots[1]!.start, name: "Other", email: "other@example.com", answers: { topic: "b" } });
  other = (await second.json()) as typeof other;
  session = await app.runtime.runPromise(
    Effect.gen(function* () {
      const access = yield* HostSessionRepository;
      yield* access.ensureOwner(host.hostId);
      const link = yield* access.issueSignInLink(host.hostId, Date.now());
      return (yield* access.redeemSignInLink(link, Date.now(), "fuzz"))!.session;
    }),
  );
  const made = await app.runtime.runPromise(Effect.flatMap(ApiKeyRepository, (r) => r.create(host.hostId, "fuzz", ["read"], Date.now())));
  readKey = { id: made.apiKey.id, key: made.key };
});

const TABLES = ["hosts", "event_types", "availability_rules", "date_overrides", "schedules", "bookings", "booking_events", "notification_outbox", "host_sessions", "host_sign_in_links", "webhooks", "host_invitations", "booking_host_notes", "api_keys", "api_idempotency_keys"];

const rowCounts = () =>
  app.runtime.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient;
      const counts: Record<string, number> = {};
      for (const table of TABLES) counts[table] = (yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql(table)}`)[0]!.n;
      // Ending a session changes a row rather than removing it.
      counts["ended sessions"] = (yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM host_sessions WHERE ended_at IS NOT NULL`)[0]!.n;
      counts["revoked keys"] = (yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM api_keys WHERE revoked_at IS NOT NULL`)[0]!.n;
      return counts;
    }),
  );

/** Percent-encodings valid and broken, odd characters, and the real names of things. */
const segment = () =>
  fc.oneof(
    fc.constantFrom(host.hostSlug, host.eventSlug, host.hostId, host.eventTypeId, booking.id, booking.manageToken, readKey.id, "demo", "api", "host", "live", "mailbox", "1", "0", "-1", "99999999999999999999", "..", ".", ""),
    fc.string({ maxLength: 20 }).map(encodeURIComponent),
    fc.constantFrom("%ZZ", "%E0%A4%A", "%FF%FE", "%00", "%", "%2F", "%C0%AF", "%ED%A0%80", "a%20b", "%F0%9F%98%80"),
    fc.stringMatching(/^[a-z0-9-]{1,70}$/),
    fc.uuid(),
  );

const TEMPLATES = [
  "/",
  "/:s",
  "/:s/:s",
  "/:s/:s/slots",
  "/:s/:s/hold",
  "/:s/:s/hold/renew",
  "/:s/:s/release",
  "/:s/:s/book",
  "/booking/:s",
  "/booking/:s/meeting.ics",
  "/booking/:s/cancel",
  "/booking/:s/reschedule",
  "/booking/:s/reschedule/review",
  "/host",
  "/host/sign-in",
  "/host/sign-up",
  "/host/sign-in/:s",
  "/host/bookings/:s/cancel",
  "/host/bookings/:s/reschedule",
  "/host/bookings/:s/note",
  "/host/bookings/:s/accept",
  "/host/bookings/:s/decline",
  "/host/meetings",
  "/host/meetings.csv",
  "/host/event-types",
  "/host/preview",
  "/host/event-types/new",
  "/host/event-types/:s",
  "/host/event-types/:s/duplicate",
  "/host/event-types/:s/delete",
  "/host/event-types/check",
  "/host/event-types/:s/check",
  "/host/account/check",
  "/host/join/:s/check",
  "/host/availability",
  "/host/availability/overrides",
  "/host/availability/overrides/:s/delete",
  "/host/availability/schedules/:s/delete",
  "/host/team",
  "/host/account",
  "/host/account/agenda",
  "/host/account/listing",
  "/host/account/avatar",
  "/host/account/avatar/delete",
  "/host/avatars/:s",
  "/host/sessions/end-all",
  "/host/sessions/:s/end",
  "/host/team/invitations",
  "/host/team/:s/deactivate",
  "/host/team/:s/reactivate",
  "/host/team/:s/role",
  "/host/api-keys",
  "/host/api-keys/:s/revoke",
  "/host/join/:s",
  "/host/live",
  "/host/notices/:s/retry",
  "/host/webhooks",
  "/host/webhooks/:s/delete",
  "/host/webhooks/:s/test",
  "/host/sign-out",
  "/api/v1/hosts/:s/event-types/:s/slots",
  "/api/v1/bookings",
  "/api/v1/bookings/:s",
  "/api/v1/bookings/:s/cancel",
  "/api/v1/bookings/:s/reschedule",
  "/api/v1/bookings/:s/accept",
  "/api/v1/bookings/:s/decline",
  "/api/v1/host/sessions",
  "/api/v1/host/webhooks",
  "/api/v1/host/webhooks/:s",
  "/api/v1/host",
  "/api/v1/host/bookings",
  "/api/v1/bookings/:s/no-show",
  "/api/v1/host/event-types",
  "/api/v1/host/event-types/:s",
  "/api/v1/host/availability",
  "/api/v1/host/availability/weekly",
  "/api/v1/host/availability/overrides/:s",
  "/api/v1/host/schedules",
  "/api/v1/host/schedules/:s",
  "/api/v1/openapi.json",
  "/api/v1/docs",
  "/api/v1/:s",
  "/assets/:s",
  "/embed.js",
  "/health",
  "/health/live",
  "/health/ready",
  "/metrics",
  "/mailbox",
  "/mailbox/:s",
  "/mailbox/:s/html",
  "/mailbox/:s/invite.ics",
  "/mailbox/:s/message.eml",
  "/:s/:s/:s/:s",
];

const pathArb = () =>
  fc.constantFrom(...TEMPLATES).chain((template) => {
    const holes = template.split(":s").length - 1;
    return fc.array(segment(), { minLength: holes, maxLength: holes }).map((parts) => {
      let i = 0;
      return template.replace(/:s/g, () => parts[i++]!);
    });
  });

const queryArb = () =>
  fc
    .array(
      fc.tuple(
        fc.constantFrom("tz", "from", "to", "days", "date", "month", "clock", "d", "duration", "schedule", "hold", "start", "embed", "new", "cancelled", "signed-out", "saved", "view", "type", "q", "page", "event", "x", "eventTypeId", "limit", "cursor"),
        fc.oneof(
          fc.string({ maxLength: 30 }),
          fc.constantFrom("Europe/Vienna", "Pacific/Chatham", "2026-13-45", "2027-02", "9999-12-31T00:00:00Z", "-1", "1e9", "12h", "%ZZ", "past", "cancelled", "%00", "99999999999"),
        ),
      ),
      { maxLength: 4 },
    )
    // Values with a % go out as written (broken escapes included), only made sendable.
    .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${k}=${/%/.test(v) ? sendable(v) : encodeURIComponent(v)}`).join("&")}`));

const sendable = (v: string) => v.replace(/[^\x21-\x7e]|[#&]/g, (c) => encodeURIComponent(c));

/** Header values an HTTP client can send (no CR, LF or NUL). */
const headerValue = () => fc.string({ maxLength: 60 }).map((s) => s.replace(/[\u0000-\u001f\u007f-\uffff]/g, ""));

const headersArb = () =>
  fc.record(
    {
      origin: fc.oneof(fc.constant(`http://127.0.0.1`), fc.constantFrom("null", "garbage", "http://evil.example", "http://[::1"), headerValue()),
      "content-type": fc.oneof(
        fc.constantFrom("application/json", "application/x-www-form-urlencoded", "application/jsonx", "text/plain", "multipart/form-data; boundary=x", "application/json; charset=latin1"),
        headerValue(),
      ),
      "accept-language": fc.oneof(fc.constantFrom("de-AT", "en-US,en;q=0.5", "ar-EG", "zz", "*", ";q=", "x-".repeat(40)), headerValue()),
      cookie: fc.oneof(
        fc.constant(`rv_host=${session}`),
        fc.constant(`rv_visitor=aaaaaaaaaaaaaaaaaaaaaa; rv_host=${session}`),
        fc.constantFrom("rv_tz=; rv_tz=Pacific/Chatham", "rv_visitor=%ZZ", "rv_host=abc", "rv_tz=%E0%A4%A", "=x; ;;", "rv_visitor=aaaaaaaaaaaaaaaaaaaaaa"),
        headerValue(),
      ),
      "hx-request-type": fc.constantFrom("partial", "full"),
      authorization: fc.oneof(
        fc.constant(`Bearer ${other.manageToken}`),
        fc.constant(`Bearer ${readKey.key}`),
        fc.constantFrom("Bearer", "Bearer x y", "Basic abc", "Bearer rvk_", `Bearer rvk_${"A".repeat(43)}`),
        headerValue(),
      ),
      "idempotency-key": headerValue(),
      "if-match": fc.oneof(fc.constantFrom("*", '"x"', 'W/"x"', '"a", "b"', ""), headerValue()),
      "if-none-match": fc.oneof(fc.constantFrom("*", '"x"'), headerValue()),
      "x-forwarded-for": fc.constantFrom("1.2.3.4", "garbage", "::1"),
    },
    { requiredKeys: [] },
  );

const jsonBody = () =>
  fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc
      .record({
        eventTypeId: fc.oneof(fc.constant(host.eventTypeId), fc.uuid(), fc.string()),
        start: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
        invitee: fc.record({ name: fc.string(), email: fc.oneof(fc.emailAddress(), fc.string()), timeZone: fc.constantFrom("UTC", "Mars/Base", "") }),
        answers: fc.dictionary(fc.oneof(fc.constantFrom("topic", "__proto__", "constructor", "note"), fc.string()), fc.oneof(fc.string(), fc.integer())),
        holdToken: fc.oneof(fc.constant(null), fc.string()),
        durationMinutes: fc.oneof(fc.constantFrom(15, 30, 0, -1, 1.5, 1e9), fc.string()),
        reason: fc.oneof(fc.string(), fc.constant("a\u0000b")),
        signInToken: fc.string(),
        url: fc.oneof(fc.webUrl(), fc.constantFrom("http://127.0.0.1:1/x", "ftp://x", "http://[::1"), fc.string()),
        events: fc.oneof(fc.array(fc.constantFrom("booking.created", "booking.cancelled", "nope")), fc.string()),
        slug: fc.oneof(fc.constant(host.eventSlug), fc.stringMatching(/^[a-z0-9-]{1,70}$/), fc.string()),
        title: fc.string(),
        active: fc.oneof(fc.boolean(), fc.string()),
        rules: fc.array(fc.record({ weekday: fc.integer({ min: -1, max: 8 }), start: fc.constantFrom("09:00", "24:00", "9am", ""), end: fc.constantFrom("10:00", "00:00", "25:00") })),
        windows: fc.oneof(fc.constant([]), fc.array(fc.record({ start: fc.constantFrom("09:00", "x"), end: fc.constantFrom("10:00", "08:00") }))),
        days: fc.oneof(fc.integer({ min: -2, max: 200 }), fc.string()),
        noShow: fc.oneof(fc.boolean(), fc.string()),
      }, { requiredKeys: [] })
      .map((v) => JSON.stringify(v)),
    fc.nat({ max: 40_000 }).map((n) => "[".repeat(n) + "]".repeat(n)),
    fc.constantFrom('{"name":"A\\u0000B"}', '{"answers":{"topic":"\\ud800"}}', "{", "null", '"x"', "1e999"),
  );

const formBody = () =>
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom("_csrf", "_v", "embed", "start", "tz", "d", "hold", "idempotencyKey", "name", "email", "note", "reason", "answers.topic", "answers.__proto__", "url", "event.booking.created"),
          fc.constantFrom("title", "slug", "durationMinutes", "durationChoices", "maxDaysAhead", "questions[0].label", "questions[0].kind", "questions[0].options", "active", "locationKind", "location", "until", "requiresConfirmation", "reminderMinutes", "colour"),
          fc.constantFrom("action", "copyFrom", "copyTo.2", "hours[1][0].start", "hours[1][0].end", "date", "mode", "windows[0].start", "timeZone", "bio", "noShow", "back", "agendaHour", "_check", "_shown", "schedule", "scheduleId", "listed", "read", "write"),
          fc.string({ maxLength: 10 }),
        ),
        fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("\u0000", "%ZZ", "2027-01-05T10:00:00Z", "x".repeat(3000))),
      ),
      { maxLength: 8 },
    )
    .map((pairs) => new URLSearchParams(pairs).toString());

const bodyArb = () =>
  fc.oneof(
    { weight: 3, arbitrary: jsonBody() },
    { weight: 3, arbitrary: formBody() },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("latin1")) },
    { weight: 1, arbitrary: fc.constantFrom("", "x".repeat(70_000), "\u0000\u0000") },
  );

const caseArb = () =>
  fc.record({
    method: fc.constantFrom("GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"),
    path: pathArb(),
    query: queryArb(),
    headers: headersArb(),
    body: bodyArb(),
  });

/** Raw HTTP, so paths reach the server exactly as generated (no client-side normalisation). */
const send = (c: { method: string; path: string; query: string; headers: Record<string, string>; body: string }) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const url = new URL(app.url);
    const withBody = c.method !== "GET" && c.method !== "HEAD";
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: c.method, path: c.path + c.query, headers: { ...c.headers, ...(withBody ? { "content-length": Buffer.byteLength(c.body) } : {}) }, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(withBody ? c.body : undefined);
  });

const STACK_TRACE = /\n\s+at .+[:(]\d+|node_modules|file:\/\/\//;

describe("the fuzz suite", () => {
  it(`answers ${RUNS} random requests with no 5xx, no stack trace and no write`, async () => {
    const before = await rowCounts();
    await fc.assert(
      fc.asyncProperty(caseArb(), async (c) => {
        const res = await send(c);
        expect(res.status, `${c.method} ${c.path}${c.query}`).toBeGreaterThanOrEqual(200);
        expect(res.status, `${c.method} ${c.path}${c.query} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
        expect(res.body).not.toMatch(STACK_TRACE);
      }),
      { numRuns: RUNS },
    );
    expect(await rowCounts()).toEqual(before);
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
  }, 600_000);

  it("survives random WebSocket upgrades and frames", async () => {
    const base = app.url.replace("http", "ws");
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(host.hostId), segment()),
        queryArb(),
        fc.constantFrom("", "null", "garbage", app.url, "http://evil.example"),
        fc.array(fc.oneof(fc.string({ maxLength: 100 }), fc.uint8Array({ maxLength: 5000 })), { maxLength: 4 }),
        fc.constantFrom("/live/hosts/", "/host/live"),
        fc.constantFrom("", `rv_host=${"x".repeat(43)}`, "rv_host=%ZZ", `rv_host=${session}`),
        async (id, query, origin, frames, route, cookie) => {
          const path = route === "/host/live" ? route : `${route}${id}`;
          const headers = { ...(origin === "" ? {} : { origin }), ...(cookie === "" ? {} : { cookie }) };
          const socket = new WebSocket(`${base}${path}${query}`, { headers });
          await new Promise<void>((resolve) => {
            socket.once("open", () => {
              for (const f of frames) socket.send(f);
              socket.close();
            });
            socket.once("close", () => resolve());
            socket.once("unexpected-response", (_req, res) => {
              expect(res.statusCode).toBeLessThan(500);
              resolve();
            });
            socket.once("error", () => resolve());
          });
        },
      ),
      { numRuns: Math.max(200, Math.floor(RUNS / 20)) },
    );
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
  }, 300_000);
});
