import { Effect } from "effect";
import ICAL from "ical.js";
import type { BookingId } from "../../src/domain/model.ts";
import { epochMs } from "../../src/domain/time.ts";
import { smsTextOf } from "../../src/notify/sms.ts";
import type { Delivery } from "../../src/persistence/DeliveryRepository.ts";
import { HostSessionRepository } from "../../src/persistence/HostSessionRepository.ts";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestApp } from "../support/app.ts";
import { bookingFormFields, inputValue, offeredStarts, PageClient } from "../support/client.ts";
import { createHost, weekdays, type HostFixture } from "../support/fixtures.ts";
import { queryOf, signedInAs } from "../support/host.ts";

const app = useTestApp();
const sql = queryOf(app);
let host: HostFixture;

beforeAll(async () => {
  host = await app.runtime.runPromise(createHost({ timeZone: "UTC", rules: weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]) }));
});

interface Mail {
  readonly subject: string;
  readonly textBody: string;
  readonly htmlBody: string;
  readonly calendar: string | null;
}

/** The mails one address received, once `count` have arrived (the local mailbox: SMTP_URL is unset). */
const mailsTo = async (email: string, count: number) => {
  const read = () => sql<Mail>("SELECT subject, text_body, html_body, calendar FROM local_mailbox WHERE recipient = $1 ORDER BY id", email);
  await expect.poll(async () => (await read()).length).toBe(count);
  return read();
};

const summaryOf = (calendar: string | null) => new ICAL.Component(ICAL.parse(calendar!)).getFirstSubcomponent("vevent")!.getFirstPropertyValue("summary");

