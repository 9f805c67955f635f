/**
 * `npm run bench:storm`: our HTTP storm against the classic pessimistic design, on the same
 * machine and the same Postgres. The baseline is pgbench running the lock-and-check
 * transaction (SELECT … FOR UPDATE on the host row, an overlap query, an insert if free) on
 * our schema, writing the rows a booking writes here (booking, audit row, two notices and two
 * reminders in the outbox); ours is the storm command booking over HTTP through the running
 * server, whose delivery worker sends the mail meanwhile to an SMTP server on loopback (a
 * child process, as a mail server is another program). Prints numbers and the
 * ratios to the goals (hot host ≥ 4× with p99 ≤ 50 ms; 1,000 hosts ≥ 1×), and also the
 * ratio to the same transaction on a minimal 4-column table, which does far less work.
 *
 * Postgres: BENCH_DATABASE_URL (a server you name; databases rv_bench_* are created there),
 * else an embedded one in a temporary folder. Needs `pgbench` on PATH (Debian:
 * postgresql-client). BENCH_SECONDS sets each run's length (default 10).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit, Logger, LogLevel, Redacted, Scope } from "effect";
import { runStorm, type StormSummary } from "../src/cli/storm.ts";
import { startEmbeddedPostgres } from "../src/persistence/EmbeddedPostgres.ts";
import { psql, withDatabase } from "./postgres.ts";
import { startBenchServer } from "./server.ts";
import { startSmtpSinkProcess } from "./smtpSink.ts";
import { percentile, round } from "./stats.ts";

const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 10);
const CLIENTS = 64;
const SLOTS = 320;


const requirePgbench = () => {
  const r = spawnSync("pgbench", ["--version"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error("pgbench is not on PATH (Debian: apt-get install postgresql-client)");
  return r.stdout.trim();
};

const slotTime = (slot: string) => `timestamptz '2030-01-01 00:00+00' + (${slot}) * interval '30 minutes'`;

/** The lock-and-check transaction on a minimal table: host id, start, end. */
const leanScript = (hosts: number) => `\\set host random(1, ${hosts})
\\set slot random(0, ${SLOTS - 1})
BEGIN;
SELECT id FROM bench_hosts WHERE id = :host FOR UPDATE;
SELECT count(*) AS taken FROM bench_bookings WHERE host_id = :host
  AND tstzrange(start_at, end_at, '[)') && tstzrange(${slotTime(":slot")}, ${slotTime(":slot + 1")}, '[)') \\gset
\\if :taken = 0
INSERT INTO bench_bookings (host_id, start_at, end_at) VALUES (:host, ${slotTime(":slot")}, ${slotTime(":slot + 1")});
\\endif
COMMIT;
`;

/**
 * The same transaction on our own schema, writing what a booking here writes: the booking row
 * (under the same constraints and indexes), its audit row, two notices and two reminders. This is
 * what a lock-and-check Rendezvous would do, so the two designs do the same work.
 */
const sameRowsScript = (hosts: number) => `\\set n random(1, ${hosts})
\\set slot random(0, ${SLOTS - 1})
BEGIN;
SELECT h.id FROM hosts h JOIN bench_hosts b ON b.host_id = h.id WHERE b.n = :n FOR UPDATE OF h;
SELECT count(*) AS taken FROM bookings WHERE host_id = (SELECT host_id FROM bench_hosts WHERE n = :n) AND status = 'confirmed'
  AND tstzrange(start_at, end_at, '[)') && tstzrange(${slotTime(":slot")}, ${slotTime(":slot + 1")}, '[)') \\gset
\\if :taken = 0
WITH b AS (
  INSERT INTO bookings (id, host_id, event_type_id, invitee_name, invitee_email, invitee_time_zone, answers, start_at, end_at,
    manage_token, idempotency_key, request_digest)
  SELECT gen_random_uuid(), host_id, event_type_id, 'Storm invitee', 'invitee@example.com', 'UTC', '{}', ${slotTime(":slot")},
    ${slotTime(":slot + 1")}, md5(random()::text), gen_random_uuid()::text, md5(random()::text)
  FROM bench_hosts WHERE n = :n
  RETURNING id, host_id, start_at, end_at
), e AS (
  INSERT INTO booking_events (booking_id, host_id, type, actor, data)
  SELECT id, host_id, 'created', 'invitee', jsonb_build_object('start', start_at, 'end', end_at) FROM b
), o AS (
  INSERT INTO notification_outbox (booking_id, kind, recipient, payload)
  SELECT id, 'booking_confirmed', r.recipient, jsonb_build_object('start', start_at, 'end', end_at, 'sequence', 0)
  FROM b CROSS JOIN (VALUES ('invitee'), ('host')) AS r(recipient)
)
INSERT INTO notification_outbox (booking_id, kind, recipient, payload, available_at)
SELECT id, 'booking_reminder', 'invitee', jsonb_build_object('start', start_at, 'end', end_at, 'sequence', 0, 'minutesBefore', m),
  start_at - make_interval(mins => m)
FROM b CROSS JOIN unnest(ARRAY[1440, 60]) AS m;
\\endif
COMMIT;
`;

