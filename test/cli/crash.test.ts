import { Redacted } from "effect";
import { describe, expect, it } from "vitest";
import { spawnServer } from "../support/server.ts";
import { useOpenHostDatabase } from "../support/fixtures.ts";

/**
 * The whole server process dies (SIGKILL) in the middle of a booking storm. After a restart,
 * every booking that got a 201 must still be there and confirmed; nothing else matters.
 */
const database = useOpenHostDatabase();

// Twelve clients on one address would soon be refused by the per-address limits.
const startServer = () => spawnServer({ DATABASE_URL: Redacted.value(database.url), LOG_LEVEL: "warning", RATE_LIMIT: "off" });

describe("a server killed mid-storm", () => {
  it("keeps every acknowledged booking after SIGKILL and a restart", async () => {
    const first = await startServer();
    const slots = ((await (await fetch(`${first.url}/api/v1/hosts/${database.host.hostSlug}/event-types/${database.host.eventSlug}/slots?from=${new Date(Date.now() + 3_600_000).toISOString()}&to=${new Date(Date.now() + 20 * 86_400_000).toISOString()}`)).json()) as { slots: { start: string }[] }).slots;
    const acknowledged: { id: string; manageToken: string; start: string }[] = [];
    let failures = 0;
    let killed = false;
    const client = async (w: number) => {
      for (let n = 0; n < 400 && !(killed && failures > 50); n++) {
        const start = slots[Math.floor(Math.random() * slots.length)]!.start;
        try {
          const res = await fetch(`${first.url}/api/v1/bookings`, {
            method: "POST",
            headers: { "content-type": "application/json", "idempotency-key": `crash-${w}-${n}` },
            body: JSON.stringify({ eventTypeId: database.host.eventTypeId, start, invitee: { name: `I ${w}`, email: `i${w}-${n}@example.com`, timeZone: "UTC" } }),
          });
          if (res.status === 201) acknowledged.push((await res.json()) as never);
          else await res.text();
        } catch {
          failures++;
        }
      }
    };
    const load = Promise.all(Array.from({ length: 12 }, (_, w) => client(w)));
    // Kill it while bookings are being written, once some have been acknowledged.
    while (acknowledged.length < 40) await new Promise((r) => setImmediate(r));
    first.child.kill("SIGKILL");
    killed = true;
    await load;
    expect(failures).toBeGreaterThan(0);

    const second = await startServer();
    try {
      const missing: string[] = [];
      for (const b of acknowledged) {
        const res = await fetch(`${second.url}/api/v1/bookings/${b.id}`, { headers: { authorization: `Bearer ${b.manageToken}` } });
        const body = (await res.json()) as { status?: string; start?: string };
        if (res.status !== 200 || body.status !== "confirmed" || body.start !== b.start) missing.push(b.id);
      }
      expect(missing).toEqual([]);
      // And the restarted server's own view agrees: none of them is offered again.
      const after = ((await (await fetch(`${second.url}/api/v1/hosts/${database.host.hostSlug}/event-types/${database.host.eventSlug}/slots?from=${new Date(Date.now() + 3_600_000).toISOString()}&to=${new Date(Date.now() + 20 * 86_400_000).toISOString()}`)).json()) as { slots: { start: string }[] }).slots;
      const offered = new Set(after.map((s) => s.start));
      expect(acknowledged.filter((b) => offered.has(b.start))).toEqual([]);
    } finally {
      second.child.kill("SIGTERM");
    }
  });
});
