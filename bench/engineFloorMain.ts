/**
 * A child process of `engineFloor.ts`: `runner <port>` hosts the `Host` entity with handlers
 * that answer at once (no actor, no database write), `client` sends it Book messages, as
 * `ClusterHostActors` forwards them, and prints its throughput. What remains is the engine's
 * own cost per forwarded message.
 */
import { RunnerAddress } from "@effect/cluster";
import { NodeClusterSocket } from "@effect/platform-node";
import { PgClient } from "@effect/sql-pg";
import { Duration, Effect, Layer, Option, Redacted } from "effect";
import { HostEntity } from "../src/actors/cluster/HostEntity.ts";
import { Book, DECODED } from "../src/actors/protocol.ts";
import type { Booking, EventTypeId } from "../src/domain/model.ts";

const [role, port] = process.argv.slice(2);
const database = PgClient.layer({ url: Redacted.make(process.env["FLOOR_DATABASE_URL"]!), maxConnections: 4 });
const sharding = { shardLockExpiration: Duration.seconds(10), shardLockRefreshInterval: Duration.seconds(3), entityMaxIdleTime: Duration.infinity };

/** What a booking's answer carries across: the size and shape of a real one. */
const booking = {
  id: "0193a5b2-7c1e-7000-8000-000000000001",
  hostId: "0193a5b2-7c1e-7000-8000-000000000002",
  eventTypeId: "0193a5b2-7c1e-7000-8000-000000000003",
  invitee: { name: "Storm invitee 12-345", email: "invitee-12-345@example.com", timeZone: "UTC" },
  answers: {},
  start: 1_800_000_000_000,
  end: 1_800_001_800_000,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  status: "confirmed",
  manageToken: "4f1c2a9e8b7d6c5e4f3a2b1c0d9e8f7a",
  idempotencyKey: "0193a5b2-7c1e-7000-8000-000000000004",
  requestDigest: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  version: 1,
  cancelledBy: null,
  cancelReason: null,
  createdAt: 1_790_000_000_000,
} as unknown as Booking;

if (role === "runner") {
  const answer = () => Effect.succeed(booking);
  const handlers = Object.fromEntries([...HostEntity.protocol.requests.keys()].map((tag) => [tag, answer]));
  const entity = HostEntity.toLayer(Effect.succeed(handlers as never), { concurrency: "unbounded" });
  const cluster = NodeClusterSocket.layer({ storage: "sql", shardingConfig: { ...sharding, runnerAddress: Option.some(RunnerAddress.make("127.0.0.1", Number(port))) } });
  await Effect.runPromise(Layer.launch(entity.pipe(Layer.provide(cluster), Layer.provide(database))));
} else {
  const messages = Number(process.env["FLOOR_MESSAGES"]);
  const concurrency = Number(process.env["FLOOR_CONCURRENCY"]);
  const book = (i: number) =>
    new Book(
      { eventTypeId: booking.eventTypeId as EventTypeId, start: booking.start + i * 1_800_000, invitee: booking.invitee, answers: {}, idempotencyKey: `key-${i}`, holdToken: null, visitor: null },
      DECODED,
    );
  const program = Effect.gen(function* () {
    const clientOf = yield* HostEntity.client;
    const send = (i: number) => (clientOf(`host-${i % 30}`) as unknown as { Book: (m: Book) => Effect.Effect<Booking> }).Book(book(i));
    const run = (n: number) => Effect.forEach(Array.from({ length: n }, (_, i) => i), send, { concurrency, discard: true });
    yield* run(500); // the runner's entities started, connections made, code warm
    process.stdout.write("warm\n");
    yield* Effect.promise(() => new Promise((resolve) => process.stdin.once("data", resolve)));
    const started = performance.now();
    yield* run(messages);
    process.stdout.write(`done ${messages} ${performance.now() - started}\n`);
    // Stays until stopped: its CPU time is read after this line.
    yield* Effect.never;
  });
  const client = NodeClusterSocket.layer({ clientOnly: true, storage: "sql", shardingConfig: sharding });
  await Effect.runPromise(program.pipe(Effect.provide(client.pipe(Layer.provide(database))), Effect.scoped));
}
