import { Option, Redacted } from "effect";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../src/persistence/EmbeddedPostgres.ts";
import { startTestApp, type TestApp } from "../support/app.ts";

/**
 * Per-address limits shared through Redis (REDIS_URL), as several processes behind one proxy
 * would use them, and kept in memory when Redis cannot be reached. Redis runs on this machine
 * and in CI (127.0.0.1:6379); elsewhere the test starts its own redis-server.
 */
const apps: TestApp[] = [];
let ownRedis: ChildProcess | undefined;
let REDIS = "redis://127.0.0.1:6379";

const reachable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

// The machine's Redis, or one of our own when none answers there.
beforeAll(async () => {
  if (await reachable(6379)) return;
  const port = await freeLoopbackPort();
  ownRedis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  while (!(await reachable(port))) await new Promise((r) => setTimeout(r, 50));
  REDIS = `redis://127.0.0.1:${port}`;
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  ownRedis?.kill();
});

const start = async (redisUrl: string) => {
  const app = await startTestApp({ rateLimit: true, trustProxy: 1, redisUrl: Option.some(Redacted.make(redisUrl)) });
  apps.push(app);
  return app;
};

/** A client address no earlier run used, so counters left in Redis do not matter. */
const freshAddress = () => `2001:db8:${randomBytes(2).toString("hex")}:${randomBytes(2).toString("hex")}::1`;

/** Bad booking attempts (no body): each spends the allowance and is refused with 400, writing nothing. */
const attempt = (app: TestApp, address: string) =>
  fetch(`${app.url}/api/v1/bookings`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": address }, body: "{}" }).then(async (r) => {
    await r.text();
    return r.status;
  });

describe("request limits with REDIS_URL", () => {
  it("are shared by every process on the same Redis", async () => {
    const [a, b] = [await start(REDIS), await start(REDIS)];
    const address = freshAddress();
    const statuses: number[] = [];
    // Alternate between the two servers: together they allow 5 a minute plus a burst of 10.
    for (let i = 0; i < 20; i++) statuses.push(await attempt(i % 2 === 0 ? a : b, address));
    expect(statuses.filter((s) => s === 400)).toHaveLength(15);
    expect(statuses.slice(15)).toEqual([429, 429, 429, 429, 429]);
  });

  it("fall back to memory when Redis cannot be reached, neither failing open nor closed", async () => {
    const app = await start(`redis://127.0.0.1:${await freeLoopbackPort()}`);
    const address = freshAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 17; i++) statuses.push(await attempt(app, address));
    expect(statuses.filter((s) => s === 400)).toHaveLength(15);
    expect(statuses.slice(15)).toEqual([429, 429]);
    // Another client is not affected.
    expect(await attempt(app, freshAddress())).toBe(400);
  });
});
