import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { useTestApp } from "../support/app.ts";
import { expectAccessible, failOnPageErrors, screenshot, useBrowser } from "../support/browser.ts";
import { createHost, weekdays } from "../support/fixtures.ts";
import { queryOf, signedInAs } from "../support/host.ts";

/**
 * Issue 13, the embed: the snippet a host copies, pasted into a page of another site (served
 * from `localhost`, another site than the app's `127.0.0.1`, on its own port), books a time.
 * Our cookies are SameSite=Lax, so the browser neither sends nor keeps them in that frame:
 * the flow has to work without any cookie, as it does where third-party cookies are blocked.
 */
const app = useTestApp();
const browser = useBrowser();
const sql = queryOf(app);

const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

/** Another site: one page with the snippet in it. */
const thirdPartySite = async (snippet: string) => {
  const server = createServer((_, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><head><title>Ann's studio</title></head><body><h1>Book a session with Ann</h1>${snippet}</body></html>`);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://localhost:${(server.address() as AddressInfo).port}/`;
};

const decodeEntities = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");

const cspOf = async (path: string) => {
  const res = await fetch(`${app.url}${path}`);
  return { csp: res.headers.get("content-security-policy") ?? "", frameOptions: res.headers.get("x-frame-options") };
};

describe("the embed", () => {
  it("the snippet shown to the host books a time from a page of another site, with no cookie at all", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC", rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]) }));
    const dashboard = await signedInAs(app, host.hostId);
    const list = await dashboard.get("/host/event-types");
    const snippet = decodeEntities(/<textarea id="embed-[^"]+"[^>]*>([\s\S]*?)<\/textarea>/.exec(list.body)![1]!);
    expect(snippet).toContain(`src="${app.url}/${host.hostSlug}/${host.eventSlug}?embed=1"`);
    expect(snippet).toContain(`<script src="${app.url}/embed.js" async></script>`);

    const site = await thirdPartySite(snippet);
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, timezoneId: "UTC", locale: "en-GB" });
    const page = await context.newPage();
    const errors: string[] = [];
    failOnPageErrors(page, errors);
    await page.goto(site);
    const frame = page.frameLocator("iframe[data-rendezvous]");
    const slot = frame.locator('#day-slots button[name="start"]').first();
    await slot.waitFor();
    // The embed script sized the frame to its page.
    await expect.poll(() => page.locator("iframe[data-rendezvous]").evaluate((f) => (f as HTMLIFrameElement).style.height)).toMatch(/^\d+px$/);
    // No page chrome in the frame: no link away to the host's page.
    expect(await frame.locator("body.embed").count()).toBe(1);
    await screenshot(page, "embed-third-party");

    await slot.click();
    await frame.getByLabel("Name").fill("Nia Embed");
    await frame.getByLabel("Email").fill("nia@example.com");
    await frame.getByRole("button", { name: "Confirm booking" }).click();
    await frame.getByRole("heading", { name: "You are scheduled" }).waitFor();
    expect(await sql("SELECT invitee_name AS name, status FROM bookings WHERE host_id = $1", host.hostId)).toEqual([{ name: "Nia Embed", status: "confirmed" }]);
    // The manage link leaves the frame.
    expect(await frame.getByRole("link", { name: /\/booking\// }).getAttribute("target")).toBe("_blank");
    // It all ran without our cookies: the browser kept none for the app in that frame.
    expect((await context.cookies(app.url)).map((c) => c.name)).toEqual([]);
    await expectAccessible(page);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("a form's carried visitor counts only when our own origin sent it: another site cannot pair an id with its token", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC", rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]) }));
    const page = await (await fetch(`${app.url}/${host.hostSlug}/${host.eventSlug}?tz=UTC&embed=1`)).text();
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(page)![1]!;
    const start = /name="start" value="([^"]+)"/.exec(page)![1]!;
    const hold = (origin: string | undefined) =>
      fetch(`${app.url}/${host.hostSlug}/${host.eventSlug}/hold`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", ...(origin === undefined ? {} : { origin }) },
        body: new URLSearchParams({ _csrf: field("_csrf"), _v: field("_v"), start, tz: "UTC", embed: "1" }).toString(),
      });
    expect((await hold("http://evil.example")).status).toBe(403);
    expect((await hold(undefined)).status).toBe(403);
    expect(await sql("SELECT count(*)::int AS n FROM bookings WHERE host_id = $1", host.hostId)).toEqual([{ n: 0 }]);
    const ours = await hold(app.url);
    expect(ours.status).toBe(303);
    expect(ours.headers.get("location")).toMatch(/\/book\?hold=[^&]+&tz=UTC&embed=1$/);
  });

  it("only the embedded booking steps may be framed; every other page keeps frame-ancestors 'none'", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC" }));
    const embedded = await cspOf(`/${host.hostSlug}/${host.eventSlug}?embed=1`);
    expect(embedded.csp).toContain("frame-ancestors *");
    expect(embedded.frameOptions).toBeNull();
    for (const path of [`/${host.hostSlug}/${host.eventSlug}`, `/${host.hostSlug}?embed=1`, "/host/sign-in?embed=1", `/booking/${"x".repeat(22)}/reschedule?embed=1`]) {
      const { csp, frameOptions } = await cspOf(path);
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(frameOptions, path).toBe("DENY");
    }
    const script = await fetch(`${app.url}/embed.js`);
    expect(script.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain("rendezvous:height");
  });
});
