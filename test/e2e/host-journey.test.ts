import { SqlClient } from "@effect/sql/SqlClient";
import { Effect } from "effect";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { HostSessionRepository } from "../../src/persistence/HostSessionRepository.ts";
import { useTestApp } from "../support/app.ts";
import { expectAccessible, failOnPageErrors, screenshot, useBrowser, VIEWPORTS } from "../support/browser.ts";
import { createHost, weekdays } from "../support/fixtures.ts";

const app = useTestApp();
const browser = useBrowser();

/** Axe-clean, and nothing wider than a phone at 390 px. */
const checkPage = async (page: Page, name: string) => {
  await expectAccessible(page);
  await screenshot(page, `${name}-desktop`);
  const desktop = page.viewportSize()!;
  await page.setViewportSize(VIEWPORTS.phone);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(VIEWPORTS.phone.width);
  await expectAccessible(page);
  await screenshot(page, `${name}-phone`);
  await page.setViewportSize(desktop);
};

/** A host who uses only the keyboard: focus, then Enter (or type). */
const keyboardOf = (page: Page) => {
  const focusAndPress = async (target: ReturnType<Page["getByRole"]>, key = "Enter") => {
    await target.focus();
    await page.keyboard.press(key);
  };
  return {
    focusAndPress,
    press: (name: string) => focusAndPress(page.getByRole("button", { name, exact: true })),
    follow: (name: string) => focusAndPress(page.getByRole("link", { name, exact: true })),
    type: async (label: string | RegExp, text: string, exact = false) => {
      await page.getByLabel(label, { exact }).focus();
      await page.keyboard.type(text);
    },
  };
};

const bookingsOf = (hostSlug: string) =>
  app.runtime.runPromise(
    Effect.flatMap(SqlClient, (sql) => sql<{ status: string; startAt: Date; answers: Record<string, string> }>`
      SELECT b.status, b.start_at, b.answers FROM bookings b JOIN hosts h ON h.id = b.host_id WHERE h.slug = ${hostSlug}`),
  );

