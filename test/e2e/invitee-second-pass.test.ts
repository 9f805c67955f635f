import { Effect } from "effect";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { parseLocalDate, addDays } from "../../src/domain/time.ts";
import { HostSessionRepository } from "../../src/persistence/HostSessionRepository.ts";
import { hueOf } from "../../src/views/Avatar.tsx";
import { bookViaApi } from "../support/api.ts";
import { useTestApp } from "../support/app.ts";
import { expectAccessible, failOnPageErrors, screenshot, useBrowser, VIEWPORTS } from "../support/browser.ts";
import { createHost, wall, weekdays, type HostFixture } from "../support/fixtures.ts";
import { queryOf } from "../support/host.ts";

/** The invitee's page, second pass (issue 13): each test is one of its numbered items. */

const app = useTestApp();
const browser = useBrowser();
const sql = queryOf(app);

const newPage = async (viewport: keyof typeof VIEWPORTS = "desktop") => {
  const page = await (await browser.newContext({ viewport: VIEWPORTS[viewport], timezoneId: "UTC", locale: "en-GB" })).newPage();
  const errors: string[] = [];
  failOnPageErrors(page, errors);
  return { page, errors };
};

const utcToday = () => parseLocalDate(new Date().toISOString().slice(0, 10))!;
const isoDay = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

const calendarOf = (text: string) => new ICAL.Component(ICAL.parse(text));