const freshDatabase = (serverUrl: string, name: string) => {
  psql(withDatabase(serverUrl, "postgres"), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  psql(withDatabase(serverUrl, "postgres"), `CREATE DATABASE ${name}`);
  return withDatabase(serverUrl, name);
};

const setUpLean = (serverUrl: string, hosts: number) => {
  const url = freshDatabase(serverUrl, "rv_bench_lean");
  psql(
    url,
    `CREATE TABLE bench_hosts (id int PRIMARY KEY);
     CREATE TABLE bench_bookings (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, host_id int NOT NULL REFERENCES bench_hosts,
       start_at timestamptz NOT NULL, end_at timestamptz NOT NULL);
     CREATE INDEX ON bench_bookings (host_id);
     INSERT INTO bench_hosts SELECT generate_series(1, ${hosts});`,
  );
  const overlaps = `SELECT count(*) FROM bench_bookings a JOIN bench_bookings b ON a.host_id = b.host_id AND a.id < b.id
    AND tstzrange(a.start_at, a.end_at, '[)') && tstzrange(b.start_at, b.end_at, '[)')`;
  return { url, script: leanScript(hosts), overlaps, confirmed: "SELECT count(*) FROM bench_bookings" };
};

const setUpSameRows = (serverUrl: string, hosts: number) => {
  const url = freshDatabase(serverUrl, "rv_bench_same_rows");
  const migrated = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "migrate"], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: "warning" },
    encoding: "utf8",
  });
  if (migrated.status !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
  psql(
    url,
    `CREATE TABLE bench_hosts (n int PRIMARY KEY, host_id uuid NOT NULL, event_type_id uuid NOT NULL);
     WITH h AS (
       INSERT INTO hosts (slug, name, email, time_zone)
       SELECT 'bench-' || g, 'Bench host ' || g, 'bench' || g || '@example.com', 'Europe/Vienna' FROM generate_series(1, ${hosts}) g
       RETURNING id
     ), e AS (
       INSERT INTO event_types (host_id, slug, title, duration_minutes) SELECT id, 'call', 'Call', 30 FROM h RETURNING host_id, id
     )
     INSERT INTO bench_hosts SELECT row_number() OVER (), host_id, id FROM e;`,
  );
  const overlaps = `SELECT count(*) FROM bookings a JOIN bookings b ON a.host_id = b.host_id AND a.id < b.id
    AND tstzrange(a.start_at, a.end_at, '[)') && tstzrange(b.start_at, b.end_at, '[)')
    WHERE a.status = 'confirmed' AND b.status = 'confirmed'`;
  return { url, script: sameRowsScript(hosts), overlaps, confirmed: "SELECT count(*) FROM bookings" };
};

const runBaseline = (setUp: { url: string; script: string; overlaps: string; confirmed: string }, name: string, work: string) => {
  const script = join(work, `${name}.sql`);
  writeFileSync(script, setUp.script);
  const prefix = join(work, `pgbench-${name}`);
  const r = spawnSync("pgbench", ["-n", "-c", String(CLIENTS), "-j", "2", "-T", String(SECONDS), "-f", script, "-l", `--log-prefix=${prefix}`, setUp.url], {
    encoding: "utf8",
    cwd: work,
  });
  if (r.status !== 0) throw new Error(`pgbench failed: ${r.stderr}`);
  const tps = Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1]);
  // Per-transaction log lines: client, transaction, latency (µs), …
  const latencies: number[] = [];
  for (const file of spawnSync("sh", ["-c", `ls ${prefix}*`], { encoding: "utf8" }).stdout.trim().split("\n")) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const us = Number(line.split(" ")[2]);
      if (Number.isFinite(us)) latencies.push(us / 1000);
    }
  }
  latencies.sort((a, b) => a - b);
  return {
    attemptsPerSecond: Math.round(tps),
    confirmed: Number(psql(setUp.url, setUp.confirmed)),
    latencyMs: { p50: round(percentile(latencies, 50), 2), p95: round(percentile(latencies, 95), 2), p99: round(percentile(latencies, 99), 2) },
    doubleBookings: Number(psql(setUp.url, setUp.overlaps)),
  };
};

