import { SqlClient } from "@effect/sql/SqlClient";
import { Effect } from "effect";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPrivateAddress, webhookUrlProblem } from "../../src/notify/webhooks.ts";
import { HostSessionRepository } from "../../src/persistence/HostSessionRepository.ts";
import { bookViaApi, type ApiBooking } from "../support/api.ts";
import { startTestApp, useTestApp, type TestApp } from "../support/app.ts";
import { inputValue, PageClient } from "../support/client.ts";
import { createOpenHost, type HostFixture } from "../support/fixtures.ts";

interface Call {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A webhook receiver on loopback: records every call and answers what `answer` says. */
const startReceiver = async () => {
  const calls: Call[] = [];
  const waiters: Array<() => void> = [];
  let answer: (call: Call, n: number) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 });
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const call = { path: req.url ?? "", headers: req.headers, body };
      calls.push(call);
      const { status, headers } = answer(call, calls.filter((c) => c.path === call.path).length);
      res.writeHead(status, headers).end();
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return {
    url,
    calls,
    until,
    answer: (f: typeof answer) => (answer = f),
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
};

/** What a receiver does with `Rendezvous-Signature` (the README's recipe). */
const verify = (secret: string, header: string | undefined, body: string) => {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "");
  if (m === null) return false;
  const expected = createHmac("sha256", secret).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2]!, "hex")) && Math.abs(Date.now() / 1000 - Number(m[1])) < 300;
};

const app = useTestApp();
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver?.close());

const sessionOf = async (target: TestApp, host: HostFixture) => {
  const token = await target.runtime.runPromise(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(host.hostId, Date.now())));
  const res = await fetch(`${target.url}/api/v1/host/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ signInToken: token }) });
  return ((await res.json()) as { sessionToken: string }).sessionToken;
};

const register = async (target: TestApp, session: string, body: unknown) =>
  fetch(`${target.url}/api/v1/host/webhooks`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${session}` },
    body: JSON.stringify(body),
  });

