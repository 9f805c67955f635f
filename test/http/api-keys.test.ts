import { describe, expect, it } from "vitest";
import { bookViaApi } from "../support/api.ts";
import { useTestApp } from "../support/app.ts";
import { inputValue, PageClient } from "../support/client.ts";
import { createHost, type HostFixture } from "../support/fixtures.ts";
import { queryOf, signedInAs } from "../support/host.ts";

const app = useTestApp();
const query = queryOf(app);

/** Posts the key form of /host/api-keys with its CSRF token. */
const makeKey = async (browser: PageClient, fields: Record<string, string>) => {
  const page = await browser.get("/host/api-keys");
  expect(page.status).toBe(200);
  return browser.postForm("/host/api-keys", { _csrf: inputValue(page.body, "_csrf")!, ...fields });
};

const newKeyOf = (html: string) => /id="new-api-key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*id="new-api-key"/.exec(html)?.slice(1).find((v) => v !== undefined);

/** A host signed in on the dashboard, with a key of these scopes made there. */
const hostWithKey = async (scopes: ReadonlyArray<"read" | "write">, name = "Script") => {
  const fixture = await app.runtime.runPromise(createHost());
  const browser = await signedInAs(app, fixture.hostId);
  const made = await makeKey(browser, { name, ...Object.fromEntries(scopes.map((s) => [s, "on"])) });
  expect(made.status).toBe(201);
  const key = newKeyOf(made.body)!;
  expect(key).toMatch(/^rvk_[A-Za-z0-9_-]{43}$/);
  return { fixture, browser, key };
};

