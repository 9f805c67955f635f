import { Redacted } from "effect";
import { describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../src/persistence/EmbeddedPostgres.ts";
import { useOpenHostDatabase } from "../support/fixtures.ts";
import { exited, spawnServer } from "../support/server.ts";

const database = useOpenHostDatabase();

describe("LOG_FORMAT=json", () => {
  it("writes one JSON object a line with Effect's level names, carries the caller's X-Request-Id, and never a token or an email address", async () => {
    // Redis where none answers: the request limits log a warning through the edge logger.
    const noRedis = `redis://127.0.0.1:${await freeLoopbackPort()}`;
    const server = await spawnServer({ DATABASE_URL: Redacted.value(database.url), LOG_FORMAT: "json", LOG_LEVEL: "info", SMTP_URL: "", REDIS_URL: noRedis });
    try {
      const from = new Date(Date.now() + 2 * 86_400_000).toISOString();
      const slots = ((await (await fetch(`${server.url}/api/v1/hosts/${database.host.hostSlug}/event-types/${database.host.eventSlug}/slots?from=${from}`)).json()) as { slots: { start: string }[] }).slots;
      const res = await fetch(`${server.url}/api/v1/bookings`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": "trace-4711" },
        body: JSON.stringify({ eventTypeId: database.host.eventTypeId, start: slots[0]!.start, invitee: { name: "Log Reader", email: "log.reader@example.com", timeZone: "UTC" } }),
      });
      expect(res.status).toBe(201);
      const { manageToken } = (await res.json()) as { manageToken: string };
      // A page behind the manage token, and the mail of the booking kept in the local mailbox.
      expect((await fetch(`${server.url}/booking/${manageToken}/cancel`, { method: "POST" })).status).toBe(403);
      await expect.poll(() => server.output().includes("mail kept in the local mailbox")).toBe(true);
      await expect.poll(() => server.output().includes("trace-4711")).toBe(true);

      await expect.poll(() => server.output().includes("request limits kept in memory")).toBe(true);

      const entries = server
        .output()
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as { message: string; level: string; timestamp: string; requestId?: string; route?: string });
      for (const entry of entries) {
        expect(entry).toHaveProperty("message");
        expect(["DEBUG", "INFO", "WARN", "ERROR"]).toContain(entry.level);
        expect(typeof entry.timestamp).toBe("string");
      }
      expect(entries.find((e) => e.message.includes("request limits kept in memory"))?.level).toBe("WARN");
      expect(entries.find((e) => e.requestId === "trace-4711")).toMatchObject({
        message: "request",
        route: "/api/v1/bookings",
      });
      const all = server.output();
      expect(all).not.toContain(manageToken);
      expect(all).not.toContain("log.reader@example.com");
      expect(all).not.toMatch(/sign-in\/[A-Za-z0-9_-]{43}/);
    } finally {
      server.child.kill("SIGTERM");
      await exited(server.child);
    }
  });
});
