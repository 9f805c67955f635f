import { Effect, Exit, Scope } from "effect";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it, vi } from "vitest";
import { makeRedisChanges, type Crossing } from "../../src/actors/cluster/RedisChanges.ts";
import { startBalancer, startRedis } from "./support.ts";

const CHANNEL = "rendezvous:test:host-changes";

/** A change as another instance sends it: a refresh of one host. */
const changeOf = (version: number) =>
  JSON.stringify({
    origin: "another-instance",
    event: { hostId: "0193a5b2-7c1e-7000-8000-000000000002", version, changes: [], refresh: true, bookingsChanged: true },
    holds: [],
    bookings: { upserted: [], removed: [], after: null },
  });

const redis = await startRedis();
// The instance reaches Redis through a proxy that can cut its connections; everyone else directly.
const proxy = await startBalancer();
proxy.routeTo(redis.port);
const publisher = new Redis(redis.url);
const scope = Effect.runSync(Scope.make());
afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void));
  publisher.disconnect();
  proxy.close();
  await redis.kill();
});

describe("host changes over Redis after a reconnect", () => {
  it("tells the instance to reload only once Redis has its subscription again, so a change published at that moment arrives", async () => {
    const heard: Crossing[] = [];
    const subscribersAtReconnect: Array<Promise<number>> = [];
    await Effect.runPromise(
      makeRedisChanges(`redis://127.0.0.1:${proxy.port}`, CHANNEL, {
        onChange: (crossing) => heard.push(crossing),
        // Whoever keeps copies reloads now: a change another instance makes from here on must reach this one.
        onReconnect: () => subscribersAtReconnect.push(publisher.publish(CHANNEL, changeOf(2))),
      }).pipe(Scope.extend(scope)),
    );
    await publisher.publish(CHANNEL, changeOf(1));
    await vi.waitFor(() => expect(heard.map((c) => c.event.version)).toEqual([1]));

    proxy.drop();
    await vi.waitFor(() => expect(subscribersAtReconnect).toHaveLength(1), { timeout: 10_000 });
    expect(await subscribersAtReconnect[0]).toBe(1);
    await vi.waitFor(() => expect(heard.map((c) => c.event.version)).toEqual([1, 2]));
  });
});