describe("the invitee's page, second pass", () => {
  it("2: reschedule shows the zone the invitee booked in, offers a zone picker, and moves only after a review with a reason", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC", rules: weekdays("00:00", "24:00", [0, 1, 2, 3, 4, 5, 6]) }));
    // Booked for a New York time from a browser in Los Angeles.
    const offered = (await (await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${isoDay(3)}T08:30:00Z`)).json()) as { slots: { start: string }[] };
    const start = offered.slots[0]!.start; // 03:30 in New York, 00:30 in Los Angeles
    const booked = (await (await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start, email: "ny@example.com", timeZone: "America/New_York" })).json()) as { id: string; manageToken: string };
    const context = await browser.newContext({ viewport: VIEWPORTS.phone, timezoneId: "America/Los_Angeles", locale: "en-US" });
    const page = await context.newPage();
    const errors: string[] = [];
    failOnPageErrors(page, errors);
    await page.goto(`${app.url}/booking/${booked.manageToken}`);
    await page.getByRole("link", { name: "Reschedule" }).click();
    await page.locator("#booking-panel").waitFor();
    expect(await page.locator("p.card").innerText()).toMatch(/^Now: .*3:30 AM – 4:00 AM \(America\/New York\)/);
    expect(await page.locator("#tz").inputValue()).toBe("America/New_York");
    await expectAccessible(page);

    // Another zone, chosen on the page: the calendar follows it.
    await page.locator("#tz-search").fill("london");
    await page.locator("#tz-search").press("Enter");
    await page.waitForURL(/tz=Europe%2FLondon/);
    expect(await page.locator(".zone-note strong").textContent()).toBe("Europe/London");

    // Tapping a time (on a later day: today may have few left) moves nothing yet: a review, with a reason field.
    const later = page.locator(".month a.day:has(.dot)").nth(2);
    const laterDate = (await later.getAttribute("data-date"))!;
    await later.click();
    await page.locator(`.month a.day.selected[data-date="${laterDate}"]`).waitFor();
    const time = page.locator('#day-slots button[name="start"]').nth(3);
    const target = Date.parse((await time.getAttribute("value"))!);
    await time.click();
    await page.getByRole("heading", { name: "Move the meeting" }).waitFor();
    expect(await page.locator("form.review dl").innerText()).toContain("From");
    expect(await sql("SELECT start_at AS start FROM bookings WHERE id = $1", booked.id)).toEqual([{ start: new Date(start) }]);
    await screenshot(page, "reschedule-review-phone");
    await expectAccessible(page);
    await page.getByLabel(/Reason/).fill("A clash at work");
    await page.getByRole("button", { name: "Move the meeting" }).click();
    await page.getByRole("heading", { name: "Your meeting has moved" }).waitFor();
    expect(await sql("SELECT start_at AS start FROM bookings WHERE id = $1", booked.id)).toEqual([{ start: new Date(target) }]);
    expect(await sql("SELECT data->>'reason' AS reason FROM booking_events WHERE booking_id = $1 AND type = 'rescheduled'", booked.id)).toEqual([{ reason: "A clash at work" }]);
    expect(await sql("SELECT recipient, payload->>'reason' AS reason FROM notification_outbox WHERE booking_id = $1 AND kind = 'booking_rescheduled' ORDER BY recipient", booked.id)).toEqual([
      { recipient: "host", reason: "A clash at work" },
      { recipient: "invitee", reason: "A clash at work" },
    ]);
    expect(errors).toEqual([]);
  });

  it("3: opens the calendar on the first day with free times, even in a later month", async () => {
    // No weekly hours at all; one date, in the month after next, has hours.
    const first = new Date();
    const later = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 2, 10));
    const date = later.toISOString().slice(0, 10);
    const host = await app.runtime.runPromise(
      createHost({ timeZone: "UTC", rules: [], overrides: [{ date: parseLocalDate(date)!, windows: [{ start: wall("09:00"), end: wall("10:00") }] }] }),
    );
    const { page, errors } = await newPage();
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=UTC`);
    await expect.poll(() => page.locator(".month a.day.selected").getAttribute("data-date")).toBe(date);
    expect(await page.locator('button[name="start"]').count()).toBe(2);
    await expectAccessible(page);
    expect(errors).toEqual([]);
  });

  it("5: a day without times says so once, and a pointer cannot pick it", async () => {
    // Open every day but tomorrow.
    const tomorrow = addDays(utcToday(), 1);
    const host = await app.runtime.runPromise(
      createHost({ timeZone: "UTC", rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]), overrides: [{ date: tomorrow, windows: [] }] }),
    );
    const { page, errors } = await newPage();
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=UTC&date=${isoDay(1)}`);
    const slots = page.locator("#day-slots");
    await expect.poll(() => slots.innerText()).toContain("No free times on this day.");
    // The other message lived in CSS on an empty list: there is no list on a day without times.
    expect(await page.locator("#day-slots ul.slots").count()).toBe(0);
    expect(await page.locator(`.month a.day[data-date="${isoDay(1)}"]`).evaluate((a) => getComputedStyle(a).pointerEvents)).toBe("none");
    expect(await page.locator(".month a.day:has(.dot)").first().evaluate((a) => getComputedStyle(a).pointerEvents)).toBe("auto");
    expect(errors).toEqual([]);
  });

  it("9, 12: a manage link shows no focus box to a mouse user, and a cancelled meeting offers a calendar file that removes it", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC", rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]) }));
    const slots = (await (await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots`)).json()) as { slots: { start: string }[] };
    const booked = (await (await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: slots.slots[3]!.start, email: "cal@example.com" })).json()) as { manageToken: string };
    const { page, errors } = await newPage();
    await page.goto(`${app.url}/booking/${booked.manageToken}`);
    // The heading takes focus (screen readers start there), with no ring drawn round it.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("booking-h");
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe("none");

    const ics = () => page.evaluate(async (path) => (await fetch(path)).text(), `/booking/${booked.manageToken}/meeting.ics`);
    const added = calendarOf(await ics());
    expect(added.getFirstPropertyValue("method")).toBe("PUBLISH");
    const event = added.getFirstSubcomponent("vevent")!;

    await page.getByText("Cancel the meeting", { exact: true }).click();
    await page.getByRole("button", { name: "Yes, cancel the meeting" }).click();
    const link = page.getByRole("link", { name: "Remove it from your calendar (.ics)" });
    await link.waitFor();
    await screenshot(page, "cancelled-calendar-file");
    const removed = calendarOf(await page.evaluate(async (path) => (await fetch(path)).text(), (await link.getAttribute("href"))!));
    expect(removed.getFirstPropertyValue("method")).toBe("CANCEL");
    const cancelled = removed.getFirstSubcomponent("vevent")!;
    expect(cancelled.getFirstPropertyValue("uid")).toBe(event.getFirstPropertyValue("uid"));
    expect(Number(cancelled.getFirstPropertyValue("sequence"))).toBeGreaterThan(Number(event.getFirstPropertyValue("sequence")));
    expect(cancelled.getFirstPropertyValue("status")).toBe("CANCELLED");
    expect(errors).toEqual([]);
  });

  it("10: after someone took the time, the other times are in time order and the taken one is not in the summary", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC", rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]) }));
    const offered = (await (await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots?from=${isoDay(2)}T00:00:00Z`)).json()) as { slots: { start: string }[] };
    // A time in the middle of a day, so free times lie on both sides of it.
    const taken = offered.slots[6]!.start;
    const { page, errors } = await newPage("phone");
    // The form for a time without a hold (as after a hold ran out); meanwhile someone else books it.
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}/book?start=${encodeURIComponent(taken)}&tz=UTC`);
    expect((await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: taken, email: "first@example.com" })).status).toBe(201);
    await page.getByLabel("Name").fill("Second");
    await page.getByLabel("Email").fill("second@example.com");
    await page.getByRole("button", { name: "Confirm booking" }).click();
    const choices = page.locator('.alternatives input[name="start"]');
    await choices.first().waitFor();
    const values = await choices.evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    expect(values.length).toBeGreaterThan(2);
    expect(values).toEqual([...values].sort((a, b) => Date.parse(a) - Date.parse(b)));
    expect(values.some((v) => Date.parse(v) < Date.parse(taken))).toBe(true);
    expect(values.some((v) => Date.parse(v) > Date.parse(taken))).toBe(true);
    const takenLabel = new Date(taken).toISOString().slice(11, 16);
    expect(await page.locator(".summary").innerText()).not.toContain(takenLabel);
    await expectAccessible(page);
    expect(errors).toEqual([]);
  });

  it("7: the server names every wrong field at once, and the hold's countdown stays", async () => {
    const host = await app.runtime.runPromise(
      createHost({
        timeZone: "UTC",
        rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]),
        eventType: {
          questions: [
            { id: "topic", label: "Topic", kind: "short_text", required: true },
            { id: "size", label: "Team size", kind: "single_choice", required: true, options: ["1-5", "6+"] },
          ],
        },
      }),
    );
    const { page, errors } = await newPage("phone");
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=UTC&date=${isoDay(2)}`);
    await page.locator('#day-slots button[name="start"]').first().click();
    await page.locator(".countdown").waitFor();
    // What a browser without its own checks (or a script) sends: a bad email, no answers.
    await page.locator("#book-form").evaluate((form) => ((form as HTMLFormElement).noValidate = true));
    await page.getByLabel("Name").fill("Ann");
    await page.getByLabel("Email").fill("not-an-email");
    await page.getByRole("button", { name: "Confirm booking" }).click();
    await page.locator("#email-error").waitFor();
    expect(await page.locator(".field-error").allInnerTexts()).toEqual([
      "Email must look like name@example.com",
      "Topic is required",
      "Team size is required",
    ]);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("email");
    expect(await page.locator(".countdown").innerText()).toMatch(/We hold this time for you until/);
    await expectAccessible(page);
    expect(await sql("SELECT count(*)::int AS n FROM bookings WHERE host_id = $1", host.hostId)).toEqual([{ n: 0 }]);
    expect(errors).toEqual([]);
  });

  it("6: the confirmation gives the video link, shows the answers back, asks before cancelling, and its calendar links sit tight on a phone", async () => {
    const host = await app.runtime.runPromise(
      createHost({
        timeZone: "UTC",
        rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]),
        eventType: {
          locationKind: "video",
          location: "https://video.example.com/room-42",
          questions: [
            { id: "topic", label: "Topic", kind: "short_text", required: true },
            { id: "consent", label: "I agree to be recorded", kind: "checkbox", required: false },
          ],
        },
      }),
    );
    const { page, errors } = await newPage("phone");
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=UTC&date=${isoDay(2)}`);
    await page.locator('#day-slots button[name="start"]').first().click();
    await page.getByLabel("Name").fill("Ann");
    await page.getByLabel("Email").fill("ann@example.com");
    await page.getByLabel("Topic").fill("Budget <2027>");
    await page.getByLabel("I agree to be recorded").check();
    await page.getByLabel("Note").fill("Line one\nLine two");
    await page.getByRole("button", { name: "Confirm booking" }).click();
    await page.getByRole("heading", { name: "You are scheduled" }).waitFor();

    expect(await page.getByRole("link", { name: "https://video.example.com/room-42" }).getAttribute("href")).toBe("https://video.example.com/room-42");
    const facts = await page.locator("dl dt").evaluateAll((dts) => dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]));
    expect(facts).toEqual(expect.arrayContaining([["Topic", "Budget <2027>"], ["I agree to be recorded", "Yes"], ["Note", "Line one\nLine two"]]));

    // The .ics link wraps on a phone; its lines sit together, and it is still a 44px target.
    const ics = page.getByRole("link", { name: "Download .ics (Apple Calendar, Outlook, others)" });
    const box = await ics.evaluate((a) => ({ lines: a.getClientRects().length, lineHeight: parseFloat(getComputedStyle(a).lineHeight), height: a.getBoundingClientRect().height }));
    expect(box.lineHeight).toBeLessThan(30);
    expect(box.height).toBeGreaterThanOrEqual(44);

    // Cancelling takes a second, deliberate step.
    const confirm = page.getByRole("button", { name: "Yes, cancel the meeting" });
    expect(await confirm.isVisible()).toBe(false);
    await screenshot(page, "confirmation-phone");
    await expectAccessible(page);
    await page.getByText("Cancel the meeting", { exact: true }).click();
    await confirm.waitFor();
    expect(await sql("SELECT status FROM bookings WHERE host_id = $1", host.hostId)).toEqual([{ status: "confirmed" }]);
    await confirm.click();
    await page.getByRole("heading", { name: "Your meeting is cancelled" }).waitFor();
    expect(await sql("SELECT status FROM bookings WHERE host_id = $1", host.hostId)).toEqual([{ status: "cancelled" }]);
    expect(errors).toEqual([]);
  });

  it("11: the front page lists only hosts who chose to be listed", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC" }));
    const name = `Host ${host.hostSlug}`;
    const { page, errors } = await newPage();
    await page.goto(`${app.url}/`);
    expect(await page.getByText(name).count()).toBe(0);

    const link = await app.runtime.runPromise(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(host.hostId, Date.now())));
    const hostPage = (await newPage()).page;
    await hostPage.goto(`${app.url}/host/sign-in/${link}`);
    await hostPage.getByRole("button", { name: "Sign in" }).click();
    await hostPage.getByRole("link", { name: "Account", exact: true }).click();
    await hostPage.getByLabel("List me on this Rendezvous's front page").check();
    await hostPage.getByRole("button", { name: "Save listing" }).click();
    await hostPage.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    expect(await sql("SELECT listed FROM hosts WHERE id = $1", host.hostId)).toEqual([{ listed: true }]);

    await page.goto(`${app.url}/`);
    await page.getByText(name).first().waitFor();
    expect(errors).toEqual([]);
  });
});

