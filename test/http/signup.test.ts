import { SqlClient } from "@effect/sql/SqlClient";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { useTestApp } from "../support/app.ts";
import { inputValue, PageClient } from "../support/client.ts";
import { createHost } from "../support/fixtures.ts";

const app = useTestApp({ signup: "open" });

const mailTo = (email: string) =>
  app.runtime.runPromise(
    Effect.flatMap(SqlClient, (sql) => sql<{ subject: string; textBody: string }>`SELECT subject, text_body FROM local_mailbox WHERE recipient = ${email} ORDER BY id`),
  );

describe("SIGNUP=open", () => {
  it("mails a new address a link that creates its account, and an existing host's address a sign-in link", async () => {
    const browser = new PageClient(app.url);
    const signedOut = await browser.get("/host");
    expect(signedOut.body).toContain("Create an account");
    const csrf = inputValue(signedOut.body, "_csrf")!;

    const asked = await browser.postForm("/host/sign-up", { _csrf: csrf, email: "new.host@example.com" });
    expect(asked.status).toBe(200);
    expect(asked.body).toContain("A link is on its way to that address");
    await expect.poll(async () => (await mailTo("new.host@example.com")).length).toBe(1);
    const [mail] = await mailTo("new.host@example.com");
    expect(mail!.subject).toBe("Create your Rendezvous account");
    const join = new URL(/\/host\/join\/[A-Za-z0-9_-]{43}/.exec(mail!.textBody)![0], app.url).pathname;

    const form = await browser.get(join);
    expect(form.body).toContain("Create the account of new.host@example.com");
    const slug = `new-${Date.now().toString(36)}`;
    const joined = await browser.postForm(join, { _csrf: inputValue(form.body, "_csrf")!, name: "New Host", slug, timeZone: "Europe/Madrid" });
    expect(joined.status).toBe(303);
    expect((await browser.get("/host")).body).toContain("Upcoming meetings of New Host");

    const host = await app.runtime.runPromise(createHost());
    const existing = `${host.hostSlug}@example.com`;
    const stranger = new PageClient(app.url);
    const page = await stranger.get("/host");
    expect((await stranger.postForm("/host/sign-up", { _csrf: inputValue(page.body, "_csrf")!, email: existing })).status).toBe(200);
    await expect.poll(async () => (await mailTo(existing)).map((m) => m.subject)).toEqual(["Your Rendezvous sign-in link"]);
  });
});
