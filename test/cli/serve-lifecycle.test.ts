import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bookViaApi } from "../support/api.ts";
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

const serve = (dataDir: string) => spawnServer({ DATA_DIR: dataDir, DATABASE_URL: "", SMTP_URL: "" }, ["--seed-demo"]);

describe("npm start (serve --seed-demo) on the embedded Postgres", () => {
  it("serves the demo page, stops Postgres with it on SIGTERM, and starts again on the same data", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rendezvous-serve-"));
    const first = await serve(dataDir);
    expect(first.output()).toContain(`/demo/intro`);
    const page = await fetch(`http://127.0.0.1:${first.port}/demo/intro`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('class="slots"');
    expect(postgresOf(dataDir).length).toBeGreaterThan(0);

    // The demo host's sign-in link, printed at start, and another made beside the running
    // server (the command finds the server's embedded Postgres instead of starting its own).
    const printed = /\/host\/sign-in\/[A-Za-z0-9_-]{43}/.exec(first.output())?.[0];
    const beside = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "sign-in", "demo"], {
      encoding: "utf8",
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "", LOG_LEVEL: "warning" },
    });
    expect(beside.status).toBe(0);
    for (const path of [printed, /\/host\/sign-in\/\S+/.exec(beside.stdout)?.[0]]) {
      const signIn = await fetch(`http://127.0.0.1:${first.port}${path}`);
      expect(await signIn.text()).toContain("Sign in as Ada Demo");
    }

    // With no SMTP_URL, a booking's confirmation lands in the local mailbox, printed at start.
    expect(first.output()).toContain(`http://localhost:${first.port}/mailbox`);
    const base = `http://127.0.0.1:${first.port}`;
    const offered = (await (await fetch(`${base}/api/v1/hosts/demo/event-types/intro/slots`)).json()) as { eventTypeId: string; slots: { start: string }[] };
    const booked = await bookViaApi(base, { eventTypeId: offered.eventTypeId, start: offered.slots[0]!.start, email: "demo-invitee@example.com" });
    expect(booked.status).toBe(201);
    let mailbox = "";
    await expect
      .poll(async () => (mailbox = await (await fetch(`${base}/mailbox`)).text()).includes("demo-invitee@example.com"), { timeout: 10_000 })
      .toBe(true);
    const id = /href="\/mailbox\/(\d+)"[^>]*>Confirmed:/.exec(mailbox)![1]!;
    const invite = await (await fetch(`${base}/mailbox/${id}/invite.ics`)).text();
    expect(invite).toContain("METHOD:REQUEST");
    expect(invite).toContain(`DTSTART:${offered.slots[0]!.start.replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z")}`);

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
