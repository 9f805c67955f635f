import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Option, Redacted } from "effect";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bookViaApi, type ApiBooking } from "../support/api.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { createHost, type HostFixture } from "../support/fixtures.ts";

/** A loopback fake of Kannel's sendsms: records each GET's query and answers as `answer` says. */
const startGateway = async () => {
  const calls: URLSearchParams[] = [];
  const waiters: Array<() => void> = [];
  let answer: (n: number) => number = () => 202;
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? "/", "http://gateway").searchParams;
    calls.push(query);
    const status = answer(calls.length);
    res.writeHead(status, { "content-type": "text/plain" }).end(status === 202 ? "0: Accepted for delivery" : "3: Queue full");
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cgi-bin/sendsms?username=rv&password=secret&from=Rendezvous`,
    calls,
    answer: (f: (n: number) => number) => (answer = f),
    until: async (n: number) => {
      while (calls.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
};

let gateway: Awaited<ReturnType<typeof startGateway>>;
let app: TestApp;
let host: HostFixture;

beforeAll(async () => {
  gateway = await startGateway();
  app = await startTestApp({ smsUrl: Option.some(Redacted.make(gateway.url)) });
  host = await app.runtime.runPromise(
    createHost({ timeZone: "UTC", eventType: { questions: [{ id: "mobile", label: "Mobile", kind: "phone", required: false }] } }),
  );
});
afterAll(async () => {
  await app?.close();
  await gateway?.close();
});

const sql = <A extends object>(f: (sql: SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) => app.runtime.runPromise(Effect.flatMap(SqlClient, f));

const smsRows = (bookingId: string) =>
  sql((q) => q<{ status: string; attempts: number; phone: string }>`
    SELECT status, attempts, payload->>'phone' AS phone FROM notification_outbox
    WHERE booking_id = ${bookingId} AND recipient = 'sms' ORDER BY available_at`);

const book = async (start: string, answers: Record<string, string>, email: string) => {
  const res = await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start, email, timeZone: "Europe/Vienna", answers });
  expect(res.status).toBe(201);
  return (await res.json()) as ApiBooking;
};

describe("SMS reminders", () => {
  it("go to the number the invitee gave, through the gateway, retried while it is busy", async () => {
    const from = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const slots = ((await (await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${from}`)).json()) as { slots: { start: string }[] }).slots;
    const withPhone = await book(slots[0]!.start, { mobile: "+43 660 1234567" }, "sms@example.com");
    const without = await book(slots[1]!.start, {}, "nosms@example.com");
    expect(await smsRows(withPhone.id)).toEqual([
      { status: "pending", attempts: 0, phone: "+43 660 1234567" },
      { status: "pending", attempts: 0, phone: "+43 660 1234567" },
    ]);
    expect(await smsRows(without.id)).toEqual([]);

    // Busy once (Kannel's 503), then accepted; the 1-hour reminder is made due now.
    gateway.answer((n) => (n === 1 ? 503 : 202));
    await sql((q) => q`
      UPDATE notification_outbox SET available_at = now()
      WHERE booking_id = ${withPhone.id} AND recipient = 'sms' AND payload->>'minutesBefore' = '60'`);
    await gateway.until(2);
    const [busy, sent] = gateway.calls;
    expect(busy!.get("text")).toBe(sent!.get("text"));
    expect(sent!.get("to")).toBe("+43 660 1234567");
    expect(sent!.get("username")).toBe("rv");
    expect(sent!.get("text")).toMatch(/^Reminder: A meeting with Host host-[0-9a-f]+ in 1 hour: .+ \(Europe\/Vienna, GMT\+01:00\)\. http:\/\/127\.0\.0\.1:\d+\/booking\/[A-Za-z0-9_-]{22,}$/);
    await expect.poll(async () => (await smsRows(withPhone.id)).map((r) => `${r.status}/${r.attempts}`).sort()).toEqual(["pending/0", "sent/2"]);

    // Moving the meeting moves the SMS reminders with it; cancelling drops them.
    const auth = { authorization: `Bearer ${withPhone.manageToken}`, "content-type": "application/json" };
    await fetch(`${app.url}/api/v1/bookings/${withPhone.id}/reschedule`, { method: "POST", headers: auth, body: JSON.stringify({ start: slots[2]!.start }) });
    expect((await smsRows(withPhone.id)).filter((r) => r.status === "pending")).toHaveLength(2);
    await fetch(`${app.url}/api/v1/bookings/${withPhone.id}/cancel`, { method: "POST", headers: auth });
    expect((await smsRows(withPhone.id)).filter((r) => r.status === "pending")).toHaveLength(0);
  });
});
