import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { Effect, Redacted } from "effect";
import { describe, expect, it } from "vitest";
import type { HostId } from "../../src/domain/model.ts";
import { DAY_MS } from "../../src/domain/time.ts";
import { retainOnce } from "../../src/ops/retention.ts";
import { ApiKeyRepository } from "../../src/persistence/ApiKeyRepository.ts";
import { useTestApp } from "../support/app.ts";
import { createHost, type HostFixture } from "../support/fixtures.ts";
import { queryOf, signedInAs } from "../support/host.ts";

const app = useTestApp();
const query = queryOf(app);
const settings = { archiveAfterDays: 90, auditRetentionDays: 730, noticeRetentionDays: 30 };

/** A clock moved to `at`: the retention run judges every age from it. */
const retainAt = (at: number) => app.runtime.runPromise(retainOnce(settings, at));

/**
 * A meeting that already happened, written as its booking would have been then: the row, its
 * audit row, its confirmation notice (sent) and the host's note. The actor refuses past times,
 * so it goes straight to the tables.
 */
const pastMeeting = async (host: HostFixture, endedAt: number, name: string) => {
  const id = randomUUID();
  const token = randomBytes(24).toString("base64url");
  await query(
    `INSERT INTO bookings (id, host_id, event_type_id, invitee_name, invitee_email, invitee_time_zone, start_at, end_at, manage_token, created_at)
     VALUES ($1, $2, $3, $4, 'guest@example.com', 'UTC', $5, $6, $7, $8)`,
    id, host.hostId, host.eventTypeId, name, new Date(endedAt - 30 * 60_000), new Date(endedAt), token, new Date(endedAt - 7 * DAY_MS),
  );
  await query(`INSERT INTO booking_events (booking_id, host_id, type, actor, at) VALUES ($1, $2, 'created', 'invitee', $3)`, id, host.hostId, new Date(endedAt - 7 * DAY_MS));
  await query(
    `INSERT INTO notification_outbox (booking_id, kind, recipient, payload, status, finished_at) VALUES ($1, 'booking_confirmed', 'invitee', '{"start":0,"end":0,"sequence":0}', 'sent', $2)`,
    id, new Date(endedAt - 7 * DAY_MS),
  );
  await query(`INSERT INTO booking_host_notes (booking_id, host_id, note) VALUES ($1, $2, $3)`, id, host.hostId, `notes on ${name}`);
  return { id, token };
};

const whereIs = async (id: string) => {
  const [live] = await query<{ n: number }>("SELECT count(*)::int AS n FROM bookings WHERE id = $1", id);
  const [archived] = await query<{ n: number }>("SELECT count(*)::int AS n FROM bookings_archive WHERE id = $1", id);
  return live!.n === 1 && archived!.n === 0 ? "bookings" : live!.n === 0 && archived!.n === 1 ? "archive" : `live ${live!.n}, archived ${archived!.n}`;
};

const keyFor = (hostId: HostId) =>
  app.runtime.runPromise(Effect.map(Effect.flatMap(ApiKeyRepository, (r) => r.create(hostId, "test", ["read"], Date.now())), (m) => m.key));