const ours = async (serverUrl: string, hosts: number, work: string): Promise<StormSummary> => {
  const appDb = withDatabase(serverUrl, "rv_bench_app");
  psql(withDatabase(serverUrl, "postgres"), "DROP DATABASE IF EXISTS rv_bench_app WITH (FORCE)");
  psql(withDatabase(serverUrl, "postgres"), "CREATE DATABASE rv_bench_app");
  const smtp = await startSmtpSinkProcess();
  const server = await startBenchServer(appDb, work, smtp.url);
  try {
    return await runStorm({
      url: server.url,
      hosts,
      concurrency: CLIENTS,
      durationSeconds: SECONDS,
      slotsPerHost: SLOTS,
      maxAttempts: 100_000_000,
      databaseUrl: Redacted.make(appDb),
      progress: false,
    });
  } finally {
    await server.stop();
    smtp.stop();
  }
};

const main = async () => {
  const pgbench = requirePgbench();
  const work = mkdtempSync(join(tmpdir(), "rendezvous-bench-"));
  chmodSync(work, 0o755); // the embedded Postgres runs as `postgres` when we are root
  const scope = Effect.runSync(Scope.make());
  try {
    const given = process.env["BENCH_DATABASE_URL"];
    const serverUrl =
      given ??
      Redacted.value(
        await Effect.runPromise(
          startEmbeddedPostgres(join(work, "pg")).pipe(Scope.extend(scope), Logger.withMinimumLogLevel(LogLevel.Warning)),
        ),
      );
    const postgres = psql(withDatabase(serverUrl, "postgres"), "SHOW server_version");
    const scenarios = [
      { name: "one hot host, 320 slots", hosts: 1, goal: { ratio: 4, p99Ms: 50 } },
      { name: "1,000 hosts", hosts: 1_000, goal: { ratio: 1, p99Ms: undefined } },
    ];
    const results = [];
    for (const s of scenarios) {
      const sameRows = runBaseline(setUpSameRows(serverUrl, s.hosts), `same-rows-${s.hosts}`, work);
      const lean = runBaseline(setUpLean(serverUrl, s.hosts), `lean-${s.hosts}`, work);
      const storm = await ours(serverUrl, s.hosts, work);
      const ratio = round(storm.attemptsPerSecond / sameRows.attemptsPerSecond, 2);
      results.push({
        scenario: s.name,
        clients: CLIENTS,
        seconds: SECONDS,
        baseline: {
          design: "pgbench lock-and-check (FOR UPDATE on the host, overlap query, insert) writing what we write: booking, audit row, 2 notices + 2 reminders",
          ...sameRows,
        },
        leanBaseline: { design: "the same transaction inserting into a 4-column table, no audit, no outbox", ...lean },
        ours: {
          design: "HTTP storm → uWS → host actor → Postgres",
          attemptsPerSecond: storm.attemptsPerSecond,
          confirmed: storm.confirmed,
          conflicts: storm.conflicts,
          errors: storm.errors,
          latencyMs: storm.latencyMs,
          doubleBookings: storm.doubleBookings,
          acknowledgedMissing: storm.acknowledgedMissing,
        },
        attemptsRatio: ratio,
        attemptsRatioToLeanBaseline: round(storm.attemptsPerSecond / lean.attemptsPerSecond, 2),
        goal: { attemptsRatio: s.goal.ratio, p99Ms: s.goal.p99Ms },
        meetsGoal:
          ratio >= s.goal.ratio &&
          (s.goal.p99Ms === undefined || storm.latencyMs.p99 <= s.goal.p99Ms) &&
          storm.doubleBookings === 0 &&
          storm.acknowledgedMissing === 0 &&
          sameRows.doubleBookings === 0 &&
          lean.doubleBookings === 0,
      });
    }
    console.log(JSON.stringify({ postgres, pgbench, machineCores: (await import("node:os")).cpus().length, results }, null, 2));
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void));
    rmSync(work, { recursive: true, force: true });
  }
};

await main();
