import { SqlClient } from "@effect/sql/SqlClient";
import { Deferred, Effect } from "effect";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { beforeAll, describe, expect, it } from "vitest";
import { HostActors } from "../../src/actors/HostActors.ts";
import { Hold } from "../../src/actors/protocol.ts";
import { bookViaApi } from "../support/api.ts";
import { useTestApp } from "../support/app.ts";
import { createHost, type HostFixture } from "../support/fixtures.ts";

interface Sample {
  readonly labels?: Record<string, string>;
  readonly value?: string;
  readonly buckets?: Record<string, string>;
  readonly count?: string;
  readonly sum?: string;
}
interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
  readonly metrics: ReadonlyArray<Sample>;
}

const app = useTestApp();
let host: HostFixture;

beforeAll(async () => {
  host = await app.runtime.runPromise(createHost());
});

const scrape = async () => {
  const response = await fetch(`${app.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const families = parsePrometheusTextFormat(text) as Family[];
  return { text, families, family: (name: string) => families.find((f) => f.name === name) };
};

/** The one sample of a family whose labels include these (0 when there is none yet). */
const valueOf = (families: ReadonlyArray<Family>, name: string, labels: Record<string, string> = {}) => {
  const family = families.find((f) => f.name === name);
  const sample = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample === undefined ? 0 : Number(sample.value ?? sample.count);
};

const sql = <A>(f: (q: SqlClient) => Effect.Effect<A, unknown>) => app.runtime.runPromise(Effect.flatMap(SqlClient, f));

const slotStarts = async () => {
  const body = (await (await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots`)).json()) as { slots: { start: string }[] };
  return body.slots.map((s) => s.start);
};

