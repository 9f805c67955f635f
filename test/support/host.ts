import { SqlClient } from "@effect/sql/SqlClient";
import { Effect } from "effect";
import { expect } from "vitest";
import type { HostId } from "../../src/domain/model.ts";
import { HostSessionRepository } from "../../src/persistence/HostSessionRepository.ts";
import type { TestApp } from "./app.ts";
import { inputValue, PageClient } from "./client.ts";

/** A browser without JavaScript, signed in as the host through a fresh single-use link. */
export const signedInAs = async (app: TestApp, hostId: string) => {
  const browser = new PageClient(app.url);
  const token = await app.runtime.runPromise(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(hostId as HostId, Date.now())));
  const link = `/host/sign-in/${token}`;
  const page = await browser.get(link);
  expect((await browser.postForm(link, { _csrf: inputValue(page.body, "_csrf")! })).status).toBe(303);
  return browser;
};

/** A raw SQL query against the app's database, for setting up and checking rows. */
export const queryOf =
  (app: TestApp) =>
  <T extends object>(text: string, ...params: unknown[]) =>
    app.runtime.runPromise(Effect.flatMap(SqlClient, (s) => s.unsafe<T>(text, params as never[])));

/** What the event type editor posts for a fixture's event type (30 minutes, no notice, bookable), with these fields changed. */
export const eventTypeForm = (eventSlug: string, changes: Record<string, string> = {}): Record<string, string> => ({
  title: "A meeting",
  slug: eventSlug,
  durationMinutes: "30",
  minimumNoticeMinutes: "0",
  reminderMinutes: "1d, 1h",
  active: "on",
  ...changes,
});
