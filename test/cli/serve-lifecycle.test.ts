import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../support/app.ts";

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

const serve = async (dataDir: string) => {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve", "--seed-demo"], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: "", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", () => output.includes("Rendezvous is running") && resolve());
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
  });
  return { child, port, output: () => output };
};

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", resolve)));

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
