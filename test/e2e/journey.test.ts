import { SqlClient } from "@effect/sql/SqlClient";
import { Effect } from "effect";
import ICAL from "ical.js";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useTestApp } from "../support/app.ts";
import { expectAccessible, failOnPageErrors, useBrowser, screenshot, VIEWPORTS } from "../support/browser.ts";
import { createHost, weekdays } from "../support/fixtures.ts";

const app = useTestApp();
const browser = useBrowser();


const questions = [
  { id: "company", label: "Company", kind: "short_text" as const, required: true },
  { id: "topic", label: "Topic", kind: "single_choice" as const, required: false, options: ["Sales", "Support"] },
];

const newHost = (timeZone = "Europe/Vienna") =>
  app.runtime.runPromise(
    createHost({
      timeZone,
      rules: weekdays("09:00", "17:00"),
      eventType: { questions, location: "Video call", description: "Let's get to know each other." },
    }),
  );

const eventsOf = (bookingId: string) =>
  app.runtime.runPromise(
    Effect.flatMap(SqlClient, (sql) => sql<{ type: string }>`SELECT type FROM booking_events WHERE booking_id = ${bookingId} ORDER BY id`),
  ).then((rows) => rows.map((r) => r.type));

/** Clicks a day in the calendar and waits until the panel shows it. */
const chooseDay = async (page: Page, index: number) => {
  const day = page.locator(".month a.day:has(.dot)").nth(index);
  const date = await day.getAttribute("data-date");
  await day.click();
  await page.locator(`.month a.day.selected[data-date="${date}"]`).waitFor();
  return date!;
};