describe("a new host's first minutes, in a browser", () => {
  it("joins from the owner's invitation, sets up a meeting and hours, and watches a booking arrive live, then moves and cancels it", async () => {
    // The owner signs in with the link `npm start` prints (made here the same way).
    const ownerHost = await app.runtime.runPromise(createHost());
    const ownerLink = await app.runtime.runPromise(
      Effect.flatMap(HostSessionRepository, (r) => Effect.zipRight(r.ensureOwner(ownerHost.hostId), r.issueSignInLink(ownerHost.hostId, Date.now()))),
    );
    const errors: string[] = [];
    const owner = await (await browser.newContext({ viewport: VIEWPORTS.desktop })).newPage();
    failOnPageErrors(owner, errors);
    await owner.goto(`${app.url}/host/sign-in/${ownerLink}`);
    await owner.getByRole("button", { name: "Sign in" }).click();
    await owner.getByRole("link", { name: "Team" }).click();
    await owner.getByLabel("Their email").fill("lin@example.com");
    await owner.getByRole("button", { name: "Make an invitation link" }).click();
    const invitation = await owner.getByLabel("Invitation link").inputValue();
    await checkPage(owner, "host-team");

    // The new host, in their own browser in New York: the zone is detected, and they choose the rest.
    const hostContext = await browser.newContext({ viewport: VIEWPORTS.desktop, timezoneId: "America/New_York", locale: "en-US" });
    const host = await hostContext.newPage();
    failOnPageErrors(host, errors);
    await host.goto(invitation);
    await expect.poll(() => host.getByLabel("Time zone").inputValue()).toBe("America/New_York");
    await checkPage(host, "host-join");
    const slug = `lin-${Date.now().toString(36)}`;
    await host.getByLabel("Name").fill("Lin Example");
    await host.getByLabel("Address").fill(slug);
    await host.getByRole("button", { name: "Join and sign in" }).click();
    await host.getByRole("heading", { name: "Event types" }).waitFor();

    // A 45-minute meeting with two questions.
    await host.getByRole("link", { name: "New event type" }).click();
    await host.getByLabel("Title").fill("Consultation");
    // Leaving a field checks it at once (nothing saved); fixing it takes the message away.
    await host.getByLabel("Address").fill("Not Valid");
    await host.keyboard.press("Tab");
    await host.locator("#f-slug-error").filter({ hasText: "Address must be lowercase letters" }).waitFor();
    await host.getByLabel("Address").fill("consult");
    await host.keyboard.press("Tab");
    await host.locator("#f-slug-error").waitFor({ state: "detached" });
    await host.getByLabel("Duration (minutes)").fill("45");
    const q1 = host.getByRole("group", { name: "Question 1" });
    await q1.getByLabel("Question").fill("Company");
    await q1.getByLabel("Required").check();
    const q2 = host.getByRole("group", { name: "Question 2" });
    await q2.getByLabel("Question").fill("Topic");
    await q2.getByLabel("Answer").selectOption("single_choice");
    await q2.getByLabel(/Choices/).fill("Hiring\nFunding");
    await checkPage(host, "host-event-type-editor");
    await host.getByRole("button", { name: "Create event type" }).click();
    await host.getByRole("status").filter({ hasText: "The event type is created." }).waitFor();
    await checkPage(host, "host-event-types");

    // Tuesday and Thursday, 10:00–12:00, and no other day (new hosts start with weekdays 9–5).
    await host.getByRole("link", { name: "Availability" }).click();
    for (const day of ["Monday", "Wednesday", "Friday"]) {
      await host.getByLabel(`${day}, time 1, from`).fill("");
      await host.getByLabel(`${day}, time 1, until`).fill("");
    }
    for (const day of ["Tuesday", "Thursday"]) {
      await host.getByLabel(`${day}, time 1, from`).fill("10:00");
      await host.getByLabel(`${day}, time 1, until`).fill("12:00");
    }
    await host.getByRole("button", { name: "Save weekly hours" }).click();
    await host.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    await checkPage(host, "host-availability");

    // Their account: name, zone and a bio, and this browser among the sessions.
    await host.getByRole("link", { name: "Account" }).click();
    await host.getByLabel("About you").fill("I help founders plan their first hires.");
    await host.getByRole("button", { name: "Save", exact: true }).click();
    await host.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    await host.getByText("This browser").waitFor();
    expect(await host.locator("li.meeting strong").first().textContent()).toBe("Chrome on Linux");
    await checkPage(host, "host-account");

    // The dashboard stays open while someone books from another browser.
    await host.getByRole("link", { name: "Meetings", exact: true }).click();
    await host.getByText("No upcoming meetings.").waitFor();
    await checkPage(host, "host-meetings-empty");
    await host.waitForFunction(() => document.querySelector("#live") !== null && (window as unknown as { htmx?: unknown }).htmx !== undefined);

    const invitee = await (await browser.newContext({ viewport: VIEWPORTS.phone, timezoneId: "Europe/London" })).newPage();
    failOnPageErrors(invitee, errors);
    await invitee.goto(`${app.url}/${slug}`);
    await invitee.getByText("I help founders plan their first hires.").waitFor();
    await expectAccessible(invitee);
    await invitee.goto(`${app.url}/${slug}/consult`);
    await invitee.locator(".month a.day:has(.dot)").first().click();
    await invitee.locator(".month a.day.selected").waitFor();
    const times = invitee.locator(".day-slots ul.slots button");
    expect(await times.count()).toBe(2);
    await times.first().click();
    await invitee.locator("#book-form").waitFor();
    await invitee.locator("#name").fill("Ada Invitee");
    await invitee.locator("#email").fill("ada@example.com");
    await invitee.getByLabel("Company").fill("Analytical Engines");
    await invitee.getByLabel(/Topic/).selectOption("Funding");
    await invitee.getByRole("button", { name: "Confirm booking" }).click();
    await invitee.getByRole("heading", { name: "You are scheduled" }).waitFor();

    // It appears on the open dashboard without a reload, and is announced.
    const meeting = host.locator("#meetings li.meeting").filter({ hasText: "Ada Invitee" });
    await meeting.waitFor();
    expect(await meeting.textContent()).toContain("Analytical Engines");
    await expect.poll(() => host.locator("#meetings-status").textContent()).toBe("A new meeting was booked.");
    const [booked] = await bookingsOf(slug);
    const local = new Intl.DateTimeFormat("en-US", { timeZone: "America/New_York", weekday: "long", hour: "2-digit", minute: "2-digit", hour12: false }).format(booked!.startAt);
    expect(local).toMatch(/^(Tuesday|Thursday) 10:00$/);
    await checkPage(host, "host-meetings");

    // The host moves it, by keyboard, to the other free time of that day.
    await meeting.getByRole("link", { name: "Move the meeting with Ada Invitee" }).focus();
    await host.keyboard.press("Enter");
    await host.getByRole("heading", { name: "Move Consultation with Ada Invitee" }).waitFor();
    await checkPage(host, "host-reschedule");
    const later = host.locator(".move-times button").first();
    const newStart = await later.getAttribute("value");
    await later.focus();
    await host.keyboard.press("Enter");
    await host.getByRole("status").filter({ hasText: "The meeting has its new time" }).waitFor();
    expect((await bookingsOf(slug))[0]!.startAt.toISOString()).toBe(new Date(newStart!).toISOString());

    // And cancels it with a reason.
    await host.getByText("Cancel the meeting with Ada Invitee").click();
    await host.getByLabel(/Reason, shown to the invitee/).fill("Travelling that week");
    await host.getByRole("button", { name: "Cancel this meeting" }).click();
    await host.getByRole("status").filter({ hasText: "The meeting is cancelled." }).waitFor();
    expect(await host.locator("#meetings li.meeting").count()).toBe(0);
    expect((await bookingsOf(slug))[0]!.status).toBe("cancelled");

    // The cancelled meeting, its history and the reason, among all meetings.
    await host.getByRole("link", { name: "All meetings" }).click();
    await host.getByLabel("Show").selectOption("cancelled");
    await host.getByRole("button", { name: "Show meetings" }).click();
    const record = host.locator("li.meeting").filter({ hasText: "Ada Invitee" });
    await record.waitFor();
    expect(await record.textContent()).toContain("Reason: Travelling that week");
    await record.getByText("History and your note").click();
    expect(await record.locator("ol.history li").allTextContents()).toEqual([
      expect.stringMatching(/^Booked by the invitee, /),
      expect.stringMatching(/^Moved by you, /),
      expect.stringMatching(/^Cancelled by you, /),
    ]);
    await checkPage(host, "host-all-meetings");
    expect(errors).toEqual([]);
  });
});

