/**
 * `npm run bench:notify`: mail delivery through the outbox against raw nodemailer, on one
 * machine, to the same SMTP server on loopback (a child process that accepts everything and
 * reports when it answered 250 to each Message-ID).
 *
 * - raw: nodemailer's pooled transport (the settings the worker uses) sending the same
 *   messages the worker builds, with no database at all: the ceiling.
 * - drain: bookings written in one statement, then the running server's worker sends their
 *   notices: mails/s from commit to the last 250, and the ratio to raw (goal ≥ 0.8).
 * - paced: bookings over HTTP at a steady 100 per second (200 mails/s, about half of what
 *   raw nodemailer manages here) for 10 s: commit → 250 latency (goal p99 ≤ 1 s).
 * - storm: the full 64-client storm over 1,000 hosts; while it runs the worker sends at most
 *   a round per second per loop (bookings first), then catches up: latency shows that wait.
 *
 * Postgres: BENCH_DATABASE_URL (databases rv_bench_* are made there), else an embedded one.
 * BENCH_MAILS sets the drain and raw size (default 4,000).
 */
import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Exit, Layer, Logger, LogLevel, ManagedRuntime, Redacted, Scope } from "effect";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { Repositories } from "../src/cli/core.ts";
import { runStorm } from "../src/cli/storm.ts";
import type { BookingId, EventTypeId, HostId } from "../src/domain/model.ts";
import { epochMs, wallMinutes } from "../src/domain/time.ts";
import { mailOptionsOf, smtpUrlWithDefaults } from "../src/notify/Mailer.ts";
import { composeMail, type OutgoingMail } from "../src/notify/messages.ts";
import { BookingRepository } from "../src/persistence/BookingRepository.ts";
import { pgClientLayer } from "../src/persistence/Database.ts";
import type { Delivery } from "../src/persistence/DeliveryRepository.ts";
import { startEmbeddedPostgres } from "../src/persistence/EmbeddedPostgres.ts";
import { HostRepository, newEventType } from "../src/persistence/HostRepository.ts";
import { psql, withDatabase } from "./postgres.ts";
import { startBenchServer } from "./server.ts";
import { startSmtpSinkProcess } from "./smtpSink.ts";
import { percentile, round } from "./stats.ts";

const MAILS = Number(process.env["BENCH_MAILS"] ?? 4_000);
const PUBLIC_URL = "http://bench.invalid";

type Sink = Awaited<ReturnType<typeof startSmtpSinkProcess>>;

const latencies = (ms: ReadonlyArray<number>) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { mails: sorted.length, p50: round(percentile(sorted, 50), 1), p99: round(percentile(sorted, 99), 1), max: round(sorted.at(-1) ?? Number.NaN, 1) };
};

/** The messages the worker would build for `n` confirmations (half to invitees, half to hosts). */
const sampleMails = (n: number, prefix: string): OutgoingMail[] =>
  Array.from({ length: n }, (_, i) => {
    const start = Date.UTC(2030, 0, 7, 9) + i * 1_800_000;
    const delivery: Delivery = {
      id: i + 1,
      attempt: 1,
      reclaimed: false,
      kind: "booking_confirmed",
      recipient: i % 2 === 0 ? "invitee" : "host",
      payload: { start, end: start + 1_800_000, sequence: 0 },
      createdAt: epochMs(Date.now()),
      bookingId: `${prefix}-${i}` as BookingId,
      bookingStatus: "confirmed",
      bookingStart: epochMs(start),
      manageToken: "bench-manage-token-000000",
      inviteeName: `Invitee ${i}`,
      inviteeEmail: `invitee-${i}@example.com`,
      inviteeTimeZone: "Europe/Vienna",
      inviteeLocale: "en",
      answers: { note: "Looking forward to it" },
      hostName: "Bench host",
      hostEmail: "host@example.com",
      hostTimeZone: "America/New_York",
      hostLocale: "en",
      eventTitle: "Intro call",
      eventDescription: "Half an hour to get to know each other.",
      eventLocation: "Video call",
      questions: [],
      webhookUrl: null,
      webhookSecret: null,
    };
    return composeMail(delivery, { publicUrl: PUBLIC_URL, mailFrom: "Rendezvous <no-reply@bench.invalid>" }, Date.now()) as OutgoingMail;
  });