describe("the first visit", () => {
  it("8: loads the page once, never shows the host's times, and names the zone one way", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "Europe/Vienna", rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]) }));
    // Chromium names this zone by its old spelling, Asia/Calcutta.
    const context = await browser.newContext({ viewport: VIEWPORTS.phone, timezoneId: "Asia/Kolkata", locale: "en-GB" });
    const page = await context.newPage();
    const errors: string[] = [];
    failOnPageErrors(page, errors);
    const documents: string[] = [];
    page.on("request", (request) => {
      if (request.resourceType() === "document") documents.push(request.url());
    });
    // Whether the times were visible when the page was first parsed (before any script fetched them anew).
    await page.addInitScript(() => {
      document.addEventListener("DOMContentLoaded", () => {
        const live = document.getElementById("live");
        (window as unknown as { firstSight: unknown }).firstSight = {
          zone: document.getElementById("tz")?.getAttribute("data-zone"),
          visible: live !== null && getComputedStyle(live).visibility === "visible",
        };
      });
    });
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}`);
    await expect.poll(() => page.locator(".zone-note strong").textContent()).toBe("Asia/Kolkata");
    await page.locator("#live").waitFor({ state: "visible" });
    expect(await page.evaluate(() => (window as unknown as { firstSight: unknown }).firstSight)).toEqual({ zone: "Europe/Vienna", visible: false });
    expect(documents).toEqual([`${app.url}/${host.hostSlug}/${host.eventSlug}`]);
    // The address now says the zone shown, and the list and the note agree on its name.
    expect(new URL(page.url()).searchParams.get("tz")).toBe("Asia/Calcutta");
    expect(await page.locator("#tz option:checked").textContent()).toMatch(/^Kolkata \(GMT\+05:30\)$/);
    expect(await page.locator("main").innerText()).not.toContain("Calcutta");
    // A time chosen now is in that zone: the first button's instant, as a Kolkata clock shows it
    // (which one is first depends on the hour the test runs).
    const first = page.locator('#day-slots button[name="start"]').first();
    const instant = new Date((await first.getAttribute("value"))!);
    const inKolkata = (hour12: boolean) => new Intl.DateTimeFormat("en-US", { timeZone: "Asia/Kolkata", hour: "numeric", minute: "2-digit", hour12 }).format(instant);
    const label = (await first.textContent())!;
    expect([inKolkata(false).padStart(5, "0"), inKolkata(true)].some((t) => label.startsWith(t)), `${label} at ${instant.toISOString()}`).toBe(true);
    expect(instant.getUTCMinutes() % 30).toBe(0);
    await page.locator('#day-slots button[name="start"]').first().click();
    await expect.poll(() => page.locator(".summary").innerText()).toContain("(Asia/Kolkata)");
    await expectAccessible(page);
    expect(errors).toEqual([]);
  });

  it("8: without the page script, the host's zone is shown and said", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "Europe/Vienna", rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]) }));
    const context = await browser.newContext({ javaScriptEnabled: false, timezoneId: "Asia/Kolkata", locale: "en-GB" });
    const page = await context.newPage();
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}`);
    expect(await page.locator(".zone-note").innerText()).toBe("Times are in Europe/Vienna (the host's time zone).");
    expect(await page.locator("#live").evaluate((el) => getComputedStyle(el).visibility)).toBe("visible");
  });
});

