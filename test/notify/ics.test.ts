import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { escapeText, fold, icsOf } from "../../src/notify/ics.ts";
import { googleCalendarUrl, outlookCalendarUrl } from "../../src/notify/calendarLinks.ts";

const event = {
  uid: "3f1c0a52-9c1e-4d8e-a1a4-0f2f3c1d2b3a@example.org",
  sequence: 1,
  start: Date.UTC(2026, 2, 3, 9, 30),
  end: Date.UTC(2026, 2, 3, 10, 0),
  stamp: Date.UTC(2026, 1, 1, 12, 0),
  summary: "Intro; with Zoë, the café's owner",
  description: "Line one\nLine two: a very long description that goes on and on, well past seventy-five octets, with ü and 日本語 characters to fold.",
  location: "Room 4, Vienna",
  url: "https://example.org/booking/abc",
  organizer: { name: "Ada, Host", email: "ada@example.org" },
  attendee: { name: "Grace", email: "grace@example.org" },
  cancelled: false,
};

describe("the iCalendar file of a booking", () => {
  it("parses as RFC 5545 with the booking's times, texts and stable UID", () => {
    const text = icsOf(event);
    const calendar = new ICAL.Component(ICAL.parse(text));
    expect(calendar.getFirstPropertyValue("method")).toBe("PUBLISH");
    expect(calendar.getFirstPropertyValue("version")).toBe("2.0");
    const vevent = new ICAL.Event(calendar.getFirstSubcomponent("vevent")!);
    expect(vevent.uid).toBe(event.uid);
    expect(vevent.summary).toBe(event.summary);
    expect(vevent.description).toBe(event.description);
    expect(vevent.location).toBe(event.location);
    expect(vevent.sequence).toBe(1);
    expect(vevent.startDate.toJSDate().getTime()).toBe(event.start);
    expect(vevent.endDate.toJSDate().getTime()).toBe(event.end);
    expect(calendar.getFirstSubcomponent("vevent")!.getFirstPropertyValue("status")).toBe("CONFIRMED");
  });

  it("ends lines with CRLF and folds them at 75 octets without splitting a character", () => {
    const text = icsOf(event);
    expect(text.endsWith("\r\n")).toBe(true);
    const lines = text.split("\r\n").slice(0, -1);
    for (const line of lines) expect(Buffer.byteLength(line, "utf8")).toBeLessThanOrEqual(75);
    expect(text.replace(/\r\n/g, "")).not.toMatch(/\n|\r/);
    expect(lines.some((l) => l.startsWith(" "))).toBe(true);
    const folded = fold("X".repeat(74) + "日本語");
    expect(folded.split("\r\n ").join("")).toBe("X".repeat(74) + "日本語");
  });

  it("escapes backslashes, semicolons, commas and newlines in text", () => {
    expect(escapeText("a\\b;c,d\ne")).toBe("a\\\\b\\;c\\,d\\ne");
  });

  it("marks a cancelled booking as cancelled", () => {
    const calendar = new ICAL.Component(ICAL.parse(icsOf({ ...event, cancelled: true, sequence: 2 })));
    expect(calendar.getFirstSubcomponent("vevent")!.getFirstPropertyValue("status")).toBe("CANCELLED");
  });

  it("links to Google and Outlook with UTC times and the meeting's texts", () => {
    const linked = { title: "Intro & more", start: event.start, end: event.end, details: "Manage: https://x/y", location: "Vienna" };
    const google = new URL(googleCalendarUrl(linked));
    expect(google.searchParams.get("dates")).toBe("20260303T093000Z/20260303T100000Z");
    expect(google.searchParams.get("text")).toBe("Intro & more");
    const outlook = new URL(outlookCalendarUrl(linked));
    expect(outlook.searchParams.get("startdt")).toBe("2026-03-03T09:30:00Z");
    expect(outlook.searchParams.get("subject")).toBe("Intro & more");
  });
});