describe("the host's setup by keyboard alone, at phone width", () => {
  it("makes an event type, invites a host and saves the account without a pointer", async () => {
    // An admin (the owner is the other test's): they run the team too.
    const ownerHost = await app.runtime.runPromise(createHost());
    await app.runtime.runPromise(Effect.flatMap(SqlClient, (sql) => sql`UPDATE hosts SET role = 'admin' WHERE id = ${ownerHost.hostId}`));
    const link = await app.runtime.runPromise(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(ownerHost.hostId, Date.now())));
    const page = await (await browser.newContext({ viewport: VIEWPORTS.phone })).newPage();
    const errors: string[] = [];
    failOnPageErrors(page, errors);
    const { type, press, follow } = keyboardOf(page);

    await page.goto(`${app.url}/host/sign-in/${link}`);
    await press("Sign in");
    await follow("Event types");
    await follow("New event type");
    await type("Title", "Quick chat");
    await type("Address", "quick-chat");
    await page.getByLabel("Duration (minutes)").focus();
    await page.keyboard.press("Control+A");
    await page.keyboard.type("15");
    const q1 = page.getByRole("group", { name: "Question 1" });
    await q1.getByLabel("Question").focus();
    await page.keyboard.type("Anything to prepare?");
    await q1.getByLabel("Answer").focus();
    await page.keyboard.press("ArrowDown");
    await press("Create event type");
    await page.getByRole("status").filter({ hasText: "The event type is created." }).waitFor();

    await follow("Team");
    await type("Their email", "kim@example.com");
    await press("Make an invitation link");
    await page.getByLabel("Invitation link").waitFor();

    await follow("Account");
    await type("About you", "Short calls only.");
    await press("Save");
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(VIEWPORTS.phone.width);

    const [row] = await app.runtime.runPromise(
      Effect.flatMap(SqlClient, (sql) => sql<{ durationMinutes: number; questions: { kind: string }[] }>`
        SELECT duration_minutes, questions FROM event_types WHERE host_id = ${ownerHost.hostId} AND slug = 'quick-chat'`),
    );
    expect(row!.durationMinutes).toBe(15);
    expect(row!.questions[0]!.kind).toBe("long_text");
    expect(errors).toEqual([]);
  });
});

