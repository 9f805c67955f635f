import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Redacted } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useOpenHostDatabase } from "../support/fixtures.ts";
import { exited, spawnServer } from "../support/server.ts";
import { startSmtpSink, type SmtpSink } from "../support/smtp.ts";

/**
 * The server dies (SIGKILL) while mails are on the wire: the SMTP server has kept them but
 * not yet answered. After a restart every notice is delivered; the only copies are of those
 * unanswered mails (attempts with no recorded outcome), and they carry the same Message-ID.
 */
const database = useOpenHostDatabase();
let smtp: SmtpSink;
let release: () => void = () => {};
const gate = new Promise<void>((resolve) => (release = resolve));

beforeAll(async () => {
  smtp = await startSmtpSink({ hold: () => gate });
});
afterAll(() => smtp?.close());

const startServer = () =>
  spawnServer({
    DATABASE_URL: Redacted.value(database.url),
    LOG_LEVEL: "warning",
    RATE_LIMIT: "off",
    SMTP_URL: smtp.url,
    NOTIFY_LEASE_SECONDS: "2",
    NOTIFY_POLL_SECONDS: "0.5",
    NOTIFY_RETRY_SECONDS: "0.1",
  });

const query = <A extends object>(f: (sql: SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) =>
  database.runtime.runPromise(Effect.flatMap(SqlClient, f));

describe("a server killed while sending mail", () => {
  it("loses no mail after a restart, and duplicates only unanswered ones, with the same Message-ID", async () => {
    const first = await startServer();
    const from = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const { host } = database;
    const slots = ((await (await fetch(`${first.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${from}`)).json()) as { slots: { start: string }[] }).slots;
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${first.url}/api/v1/bookings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ eventTypeId: host.eventTypeId, start: slots[i]!.start, invitee: { name: `I ${i}`, email: `crash-${i}@example.com`, timeZone: "UTC" } }),
      });
      expect(res.status).toBe(201);
    }
    // Some mails have reached the SMTP server, which holds its replies: kill the sender now.
    await smtp.until(3);
    first.child.kill("SIGKILL");
    await exited(first.child);
    const unanswered = smtp.mails.length;
    release();

    const second = await startServer();
    try {
      const notices = () =>
        query((sql) => sql<{ id: string; status: string }>`SELECT id, status FROM notification_outbox WHERE kind = 'booking_confirmed' ORDER BY id`);
      await expect.poll(async () => (await notices()).every((n) => n.status === "sent"), { timeout: 20_000 }).toBe(true);
      const all = await notices();
      expect(all).toHaveLength(40);

      const received = new Map<string, number>();
      for (const m of smtp.mails) {
        const id = /^<notice-(\d+)\./.exec(m.messageId)![1]!;
        received.set(id, (received.get(id) ?? 0) + 1);
      }
      // Nothing lost…
      expect(all.filter((n) => !received.has(n.id))).toEqual([]);
      // …and a copy only of a mail whose attempt has no known outcome, sent again under its Message-ID.
      const unknown = new Set(
        (await query((sql) => sql<{ id: string }>`SELECT outbox_id AS id FROM notification_attempts WHERE outcome IS NULL`)).map((r) => r.id),
      );
      const copied = [...received].filter(([, n]) => n > 1).map(([id]) => id);
      expect(copied.length).toBeGreaterThan(0);
      expect(copied.length).toBeLessThanOrEqual(unanswered);
      for (const id of copied) {
        expect(unknown.has(id), `notice ${id}`).toBe(true);
        expect(received.get(id)).toBe(2);
      }
      // The restarted server counts what it claimed again without knowing the outcome.
      const metrics = await (await fetch(`${second.url}/metrics`)).text();
      const counted = Number(/^rendezvous_notices_unknown_outcome_total (\d+)$/m.exec(metrics)![1]);
      expect(counted).toBeGreaterThanOrEqual(copied.length);
    } finally {
      second.child.kill("SIGTERM");
      await exited(second.child);
    }
  }, 60_000);
});
