import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exited, spawnServer } from "../support/server.ts";

/** Postgres processes serving a data folder, found by their command line. */
const postgresOf = (dataDir: string) =>
  readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
        return cmd.includes("postgres") && cmd.includes(dataDir) && state !== "Z";
      } catch {
        return false;
      }
    });

const serve = (dataDir: string) => spawnServer({ DATA_DIR: dataDir, DATABASE_URL: "" }, ["--seed-demo"]);

describe("npm start (serve --seed-demo) on the embedded Postgres", () => {
  it("serves the demo page, stops Postgres with it on SIGTERM, and starts again on the same data", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rendezvous-serve-"));
    const first = await serve(dataDir);
    expect(first.output()).toContain(`/demo/intro`);
    const page = await fetch(`http://127.0.0.1:${first.port}/demo/intro`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('class="slots"');
    expect(postgresOf(dataDir).length).toBeGreaterThan(0);

    first.child.kill("SIGTERM");
    expect(await exited(first.child)).toBe(0);
    expect(postgresOf(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, "postgres", "postmaster.pid"))).toBe(false);

    const second = await serve(dataDir);
    expect((await fetch(`http://127.0.0.1:${second.port}/health`)).status).toBe(200);
    second.child.kill("SIGINT");
    expect(await exited(second.child)).toBe(0);
    expect(postgresOf(dataDir)).toEqual([]);
  });

  it("recovers the data folder after the app was killed outright", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rendezvous-serve-"));
    const first = await serve(dataDir);
    first.child.kill("SIGKILL");
    await exited(first.child);
    // Postgres outlived its parent: exactly what a crash leaves behind.
    expect(postgresOf(dataDir).length).toBeGreaterThan(0);

    const second = await serve(dataDir);
    expect(second.output()).toContain("stopping a Postgres left running by an earlier crash");
    expect((await fetch(`http://127.0.0.1:${second.port}/demo/intro`)).status).toBe(200);
    second.child.kill("SIGTERM");
    expect(await exited(second.child)).toBe(0);
    expect(postgresOf(dataDir)).toEqual([]);
  });
});
