import { describe, expect, it } from "vitest";
import { useTestApp } from "../support/app.ts";
import { expectAccessible, failOnPageErrors, screenshot, useBrowser, VIEWPORTS } from "../support/browser.ts";
import { createHost, weekdays } from "../support/fixtures.ts";
import { queryOf } from "../support/host.ts";

/** Issue 13, language: the invitee's pages in English, German, French and Spanish, dates as the browser writes them. */
const app = useTestApp();
const browser = useBrowser();
const sql = queryOf(app);

const isoDay = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const newHost = () =>
  app.runtime.runPromise(createHost({ timeZone: "UTC", rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]), eventType: { locationKind: "video", location: "https://video.example.com/x" } }));

const pageIn = async (locale: string, viewport: keyof typeof VIEWPORTS = "phone") => {
  const context = await browser.newContext({ viewport: VIEWPORTS[viewport], timezoneId: "UTC", locale });
  const page = await context.newPage();
  const errors: string[] = [];
  failOnPageErrors(page, errors);
  return { page, errors, context };
};

describe("the invitee's pages in their language", () => {
  it("a German browser books in German: words, dates, week start and clock; the mail language follows", async () => {
    const host = await newHost();
    const { page, errors } = await pageIn("de-DE");
    await page.goto(`${app.url}/${host.hostSlug}`);
    expect(await page.locator(".host-header").innerText()).toContain("Wähle einen Termin.");
    expect(await page.locator(".event-types .facts").innerText()).toMatch(/30 Min\.\s+Videoanruf/);
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=UTC&date=${isoDay(2)}`);
    expect(await page.locator("html").getAttribute("lang")).toBe("de");
    expect(await page.locator(".zone-note").innerText()).toBe("Zeiten in UTC.");
    expect(await page.locator(".facts").innerText()).toContain("Videoanruf");
    expect(await page.locator("table.month th").first().textContent()).toBe("Mo");
    const heading = await page.locator("#day-slots h3").textContent();
    expect(heading).toBe(new Intl.DateTimeFormat("de-DE", { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" }).format(Date.parse(isoDay(2))));
    expect(await page.locator('#day-slots button[name="start"]').first().textContent()).toBe("09:00");
    await screenshot(page, "language-de-event");
    await expectAccessible(page);

    await page.locator('#day-slots button[name="start"]').first().click();
    await page.getByRole("heading", { name: "Deine Angaben" }).waitFor();
    await page.getByLabel("Name").fill("Greta");
    await page.getByLabel("E-Mail").fill("greta@example.com");
    await screenshot(page, "language-de-form");
    await page.getByRole("button", { name: "Buchung bestätigen" }).click();
    await page.getByRole("heading", { name: "Dein Termin ist gebucht" }).waitFor();
    expect(await page.locator("dl").innerText()).toContain("Wann");
    await screenshot(page, "language-de-confirmation");
    await expectAccessible(page);
    expect(await sql("SELECT invitee_locale AS locale FROM bookings WHERE host_id = $1", host.hostId)).toEqual([{ locale: "de" }]);
    expect(errors).toEqual([]);
  });

  it("the visible switch changes the language, and the choice holds through the booking (French, then Spanish)", async () => {
    const host = await newHost();
    const { page, errors } = await pageIn("en-US", "desktop");
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=UTC&date=${isoDay(2)}`);
    // English in the United States: weeks start on Sunday, 12-hour clock.
    expect(await page.locator("table.month th").first().textContent()).toBe("Su");
    expect(await page.locator('#day-slots button[name="start"]').first().textContent()).toBe("9:00 AM");

    await page.getByRole("link", { name: "Français" }).click();
    await expect.poll(() => page.locator("html").getAttribute("lang")).toBe("fr");
    expect(await page.locator(".zone-note").innerText()).toBe("Heures en UTC.");
    await screenshot(page, "language-fr-event");
    await expectAccessible(page);
    await page.locator('#day-slots button[name="start"]').first().click();
    await page.getByRole("heading", { name: "Vos coordonnées" }).waitFor();
    await screenshot(page, "language-fr-form");

    await page.getByRole("link", { name: "Español" }).click();
    await page.getByRole("heading", { name: "Tus datos" }).waitFor();
    await page.getByLabel("Nombre").fill("Elena");
    await page.getByLabel("Correo electrónico").fill("elena@example.com");
    await screenshot(page, "language-es-form");
    await page.getByRole("button", { name: "Confirmar la reserva" }).click();
    await page.getByRole("heading", { name: "Tu reunión está reservada" }).waitFor();
    await screenshot(page, "language-es-confirmation");
    await expectAccessible(page);
    expect(await sql("SELECT invitee_locale AS locale FROM bookings WHERE host_id = $1", host.hostId)).toEqual([{ locale: "es" }]);
    expect(errors).toEqual([]);
  });

  it("an Arabic browser gets English words around Arabic dates, and the layout holds", async () => {
    const host = await newHost();
    const { page, errors } = await pageIn("ar-EG");
    await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=UTC&date=${isoDay(2)}`);
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    expect(await page.locator(".zone-note").innerText()).toBe("Times are in UTC.");
    expect(await page.locator("#day-slots h3").textContent()).toMatch(/[\u0600-\u06FF]/);
    expect(await page.locator("#month-h").textContent()).toMatch(/[\u0600-\u06FF]/);
    // Nothing runs off the side of a phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(page, "language-ar-dates-event");
    await expectAccessible(page);
    await page.locator('#day-slots button[name="start"]').first().click();
    await page.getByRole("heading", { name: "Your details" }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(errors).toEqual([]);
  });
});