describe("hours, lengths and requests by keyboard alone, at phone width", () => {
  it("makes a named schedule with time inputs, gives an event type those hours and a second length, and accepts and declines requests without a pointer", async () => {
    const fixture = await app.runtime.runPromise(createHost({ timeZone: "UTC", rules: weekdays("09:00", "10:00", [1]), eventType: { requiresConfirmation: true } }));
    const link = await app.runtime.runPromise(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(fixture.hostId, Date.now())));
    const page = await (await browser.newContext({ viewport: VIEWPORTS.phone })).newPage();
    const errors: string[] = [];
    failOnPageErrors(page, errors);
    const { focusAndPress, press, follow, type } = keyboardOf(page);
    const typeInto = (label: string, text: string) => type(label, text, true);

    await page.goto(`${app.url}/host/sign-in/${link}`);
    await press("Sign in");
    await follow("Availability");
    await follow("New schedule");
    await typeInto("Name of the schedule", "Evenings");
    // Hours from 13:00 to 19:59 type alike into a 12- or a 24-hour time input ("1700" is 17:00, or
    // 05:00 PM), whichever Chromium's own locale picks; a leading 2 would be read as 02.
    await typeInto("Monday, time 1, from", "1700");
    await typeInto("Monday, time 1, until", "1900");
    await press("Create the schedule");
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    await checkPage(page, "schedule");
    const query = <T extends object>(text: string) => app.runtime.runPromise(Effect.flatMap(SqlClient, (sql) => sql.unsafe<T>(text, [fixture.hostId])));
    expect(
      await query("SELECT r.weekday, r.start_time::text, r.end_time::text FROM availability_rules r JOIN schedules s ON s.id = r.schedule_id WHERE s.host_id = $1 AND s.name = 'Evenings' AND r.weekday = 1"),
    ).toEqual([{ weekday: 1, startTime: "17:00:00", endTime: "19:00:00" }]);

    await follow("Event types");
    await focusAndPress(page.getByRole("link", { name: "Edit" }).first());
    await focusAndPress(page.getByLabel("Hours", { exact: true }), "ArrowDown");
    await typeInto("Other lengths (minutes) (optional)", "60");
    await press("Save changes");
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    expect(await query("SELECT other_durations FROM event_types e JOIN schedules s ON s.id = e.schedule_id WHERE e.host_id = $1 AND s.name = 'Evenings'")).toEqual([
      { otherDurations: [60] },
    ]);

    // The invitee picks the hour by keyboard; the next Monday evening offers 17:00 and 18:00.
    const invitee = await (await browser.newContext({ viewport: VIEWPORTS.phone })).newPage();
    failOnPageErrors(invitee, errors);
    await invitee.goto(`${app.url}/${fixture.hostSlug}/${fixture.eventSlug}?tz=UTC`);
    await invitee.getByRole("link", { name: "60 min" }).focus();
    await invitee.keyboard.press("Enter");
    await invitee.waitForURL(/d=60/);
    await expectAccessible(invitee);
    await screenshot(invitee, "lengths-phone");
    const starts = await invitee.locator('button[name="start"]').evaluateAll((buttons) => buttons.map((b) => (b as HTMLButtonElement).value.slice(11)));
    expect(starts).toEqual(["17:00Z", "18:00Z"]);
    expect(await invitee.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(VIEWPORTS.phone.width);

    // Two requests arrive; the host accepts one and declines the other with the keyboard.
    const monday = await invitee.locator('button[name="start"]').first().getAttribute("value");
    const day = monday!.slice(0, 10);
    for (const [start, email] of [[`${day}T17:00:00Z`, "ann@example.com"], [`${day}T18:00:00Z`, "ben@example.com"]] as const) {
      const r = await fetch(`${app.url}/api/v1/bookings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ eventTypeId: fixture.eventTypeId, start, durationMinutes: 60, invitee: { name: email.slice(0, 3), email, timeZone: "UTC" } }),
      });
      expect(r.status).toBe(201);
    }
    await follow("Meetings");
    await page.getByRole("button", { name: "Accept the request of ann" }).waitFor();
    await press("Accept the request of ann");
    await page.waitForURL(/accepted=1/);
    await focusAndPress(page.getByText("Decline the request of ben"));
    // The only reason box open is the one of the request just opened.
    await page.getByRole("textbox", { name: "Reason, shown to the invitee" }).focus();
    await page.keyboard.type("Away that evening.");
    await press("Decline this request");
    await page.waitForURL(/declined=1/);
    expect(await query("SELECT invitee_email, status, cancel_reason FROM bookings WHERE host_id = $1 ORDER BY invitee_email")).toEqual([
      { inviteeEmail: "ann@example.com", status: "confirmed", cancelReason: null },
      { inviteeEmail: "ben@example.com", status: "declined", cancelReason: "Away that evening." },
    ]);
    expect(errors).toEqual([]);
  });
});