describe("mail in the recipient's language", () => {
  it("speaks the invitee's browser language to them and the host's own to the host, dates and calendar entry included", async () => {
    const browser = new PageClient(app.url);
    const german = { "accept-language": "de-AT,de;q=0.9,en;q=0.5" };
    const page = await browser.get(`/${host.hostSlug}/${host.eventSlug}?tz=Europe/Vienna`, german);
    const start = offeredStarts(page.body)[0]!;
    const held = await browser.postForm(`/${host.hostSlug}/${host.eventSlug}/hold`, { _csrf: inputValue(page.body, "_csrf")!, tz: "Europe/Vienna", start }, german);
    const form = await browser.get(held.headers.get("location")!, german);
    const booked = await browser.postForm(`/${host.hostSlug}/${host.eventSlug}/book`, bookingFormFields(form.body, { name: "Greta", email: "greta@example.com" }), german);
    expect(booked.status).toBe(303);

    const [invitee] = await mailsTo("greta@example.com", 1);
    const weekday = new Intl.DateTimeFormat("de-DE", { weekday: "long", timeZone: "Europe/Vienna" }).format(new Date(start));
    expect(invitee!.subject).toMatch(new RegExp(`^Bestätigt: A meeting mit Host ${host.hostSlug} am ${weekday}, `));
    expect(invitee!.textBody).toContain("Dein Termin ist gebucht");
    expect(invitee!.textBody).toContain("Wann: ");
    expect(invitee!.textBody).toContain("Verschieben oder absagen: ");
    expect(invitee!.textBody).toContain(`Gesendet von Rendezvous für Host ${host.hostSlug}.`);
    expect(invitee!.htmlBody).toContain('<html lang="de">');
    expect(summaryOf(invitee!.calendar)).toBe(`A meeting mit Host ${host.hostSlug}`);

    const [toHost] = await mailsTo(`${host.hostSlug}@example.com`, 1);
    expect(toHost!.subject).toMatch(/^New booking: Greta, A meeting on /);
    expect(toHost!.htmlBody).toContain('<html lang="en">');
    expect(summaryOf(toHost!.calendar)).toBe(`A meeting with Host ${host.hostSlug}`);
  });

  it("follows the host's choice on Account, and the API's invitee.locale", async () => {
    const hostBrowser = await signedInAs(app, host.hostId);
    const account = await hostBrowser.get("/host/account");
    expect(account.body).toContain('<option value="fr" lang="fr">Français</option>');
    const fields = { _csrf: inputValue(account.body, "_csrf")!, name: `Host ${host.hostSlug}`, slug: host.hostSlug, timeZone: "UTC", bio: "" };
    const refused = await hostBrowser.postForm("/host/account", { ...fields, locale: "tlh" });
    expect(refused.status).toBe(422);
    expect(refused.body).toContain("Language must be one of those offered");
    expect(await sql("SELECT locale FROM hosts WHERE id = $1", host.hostId)).toEqual([{ locale: "en" }]);
    expect((await hostBrowser.postForm("/host/account", { ...fields, locale: "fr" })).status).toBe(303);
    expect(await sql("SELECT locale FROM hosts WHERE id = $1", host.hostId)).toEqual([{ locale: "fr" }]);

    const slots = (await (await fetch(`${app.url}/api/v1/hosts/${host.hostSlug}/event-types/${host.eventSlug}/slots`)).json()) as { slots: { start: string }[] };
    const book = (locale: unknown, email: string, start: string) =>
      fetch(`${app.url}/api/v1/bookings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ eventTypeId: host.eventTypeId, start, invitee: { name: "Pilar", email, timeZone: "Europe/Madrid", locale } }),
      });
    const bad = await book("not a language", "x@example.com", slots.slots[5]!.start);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("must be a language tag");
    expect(await sql("SELECT 1 FROM bookings WHERE invitee_email = 'x@example.com'")).toEqual([]);

    expect((await book("es-MX", "pilar@example.com", slots.slots[5]!.start)).status).toBe(201);
    const [invitee] = await mailsTo("pilar@example.com", 1);
    expect(invitee!.subject).toMatch(/^Confirmada: A meeting con Host /);
    expect(invitee!.textBody).toContain("Tu cita está reservada");
    const toHost = await mailsTo(`${host.hostSlug}@example.com`, 2);
    expect(toHost[1]!.subject).toMatch(/^Nouvelle réservation : Pilar, A meeting le /);
    expect(toHost[1]!.textBody).toContain("Envoyé par Rendezvous pour");

    // A newcomer's mails speak the language of the browser they joined in.
    const token = await app.runtime.runPromise(Effect.flatMap(HostSessionRepository, (r) => r.invite(host.hostId, "jeanne@example.com", Date.now())));
    const french = { "accept-language": "fr-CA,fr;q=0.9" };
    const joiner = new PageClient(app.url);
    const join = await joiner.get(`/host/join/${token}`, french);
    const joined = await joiner.postForm(`/host/join/${token}`, { _csrf: inputValue(join.body, "_csrf")!, name: "Jeanne", slug: "jeanne", timeZone: "Europe/Paris" }, french);
    expect(joined.status).toBe(303);
    expect(await sql("SELECT locale FROM hosts WHERE slug = 'jeanne'")).toEqual([{ locale: "fr" }]);

    // A tag Rendezvous does not speak gets English.
    expect((await book("ja", "kenji@example.com", slots.slots[7]!.start)).status).toBe(201);
    expect((await mailsTo("kenji@example.com", 1))[0]!.subject).toMatch(/^Confirmed: /);
  });
});

describe("an SMS reminder", () => {
  it("speaks the invitee's language too, with the time of the meeting in their zone", () => {
    const start = Date.UTC(2030, 0, 7, 9);
    const delivery: Delivery = {
      id: 1,
      attempt: 1,
      reclaimed: false,
      kind: "booking_reminder",
      recipient: "sms",
      payload: { start, end: start + 1_800_000, sequence: 0, minutesBefore: 60, phone: "+43 660 1234567" },
      createdAt: epochMs(start - 86_400_000),
      bookingId: "6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b" as BookingId,
      bookingStatus: "confirmed",
      bookingStart: epochMs(start),
      manageToken: "sms-manage-token-0000000",
      inviteeName: "Lotte",
      inviteeEmail: "lotte@example.com",
      inviteeTimeZone: "Europe/Vienna",
      inviteeLocale: "de",
      answers: {},
      hostName: "Ada",
      hostEmail: "ada@example.com",
      hostTimeZone: "UTC",
      hostLocale: "en",
      eventTitle: "Beratung",
      eventDescription: "",
      eventLocation: "",
      questions: [],
      webhookUrl: null,
      webhookSecret: null,
    };
    expect(smsTextOf(delivery, { publicUrl: "http://127.0.0.1", mailFrom: "x@127.0.0.1" }, start - 3_600_000)).toBe(
      "Erinnerung: Beratung mit Ada in 1 Stunde: Montag, 7. Januar 2030, 10:00–10:30 (Europe/Vienna, GMT+01:00). http://127.0.0.1/booking/sms-manage-token-0000000",
    );
  });
});