const rawNodemailer = async (sink: Sink) => {
  const mails = sampleMails(MAILS, "raw");
  const transport = nodemailer.createTransport(smtpUrlWithDefaults(sink.url));
  const before = sink.accepted.size;
  const started = Date.now();
  await Promise.all(mails.map((m) => transport.sendMail(mailOptionsOf(m))));
  await sink.until(before + MAILS);
  const seconds = (Date.now() - started) / 1000;
  transport.close();
  return { mails: MAILS, seconds: round(seconds, 2), mailsPerSecond: Math.round(MAILS / seconds) };
};

/** Commit time of each confirmation notice after `sinceId`, by the Message-ID the worker gives it. */
const noticesAfter = (runtime: ManagedRuntime.ManagedRuntime<SqlClient, unknown>, sinceId: number) =>
  runtime.runPromise(
    Effect.flatMap(SqlClient, (sql) =>
      sql<{ id: string; bookingId: string; createdMs: number }>`
        SELECT id, booking_id, extract(epoch FROM created_at) * 1000 AS created_ms FROM notification_outbox
        WHERE kind = 'booking_confirmed' AND id > ${sinceId} ORDER BY id`,
    ),
  );

const lastNoticeId = (runtime: ManagedRuntime.ManagedRuntime<SqlClient, unknown>) =>
  runtime.runPromise(Effect.flatMap(SqlClient, (sql) => sql<{ id: number }>`SELECT coalesce(max(id), 0)::int AS id FROM notification_outbox`)).then((r) => r[0]!.id);

/** Waits for every notice's 250 and times each from its commit. */
const delivered = async (sink: Sink, notices: ReadonlyArray<{ id: string; bookingId: string; createdMs: number }>) => {
  const ids = notices.map((n) => `<notice-${n.id}.${n.bookingId}@bench.invalid>`);
  const deadline = Date.now() + 180_000;
  while (ids.some((id) => !sink.accepted.has(id)) && Date.now() < deadline) await sink.until(sink.accepted.size + 1);
  const times = notices.map((n, i) => sink.accepted.get(ids[i]!)! - n.createdMs);
  const accepted = notices.map((_, i) => sink.accepted.get(ids[i]!)!);
  return { times, firstCommit: Math.min(...notices.map((n) => n.createdMs)), lastAccepted: Math.max(...accepted) };
};

const PACE = 100;
const PACED_SECONDS = 10;