describe("the invitee's journey", () => {
  for (const [viewport, size] of Object.entries(VIEWPORTS)) {
    it(`books, reschedules and cancels in their own zone (${viewport})`, async () => {
      const host = await newHost();
      const context = await browser.newContext({ timezoneId: "America/New_York", locale: "en-US", viewport: size });
      const page = await context.newPage();
      const errors: string[] = [];
      failOnPageErrors(page, errors);

      await page.goto(`${app.url}/${host.hostSlug}`);
      await screenshot(page, `host-${viewport}`);
      await page.getByRole("link", { name: "A meeting" }).click();
      // The page script told the server the browser's zone (a cookie): times are in New York.
      await expect.poll(() => page.locator(".zone-note strong").textContent()).toBe("America/New York");
      await expect.poll(() => page.locator(".clock-switch a[aria-current]").textContent()).toBe("12-hour");
      await screenshot(page, `event-${viewport}`);
      await expectAccessible(page);

      await chooseDay(page, 1);
      const slot = page.locator(".day-slots ul.slots button").first();
      const label = await slot.getAttribute("aria-label");
      expect(label).toMatch(/^\w+day \d+ \w+, \d{1,2}:\d{2} [AP]M to \d{1,2}:\d{2} [AP]M$/);
      await slot.click();

      await page.locator("#book-form").waitFor();
      await expect.poll(() => page.locator(".countdown .timer").textContent()).toMatch(/left/);
      await screenshot(page, `form-${viewport}`);
      await expectAccessible(page);
      await page.locator("#name").fill("Grace Hopper");
      await page.locator("#email").fill("grace@example.com");
      await page.locator("#q-company").fill("Navy <script>alert(1)</script>");
      await page.locator("#q-topic").selectOption("Support");
      await page.locator("#note").fill("Looking forward to it.");
      await page.getByRole("button", { name: "Confirm booking" }).click();

      await page.getByRole("heading", { name: "You are scheduled" }).waitFor();
      const when = await page.locator("dl").textContent();
      expect(when).toContain("America/New York");
      expect(when).toContain("Europe/Vienna");
      expect(when).toContain("Grace Hopper");
      await screenshot(page, `confirmation-${viewport}`);
      await expectAccessible(page);

      const manage = page.url().replace(/\?.*$/, "");
      const bookingId = await app.runtime.runPromise(
        Effect.flatMap(SqlClient, (sql) => sql<{ id: string }>`SELECT id FROM bookings WHERE host_id = ${host.hostId}`),
      ).then((rows) => rows[0]!.id);
      const ics = await page.request.get(await page.getByRole("link", { name: /Download \.ics/ }).getAttribute("href").then((h) => new URL(h!, app.url).toString()));
      expect(ics.headers()["content-type"]).toBe("text/calendar; charset=utf-8");
      const vevent = new ICAL.Event(new ICAL.Component(ICAL.parse(await ics.text())).getFirstSubcomponent("vevent")!);
      expect(vevent.uid).toBe(`${bookingId}@127.0.0.1`);
      expect(await page.getByRole("link", { name: /Google Calendar/ }).getAttribute("href")).toMatch(/^https:\/\/calendar\.google\.com\//);

      // Reschedule on the same calendar: another day, a new time, then confirm the move.
      await page.getByRole("link", { name: "Reschedule" }).click();
      await page.locator("#booking-panel").waitFor();
      await chooseDay(page, 2);
      await screenshot(page, `reschedule-${viewport}`);
      const newTime = page.locator(".day-slots ul.slots button").nth(2);
      const newStart = await newTime.getAttribute("value");
      await newTime.click();
      await page.getByRole("button", { name: "Move the meeting" }).click();
      await page.getByRole("heading", { name: "Your meeting has moved" }).waitFor();
      expect(await page.locator("dl").textContent()).not.toBe(when);
      const moved = await app.runtime.runPromise(
        Effect.flatMap(SqlClient, (sql) => sql<{ start: Date; version: number }>`SELECT start_at AS start, version FROM bookings WHERE id = ${bookingId}`),
      );
      expect(moved[0]!.start.getTime()).toBe(Date.parse(newStart!));
      expect(moved[0]!.version).toBe(2);

      // Cancel with a reason.
      await page.getByText("Cancel the meeting", { exact: true }).click();
      await page.locator("#reason").fill("Plans changed");
      await page.getByRole("button", { name: "Yes, cancel the meeting" }).click();
      await page.getByRole("heading", { name: "Your meeting is cancelled" }).waitFor();
      expect(await page.locator("dl").textContent()).toContain("Plans changed");
      await screenshot(page, `cancelled-${viewport}`);
      expect(await eventsOf(bookingId)).toEqual(["created", "rescheduled", "cancelled"]);

      // The manage page now says so; an unknown token reveals nothing.
      await page.goto(manage);
      await page.getByRole("heading", { name: "This meeting is cancelled" }).waitFor();
      const unknown = await page.goto(`${app.url}/booking/${"x".repeat(22)}`);
      expect(unknown!.status()).toBe(404);
      expect(errors).toEqual([]);
      await context.close();
    });
  }

  it("books with JavaScript off, in the host's zone, through plain forms", async () => {
    const host = await newHost();
    const context = await browser.newContext({ javaScriptEnabled: false, timezoneId: "Asia/Tokyo" });
    const page = await context.newPage();
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}`);
    // Without the script nobody tells the server the browser's zone: the host's is used and named.
    expect(await page.locator(".zone-note").textContent()).toContain("Europe/Vienna (the host's time zone)");
    await page.locator(".month a.day:has(.dot)").nth(1).click();
    await page.locator(".day-slots ul.slots button").first().click();
    await page.locator("#name").fill("Alan Turing");
    await page.locator("#email").fill("alan@example.com");
    await page.locator("#q-company").fill("Bletchley");
    await page.getByRole("button", { name: "Confirm booking" }).click();
    await page.getByRole("heading", { name: "You are scheduled" }).waitFor();
    await page.getByText("Cancel the meeting", { exact: true }).click();
    await page.locator("#reason").fill("No longer needed");
    await page.getByRole("button", { name: "Yes, cancel the meeting" }).click();
    await page.getByRole("heading", { name: "Your meeting is cancelled" }).waitFor();
    await context.close();
  });

  it("can be booked with the keyboard alone", async () => {
    const host = await newHost();
    const context = await browser.newContext({ timezoneId: "Europe/Vienna", locale: "en-GB" });
    const page = await context.newPage();
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=Europe/Vienna`);
    const focused = () => page.evaluate(() => ({ tag: document.activeElement?.tagName, cls: document.activeElement?.className ?? "", date: document.activeElement?.getAttribute("data-date"), id: document.activeElement?.id }));
    // Tab into the calendar: exactly one day is in the tab order.
    for (let i = 0; i < 30 && !(await focused()).cls.includes("day"); i++) await page.keyboard.press("Tab");
    const first = await focused();
    expect(first.cls).toContain("day");
    // Arrows move by day and week; the next weekday with times is chosen with Enter.
    await page.keyboard.press("ArrowDown");
    const weekLater = await focused();
    expect(Date.parse(weekLater.date!) - Date.parse(first.date!)).toBe(7 * 86_400_000);
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("ArrowRight");
    const next = await focused();
    expect(Date.parse(next.date!) - Date.parse(first.date!)).toBe(86_400_000);
    await page.keyboard.press("Enter");
    await page.locator(`.month a.day.selected[data-date="${next.date}"]`).waitFor();
    // On to the first time of that day, and book it.
    for (let i = 0; i < 60 && (await focused()).tag !== "BUTTON"; i++) await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.closest(".day-slots") !== null)).toBe(true);
    await page.keyboard.press("Enter");
    await page.locator("#book-form").waitFor();
    await expect.poll(async () => (await focused()).id).toBe("name");
    await page.keyboard.type("Ada Lovelace");
    await page.keyboard.press("Tab");
    await page.keyboard.type("ada@example.com");
    await page.keyboard.press("Tab");
    await page.keyboard.type("Analytical Engines");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "You are scheduled" }).waitFor();
    await context.close();
  });

  it("shows a week across a DST change in the viewer's zone, not the host's", async () => {
    // New York moves its clocks on 14 March 2027, London only on 28 March.
    const host = await newHost("America/New_York");
    const context = await browser.newContext({ timezoneId: "Europe/London", locale: "en-GB" });
    const page = await context.newPage();
    const day = async (date: string) => {
      await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=Europe/London&clock=24h&date=${date}`);
      return page.locator(".day-slots ul.slots button").first().textContent();
    };
    expect(await day("2027-03-12")).toBe("14:00");
    expect(await day("2027-03-15")).toBe("13:00");
    expect(await day("2027-03-29")).toBe("14:00");
    // Every day of that week keeps its sixteen half-hour slots.
    for (const date of ["2027-03-12", "2027-03-15", "2027-03-16"]) {
      await day(date);
      expect(await page.locator(".day-slots ul.slots li").count()).toBe(16);
    }
    await context.close();
  });

  it("loads the booking page in under 40 KB compressed, all from our own origin", async () => {
    const host = await newHost();
    const context = await browser.newContext({ timezoneId: "Europe/Vienna" });
    const page = await context.newPage();
    const responses: Promise<{ url: string; type: string; bytes: number }>[] = [];
    page.on("response", (response) =>
      responses.push(
        response.request().sizes().then((sizes) => ({ url: response.url(), type: response.headers()["content-type"] ?? "", bytes: sizes.responseBodySize + sizes.responseHeadersSize })),
      ),
    );
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=Europe/Vienna`, { waitUntil: "networkidle" });
    const all = await Promise.all(responses);
    expect(all.filter((r) => !r.url.startsWith(app.url))).toEqual([]);
    const weight = all.filter((r) => /html|css|javascript/.test(r.type)).reduce((sum, r) => sum + r.bytes, 0);
    expect(weight).toBeLessThanOrEqual(40 * 1024);
    await context.close();
  });
});