describe("the fall-back hour", () => {
  it("13: shows the offset on wall times that come twice, on the buttons, their labels and the form's summary", async () => {
    // Open around the clock in UTC; a London viewer on the night the clocks go back (31 October 2027).
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC", rules: weekdays("00:00", "24:00", [0, 1, 2, 3, 4, 5, 6]) }));
    const { page, errors } = await newPage();
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=Europe/London&clock=24h&date=2027-10-31`);
    const buttons = page.locator('#day-slots button[name="start"]');
    await buttons.first().waitFor();
    const shown = await buttons.evaluateAll((all) => all.map((b) => ({ text: b.textContent ?? "", label: b.getAttribute("aria-label") ?? "" })));
    const texts = shown.map((b) => b.text);
    // 01:00 and 01:30 come twice that night, first in summer time, then in winter time.
    expect(texts.filter((t) => t.startsWith("01:00"))).toEqual(["01:00 (GMT+01:00)", "01:00 (GMT+00:00)"]);
    expect(texts.filter((t) => t.startsWith("01:30"))).toEqual(["01:30 (GMT+01:00)", "01:30 (GMT+00:00)"]);
    // Every button reads differently, and so does every label; none says "01:30 to 01:00".
    expect(new Set(texts).size).toBe(texts.length);
    expect(new Set(shown.map((b) => b.label)).size).toBe(shown.length);
    expect(shown.map((b) => b.label)).toContain("Sunday 31 October, 01:30 (GMT+01:00) to 01:00 (GMT+00:00)");
    // Times away from the change carry no offset.
    expect(texts).toContain("09:00");
    await expectAccessible(page);

    await page.getByRole("button", { name: "Sunday 31 October, 01:30 (GMT+00:00) to 02:00" }).click();
    await expect.poll(() => page.locator(".summary").innerText()).toContain("01:30 (GMT+00:00) – 02:00");
    expect(errors).toEqual([]);
  });
});

describe("the zone picker", () => {
  it("14: gives each zone its offset on the date on screen, not today's", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC", rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]) }));
    const { page, errors } = await newPage();
    /** The next 15th of a month (0 = January), within the year ahead that pages offer. */
    const next15th = (month: number) => {
      const now = new Date();
      const thisYear = Date.UTC(now.getUTCFullYear(), month, 15) > now.getTime();
      return `${now.getUTCFullYear() + (thisYear ? 0 : 1)}-${String(month + 1).padStart(2, "0")}-15`;
    };
    const chatham = page.locator('option[value="Pacific/Chatham"]');
    // New Zealand keeps summer time from late September to early April.
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=UTC&date=${next15th(6)}`);
    expect(await chatham.textContent()).toBe("Chatham (GMT+12:45)");
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=UTC&date=${next15th(0)}`);
    expect(await chatham.textContent()).toBe("Chatham (GMT+13:45)");
    expect(errors).toEqual([]);
  });
});

describe("the zone picker, while the calendar moves", () => {
  it("14: months changed in place (no page load) give the zones the offsets of the month on screen", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC", rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]), eventType: { maxDaysAhead: 365 } }));
    const { page, errors } = await newPage();
    const london = page.locator('#tz option[value="Europe/London"]');
    // London keeps summer time (GMT+01:00) from late March to late October.
    const summer = (month: number) => month >= 4 && month <= 9;
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=UTC`);
    const documents: string[] = [];
    page.on("request", (r) => {
      if (r.resourceType() === "document") documents.push(r.url());
    });
    const seen = new Set<boolean>();
    for (let step = 0; step < 7; step++) {
      const month = Number((await page.locator(".month a.day").first().getAttribute("data-date"))!.slice(5, 7));
      await expect.poll(() => london.textContent()).toBe(`London (GMT+0${summer(month) ? 1 : 0}:00)`);
      seen.add(summer(month));
      const next = page.locator('.month-nav a[rel="next"]');
      const before = await page.locator("#month-h").textContent();
      await next.click();
      await expect.poll(() => page.locator("#month-h").textContent()).not.toBe(before);
    }
    // Both seasons came by, and every month came in place.
    expect(seen).toEqual(new Set([true, false]));
    expect(documents).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe("changing how times are shown", () => {
  it("1: a new zone or clock keeps the chosen day (phone: tap a day, search a zone, Enter)", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC", rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]) }));
    const { page, errors } = await newPage("phone");
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=UTC`);
    const day = page.locator(".month a.day:has(.dot)").nth(2);
    const date = (await day.getAttribute("data-date"))!;
    await day.click();
    await page.locator(`.month a.day.selected[data-date="${date}"]`).waitFor();

    await page.locator("#tz-search").fill("london");
    await page.locator("#tz-search").press("Enter");
    await page.waitForURL(/tz=Europe%2FLondon/);
    expect(await page.locator(".month a.day.selected").getAttribute("data-date")).toBe(date);

    await page.getByRole("link", { name: "12-hour" }).click();
    await page.waitForURL(/clock=12h/);
    expect(await page.locator(".month a.day.selected").getAttribute("data-date")).toBe(date);
    expect(await page.locator(".zone-note strong").textContent()).toBe("Europe/London");
    expect(errors).toEqual([]);
  });
});

describe("the look", () => {
  /** Two new hosts whose colours differ (each host's hue comes from its id: one of twelve). */
  const twoColours = async () => {
    const hosts: HostFixture[] = [];
    while (hosts.length < 2) {
      const host = await app.runtime.runPromise(
        createHost({ timeZone: "UTC", rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]), eventType: { locationKind: "video", location: "https://video.example.com/r", description: "A first talk." } }),
      );
      if (hosts.every((h) => hueOf(h.hostId) !== hueOf(host.hostId))) hosts.push(host);
    }
    return hosts as [HostFixture, HostFixture];
  };

  it("a phone's first screen shows who, what, the zone, the calendar and the first times, in each host's colour", async () => {
    const [a, b] = await twoColours();
    const { page, errors } = await newPage("phone");
    await page.goto(`${app.url}/${a.hostSlug}/${a.eventSlug}?tz=UTC&date=${isoDay(2)}`);
    expect(await page.locator(".event-header .avatar").isVisible()).toBe(true);
    expect(await page.locator(".host-name").textContent()).toBe(`Host ${a.hostSlug}`);
    expect(await page.locator(".facts").innerText()).toMatch(/30 min\s+Video call/);
    // Everything needed to pick a time is above the fold of a 390×844 phone.
    const firstTime = await page.locator('#day-slots button[name="start"]').first().boundingBox();
    expect(firstTime!.y + firstTime!.height).toBeLessThanOrEqual(844);
    const zoneBar = await page.locator(".zone-bar").boundingBox();
    expect(zoneBar!.height).toBeLessThanOrEqual(110);
    await screenshot(page, "look-event-phone-light");
    await expectAccessible(page);

    const accentOf = async (slug: string, eventSlug: string) => {
      await page.goto(`${app.url}/${slug}/${eventSlug}?tz=UTC&date=${isoDay(2)}`);
      return page.locator(".month a.day.selected").evaluate((el) => getComputedStyle(el).backgroundColor);
    };
    expect(await accentOf(a.hostSlug, a.eventSlug)).not.toBe(await accentOf(b.hostSlug, b.eventSlug));
    expect(errors).toEqual([]);
  });

  it("follows the dark scheme, with every contrast still passing", async () => {
    const [host] = await twoColours();
    for (const viewport of ["phone", "desktop"] as const) {
      const context = await browser.newContext({ viewport: VIEWPORTS[viewport], timezoneId: "UTC", locale: "en-GB", colorScheme: "dark" });
      const page = await context.newPage();
      const errors: string[] = [];
      failOnPageErrors(page, errors);
      await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=UTC&date=${isoDay(2)}`);
      const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      const [r, g, bl] = background.match(/\d+/g)!.map(Number);
      expect(r! + g! + bl!).toBeLessThan(3 * 60);
      await screenshot(page, `look-event-${viewport}-dark`);
      await expectAccessible(page);
      await page.locator('#day-slots button[name="start"]').first().click();
      await page.locator("#book-form").waitFor();
      await screenshot(page, `look-form-${viewport}-dark`);
      await expectAccessible(page);
      expect(errors).toEqual([]);
      await context.close();
    }
  });
});