/** Books PACE times a second over HTTP, each at its own half-hour from `firstStart`, and times the mails. */
const pacedBookings = async (
  url: string,
  runtime: ManagedRuntime.ManagedRuntime<SqlClient, unknown>,
  host: { readonly eventTypeId: string },
  firstStart: number,
) => {
  const before = await lastNoticeId(runtime);
  const started = performance.now();
  const requests: Promise<number>[] = [];
  for (let i = 0; i < PACE * PACED_SECONDS; i++) {
    const due = started + (i * 1000) / PACE;
    if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
    requests.push(
      fetch(`${url}/api/v1/bookings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ eventTypeId: host.eventTypeId, start: new Date(firstStart + i * 1_800_000).toISOString(), invitee: { name: `Paced ${i}`, email: `paced-${i}@example.com`, timeZone: "UTC" } }),
      }).then(async (r) => (await r.text(), r.status)),
    );
  }
  const statuses = await Promise.all(requests);
  const notices = await noticesAfter(runtime, before);
  const sent = await delivered(sink(), notices);
  return {
    booked: statuses.filter((s) => s === 201).length,
    mailsPerSecond: Math.round(notices.length / ((sent.lastAccepted - sent.firstCommit) / 1000)),
    commitToAcceptedMs: latencies(sent.times),
  };
};

let theSink: Sink | undefined;
const sink = () => theSink!;

const main = async () => {
  const work = mkdtempSync(join(tmpdir(), "rendezvous-bench-notify-"));
  chmodSync(work, 0o755); // the embedded Postgres runs as `postgres` when we are root
  const scope = Effect.runSync(Scope.make());
  const sink = (theSink = await startSmtpSinkProcess({ report: true }));
  try {
    const serverUrl =
      process.env["BENCH_DATABASE_URL"] ??
      Redacted.value(await Effect.runPromise(startEmbeddedPostgres(join(work, "pg")).pipe(Scope.extend(scope), Logger.withMinimumLogLevel(LogLevel.Warning))));
    const raw = await rawNodemailer(sink);

    psql(withDatabase(serverUrl, "postgres"), "DROP DATABASE IF EXISTS rv_bench_notify WITH (FORCE)");
    psql(withDatabase(serverUrl, "postgres"), "CREATE DATABASE rv_bench_notify");
    const databaseUrl = withDatabase(serverUrl, "rv_bench_notify");
    const migrated = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "migrate"], { env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "warning" }, encoding: "utf8" });
    if (migrated.status !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
    const runtime = ManagedRuntime.make(Repositories.pipe(Layer.provideMerge(pgClientLayer(Redacted.make(databaseUrl)))));
    const server = await startBenchServer(databaseUrl, work, sink.url, { RATE_LIMIT: "off", PUBLIC_URL });
    try {
      // drain: MAILS / 2 bookings (two notices each) committed in one statement.
      const host = await runtime.runPromise(
        Effect.gen(function* () {
          const hosts = yield* HostRepository;
          const hostId = yield* hosts.insertHost({ slug: "bench-notify", name: "Bench host", email: "host@example.com", timeZone: "UTC" });
          const eventTypeId = yield* hosts.insertEventType(hostId, newEventType({ slug: "intro", title: "Intro call", durationMinutes: 30 }));
          yield* hosts.replaceWeeklyRules(hostId, [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: wallMinutes(0), end: wallMinutes(1440) })));
          return { hostId, eventTypeId };
        }),
      );
      const since = await lastNoticeId(runtime);
      const first = Math.ceil((Date.now() + 7 * 86_400_000) / 1_800_000) * 1_800_000;
      const bookings = Array.from({ length: MAILS / 2 }, (_, i) => ({
        id: crypto.randomUUID() as BookingId,
        hostId: host.hostId as HostId,
        eventTypeId: host.eventTypeId as EventTypeId,
        invitee: { name: `Invitee ${i}`, email: `invitee-${i}@example.com`, timeZone: "Europe/Vienna" },
        answers: {},
        start: epochMs(first + i * 1_800_000),
        end: epochMs(first + i * 1_800_000 + 1_800_000),
        bufferBeforeMinutes: 0,
        bufferAfterMinutes: 0,
        status: "confirmed" as const,
        manageToken: `bench-token-${crypto.randomUUID()}`,
        idempotencyKey: null,
        requestDigest: null,
        version: 1,
        cancelledBy: null,
        cancelReason: null,
        createdAt: epochMs(Date.now()),
      }));
      await runtime.runPromise(Effect.flatMap(BookingRepository, (r) => r.insert(bookings)));
      const drained = await delivered(sink, await noticesAfter(runtime, since));
      const drainSeconds = (drained.lastAccepted - drained.firstCommit) / 1000;

      const storm = async (concurrency: number, hosts: number) => {
        const before = await lastNoticeId(runtime);
        const summary = await runStorm({ url: server.url, hosts, concurrency, durationSeconds: 10, slotsPerHost: 320, maxAttempts: 1e9, databaseUrl: Redacted.make(databaseUrl), progress: false });
        const notices = await noticesAfter(runtime, before);
        const sent = await delivered(sink, notices);
        return {
          bookingsPerSecond: Math.round(summary.confirmedPerSecond),
          mailsPerSecond: Math.round(notices.length / ((sent.lastAccepted - sent.firstCommit) / 1000)),
          commitToAcceptedMs: latencies(sent.times),
        };
      };
      const paced = await pacedBookings(server.url, runtime, host, first + bookings.length * 1_800_000);
      const full = await storm(64, 1_000);

      const drainRate = Math.round(MAILS / drainSeconds);
      const drainLatency = latencies(drained.times);
      console.log(
        JSON.stringify(
          {
            machineCores: (await import("node:os")).cpus().length,
            raw: { design: "nodemailer pooled (5 connections), no database", ...raw },
            drain: { design: "outbox worker in the server: claim, send, record", mails: MAILS, seconds: round(drainSeconds, 2), mailsPerSecond: drainRate, commitToAcceptedMs: drainLatency },
            drainRatioToRaw: round(drainRate / raw.mailsPerSecond, 2),
            paced: { design: `bookings over HTTP at ${PACE} per second for ${PACED_SECONDS} s`, ...paced },
            storm: { design: "storm of 64 clients over 1,000 hosts (the worker yields to requests)", ...full },
            goal: { ratioToRaw: 0.8, p99Ms: 1000 },
            meetsGoal: { throughput: drainRate / raw.mailsPerSecond >= 0.8, pacedP99: paced.commitToAcceptedMs.p99 <= 1000 },
          },
          null,
          2,
        ),
      );
    } finally {
      await server.stop();
      await runtime.dispose();
    }
  } finally {
    sink.stop();
    await Effect.runPromise(Scope.close(scope, Exit.void));
    rmSync(work, { recursive: true, force: true });
  }
};

await main();
