import ICAL from "ical.js";
import { beforeAll, describe, expect, it } from "vitest";
import { bookViaApi, type ApiBooking } from "../support/api.ts";
import { useTestApp } from "../support/app.ts";
import { createHost, type HostFixture } from "../support/fixtures.ts";

/** With no SMTP_URL, mail is kept in the database and shown on /mailbox to this machine only. */
const app = useTestApp();
let host: HostFixture;
let booking: ApiBooking;

beforeAll(async () => {
  host = await app.runtime.runPromise(createHost());
  const from = new Date(Date.now() + 2 * 86_400_000).toISOString();
  const slots = (await (await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${from}`)).json()) as { slots: { start: string }[] };
  booking = (await (await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: slots.slots[0]!.start, name: "Mia <i>M</i>", email: "mia@example.com" })).json()) as ApiBooking;
});

/** The mailbox list, once it shows both mails of the booking (the worker delivers after the commit). */
const listed = async () => {
  let body = "";
  await expect
    .poll(async () => {
      body = await (await fetch(`${app.url}/mailbox`)).text();
      return body.includes("mia@example.com") && body.includes(`${host.hostSlug}@example.com`);
    })
    .toBe(true);
  return body;
};

describe("the local mailbox", () => {
  it("shows the invitee's confirmation with a working invitation and the raw message", async () => {
    const list = await listed();
    expect(list).toContain("Local mailbox");
    expect(list).toMatch(/Confirmed: A meeting with Host host-[0-9a-f]+ on /);
    // What the invitee typed is escaped on the page (the host's mail names them).
    expect(list).toContain("New booking: Mia &lt;i>M&lt;/i>");
    expect(list).not.toContain("<i>M</i>");
    const id = /href="\/mailbox\/(\d+)"[^>]*>Confirmed:/.exec(list)![1]!;

    const page = await fetch(`${app.url}/mailbox/${id}`);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain(`/booking/${booking.manageToken}`);
    expect(page.headers.get("x-robots-tag")).toBe("noindex");

    const ics = await fetch(`${app.url}/mailbox/${id}/invite.ics`);
    expect(ics.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    const calendar = new ICAL.Component(ICAL.parse(await ics.text()));
    expect(calendar.getFirstPropertyValue("method")).toBe("REQUEST");
    expect(new ICAL.Event(calendar.getFirstSubcomponent("vevent")!).startDate.toJSDate().toISOString()).toBe(new Date(booking.start).toISOString());

    const html = await fetch(`${app.url}/mailbox/${id}/html`);
    // The mail's own HTML runs sandboxed under exactly one policy (two would both apply).
    expect(html.headers.get("content-security-policy")).toBe("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    expect(await html.text()).toContain("Your meeting is booked");

    const raw = await (await fetch(`${app.url}/mailbox/${id}/message.eml`)).text();
    expect(raw).toMatch(/^Message-ID: <notice-\d+\.[0-9a-f-]{36}@127\.0\.0\.1>$/m);
    expect(raw).toMatch(/^Content-Type: text\/calendar; charset=utf-8; method=REQUEST$/m);
  });

  it("is not there for requests that came through a proxy, or for ids that do not exist", async () => {
    await listed();
    for (const path of ["/mailbox", "/mailbox/1", "/mailbox/1/html", "/mailbox/1/invite.ics", "/mailbox/1/message.eml"]) {
      expect((await fetch(`${app.url}${path}`, { headers: { "x-forwarded-for": "203.0.113.9" } })).status, path).toBe(404);
      expect((await fetch(`${app.url}${path}`, { headers: { forwarded: "for=203.0.113.9" } })).status, path).toBe(404);
    }
    for (const path of ["/mailbox/999999", "/mailbox/0", "/mailbox/abc", "/mailbox/99999999999999999999/html"]) {
      expect((await fetch(`${app.url}${path}`)).status, path).toBe(404);
    }
  });
});