describe("/metrics", () => {
  it("parses as the Prometheus text format, every family named by the conventions with its help and type", async () => {
    await slotStarts();
    const { families, text } = await scrape();
    expect(families.length).toBeGreaterThan(20);
    for (const f of families) {
      expect(f.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
      expect(f.help.length, f.name).toBeGreaterThan(0);
      if (f.type === "COUNTER") expect(f.name, "counters end in _total").toMatch(/_total$/);
    }
    // The parser folds labelled histograms into one sample, so their series are checked from the lines.
    const series = new Map<string, number[]>();
    for (const [, name, labels, value] of text.matchAll(/^(\w+)_bucket\{(.*?),?le="[^"]+"\} (\S+)$/gm)) {
      const countLine = `${name}_count${labels === "" ? "" : `{${labels}}`} `;
      series.set(countLine, [...(series.get(countLine) ?? []), Number(value)]);
    }
    expect(series.size).toBeGreaterThanOrEqual(5);
    for (const [countLine, counts] of series) {
      for (let i = 1; i < counts.length; i++) expect(counts[i]!, countLine).toBeGreaterThanOrEqual(counts[i - 1]!);
      const count = text.split("\n").find((line) => line.startsWith(countLine))?.slice(countLine.length);
      expect(Number(count), `${countLine}: +Inf counts every sample`).toBe(counts.at(-1));
    }
    const names = new Set(families.map((f) => f.name));
    for (const name of [
      "rendezvous_booking_attempts_total",
      "rendezvous_mailbox_wait_seconds",
      "rendezvous_mailbox_depth",
      "rendezvous_holds_live",
      "rendezvous_live_sockets",
      "rendezvous_live_publish_seconds",
      "rendezvous_outbox_due",
      "rendezvous_outbox_oldest_due_seconds",
      "rendezvous_outbox_dead",
      "rendezvous_http_requests_total",
      "rendezvous_http_request_duration_seconds",
      "rendezvous_notices_total",
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "nodejs_eventloop_lag_seconds",
    ]) {
      expect(names, name).toContain(name);
    }
  });

  it("counts bookings by outcome, commits, the mailbox, holds, the outbox and requests by route and status", async () => {
    const before = await scrape();
    const [first, second] = await slotStarts();
    expect((await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: first! })).status).toBe(201);
    expect((await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: first!, email: "grace@example.com" })).status).toBe(409);
    const held = await app.runtime.runPromise(
      Effect.flatMap(HostActors, (actors) =>
        actors.ask(host.hostId, new Hold({ eventTypeId: host.eventTypeId, start: Date.parse(second!), visitor: "metrics", address: null })),
      ),
    );
    expect(held.token.length).toBeGreaterThan(0);

    const { families, text } = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(families, name, labels) - valueOf(before.families, name, labels);
    expect(delta("rendezvous_booking_attempts_total")).toBe(2);
    expect(delta("rendezvous_bookings_confirmed_total", { status: "confirmed" })).toBe(1);
    expect(delta("rendezvous_bookings_refused_total", { reason: "slot_taken" })).toBe(1);
    expect(delta("rendezvous_commit_batch_bookings")).toBe(1);
    expect(delta("rendezvous_commit_duration_seconds")).toBe(1);
    // The booking and the hold waited in the mailbox (the refusal was answered from the snapshot).
    expect(delta("rendezvous_mailbox_wait_seconds")).toBe(2);
    expect(valueOf(families, "rendezvous_holds_live")).toBe(1);
    expect(valueOf(families, "rendezvous_mailbox_depth")).toBe(0);
    expect(valueOf(families, "rendezvous_host_actors")).toBeGreaterThanOrEqual(1);
    // The booking queued its confirmations (and reminders, which are not due yet).
    expect(valueOf(families, "rendezvous_outbox_due")).toBeGreaterThanOrEqual(0);
    expect(families.find((f) => f.name === "rendezvous_outbox_dead")?.metrics[0]?.value).toBe("0");

    expect(delta("rendezvous_http_requests_total", { method: "POST", route: "/api/v1/bookings", status: "201" })).toBe(1);
    expect(delta("rendezvous_http_requests_total", { method: "POST", route: "/api/v1/bookings", status: "409" })).toBe(1);
    const timed = (t: string) => Number(/^rendezvous_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/bookings"\} (\d+)$/m.exec(t)?.[1] ?? 0);
    expect(timed(text) - timed(before.text)).toBe(2);
    // Routes, never paths: a path can carry a manage token.
    expect(text).toContain('route="/api/v1/hosts/:host/event-types/:event/slots"');
    expect(text).not.toContain(host.hostSlug);
  });

  it("counts a write the exclusion constraint refused because memory had drifted from the database", async () => {
    const before = (await scrape()).families;
    const body = (await (await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots`)).json()) as { slots: { start: string; end: string }[] };
    const slot = body.slots.at(-1)!;
    // Another writer took the time behind the actor's back (an operator, a process on an old build).
    await sql((q) => q`
      INSERT INTO bookings (id, host_id, event_type_id, invitee_name, invitee_email, invitee_time_zone, start_at, end_at, manage_token)
      VALUES (gen_random_uuid(), ${host.hostId}, ${host.eventTypeId}, 'Behind Its Back', 'other@example.com', 'UTC', ${slot.start}, ${slot.end}, ${"t".repeat(32)})`);
    const refused = await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: slot.start, email: "late@example.com" });
    expect(refused.status).toBe(409);
    const { families } = await scrape();
    expect(valueOf(families, "rendezvous_exclusion_conflicts_total") - valueOf(before, "rendezvous_exclusion_conflicts_total")).toBe(1);
    expect(valueOf(families, "rendezvous_bookings_refused_total", { reason: "slot_taken" }) - valueOf(before, "rendezvous_bookings_refused_total", { reason: "slot_taken" })).toBe(1);
  });

  it("reports the commands waiting in a host's mailbox while its commit is held up", async () => {
    const starts = await slotStarts();
    const [a, b, c] = starts.slice(3, 6);
    const release = await app.runtime.runPromise(Deferred.make<void>());
    // Another transaction keeps bookings from being written until it is released.
    const lock = app.runtime.runPromise(
      Effect.flatMap(SqlClient, (q) => q.withTransaction(q`LOCK TABLE bookings IN EXCLUSIVE MODE`.pipe(Effect.zipRight(Deferred.await(release))))),
    );
    const locks = (granted: boolean) =>
      sql((q) => q<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'bookings'::regclass AND granted = ${granted}`).then(([r]) => r!.n);
    await expect.poll(() => locks(true)).toBeGreaterThanOrEqual(1);
    const first = bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: a!, email: "first@example.com" });
    // The actor's commit of that booking now waits on the lock; what comes next waits in its mailbox.
    await expect.poll(() => locks(false)).toBeGreaterThanOrEqual(1);
    const queued = [
      bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: b!, email: "second@example.com" }),
      bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: c!, email: "third@example.com" }),
    ];
    await expect.poll(async () => valueOf((await scrape()).families, "rendezvous_mailbox_depth")).toBe(2);
    await app.runtime.runPromise(Deferred.succeed(release, undefined));
    await lock;
    expect((await Promise.all([first, ...queued])).map((r) => r.status)).toEqual([201, 201, 201]);
    expect(valueOf((await scrape()).families, "rendezvous_mailbox_depth")).toBe(0);
  });

  it("reports the outbox's due notices, the oldest one's wait and the dead ones, from the database", async () => {
    const before = (await scrape()).families;
    await app.runtime.runPromise(
      Effect.gen(function* () {
        const sql = yield* SqlClient;
        // The confirmations of the booking above, sent by now or soon: one is made dead, one due again.
        const notices = yield* sql<{ id: string }>`SELECT id FROM notification_outbox ORDER BY id LIMIT 2`;
        expect(notices.length).toBe(2);
        const [due, dead] = notices;
        yield* sql`UPDATE notification_outbox SET status = 'dead', finished_at = now(), lease_owner = NULL, lease_until = NULL WHERE id = ${dead!.id}`;
        // Due in two seconds, and locked by this transaction before then: the worker's claim
        // (SKIP LOCKED) passes it by, so it stays due while /metrics is read.
        yield* sql`UPDATE notification_outbox SET status = 'pending', available_at = now() + interval '2 seconds', finished_at = NULL, lease_owner = NULL, lease_until = NULL WHERE id = ${due!.id}`;
        yield* sql.withTransaction(
          Effect.gen(function* () {
            yield* sql`SELECT id FROM notification_outbox WHERE id = ${due!.id} FOR UPDATE`;
            yield* Effect.promise(async () => {
              await expect.poll(async () => valueOf((await scrape()).families, "rendezvous_outbox_due"), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
              const { families } = await scrape();
              expect(valueOf(families, "rendezvous_outbox_oldest_due_seconds")).toBeGreaterThan(0);
              expect(valueOf(families, "rendezvous_outbox_dead") - valueOf(before, "rendezvous_outbox_dead")).toBe(1);
            });
          }),
        );
      }),
    );
  });
});
