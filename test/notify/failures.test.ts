import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Layer, ManagedRuntime, Option, Redacted } from "effect";
import { describe, expect, it } from "vitest";
import { AppConfigOf } from "../../src/AppConfig.ts";
import { Repositories } from "../../src/cli/core.ts";
import { Deliveries } from "../../src/cli/layers.ts";
import type { BookingId } from "../../src/domain/model.ts";
import { epochMs } from "../../src/domain/time.ts";
import { BookingRepository } from "../../src/persistence/BookingRepository.ts";
import { pgClientLayer } from "../../src/persistence/Database.ts";
import { freeLoopbackPort } from "../../src/persistence/EmbeddedPostgres.ts";
import { HostSessionRepository } from "../../src/persistence/HostSessionRepository.ts";
import { bookViaApi, type ApiBooking } from "../support/api.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { testConfig } from "../support/core.ts";
import { inputValue, PageClient } from "../support/client.ts";
import { createOpenHost, type HostFixture } from "../support/fixtures.ts";
import { startSmtpSink, type Refusal, type SmtpSink } from "../support/smtp.ts";

const rows = <A extends object>(app: TestApp, f: (sql: SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) =>
  app.runtime.runPromise(Effect.flatMap(SqlClient, f));

const outbox = (app: TestApp) =>
  rows(app, (sql) =>
    sql<{ id: string; recipient: string; status: string; attempts: number; email: string }>`
      SELECT o.id, o.recipient, o.status, o.attempts, b.invitee_email AS email FROM notification_outbox o
      JOIN bookings b ON b.id = o.booking_id WHERE o.kind = 'booking_confirmed' ORDER BY o.id`,
  );

const slotsOf = async (app: TestApp, host: HostFixture) => {
  const from = new Date(Date.now() + 2 * 86_400_000).toISOString();
  const res = await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${from}`);
  return ((await res.json()) as { slots: { start: string }[] }).slots.map((s) => s.start);
};

const book = async (app: TestApp, host: HostFixture, start: string, email: string) => {
  const res = await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start, email });
  expect(res.status).toBe(201);
  return (await res.json()) as ApiBooking;
};

type NoticeCounts = Record<"sent" | "retrying" | "dead" | "skipped", number>;

/** The process's notice counters, as /metrics reports them. */
const noticeCounts = async (app: TestApp): Promise<NoticeCounts> => {
  const text = await fetch(`${app.url}/metrics`).then((r) => r.text());
  const count = (outcome: string) => Number(new RegExp(`^rendezvous_notices_total\\{outcome="${outcome}"\\} (\\d+)$`, "m").exec(text)?.[1]);
  return { sent: count("sent"), retrying: count("retrying"), dead: count("dead"), skipped: count("skipped") };
};

const noticesSince = (before: NoticeCounts, now: NoticeCounts): NoticeCounts => ({
  sent: now.sent - before.sent,
  retrying: now.retrying - before.retrying,
  dead: now.dead - before.dead,
  skipped: now.skipped - before.skipped,
});

describe("deliveries when the mail server fails", () => {
  it("retries while the SMTP server is down and delivers every mail exactly once when it is back", async () => {
    const port = await freeLoopbackPort();
    const app = await startTestApp({
      smtpUrl: Option.some(Redacted.make(`smtp://127.0.0.1:${port}`)),
      deliveries: { pollMs: 1_000, leaseMs: 5_000, retryBaseMs: 50, maxAttempts: 30, retentionDays: 30 },
    });
    let smtp: SmtpSink | undefined;
    try {
      const host = await app.runtime.runPromise(createOpenHost());
      const slots = await slotsOf(app, host);
      for (let i = 0; i < 3; i++) await book(app, host, slots[i]!, `down-${i}@example.com`);
      // Every confirmation has failed at least once against the closed port…
      await expect.poll(async () => (await outbox(app)).every((o) => o.attempts >= 2 && o.status === "pending"), { timeout: 10_000 }).toBe(true);
      const failed = await rows(app, (sql) => sql<{ error: string }>`SELECT error FROM notification_attempts WHERE outcome = 'transient' LIMIT 1`);
      expect(failed[0]!.error).toMatch(/ECONNREFUSED/);
      // …then the server comes up on that port.
      smtp = await startSmtpSink({ port });
      await smtp.until(6);
      await expect.poll(async () => (await outbox(app)).map((o) => o.status), { timeout: 10_000 }).toEqual(Array(6).fill("sent"));
      const ids = smtp.mails.map((m) => m.messageId);
      expect(ids).toHaveLength(6);
      expect(new Set(ids).size).toBe(6);
    } finally {
      await app.close();
      await smtp?.close();
    }
  });

  it("retries a 4xx until it is accepted, gives up on a 5xx at once, and lets the host send it again from the dashboard", async () => {
    let rejecting = true;
    const tempFailed = new Set<string>();
    const smtp = await startSmtpSink({
      respond: (to): Refusal => {
        if (to.includes("busy@example.com") && !tempFailed.has("busy")) {
          tempFailed.add("busy");
          return { code: 451, message: "Try again later" };
        }
        if (to.includes("typo@example.com") && rejecting) return { code: 550, message: "No such user here" };
        return undefined;
      },
    });
    const app = await startTestApp({ smtpUrl: Option.some(Redacted.make(smtp.url)) });
    try {
      const before = await noticeCounts(app);
      const host = await app.runtime.runPromise(createOpenHost());
      const slots = await slotsOf(app, host);
      await book(app, host, slots[0]!, "busy@example.com");
      const typo = await book(app, host, slots[1]!, "typo@example.com");
      await smtp.waitFor((m) => m.to.includes("busy@example.com"));
      await expect.poll(async () => (await outbox(app)).find((o) => o.email === "typo@example.com" && o.recipient === "invitee")?.status).toBe("dead");
      await expect.poll(async () => (await outbox(app)).find((o) => o.email === "busy@example.com" && o.recipient === "invitee")).toMatchObject({ status: "sent", attempts: 2 });
      const all = await outbox(app);
      const dead = all.find((o) => o.email === "typo@example.com" && o.recipient === "invitee")!;
      expect(dead.attempts).toBe(1);
      // The counters are the process's (earlier tests in this file sent mail too): compare with before.
      await expect.poll(async () => noticesSince(before, await noticeCounts(app))).toEqual({ sent: 3, retrying: 1, dead: 1, skipped: 0 });

      // The host sees it on the dashboard, with the server's answer, and sends it again.
      const browser = new PageClient(app.url);
      const token = await app.runtime.runPromise(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(host.hostId, Date.now())));
      const link = `/host/sign-in/${token}`;
      await browser.postForm(link, { _csrf: inputValue((await browser.get(link)).body, "_csrf")! });
      const dashboard = await browser.get("/host");
      expect(dashboard.status).toBe(200);
      expect(dashboard.body).toContain("Mail and webhook calls that could not be delivered");
      expect(dashboard.body).toContain(`id="notice-${dead.id}"`);
      expect(dashboard.body).toContain("550");
      expect(dashboard.body).toContain("typo@example.com");
      const csrf = inputValue(dashboard.body, "_csrf")!;
      expect((await browser.postForm(`/host/notices/999999/retry`, { _csrf: csrf })).status).toBe(404);
      expect((await browser.postForm(`/host/notices/${dead.id}/retry`, {})).status).toBe(403);

      rejecting = false;
      const retried = await browser.postForm(`/host/notices/${dead.id}/retry`, { _csrf: csrf });
      expect(retried.status).toBe(303);
      expect(retried.headers.get("location")).toBe("/host?retried=1");
      const delivered = await smtp.waitFor((m) => m.to.includes("typo@example.com"));
      expect(delivered.parsed.text).toContain(`/booking/${typo.manageToken}`);
      await expect.poll(async () => (await outbox(app)).find((o) => o.id === dead.id)?.status).toBe("sent");
      expect((await browser.get("/host")).body).not.toContain("Mail and webhook calls that could not be delivered");
    } finally {
      await app.close();
      await smtp.close();
    }
  });

  it("shares one outbox between two workers without sending any row twice", async () => {
    // A slow server (5 ms per message) spreads the work; the second worker polls once a
    // minute, so it takes part only if the first process's NOTIFY wakes it.
    const smtp = await startSmtpSink({ hold: () => new Promise((resolve) => setTimeout(resolve, 5)) });
    // Leases long enough that none runs out even on a loaded machine: this test is about two
    // workers never claiming the same row; a lease that runs out resends by design (tested with kill -9).
    const settings = { pollMs: 1_000, leaseMs: 60_000, retryBaseMs: 100, maxAttempts: 4, retentionDays: 30 };
    const app = await startTestApp({ smtpUrl: Option.some(Redacted.make(smtp.url)), deliveries: settings });
    const second = ManagedRuntime.make(
      Deliveries.pipe(
        Layer.provideMerge(Repositories),
        Layer.provideMerge(pgClientLayer(app.databaseUrl)),
        Layer.provideMerge(AppConfigOf(testConfig(app.databaseUrl, 0, { smtpUrl: Option.some(Redacted.make(smtp.url)), deliveries: { ...settings, pollMs: 60_000 } }))),
      ),
    );
    try {
      await second.runPromise(Effect.void);
      const host = await app.runtime.runPromise(createOpenHost());
      // 600 bookings (1,200 mails, more than one process claims at once) written straight to the
      // outbox's tables in two statements, the second once the first is being sent (so the
      // second worker's LISTEN is surely up by then).
      const now = Date.now();
      const first = Math.ceil((now + 2 * 86_400_000) / 900_000) * 900_000;
      const bookings = Array.from({ length: 600 }, (_, i) => ({
        id: crypto.randomUUID() as BookingId,
        hostId: host.hostId,
        eventTypeId: host.eventTypeId,
        invitee: { name: `Invitee ${i}`, email: `i${i}@example.com`, timeZone: "UTC" },
        answers: {},
        start: epochMs(first + i * 900_000),
        end: epochMs(first + i * 900_000 + 900_000),
        bufferBeforeMinutes: 0,
        bufferAfterMinutes: 0,
        status: "confirmed" as const,
        manageToken: `manage-token-${i}-${crypto.randomUUID()}`,
        idempotencyKey: null,
        requestDigest: null,
        version: 1,
        cancelledBy: null,
        cancelReason: null,
        createdAt: epochMs(now),
      }));
      await app.runtime.runPromise(Effect.flatMap(BookingRepository, (r) => r.insert(bookings.slice(0, 300))));
      await smtp.until(100);
      await app.runtime.runPromise(Effect.flatMap(BookingRepository, (r) => r.insert(bookings.slice(300))));
      await smtp.until(1_200);
      const ids = smtp.mails.map((m) => m.messageId);
      expect(new Set(ids).size).toBe(1_200);
      await expect.poll(async () => (await outbox(app)).filter((o) => o.status === "sent").length).toBe(1_200);
      const attempts = await rows(app, (sql) =>
        sql<{ attempts: number; workers: number }>`
          SELECT count(*)::int AS attempts, count(DISTINCT worker)::int AS workers FROM notification_attempts a
          JOIN notification_outbox o ON o.id = a.outbox_id WHERE o.kind = 'booking_confirmed'`,
      );
      // One attempt per row, and both workers took part.
      expect(attempts[0]).toEqual({ attempts: 1_200, workers: 2 });
    } finally {
      await second.dispose();
      await app.close();
      await smtp.close();
    }
  });
});