const slotsOf = async (host: HostFixture) => {
  const from = new Date(Date.now() + 2 * 86_400_000).toISOString();
  const res = await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${from}`);
  return ((await res.json()) as { slots: { start: string }[] }).slots.map((s) => s.start);
};

const outboxOf = (bookingId: string) =>
  app.runtime.runPromise(
    Effect.flatMap(SqlClient, (sql) =>
      sql<{ status: string; attempts: number; lastError: string | null }>`
        SELECT status, attempts, last_error FROM notification_outbox WHERE booking_id = ${bookingId} AND recipient = 'webhook' ORDER BY id`,
    ),
  );

describe("webhooks", () => {
  it("POSTs each change the host listens for, signed with the webhook's secret", async () => {
    const host = await app.runtime.runPromise(createOpenHost());
    const session = await sessionOf(app, host);
    expect((await register(app, "not-a-session", { url: `${receiver.url}/life` })).status).toBe(403);
    const res = await register(app, session, { url: `${receiver.url}/life`, events: ["booking.created", "booking.cancelled"] });
    expect(res.status).toBe(201);
    const webhook = (await res.json()) as { id: string; secret: string; events: string[] };
    expect(webhook.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const listed = await fetch(`${app.url}/api/v1/host/webhooks`, { headers: { authorization: `Bearer ${session}` } });
    expect(((await listed.json()) as { webhooks: { id: string }[] }).webhooks.map((w) => w.id)).toEqual([webhook.id]);

    const [first, second] = await slotsOf(host);
    const booking = (await (await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: first!, name: "Ada", email: "ada-hook@example.com" })).json()) as ApiBooking;
    const auth = { authorization: `Bearer ${booking.manageToken}`, "content-type": "application/json" };
    // Moving is not listened for; cancelling is.
    await fetch(`${app.url}/api/v1/bookings/${booking.id}/reschedule`, { method: "POST", headers: auth, body: JSON.stringify({ start: second }) });
    await fetch(`${app.url}/api/v1/bookings/${booking.id}/cancel`, { method: "POST", headers: auth, body: JSON.stringify({ reason: "Clash" }) });
    const mine = () => receiver.calls.filter((c) => c.path === "/life");
    await receiver.until(() => mine().length >= 2);

    const bodies = mine().map((c) => JSON.parse(c.body) as { id: string; type: string; data: { booking: Record<string, unknown> } });
    expect(bodies.map((b) => b.type).sort()).toEqual(["booking.cancelled", "booking.created"]);
    for (const call of mine()) {
      expect(verify(webhook.secret, call.headers["rendezvous-signature"] as string, call.body)).toBe(true);
      expect(verify("another-secret-another-secret-another-secret", call.headers["rendezvous-signature"] as string, call.body)).toBe(false);
      expect(call.headers["content-type"]).toBe("application/json");
      expect(call.headers["rendezvous-delivery"]).toBe(JSON.parse(call.body).id);
    }
    const created = bodies.find((b) => b.type === "booking.created")!;
    expect(created.data.booking).toMatchObject({ id: booking.id, status: "confirmed", start: new Date(first!).toISOString(), sequence: 0 });
    expect(created.data.booking["invitee"]).toMatchObject({ name: "Ada", email: "ada-hook@example.com" });
    const cancelled = bodies.find((b) => b.type === "booking.cancelled")!;
    expect(cancelled.data.booking).toMatchObject({ status: "cancelled", start: new Date(second!).toISOString(), sequence: 2, cancelledBy: "invitee", cancelReason: "Clash" });

    // Removing it stops the calls; another host cannot remove it.
    const other = await app.runtime.runPromise(createOpenHost());
    const theirs = await sessionOf(app, other);
    expect((await fetch(`${app.url}/api/v1/host/webhooks/${webhook.id}`, { method: "DELETE", headers: { authorization: `Bearer ${theirs}` } })).status).toBe(404);
    expect((await fetch(`${app.url}/api/v1/host/webhooks/${webhook.id}`, { method: "DELETE", headers: { authorization: `Bearer ${session}` } })).status).toBe(204);
    expect((await fetch(`${app.url}/api/v1/host/webhooks`, { headers: { authorization: `Bearer ${session}` } }).then((r) => r.json())) as unknown).toEqual({ webhooks: [] });
  });

  it("retries a receiver that answers 500, with the same delivery id, and gives up after the allowed attempts", async () => {
    const host = await app.runtime.runPromise(createOpenHost());
    const session = await sessionOf(app, host);
    await register(app, session, { url: `${receiver.url}/flaky`, events: ["booking.created"] });
    await register(app, session, { url: `${receiver.url}/down`, events: ["booking.created"] });
    receiver.answer((call, n) => (call.path === "/flaky" ? { status: n <= 2 ? 500 : 204 } : call.path === "/down" ? { status: 503 } : { status: 200 }));
    const [first] = await slotsOf(host);
    const booking = (await (await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: first!, email: "flaky@example.com" })).json()) as ApiBooking;

    const flaky = () => receiver.calls.filter((c) => c.path === "/flaky");
    await receiver.until(() => flaky().length >= 3);
    expect(new Set(flaky().map((c) => JSON.parse(c.body).id)).size).toBe(1);
    // The test app allows 4 attempts.
    await expect.poll(async () => (await outboxOf(booking.id)).map((o) => `${o.status}/${o.attempts}`).sort(), { timeout: 15_000 }).toEqual(["dead/4", "sent/3"]);
    expect(receiver.calls.filter((c) => c.path === "/down")).toHaveLength(4);
    expect((await outboxOf(booking.id)).find((o) => o.status === "dead")!.lastError).toBe("HTTP 503");
  });

  it("never follows a redirect", async () => {
    const host = await app.runtime.runPromise(createOpenHost());
    const session = await sessionOf(app, host);
    await register(app, session, { url: `${receiver.url}/moved`, events: ["booking.created"] });
    receiver.answer((call) => (call.path === "/moved" ? { status: 302, headers: { location: `${receiver.url}/elsewhere` } } : { status: 200 }));
    const [first] = await slotsOf(host);
    const booking = (await (await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: first!, email: "moved@example.com" })).json()) as ApiBooking;
    await expect.poll(async () => (await outboxOf(booking.id))[0]?.status).toBe("dead");
    expect((await outboxOf(booking.id))[0]).toMatchObject({ attempts: 1, lastError: "HTTP 302: redirects are not followed" });
    expect(receiver.calls.filter((c) => c.path === "/elsewhere")).toHaveLength(0);
  });

  it("is managed from the dashboard: added, sent a signed test, and removed", async () => {
    receiver.answer(() => ({ status: 200 }));
    const host = await app.runtime.runPromise(createOpenHost());
    const browser = new PageClient(app.url);
    const token = await app.runtime.runPromise(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(host.hostId, Date.now())));
    await browser.postForm(`/host/sign-in/${token}`, { _csrf: inputValue((await browser.get(`/host/sign-in/${token}`)).body, "_csrf")! });
    let page = await browser.get("/host");
    const csrf = inputValue(page.body, "_csrf")!;

    const refused = await browser.postForm("/host/webhooks", { _csrf: csrf, url: "ftp://example.com/x", "event.booking.created": "on" });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain("must start with https:// or http://");
    const added = await browser.postForm("/host/webhooks", { _csrf: csrf, url: `${receiver.url}/dash`, "event.booking.created": "on" });
    expect(added.status).toBe(303);
    page = await browser.get("/host?webhook-added=1");
    expect(page.body).toContain("The webhook is added.");
    const id = /id="webhook-([0-9a-f-]{36})"/.exec(page.body)![1]!;
    const secret = new RegExp(`id="webhook-${id}"[\\s\\S]*?Secret: <code>([A-Za-z0-9_-]{43})</code>`).exec(page.body)![1]!;

    const tested = await browser.postForm(`/host/webhooks/${id}/test`, { _csrf: csrf });
    expect(tested.status).toBe(200);
    expect(tested.body).toContain("The test call was delivered.");
    const ping = receiver.calls.filter((c) => c.path === "/dash").at(-1)!;
    expect(JSON.parse(ping.body)).toMatchObject({ type: "ping", data: { webhookId: id } });
    expect(verify(secret, ping.headers["rendezvous-signature"] as string, ping.body)).toBe(true);

    expect((await browser.postForm(`/host/webhooks/${id}/delete`, {})).status).toBe(403);
    expect((await browser.postForm(`/host/webhooks/${id}/delete`, { _csrf: csrf })).status).toBe(303);
    expect((await browser.get("/host")).body).not.toContain(`id="webhook-${id}"`);
    expect((await browser.postForm(`/host/webhooks/${id}/test`, { _csrf: csrf })).status).toBe(404);
  });
});

describe("webhook addresses", () => {
  it("refuses this machine and private networks unless WEBHOOK_ALLOW_PRIVATE is set, also when a name resolves there", async () => {
    for (const address of ["127.0.0.1", "10.1.2.3", "192.168.0.9", "172.20.0.1", "169.254.169.254", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1", "0.0.0.0"]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ["93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"]) expect(isPrivateAddress(address), address).toBe(false);
    expect(webhookUrlProblem("http://127.0.0.1:9/x", false)).toMatch(/public address/);
    expect(webhookUrlProblem("http://[::1]/x", false)).toMatch(/public address/);
    expect(webhookUrlProblem("http://localhost/x", false)).toMatch(/public address/);
    expect(webhookUrlProblem("http://127.0.0.1:9/x", true)).toBeUndefined();
    expect(webhookUrlProblem("https://user:pw@example.com/x", false)).toMatch(/user name/);
    expect(webhookUrlProblem("https://example.com/\u0000", false)).toMatch(/control/);

    const strict = await startTestApp({ webhookAllowPrivate: false });
    try {
      const host = await strict.runtime.runPromise(createOpenHost());
      const session = await sessionOf(strict, host);
      const refused = await register(strict, session, { url: `${receiver.url}/private` });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ field: "url" });
      // A name that resolves to loopback (written straight to the table, as if its DNS had
      // changed since it was added) is refused when connecting.
      const port = new URL(receiver.url).port;
      await strict.runtime.runPromise(
        Effect.flatMap(SqlClient, (sql) => sql`
          INSERT INTO webhooks (host_id, url, secret, events)
          VALUES (${host.hostId}, ${`http://localhost:${port}/sneaky`}, ${"s".repeat(43)}, ARRAY['booking.created'])`),
      );
      const from = new Date(Date.now() + 2 * 86_400_000).toISOString();
      const slots = ((await (await fetch(`${strict.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${from}`)).json()) as { slots: { start: string }[] }).slots;
      const booking = (await (await bookViaApi(strict.url, { eventTypeId: host.eventTypeId, start: slots[0]!.start, email: "sneaky@example.com" })).json()) as ApiBooking;
      const attempts = () =>
        strict.runtime.runPromise(
          Effect.flatMap(SqlClient, (sql) => sql<{ error: string | null }>`
            SELECT a.error FROM notification_attempts a JOIN notification_outbox o ON o.id = a.outbox_id
            WHERE o.booking_id = ${booking.id} AND o.recipient = 'webhook' AND a.outcome IS NOT NULL`),
        );
      await expect.poll(async () => (await attempts()).length).toBeGreaterThan(0);
      expect((await attempts())[0]!.error).toMatch(/private address/);
      expect(receiver.calls.filter((c) => c.path === "/sneaky")).toHaveLength(0);
    } finally {
      await strict.close();
    }
  });
});
