import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { EpochMs } from "../../src/domain/time.ts";
import { slotElementId } from "../../src/views/SlotList.tsx";
import { useTestApp } from "../support/app.ts";
import { bookViaApi } from "../support/api.ts";
import { expectAccessible, failOnPageErrors, useBrowser, screenshot } from "../support/browser.ts";
import { createHost, weekdays, type HostFixture } from "../support/fixtures.ts";

// Holds of three seconds, so a test can watch one run out.
const app = useTestApp({ holdMinutes: 0.05 });
const browser = useBrowser();


const newHost = () => app.runtime.runPromise(createHost({ timeZone: "Europe/Vienna", rules: weekdays("09:00", "17:00") }));

/** The starts the JSON API offers right now, as epoch milliseconds. */
const offered = async (host: HostFixture) => {
  const body = (await (await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots`)).json()) as { slots: { start: string }[] };
  return body.slots.map((s) => Date.parse(s.start));
};

/** Opens the event page, chooses its first time and waits for the form to say the hold ran out. */
const holdUntilExpired = async (host: HostFixture, errors: string[]) => {
  const page: Page = await (await browser.newContext({ timezoneId: "Europe/Vienna", locale: "en-GB" })).newPage();
  failOnPageErrors(page, errors);
  await page.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=Europe/Vienna`);
  const slot = page.locator(".day-slots ul.slots button").first();
  const start = Date.parse((await slot.getAttribute("value"))!);
  await slot.click();
  await page.locator("#book-form").waitFor();
  // Held: nobody else is offered the time.
  expect(await offered(host)).not.toContain(start);
  await page.locator(".countdown.expired").waitFor({ timeout: 15_000 });
  expect(await page.locator(".countdown").textContent()).toContain("Your hold on this time has run out");
  // The server let go of it too: the time is offered to everyone again.
  await expect.poll(() => offered(host), { timeout: 5_000 }).toContain(start);
  await page.locator("#name").fill("Ada Lovelace");
  await page.locator("#email").fill("ada@example.com");
  return { page, start };
};

describe("a hold that runs out while the form is open", () => {
  it("is announced in the form, and the time is checked again when the invitee confirms", async () => {
    const host = await newHost();
    const errors: string[] = [];
    const { page, start } = await holdUntilExpired(host, errors);
    await screenshot(page, "hold-expired-desktop");
    await expectAccessible(page);

    await page.getByRole("button", { name: "Confirm booking" }).click();
    await page.getByRole("heading", { name: "You are scheduled" }).waitFor();
    expect(await offered(host)).not.toContain(start);
    expect(errors).toEqual([]);
  });

  it("offers the nearest free times in place when someone else took the time meanwhile", async () => {
    const host = await newHost();
    const errors: string[] = [];
    const { page, start } = await holdUntilExpired(host, errors);

    const taken = await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: new Date(start).toISOString(), name: "Grace Hopper", email: "grace@example.com" });
    expect(taken.status).toBe(201);

    await page.getByRole("button", { name: "Confirm booking" }).click();
    const choices = page.locator("fieldset.alternatives input[name=start]");
    await choices.first().waitFor();
    expect(await page.locator("#book-form").textContent()).toContain("Someone else just took that time");
    // What the invitee typed is still there.
    expect(await page.locator("#name").inputValue()).toBe("Ada Lovelace");
    const alternatives = await choices.evaluateAll((inputs) => inputs.map((i) => Date.parse((i as HTMLInputElement).value)));
    expect(alternatives.length).toBeGreaterThan(0);
    expect(alternatives).not.toContain(start);
    await screenshot(page, "slot-taken-alternatives-desktop");
    await expectAccessible(page);

    await choices.first().check();
    await page.getByRole("button", { name: "Confirm booking" }).click();
    await page.getByRole("heading", { name: "You are scheduled" }).waitFor();
    expect(await offered(host)).not.toContain(alternatives[0]);
    expect(errors).toEqual([]);
  });

  it("takes the held time off every other open page, and puts it back when the hold runs out", async () => {
    const host = await newHost();
    const watcherContext = await browser.newContext({ timezoneId: "Asia/Tokyo", locale: "en-GB" });
    // Each person looks at their own screen: headless Chromium may call a background window hidden.
    await watcherContext.addInitScript(() => Object.defineProperty(document, "visibilityState", { get: () => "visible" }));
    const watcher = await watcherContext.newPage();
    const errors: string[] = [];
    failOnPageErrors(watcher, errors);

    const { start } = await holdUntilExpired(host, errors);
    // Each page opens that time's date in its own zone (the UTC date is not always either).
    const dateIn = (timeZone: string) => new Intl.DateTimeFormat("en-CA", { timeZone }).format(start);
    const date = dateIn("Asia/Tokyo");
    await watcher.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=Asia/Tokyo&date=${date}`);
    const shown = () => watcher.locator(`.day-slots button[value]`).evaluateAll((b) => b.map((x) => Date.parse((x as HTMLButtonElement).value)));
    await expect.poll(shown, { timeout: 5_000 }).toContain(start);

    // A second visitor holds it: it leaves the watcher's page, then comes back when that hold runs out.
    const second = await (await browser.newContext({ timezoneId: "Europe/Vienna", locale: "en-GB" })).newPage();
    await second.goto(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=Europe/Vienna&date=${dateIn("Europe/Vienna")}`);
    await second.locator(`#${slotElementId(host.eventTypeId, start as EpochMs)} button`).click();
    await second.locator("#book-form").waitFor();
    await expect.poll(shown, { timeout: 5_000 }).not.toContain(start);
    await expect.poll(shown, { timeout: 15_000 }).toContain(start);
    expect(errors).toEqual([]);
  });
});