const api = (path: string, key: string, init: RequestInit = {}) =>
  fetch(`${app.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...(init.headers as Record<string, string>) } });

const keyRows = (hostId: string) =>
  query<{ name: string; scopes: string[]; digest: Buffer; lastUsed: Date | null; revoked: Date | null }>(
    "SELECT name, scopes, token_digest AS digest, last_used_at AS last_used, revoked_at AS revoked FROM api_keys WHERE host_id = $1 ORDER BY created_at",
    hostId,
  );

describe("API keys on the dashboard", () => {
  it("shows a new key once, keeps only its digest, and lists it with its scopes and when it was used", async () => {
    const { fixture, browser, key } = await hostWithKey(["read", "write"], "CRM <sync>");
    const [row] = await keyRows(fixture.hostId);
    expect(row).toMatchObject({ name: "CRM <sync>", scopes: ["read", "write"], lastUsed: null, revoked: null });
    expect(row!.digest.toString("hex")).not.toContain(Buffer.from(key).toString("hex"));
    const list = await browser.get("/host/api-keys");
    expect(list.body).not.toContain(key);
    expect(list.body).toContain("<strong>CRM &lt;sync></strong>");
    expect(list.body).toContain("read + write");
    expect(list.body).toContain("never used");
    expect(list.headers.get("cache-control")).toContain("no-store");
    expect((await api("/api/v1/host/webhooks", key)).status).toBe(200);
    expect((await keyRows(fixture.hostId))[0]!.lastUsed).not.toBeNull();
    expect((await browser.get("/host/api-keys")).body).toContain("last used");
  });

  it("refuses a key without a name or a scope, naming both fields, and makes nothing", async () => {
    const fixture = await app.runtime.runPromise(createHost());
    const browser = await signedInAs(app, fixture.hostId);
    const refused = await makeKey(browser, { name: "  " });
    expect(refused.status).toBe(422);
    expect(refused.body).toContain("Name must be 1 to 100 characters of text");
    expect(refused.body).toContain("Choose read, write or both");
    const tooLong = await makeKey(browser, { name: "x".repeat(101), read: "on" });
    expect(tooLong.status).toBe(422);
    expect(await keyRows(fixture.hostId)).toEqual([]);
  });

  it("revokes a key at once; another host cannot revoke it", async () => {
    const { fixture, browser, key } = await hostWithKey(["read"]);
    const stranger = await signedInAs(app, (await app.runtime.runPromise(createHost())).hostId);
    const id = /action="\/host\/api-keys\/([0-9a-f-]{36})\/revoke"/.exec((await browser.get("/host/api-keys")).body)![1]!;
    const strangerPage = await stranger.get("/host/api-keys");
    const denied = await stranger.postForm(`/host/api-keys/${id}/revoke`, { _csrf: inputValue(strangerPage.body, "_csrf")! });
    expect(denied.status).toBe(404);
    expect((await api("/api/v1/host/webhooks", key)).status).toBe(200);
    const page = await browser.get("/host/api-keys");
    const revoked = await browser.postForm(`/host/api-keys/${id}/revoke`, { _csrf: inputValue(page.body, "_csrf")! });
    expect(revoked.status).toBe(303);
    expect((await keyRows(fixture.hostId))[0]!.revoked).not.toBeNull();
    const after = await api("/api/v1/host/webhooks", key);
    expect(after.status).toBe(403);
    expect(((await after.json()) as { detail: string }).detail).toContain("Send an API key");
    expect((await browser.get("/host/api-keys")).body).toContain("No keys yet.");
  });
});

describe("what a key may do in the API", () => {
  it("lets a read key look but not change, and a write key change and look", async () => {
    const reader = await hostWithKey(["read"]);
    expect((await api("/api/v1/host/webhooks", reader.key)).status).toBe(200);
    const refused = await api("/api/v1/host/webhooks", reader.key, { method: "POST", body: JSON.stringify({ url: "http://127.0.0.1:9/hook" }) });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { detail: string }).detail).toContain("may not write");
    expect(await query("SELECT 1 FROM webhooks WHERE host_id = $1", reader.fixture.hostId)).toEqual([]);
    const writer = await hostWithKey(["write"]);
    const added = await api("/api/v1/host/webhooks", writer.key, { method: "POST", body: JSON.stringify({ url: "http://127.0.0.1:9/hook" }) });
    expect(added.status).toBe(201);
    const listed = await api("/api/v1/host/webhooks", writer.key);
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { webhooks: unknown[] }).webhooks).toHaveLength(1);
  });

  it("acts as its host on the host's bookings and on nobody else's", async () => {
    const { fixture, key } = await hostWithKey(["read", "write"]);
    const other = await app.runtime.runPromise(createHost());
    const bookingOf = async (host: HostFixture) => {
      const slots = (await (await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots`)).json()) as { slots: { start: string }[] };
      const booked = await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: slots.slots.at(-1)!.start });
      expect(booked.status).toBe(201);
      return (await booked.json()) as { id: string };
    };
    const mine = await bookingOf(fixture);
    const theirs = await bookingOf(other);
    const seen = await api(`/api/v1/bookings/${mine.id}`, key);
    expect(seen.status).toBe(200);
    expect(await seen.json()).not.toHaveProperty("manageToken");
    expect((await api(`/api/v1/bookings/${theirs.id}`, key)).status).toBe(404);
    expect((await api(`/api/v1/bookings/${theirs.id}/cancel`, key, { method: "POST", body: "{}" })).status).toBe(404);
    const cancelled = await api(`/api/v1/bookings/${mine.id}/cancel`, key, { method: "POST", body: JSON.stringify({ reason: "host away" }) });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ status: "cancelled", cancelledBy: "host" });
    expect((await query<{ status: string }>("SELECT status FROM bookings WHERE id = $1", theirs.id))[0]!.status).toBe("confirmed");
  });

  it("lets a read key see its host's booking but not cancel it", async () => {
    const { fixture, key } = await hostWithKey(["read"]);
    const slots = (await (await fetch(`${app.url}/api/v1/hosts/${fixture.hostSlug}/event-types/${fixture.eventSlug}/slots`)).json()) as { slots: { start: string }[] };
    const booking = (await (await bookViaApi(app.url, { eventTypeId: fixture.eventTypeId, start: slots.slots[0]!.start })).json()) as { id: string };
    expect((await api(`/api/v1/bookings/${booking.id}`, key)).status).toBe(200);
    const refused = await api(`/api/v1/bookings/${booking.id}/cancel`, key, { method: "POST", body: "{}" });
    expect(refused.status).toBe(403);
    expect((await query<{ status: string }>("SELECT status FROM bookings WHERE id = $1", booking.id))[0]!.status).toBe("confirmed");
  });

  it("answers a made-up or malformed key like no key", async () => {
    for (const bogus of [`rvk_${"A".repeat(43)}`, "rvk_short", "rvk_" + "é".repeat(43)]) {
      const answer = await api("/api/v1/host/webhooks", bogus);
      expect(answer.status).toBe(403);
      expect(((await answer.json()) as { detail: string }).detail).toContain("Send an API key");
    }
  });
});
