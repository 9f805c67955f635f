import { Redacted } from "effect";
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { runStorm } from "../../src/cli/storm.ts";
import { useTestApp } from "../support/app.ts";

const app = useTestApp();
let databaseUrl: Redacted.Redacted;

beforeAll(async () => {
  databaseUrl = app.databaseUrl;
});

describe("npm run storm", () => {
  it("books over HTTP under load and finds no double booking and nothing acknowledged missing", async () => {
    const summary = await runStorm({
      url: app.url,
      hosts: 2,
      concurrency: 16,
      durationSeconds: 2,
      slotsPerHost: 40,
      maxAttempts: 5_000,
      databaseUrl,
      progress: false,
    });
    expect(summary.attempts).toBeGreaterThan(40);
    expect(summary.confirmed).toBeGreaterThan(0);
    expect(summary.confirmed).toBeLessThanOrEqual(80);
    expect(summary.conflicts).toBeGreaterThan(0);
    expect(summary.errors).toBe(0);
    expect(summary.confirmed + summary.conflicts).toBe(summary.attempts);
    expect(summary.doubleBookings).toBe(0);
    expect(summary.acknowledgedMissing).toBe(0);
    expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p50);
  });

  it("refuses to storm another machine unless asked to, and bad numbers, with exit 2", () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "storm", ...args], { encoding: "utf8", env: { ...process.env, DATABASE_URL: "" } });
    const remote = run("--url", "http://example.com:3000", "--duration", "1");
    expect(remote.status).toBe(2);
    expect(remote.stderr).toMatch(/--url must be on this machine/);
    const zero = run("--url", app.url, "--concurrency", "0");
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/--concurrency must be a whole number/);
  });
});
