import { describe, expect, it } from "vitest";
import { useTestApp } from "../support/app.ts";
import { inputValue } from "../support/client.ts";
import { createHost } from "../support/fixtures.ts";
import { queryOf, signedInAs } from "../support/host.ts";

const app = useTestApp();
const sql = queryOf(app);

const agendasTo = (email: string) =>
  sql<{ subject: string; textBody: string }>("SELECT subject, text_body FROM local_mailbox WHERE recipient = $1 AND subject LIKE 'Your day,%' ORDER BY id", email);

describe("the daily agenda", () => {
  it("mails a host who asked for it their day's meetings once, at their hour, and nobody who did not", async () => {
    const hourNow = new Date().getUTCHours();
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC" }));
    const quiet = await app.runtime.runPromise(createHost({ timeZone: "UTC" }));
    const later = await app.runtime.runPromise(createHost({ timeZone: "UTC" }));
    // Two meetings today (written as if booked earlier: the engine refuses times already past).
    for (const [name, minutes] of [["Early Bird", 60], ["Late Owl", 120]] as const) {
      await sql(
        `INSERT INTO bookings (id, host_id, event_type_id, invitee_name, invitee_email, invitee_time_zone, start_at, end_at, manage_token)
         VALUES (gen_random_uuid(), $1::uuid, $2::uuid, $3, 'x@example.com', 'UTC', date_trunc('day', now()) + make_interval(mins => $4::int),
                 date_trunc('day', now()) + make_interval(mins => $4::int + 30), md5(random()::text) || md5(random()::text))`,
        host.hostId,
        host.eventTypeId,
        name,
        minutes,
      );
    }
    const browser = await signedInAs(app, host.hostId);
    const account = await browser.get("/host/account");
    expect(account.body).toContain("Mail me my day's meetings");
    const saved = await browser.postForm("/host/account/agenda", { _csrf: inputValue(account.body, "_csrf")!, agendaHour: String(hourNow) });
    expect(saved.status).toBe(303);
    const bad = await browser.postForm("/host/account/agenda", { _csrf: inputValue(account.body, "_csrf")!, agendaHour: "25" });
    expect(bad.status).toBe(400);

    await expect.poll(async () => (await agendasTo(`${host.hostSlug}@example.com`)).length).toBe(1);
    const [agenda] = await agendasTo(`${host.hostSlug}@example.com`);
    expect(agenda!.subject).toMatch(/^Your day, \w+, \d+ \w+ \d{4}: 2 meetings$/);
    expect(agenda!.textBody.indexOf("Early Bird")).toBeLessThan(agenda!.textBody.indexOf("Late Owl"));

    // Another host asks later; once theirs has gone out, more rounds have run: still one each.
    const laterBrowser = await signedInAs(app, later.hostId);
    const page = await laterBrowser.get("/host/account");
    await laterBrowser.postForm("/host/account/agenda", { _csrf: inputValue(page.body, "_csrf")!, agendaHour: "0" });
    await expect.poll(async () => (await agendasTo(`${later.hostSlug}@example.com`)).map((m) => m.subject)).toEqual([expect.stringMatching(/: no meetings$/)]);
    expect(await agendasTo(`${host.hostSlug}@example.com`)).toHaveLength(1);
    expect(await agendasTo(`${quiet.hostSlug}@example.com`)).toEqual([]);
  });
});
