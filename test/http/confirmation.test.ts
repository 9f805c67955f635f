import { Effect } from "effect";
import ICAL from "ical.js";
import { HostSessionRepository } from "../../src/persistence/HostSessionRepository.ts";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { bookViaApi } from "../support/api.ts";
import { useTestApp } from "../support/app.ts";
import { inputValue, PageClient } from "../support/client.ts";
import { createHost, weekdays, type HostFixture } from "../support/fixtures.ts";
import { queryOf, signedInAs } from "../support/host.ts";
import { openLiveSocket } from "../support/ws.ts";

const app = useTestApp();

const sql = queryOf(app);
const signedIn = (host: HostFixture) => signedInAs(app, host.hostId);

const offered = async (host: HostFixture) => {
  const from = new Date(Date.now() + 2 * 86_400_000).toISOString();
  const r = await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${from}`);
  return ((await r.json()) as { slots: { start: string }[] }).slots.map((s) => s.start);
};

const mailsOf = (bookingId: string) =>
  sql<{ kind: string; recipient: string }>(
    "SELECT kind, recipient FROM notification_outbox WHERE booking_id = $1 AND recipient IN ('invitee', 'host') AND kind <> 'booking_reminder' ORDER BY id",
    bookingId,
  );

const mailbox = (to: string, subject: RegExp) =>
  sql<{ subject: string; textBody: string; calendar: string | null }>("SELECT subject, text_body, calendar FROM local_mailbox WHERE recipient = $1 ORDER BY id", to).then((rows) =>
    rows.filter((r) => subject.test(r.subject)),
  );

describe("event types that need the host's confirmation", () => {
  it("hold the requested time as pending; the host accepts one (confirmed, invitation sent) and declines another (time free, invitee told)", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC", rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]), eventType: { requiresConfirmation: true } }));
    const browser = await signedIn(host);
    const socket = await openLiveSocket(`${app.url.replace("http", "ws")}/host/live`, app.url, { cookie: browser.cookieHeader });
    const calls: { type: string; status: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        const parsed = JSON.parse(body) as { type: string; data: { booking: { status: string } } };
        calls.push({ type: parsed.type, status: parsed.data.booking.status });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const hooks = await browser.get("/host");
    const added = await browser.postForm("/host/webhooks", {
      _csrf: inputValue(hooks.body, "_csrf")!,
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      "event.booking.pending": "on",
      "event.booking.accepted": "on",
      "event.booking.declined": "on",
    });
    expect(added.status).toBe(303);
    try {
      const [first, second] = await offered(host);
      const asked = await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: first!, name: "Pat Pending", email: "pat@example.com" });
      expect(asked.status).toBe(201);
      const pending = (await asked.json()) as { id: string; status: string; manageToken: string };
      expect(pending.status).toBe("pending");
      // The time is held: nobody else can have it.
      expect(await offered(host)).not.toContain(first);
      expect((await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: first!, email: "other@example.com" })).status).toBe(409);
      expect(await mailsOf(pending.id)).toEqual([
        { kind: "booking_requested", recipient: "invitee" },
        { kind: "booking_requested", recipient: "host" },
      ]);
      // No reminders until it is confirmed.
      expect(await sql("SELECT 1 FROM notification_outbox WHERE booking_id = $1 AND kind = 'booking_reminder'", pending.id)).toEqual([]);
      await expect.poll(() => socket.frames.length).toBe(1);

      // The invitee's page says it waits; there is no calendar file to add yet.
      const manage = await new PageClient(app.url).get(`/booking/${pending.manageToken}`);
      expect(manage.body).toContain("confirms this meeting before it is booked");
      expect(manage.body).not.toContain("Add it to your calendar");

      const dashboard = await browser.get("/host");
      expect(dashboard.body).toContain("Awaiting your confirmation");
      const accepted = await browser.postForm(`/host/bookings/${pending.id}/accept`, { _csrf: inputValue(dashboard.body, "_csrf")! });
      expect(accepted.status).toBe(303);
      const [row] = await sql<{ status: string; version: number }>("SELECT status, version FROM bookings WHERE id = $1", pending.id);
      expect(row).toEqual({ status: "confirmed", version: 2 });
      expect((await mailsOf(pending.id)).at(-1)).toEqual({ kind: "booking_accepted", recipient: "invitee" });
      expect((await sql<{ n: string }>("SELECT count(*) AS n FROM notification_outbox WHERE booking_id = $1 AND kind = 'booking_reminder'", pending.id))[0]!.n).not.toBe("0");
      expect((await sql<{ type: string; actor: string }>("SELECT type, actor FROM booking_events WHERE booking_id = $1 ORDER BY id", pending.id)).map((e) => `${e.type}/${e.actor}`)).toEqual([
        "created/invitee",
        "accepted/host",
      ]);
      await expect.poll(async () => (await mailbox("pat@example.com", /^Confirmed:/)).length).toBe(1);
      const [confirmed] = await mailbox("pat@example.com", /^Confirmed:/);
      expect(new ICAL.Component(ICAL.parse(confirmed!.calendar!)).getFirstPropertyValue("method")).toBe("REQUEST");
      expect((await mailbox("pat@example.com", /^Requested:/)).length).toBe(1);
      // Accepting twice is refused, and changes nothing.
      const again = await browser.postForm(`/host/bookings/${pending.id}/accept`, { _csrf: inputValue(dashboard.body, "_csrf")! });
      expect(again.status).toBe(400);
      expect(again.body).toContain("is not waiting for your confirmation");

      // A second request, declined with a reason: its time is free again.
      const secondAsk = (await (await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: second!, name: "Dee Clined", email: "dee@example.com" })).json()) as { id: string };
      const other = await signedIn(await app.runtime.runPromise(createHost()));
      const otherPage = await other.get("/host");
      expect((await other.postForm(`/host/bookings/${secondAsk.id}/decline`, { _csrf: inputValue(otherPage.body, "_csrf")!, reason: "mine" })).status).toBe(404);
      const declined = await browser.postForm(`/host/bookings/${secondAsk.id}/decline`, { _csrf: inputValue(dashboard.body, "_csrf")!, reason: "Travelling" });
      expect(declined.status).toBe(303);
      expect((await sql<{ status: string; cancelReason: string }>("SELECT status, cancel_reason FROM bookings WHERE id = $1", secondAsk.id))[0]).toEqual({ status: "declined", cancelReason: "Travelling" });
      expect(await offered(host)).toContain(second);
      await expect.poll(async () => (await mailbox("dee@example.com", /^Declined:/)).map((m) => m.textBody.includes("Reason: Travelling"))).toEqual([true]);
      // The same answers over the API, with the host's session token; the invitee's own token may not.
      const third = (await (await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: second!, name: "Api Asker", email: "api@example.com" })).json()) as { id: string; manageToken: string };
      const asInvitee = await fetch(`${app.url}/api/v1/bookings/${third.id}/accept`, { method: "POST", headers: { authorization: `Bearer ${third.manageToken}` } });
      expect(asInvitee.status).toBe(404);
      // Moving a request keeps it a request: the move mail carries no invitation yet.
      const laterStart = (await offered(host)).find((t) => t > second!)!;
      const moved = await fetch(`${app.url}/api/v1/bookings/${third.id}/reschedule`, {
        method: "POST",
        headers: { authorization: `Bearer ${third.manageToken}`, "content-type": "application/json" },
        body: JSON.stringify({ start: laterStart }),
      });
      expect(moved.status).toBe(200);
      expect(await moved.json()).toMatchObject({ status: "pending" });
      await expect.poll(async () => (await mailbox("api@example.com", /^Moved:/)).map((m) => m.calendar)).toEqual([null]);
      const link = await app.runtime.runPromise(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(host.hostId, Date.now())));
      const session = ((await (await fetch(`${app.url}/api/v1/host/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ signInToken: link }) })).json()) as { sessionToken: string }).sessionToken;
      const apiDecline = await fetch(`${app.url}/api/v1/bookings/${third.id}/decline`, {
        method: "POST",
        headers: { authorization: `Bearer ${session}`, "content-type": "application/json" },
        body: JSON.stringify({ reason: "Full week" }),
      });
      expect(apiDecline.status).toBe(200);
      expect(await apiDecline.json()).toMatchObject({ id: third.id, status: "declined" });

      const cancelled = await browser.get("/host/meetings?view=cancelled");
      expect(cancelled.body).toContain("Declined by you");
      // The webhook heard the request, the acceptance and the decline, each with the status it left.
      await expect.poll(() => calls.map((c) => `${c.type}:${c.status}`).sort()).toEqual(
        ["booking.accepted:confirmed", "booking.declined:declined", "booking.declined:declined", "booking.pending:pending", "booking.pending:pending", "booking.pending:pending"],
      );
    } finally {
      socket.close();
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