describe("retention", () => {
  it("moves bookings that ended ARCHIVE_AFTER_DAYS ago to the archive, where the API, the past list and the manage page still find them", async () => {
    const host = await app.runtime.runPromise(createHost());
    const now = Date.now();
    const old = await pastMeeting(host, now - 120 * DAY_MS, "Olga Oldtimer");
    const recent = await pastMeeting(host, now - 10 * DAY_MS, "Rita Recent");
    // A notice still to send keeps its booking where the worker reads it.
    const waiting = await pastMeeting(host, now - 200 * DAY_MS, "Wanda Waiting");
    await query(`UPDATE notification_outbox SET status = 'pending', finished_at = NULL, available_at = now() + interval '1 day' WHERE booking_id = $1`, waiting.id);

    const first = await retainAt(now);
    expect(first.archived).toBe(1);
    expect(await whereIs(old.id)).toBe("archive");
    expect(await whereIs(recent.id)).toBe("bookings");
    expect(await whereIs(waiting.id)).toBe("bookings");
    expect((await retainAt(now)).archived, "a second run finds nothing more").toBe(0);

    const key = await keyFor(host.hostId);
    const read = await fetch(`${app.url}/api/v1/bookings/${old.id}`, { headers: { authorization: `Bearer ${key}` } });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: old.id, invitee: { name: "Olga Oldtimer" } });
    const past = await fetch(`${app.url}/api/v1/host/bookings?view=past&limit=100`, { headers: { authorization: `Bearer ${key}` } });
    const listed = ((await past.json()) as { bookings: { id: string }[] }).bookings.map((b) => b.id);
    expect(listed).toEqual([recent.id, old.id, waiting.id]);

    const browser = await signedInAs(app, host.hostId);
    const page = await browser.get("/host/meetings?view=past");
    expect(page.status).toBe(200);
    expect(page.body).toContain("Olga Oldtimer");
    expect(page.body).toContain("notes on Olga Oldtimer");
    const manage = await browser.get(`/booking/${old.token}`);
    expect(manage.status).toBe(200);
    expect(manage.body).toContain("Olga Oldtimer");

    // The clock moves on 85 days: the recent meeting is now past the line too.
    const later = await retainAt(now + 85 * DAY_MS);
    expect(later.archived).toBe(1);
    expect(await whereIs(recent.id)).toBe("archive");
  });

  it("keeps the archive's columns those of bookings, in order, so moving a row loses nothing", async () => {
    const columns = (table: string) =>
      query<{ name: string; type: string }>(
        "SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
        table,
      );
    const live = await columns("bookings");
    expect(live.length).toBeGreaterThan(15);
    expect(await columns("bookings_archive")).toEqual(live);
  });

  it("prunes audit rows and finished notices by their own retention, not with the bookings", async () => {
    const host = await app.runtime.runPromise(createHost());
    const now = Date.now();
    const meeting = await pastMeeting(host, now - 100 * DAY_MS, "Audrey Audit");
    const events = async () => (await query<{ n: number }>("SELECT count(*)::int AS n FROM booking_events WHERE booking_id = $1", meeting.id))[0]!.n;
    const notices = async () => (await query<{ n: number }>("SELECT count(*)::int AS n FROM notification_outbox WHERE booking_id = $1", meeting.id))[0]!.n;
    await retainAt(now);
    expect(await whereIs(meeting.id)).toBe("archive");
    // Written 107 days ago: older than the notices' 30 days, younger than the audit's 730.
    expect(await notices()).toBe(0);
    expect(await events()).toBe(1);
    // Outside the retention job the audit stays append-only.
    await expect(query("DELETE FROM booking_events WHERE booking_id = $1", meeting.id)).rejects.toThrow();
    expect(await events()).toBe(1);
    const twoYearsOn = await retainAt(now + 700 * DAY_MS);
    expect(twoYearsOn.auditPruned).toBeGreaterThanOrEqual(1);
    expect(await events()).toBe(0);
    expect(await whereIs(meeting.id), "the archived booking itself stays").toBe("archive");
  });

  it("runs once on npm run archive, printing what it moved and pruned", async () => {
    const host = await app.runtime.runPromise(createHost());
    const meeting = await pastMeeting(host, Date.now() - 95 * DAY_MS, "Cleo Command");
    const run = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "archive"], {
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: Redacted.value(app.databaseUrl), LOG_LEVEL: "warning", ARCHIVE_AFTER_DAYS: "90" },
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, number>;
    expect(report["archived"]).toBeGreaterThanOrEqual(1);
    expect(Object.keys(report).sort()).toEqual(["archived", "auditPruned", "noticesPruned"]);
    expect(await whereIs(meeting.id)).toBe("archive");

    const refused = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "archive"], {
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: Redacted.value(app.databaseUrl), LOG_LEVEL: "warning", ARCHIVE_AFTER_DAYS: "7" },
    });
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain("ARCHIVE_AFTER_DAYS must be a whole number of days from 31 to 36500");
  });
});
