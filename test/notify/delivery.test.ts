import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Option, Redacted } from "effect";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/app.ts";
import { bookViaApi, type ApiBooking } from "../support/api.ts";
import { createHost, type HostFixture } from "../support/fixtures.ts";
import { startSmtpSink, type ReceivedMail, type SmtpSink } from "../support/smtp.ts";

let smtp: SmtpSink;
let app: TestApp;
let host: HostFixture;

beforeAll(async () => {
  smtp = await startSmtpSink();
  app = await startTestApp({ smtpUrl: Option.some(Redacted.make(smtp.url)) });
  host = await app.runtime.runPromise(
    createHost({
      timeZone: "America/New_York",
      eventType: { location: "Room 4", questions: [{ id: "topic", label: "Topic", kind: "short_text", required: false }] },
    }),
  );
});
afterAll(async () => {
  await app?.close();
  await smtp?.close();
});

const sql = <A>(f: (sql: SqlClient) => Effect.Effect<A, unknown>) => app.runtime.runPromise(Effect.flatMap(SqlClient, f));

const offered = async (days = 3) => {
  const from = new Date(Date.now() + days * 86_400_000).toISOString();
  const res = await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${from}`);
  return ((await res.json()) as { slots: { start: string }[] }).slots.map((s) => s.start);
};

const calendarOf = (mail: ReceivedMail) => {
  expect(mail.calendars.length).toBeGreaterThan(0);
  const part = mail.calendars[0]!;
  const calendar = new ICAL.Component(ICAL.parse(part.text));
  const vevent = calendar.getFirstSubcomponent("vevent")!;
  return {
    contentMethod: part.contentMethod,
    method: calendar.getFirstPropertyValue("method"),
    uid: vevent.getFirstPropertyValue("uid"),
    sequence: vevent.getFirstPropertyValue("sequence"),
    status: vevent.getFirstPropertyValue("status"),
    start: new ICAL.Event(vevent).startDate.toJSDate().getTime(),
    attendee: String(vevent.getFirstProperty("attendee")!.toICALString()),
  };
};

const mailTo = (from: number, address: string) => smtp.mails.slice(from).filter((m) => m.to.includes(address));

describe("mail for a booking's life", () => {
  it("sends the invitee and the host one mail per change, with an invitation that updates the same calendar entry", async () => {
    const [first, , third] = await offered();
    const name = `<b>Eve & "Co"</b>`;
    const invitee = "eve@example.com";
    const res = await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: first!, name, email: invitee, timeZone: "Europe/Vienna", answers: { topic: "Budget <2027>" } });
    expect(res.status).toBe(201);
    const booking = (await res.json()) as ApiBooking;
    await smtp.until(2);

    const [confirmation] = mailTo(0, invitee);
    expect(confirmation!.parsed.subject).toMatch(/^Confirmed: A meeting with Host host-[0-9a-f]+ on /);
    expect(confirmation!.parsed.text).toContain(`/booking/${booking.manageToken}`);
    expect(confirmation!.parsed.text).toContain("Europe/Vienna");
    expect(confirmation!.parsed.text).toContain("Budget <2027>");
    // The HTML part escapes what the invitee typed.
    expect(confirmation!.parsed.html).toContain("Budget &lt;2027");
    expect(confirmation!.parsed.html).not.toContain("<2027");
    const created = calendarOf(confirmation!);
    expect(created).toMatchObject({ contentMethod: "REQUEST", method: "REQUEST", sequence: 0, status: "CONFIRMED", start: Date.parse(first!) });
    expect(created.attendee).toMatch(/RSVP=TRUE/);
    expect(created.attendee).toMatch(/PARTSTAT=NEEDS-ACTION/);
    expect(confirmation!.calendars.some((c) => c.filename === "invite.ics")).toBe(true);

    const [toHost] = mailTo(0, `${host.hostSlug}@example.com`);
    expect(toHost!.parsed.subject).toMatch(/^New booking: /);
    expect(toHost!.parsed.text).toContain("America/New York");
    expect(toHost!.parsed.html).toContain("&lt;b>Eve &amp; &#34;Co&#34;&lt;/b>");
    expect(toHost!.parsed.html).not.toContain("<b>");

    const auth = { authorization: `Bearer ${booking.manageToken}`, "content-type": "application/json" };
    const moved = await fetch(`${app.url}/api/v1/bookings/${booking.id}/reschedule`, { method: "POST", headers: auth, body: JSON.stringify({ start: third }) });
    expect(moved.status).toBe(200);
    await smtp.until(4);
    const [movedMail] = mailTo(2, invitee);
    expect(movedMail!.parsed.subject).toMatch(/^Moved: /);
    expect(calendarOf(movedMail!)).toMatchObject({ contentMethod: "REQUEST", method: "REQUEST", uid: created.uid, sequence: 1, start: Date.parse(third!) });

    const cancelled = await fetch(`${app.url}/api/v1/bookings/${booking.id}/cancel`, { method: "POST", headers: auth, body: JSON.stringify({ reason: "Sick <today>" }) });
    expect(cancelled.status).toBe(200);
    await smtp.until(6);
    const [cancelMail] = mailTo(4, invitee);
    expect(cancelMail!.parsed.subject).toMatch(/^Cancelled: /);
    expect(cancelMail!.parsed.text).toContain("Sick <today>");
    expect(calendarOf(cancelMail!)).toMatchObject({ contentMethod: "CANCEL", method: "CANCEL", uid: created.uid, sequence: 2, status: "CANCELLED" });

    // One message per notice, each with its own stable Message-ID.
    const ids = smtp.mails.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^<notice-\d+\.[0-9a-f-]{36}@127\.0\.0\.1>$/);
  });

  it("schedules reminders at the event type's offsets, moves them on reschedule and drops them on cancel", async () => {
    const [first, second] = await offered(4);
    const res = await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: first!, email: "rem@example.com" });
    const booking = (await res.json()) as ApiBooking;
    const reminders = () =>
      sql((q) => q<{ status: string; dueMs: number }>`
        SELECT status, (extract(epoch FROM available_at) * 1000)::float8 AS due_ms FROM notification_outbox
        WHERE booking_id = ${booking.id} AND kind = 'booking_reminder' ORDER BY status, available_at`);
    expect(await reminders()).toEqual([
      { status: "pending", dueMs: Date.parse(first!) - 86_400_000 },
      { status: "pending", dueMs: Date.parse(first!) - 3_600_000 },
    ]);

    const auth = { authorization: `Bearer ${booking.manageToken}`, "content-type": "application/json" };
    await fetch(`${app.url}/api/v1/bookings/${booking.id}/reschedule`, { method: "POST", headers: auth, body: JSON.stringify({ start: second }) });
    expect(await reminders()).toEqual([
      { status: "pending", dueMs: Date.parse(second!) - 86_400_000 },
      { status: "pending", dueMs: Date.parse(second!) - 3_600_000 },
      { status: "skipped", dueMs: Date.parse(first!) - 86_400_000 },
      { status: "skipped", dueMs: Date.parse(first!) - 3_600_000 },
    ]);

    await fetch(`${app.url}/api/v1/bookings/${booking.id}/cancel`, { method: "POST", headers: auth });
    expect((await reminders()).map((r) => r.status)).toEqual(["skipped", "skipped", "skipped", "skipped"]);
  });

  it("sends a reminder that comes due, and skips one whose meeting has already started", async () => {
    const isReminder = (m: ReceivedMail) => /^Reminder/.test(m.parsed.subject ?? "");
    const [first, second] = await offered(5);
    const due = (await (await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: first!, email: "due@example.com" })).json()) as ApiBooking;
    const late = (await (await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: second!, email: "late@example.com" })).json()) as ApiBooking;
    expect(smtp.mails.filter(isReminder)).toHaveLength(0);
    // The clock cannot be moved in Postgres: make the 1-hour reminders due now instead, and
    // make the second meeting one that began a minute ago (it was never started for real).
    await sql((q) => q`
      UPDATE bookings SET start_at = date_trunc('second', now()) - interval '1 minute', end_at = date_trunc('second', now()) + interval '1 minute'
      WHERE id = ${late.id}`);
    await sql((q) => q`
      UPDATE notification_outbox o SET available_at = now(), payload = o.payload || jsonb_build_object('start', (extract(epoch FROM b.start_at) * 1000)::bigint)
      FROM bookings b
      WHERE b.id = o.booking_id AND o.kind = 'booking_reminder' AND o.payload->>'minutesBefore' = '60' AND o.booking_id IN (${due.id}, ${late.id})`);
    const reminder = await smtp.waitFor((m) => m.to.includes("due@example.com") && isReminder(m));
    expect(reminder.parsed.subject).toMatch(/^Reminder: A meeting with Host host-[0-9a-f]+ in 1 hour$/);
    expect(reminder.calendars).toHaveLength(0);
    await expect
      .poll(() => sql((q) => q<{ status: string }>`SELECT status FROM notification_outbox WHERE booking_id = ${late.id} AND kind = 'booking_reminder' AND payload->>'minutesBefore' = '60'`))
      .toEqual([{ status: "skipped" }]);
    expect(smtp.mails.filter((m) => m.to.includes("late@example.com") && isReminder(m))).toHaveLength(0);
  });
});
