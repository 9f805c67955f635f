import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { HostSessionRepository } from "../../src/persistence/HostSessionRepository.ts";
import { useTestApp } from "../support/app.ts";
import { expectAccessible, failOnPageErrors, useBrowser, VIEWPORTS } from "../support/browser.ts";
import { createHost } from "../support/fixtures.ts";

const app = useTestApp();
const browser = useBrowser();

describe("API keys in a browser", () => {
  it("makes a key from the nav, shows it once in a form that fits a phone, and revokes it", async () => {
    const host = await app.runtime.runPromise(createHost());
    const token = await app.runtime.runPromise(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(host.hostId, Date.now())));
    const page = await (await browser.newContext({ viewport: VIEWPORTS.phone })).newPage();
    const errors: string[] = [];
    failOnPageErrors(page, errors);
    await page.goto(`${app.url}/host/sign-in/${token}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByRole("heading", { name: "API keys", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Make a key" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("Choose read, write or both");
    await expectAccessible(page);
    await page.getByLabel("Name").fill("Calendar sync");
    await page.getByLabel("Write").check();
    await page.getByRole("button", { name: "Make a key" }).click();
    const key = await page.getByLabel("New API key").inputValue();
    expect(key).toMatch(/^rvk_[A-Za-z0-9_-]{43}$/);
    await expectAccessible(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(VIEWPORTS.phone.width);
    const api = await fetch(`${app.url}/api/v1/host`, { headers: { authorization: `Bearer ${key}` } });
    expect(api.status).toBe(200);
    await page.getByRole("link", { name: "API keys" }).click();
    // The nav is boosted: wait for the page it loads, which no longer has the key's field.
    await page.getByLabel("New API key").waitFor({ state: "detached" });
    expect(await page.content()).not.toContain(key);
    await page.getByRole("button", { name: "Revoke Calendar sync" }).click();
    await page.getByRole("status").filter({ hasText: "That key is revoked" }).waitFor();
    expect((await fetch(`${app.url}/api/v1/host`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(403);
    expect(errors).toEqual([]);
  });
});
