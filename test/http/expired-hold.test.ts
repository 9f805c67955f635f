import { Effect } from "effect";
import { beforeAll, describe, expect, it } from "vitest";
import { HostActors } from "../../src/actors/HostActors.ts";
import { useTestApp } from "../support/app.ts";
import { bookViaApi } from "../support/api.ts";
import { bookingFormFields, inputValue, offeredStarts, PageClient } from "../support/client.ts";
import { createHost, type HostFixture } from "../support/fixtures.ts";

/** A hold that ran out means the same to the form and to the JSON API: the time itself is checked. */
const app = useTestApp({ holdMinutes: 0.02 }); // 1.2-second holds
let host: HostFixture;

beforeAll(async () => {
  host = await app.runtime.runPromise(createHost({ timeZone: "Europe/Vienna" }));
});

/** A hold placed through the page, as a visitor does; resolves with its token and time. */
const holdOne = async (browser: PageClient, index: number) => {
  // A day a week ahead: today may have only a few times left, depending on when the test runs.
  const date = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  const page = await browser.get(`/${host.hostSlug}/${host.eventSlug}?date=${date}`);
  const start = offeredStarts(page.body)[index]!;
  const held = await browser.postForm(`/${host.hostSlug}/${host.eventSlug}/hold`, { _csrf: inputValue(page.body, "_csrf")!, tz: "Europe/Vienna", start });
  const form = await browser.get(held.headers.get("location")!);
  return { start, token: inputValue(form.body, "hold")!, form: form.body };
};

/** Until the actor let the hold go (its expiry is a message in the mailbox). */
const expired = async (token: string) => {
  for (;;) {
    const snapshot = await app.runtime.runPromise(Effect.flatMap(HostActors, (a) => a.snapshot(host.hostId)));
    if (!snapshot.holds.has(token)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe("a hold that ran out", () => {
  it("books the time through the JSON API when it is still free", async () => {
    const { start, token } = await holdOne(new PageClient(app.url), 1);
    await expired(token);
    const res = await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start, holdToken: token, name: "Api", email: "api@example.com" });
    expect(res.status).toBe(201);
  });

  it("books the time through the form when it is still free", async () => {
    const browser = new PageClient(app.url);
    const { token, form } = await holdOne(browser, 3);
    await expired(token);
    const res = await browser.postForm(`/${host.hostSlug}/${host.eventSlug}/book`, bookingFormFields(form, { name: "Form", email: "form@example.com" }));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(/^\/booking\/.+\?new=1$/);
  });

  it("answers both with 409 when someone else took the time meanwhile", async () => {
    const browser = new PageClient(app.url);
    const { start, token, form } = await holdOne(browser, 5);
    await expired(token);
    const taken = await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start, name: "Other", email: "other@example.com" });
    expect(taken.status).toBe(201);
    const byApi = await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start, holdToken: token, name: "Late", email: "late@example.com" });
    expect(byApi.status).toBe(409);
    const byForm = await browser.postForm(`/${host.hostSlug}/${host.eventSlug}/book`, bookingFormFields(form, { name: "Late", email: "late@example.com" }));
    expect(byForm.status).toBe(409);
  });
});
