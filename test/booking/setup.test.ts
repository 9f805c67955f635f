import { Effect } from "effect";
import { beforeAll, describe, expect, it } from "vitest";
import { joiningProblems, MAX_AVATAR_BYTES, profileProblems } from "../../src/booking/HostSetup.ts";
import type { ScheduleId } from "../../src/domain/model.ts";
import { parseLocalDate, wallMinutes } from "../../src/domain/time.ts";
import { HostSessionRepository } from "../../src/persistence/HostSessionRepository.ts";
import { createHost, eventTypeOf, type HostFixture } from "../support/fixtures.ts";
import { offeredStarts, ok, PUBLIC_URL, useBookingContext } from "../support/context.ts";

const open = useBookingContext({ signupOpen: true });
const setup = () => open.context;

const joining = { name: "Nia", slug: "nia", timeZone: "Europe/Paris" };
const profile = { ...joining, bio: "", locale: "en" };
const fieldsOf = (problems: ReadonlyArray<{ readonly field: string; readonly message: string }>) => problems.map((p) => `${p.field}: ${p.message}`);

describe("what a joining host and a profile may say", () => {
  it("accepts a name, an address and a zone from the list", () => {
    expect(joiningProblems(joining)).toEqual([]);
    expect(joiningProblems({ ...joining, name: "x".repeat(200), slug: "a".repeat(64), timeZone: "UTC" })).toEqual([]);
    expect(profileProblems({ ...profile, bio: "b".repeat(1000), locale: "de" })).toEqual([]);
  });

  it("names every wrong field at once", () => {
    expect(fieldsOf(joiningProblems({ name: " ", slug: "Nia!", timeZone: "Mars/Base" }))).toEqual([
      "name: Name must be 1 to 200 characters",
      "slug: Address must be lowercase letters, digits and dashes (at most 64)",
      "timeZone: Choose a time zone from the list",
    ]);
    expect(fieldsOf(joiningProblems({ ...joining, name: "x".repeat(201) }))).toEqual(["name: Name must be 1 to 200 characters"]);
    expect(fieldsOf(joiningProblems({ ...joining, name: "a\u0000b" }))).toEqual(["name: Name must not contain NUL characters or broken Unicode"]);
    expect(fieldsOf(joiningProblems({ ...joining, name: "a\ud800" }))).toEqual(["name: Name must not contain NUL characters or broken Unicode"]);
    expect(fieldsOf(joiningProblems({ ...joining, slug: "host" }))).toEqual(["slug: This address is reserved; choose another"]);
    expect(fieldsOf(joiningProblems({ ...joining, slug: "a".repeat(65) }))).toHaveLength(1);
  });

  it("refuses a bio that is too long or not text, and a language not offered", () => {
    expect(fieldsOf(profileProblems({ ...profile, bio: "b".repeat(1001), locale: "xx" }))).toEqual([
      "bio: About you must be at most 1000 characters of text",
      "locale: Language must be one of those offered",
    ]);
    expect(profileProblems({ ...profile, bio: "\u0000" })).toHaveLength(1);
    expect(profileProblems({ ...profile, bio: "\udc00" })).toHaveLength(1);
  });
});

describe("the team", () => {
  let owner: HostFixture;
  let member: HostFixture;
  beforeAll(async () => {
    owner = await open.run(createHost());
    member = await open.run(createHost());
    await open.run(Effect.flatMap(HostSessionRepository, (r) => r.ensureOwner(owner.hostId)));
  });
  const lead = () => ({ id: owner.hostId, name: "Owner", locale: "en" });

  it("shows the team to its owner and to nobody else", async () => {
    const team = ok(await setup().team(owner.hostId));
    expect(team.members.map((m) => m.id)).toEqual(expect.arrayContaining([owner.hostId, member.hostId]));
    expect(await setup().team(member.hostId)).toMatchObject({ _tag: "NotFound", what: "page" });
  });

  it("invites by a mailed single-use link in the inviter's name; a plain host cannot invite", async () => {
    const url = ok(await setup().invite(lead(), "newcomer@example.com"));
    expect(url).toMatch(new RegExp(`^${PUBLIC_URL}/host/join/[A-Za-z0-9_-]+$`));
    expect(open.mails.at(-1)?.to.email).toBe("newcomer@example.com");
    expect(JSON.stringify(open.mails.at(-1))).toContain(url);
    expect(ok(await setup().team(owner.hostId)).invitations.map((i) => i.email)).toContain("newcomer@example.com");
    expect(await setup().invite({ id: member.hostId, name: "M", locale: "en" }, "x@example.com")).toMatchObject({ _tag: "NotFound" });
    const token = url.split("/").at(-1)!;
    expect(ok(await setup().invitation(token))).toMatchObject({ email: "newcomer@example.com", invitedBy: `Host ${owner.hostSlug}` });
  });

  it("joins by an invitation once, checking the choices and a taken address", async () => {
    const token = ok(await setup().invite(lead(), "joiner@example.com")).split("/").at(-1)!;
    expect(await setup().join(token, { ...joining, slug: "Bad!" }, "Safari")).toMatchObject({ _tag: "InvalidInput", field: "slug" });
    expect(await setup().join(token, { ...joining, slug: owner.hostSlug }, "Safari")).toMatchObject({
      _tag: "InvalidInput",
      message: "Another host has this address; choose another",
    });
    const joined = ok(await setup().join(token, { ...joining, timeZone: "europe/paris" }, "Safari"))!;
    const snapshot = ok(await setup().hostSnapshot(joined.hostId));
    expect(snapshot.host).toMatchObject({ slug: "nia", timeZone: "Europe/Paris", email: "joiner@example.com" });
    expect(ok(await setup().hostOfSession(joined.session))).toBe(joined.hostId);
    expect(await setup().join(token, { ...joining, slug: "nia-two" }, "Safari")).toBeUndefined();
  });

  it("lets the owner make an admin, who may then invite; nobody changes the owner or themselves", async () => {
    expect(await setup().setRole(member.hostId, owner.hostId, "admin")).toMatchObject({ _tag: "NotFound" });
    expect(await setup().setRole(owner.hostId, member.hostId, "admin")).toBeUndefined();
    expect(ok(await setup().roleOf(member.hostId))).toBe("admin");
    ok(await setup().invite({ id: member.hostId, name: "M", locale: "en" }, "by-admin@example.com"));
    expect(await setup().setRole(member.hostId, member.hostId, "host")).toMatchObject({ _tag: "NotFound" });
    expect(await setup().setHostActive(member.hostId, owner.hostId, false)).toMatchObject({
      _tag: "InvalidInput",
      field: "member",
      message: "The owner, and you yourself, cannot be changed here.",
    });
    expect(await setup().setHostActive(owner.hostId, owner.hostId, false)).toMatchObject({ _tag: "InvalidInput", field: "member" });
    expect(await setup().setHostActive(owner.hostId, "00000000-0000-4000-8000-000000000bad", false)).toMatchObject({ _tag: "NotFound" });
    expect(await setup().setRole(owner.hostId, member.hostId, "host")).toBeUndefined();
    expect(ok(await setup().roleOf(member.hostId))).toBe("host");
    expect(await setup().setHostActive(member.hostId, owner.hostId, false)).toMatchObject({ _tag: "NotFound" });
  });

  it("deactivating a host ends their sessions; making them active again offers their pages again", async () => {
    const quiet = await open.run(createHost());
    const link = await open.run(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(quiet.hostId, Date.now())));
    const { session } = ok(await setup().signIn(link, "Chrome"))!;
    expect(await setup().setHostActive(owner.hostId, quiet.hostId, false)).toBeUndefined();
    expect(await setup().hostOfSession(session)).toBeUndefined();
    expect(await setup().offering(quiet.hostSlug, quiet.eventSlug)).toMatchObject({ _tag: "NotFound" });
    expect(await setup().setHostActive(owner.hostId, quiet.hostId, true)).toBeUndefined();
    expect(ok(await setup().offering(quiet.hostSlug, quiet.eventSlug)).eventType.id).toBe(quiet.eventTypeId);
  });
});

describe("signing up and signing in by mail", () => {
  it("mails a sign-up link to a new address and a sign-in link to a host's address", async () => {
    const host = await open.run(createHost());
    const before = open.mails.length;
    expect(setup().requestSignUp("fresh@example.com", "de")).toBeUndefined();
    await expect.poll(() => open.mails.slice(before).map((m) => m.to.email)).toContain("fresh@example.com");
    const signUp = open.mails.slice(before).find((m) => m.to.email === "fresh@example.com")!;
    expect(JSON.stringify(signUp)).toContain(`${PUBLIC_URL}/host/join/`);
    setup().requestSignUp(`${host.hostSlug}@example.com`, "en");
    await expect.poll(() => open.mails.slice(before).map((m) => m.to.email)).toContain(`${host.hostSlug}@example.com`);
    expect(JSON.stringify(open.mails.slice(before).find((m) => m.to.email === `${host.hostSlug}@example.com`))).toContain(`${PUBLIC_URL}/host/sign-in/`);
  });

  it("mails a sign-in link only to an address a host has", async () => {
    const host = await open.run(createHost());
    const before = open.mails.length;
    setup().emailSignInLink("nobody-has-this@example.com");
    setup().emailSignInLink(`${host.hostSlug.toUpperCase()}@example.com`);
    await expect.poll(() => open.mails.length).toBe(before + 1);
    const mail = open.mails.at(-1)!;
    expect(mail.to.email).toBe(`${host.hostSlug}@example.com`);
    const token = /\/host\/sign-in\/([A-Za-z0-9_-]+)/.exec(JSON.stringify(mail))![1]!;
    expect(ok(await setup().signInLinkHost(token))!.host.id).toBe(host.hostId);
  });
});

describe("sign-up closed", () => {
  const closed = useBookingContext({ signupOpen: false });
  it("answers a sign-up request with NotFound and mails nothing", () => {
    expect(closed.context.requestSignUp("someone@example.com", "en")).toMatchObject({ _tag: "NotFound", what: "page" });
    expect(closed.context.signupOpen).toBe(false);
    expect(closed.mails).toEqual([]);
  });
});

describe("sessions of a host", () => {
  it("lists sessions with the current one marked, and ends one, another host's none, or all", async () => {
    const host = await open.run(createHost());
    const signIn = async (device: string) => {
      const link = await open.run(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(host.hostId, Date.now())));
      return ok(await setup().signIn(link, device))!.session;
    };
    const phone = await signIn("Phone");
    const laptop = await signIn("Laptop");
    const sessions = ok(await setup().sessionsOf(host.hostId, laptop));
    expect(sessions.map((s) => [s.device, s.current]).sort()).toEqual([["Laptop", true], ["Phone", false]]);
    const phoneId = sessions.find((s) => s.device === "Phone")!.id;
    const other = await open.run(createHost());
    expect(await setup().endSessions(other.hostId, phoneId, undefined)).toMatchObject({ _tag: "NotFound" });
    expect(await setup().endSessions(host.hostId, "not-hex", laptop)).toMatchObject({ _tag: "NotFound" });
    expect(await setup().endSessions(host.hostId, phoneId, laptop)).toEqual({ signedOut: false });
    expect(await setup().hostOfSession(phone)).toBeUndefined();
    expect(await setup().endSessions(host.hostId, phoneId, laptop)).toMatchObject({ _tag: "NotFound" });
    const laptopId = ok(await setup().sessionsOf(host.hostId, undefined))[0]!.id;
    expect(await setup().endSessions(host.hostId, laptopId, laptop)).toEqual({ signedOut: true });
    await signIn("Tablet");
    expect(await setup().endSessions(host.hostId, null, undefined)).toEqual({ signedOut: true });
    expect(ok(await setup().sessionsOf(host.hostId, undefined))).toEqual([]);
  });
});

describe("the host's own setup", () => {
  let host: HostFixture;
  beforeAll(async () => {
    host = await open.run(createHost({ timeZone: "UTC" }));
  });
  const snapshot = async () => ok(await setup().hostSnapshot(host.hostId));

  it("creates, changes and deletes an event type through the host's actor", async () => {
    const { id: _, hostId: __, active: ___, ...fields } = eventTypeOf({ slug: "walk", title: "Walk", questions: [], durationChoices: [45] });
    const id = ok(await setup().saveEventType(host.hostId, null, { ...fields, durationMinutes: 45, active: true }));
    expect((await snapshot()).eventTypes.get(id)).toMatchObject({ slug: "walk", durationMinutes: 45 });
    ok(await setup().saveEventType(host.hostId, id, { ...fields, title: "Long walk", durationMinutes: 45, active: true }));
    expect((await snapshot()).eventTypes.get(id)?.title).toBe("Long walk");
    expect(await setup().deleteEventType(host.hostId, id)).toBeUndefined();
    expect((await snapshot()).eventTypes.get(id)).toMatchObject({ deleted: true, active: false, slug: expect.stringContaining("-deleted-") });
    expect(await setup().offering(host.hostSlug, "walk")).toMatchObject({ _tag: "NotFound" });
    expect(await setup().deleteEventType(host.hostId, id)).toMatchObject({ _tag: "NotFound", what: "event type" });
  });

  it("replaces the weekly hours, or a named schedule's, and deletes a schedule", async () => {
    expect(await setup().replaceWeeklyHours(host.hostId, [{ weekday: 1, start: wallMinutes(600), end: wallMinutes(660) }])).toBeUndefined();
    expect((await snapshot()).availability.rules).toEqual([{ weekday: 1, start: 600, end: 660 }]);
    const created = ok(await setup().replaceWeeklyHours(host.hostId, [{ weekday: 2, start: 540, end: 600 }], { id: "new", name: "Tuesdays" }));
    const schedule = (await snapshot()).availability.schedules.find((s) => s.name === "Tuesdays")!;
    expect(schedule.rules).toEqual([{ weekday: 2, start: 540, end: 600 }]);
    expect(created === undefined || created === schedule.id).toBe(true);
    ok(await setup().replaceWeeklyHours(host.hostId, [{ weekday: 3, start: 540, end: 600 }], { id: schedule.id, name: "Wednesdays" }));
    expect((await snapshot()).availability.schedules.find((s) => s.id === schedule.id)).toMatchObject({ name: "Wednesdays", rules: [{ weekday: 3, start: 540, end: 600 }] });
    expect(await setup().deleteSchedule(host.hostId, schedule.id as ScheduleId)).toBeUndefined();
    expect((await snapshot()).availability.schedules).toEqual([]);
    expect(await setup().replaceWeeklyHours(host.hostId, [{ weekday: 9, start: 0, end: 60 }])).toMatchObject({ _tag: "InvalidInput" });
  });

  it("previews a day off as the times it takes away, saves it, and goes back to the weekly hours", async () => {
    ok(await setup().replaceWeeklyHours(host.hostId, [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: 540, end: 600 }))));
    const [start] = await offeredStarts(setup(), host.hostId, host.eventTypeId);
    const date = parseLocalDate(new Date(start!).toISOString().slice(0, 10))!;
    const preview = ok(await setup().previewOverride(host.hostId, date, [], 1));
    const forMeeting = preview.find((p) => p.eventType.id === host.eventTypeId)!;
    expect(forMeeting.removed).toContain(start);
    expect(forMeeting.added).toEqual([]);
    const longer = ok(await setup().previewOverride(host.hostId, date, [{ start: 480, end: 600 }], 1)).find((p) => p.eventType.id === host.eventTypeId)!;
    expect(longer.removed).toEqual([]);
    expect(longer.added.length).toBeGreaterThan(0);
    expect(await setup().previewOverride(host.hostId, date, [{ start: 600, end: 540 }], 1)).toMatchObject({ _tag: "InvalidInput", field: "date", message: "cannot be previewed" });
    expect(await setup().setDateOverride(host.hostId, date, [])).toBeUndefined();
    expect(await offeredStarts(setup(), host.hostId, host.eventTypeId)).not.toContain(start);
    expect(await setup().setDateOverride(host.hostId, date, null)).toBeUndefined();
    expect(await offeredStarts(setup(), host.hostId, host.eventTypeId)).toContain(start);
  });

  it("saves a profile, refusing a wrong field or an address another host has", async () => {
    const other = await open.run(createHost());
    const mine = { name: "Renamed", slug: host.hostSlug, timeZone: "UTC", bio: "Hi", locale: "fr" };
    expect(await setup().saveProfile(host.hostId, { ...mine, name: "" })).toMatchObject({ _tag: "InvalidInput", field: "name" });
    expect(await setup().saveProfile(host.hostId, { ...mine, slug: other.hostSlug })).toMatchObject({
      _tag: "InvalidInput",
      field: "slug",
      message: "Another host has this address; choose another",
    });
    expect(await setup().saveProfile(host.hostId, mine)).toBeUndefined();
    expect((await snapshot()).host).toMatchObject({ name: "Renamed", bio: "Hi", locale: "fr" });
  });

  it("mails the daily agenda at an hour of the day, or not at all", async () => {
    expect(await setup().agendaHourOf(host.hostId)).toBeNull();
    for (const hour of [-1, 24, 7.5]) {
      expect(await setup().setAgendaHour(host.hostId, hour)).toMatchObject({ _tag: "InvalidInput", field: "agendaHour", message: "must be an hour of the day, or off" });
    }
    expect(await setup().setAgendaHour(host.hostId, 0)).toBeUndefined();
    expect(await setup().agendaHourOf(host.hostId)).toBe(0);
    expect(await setup().setAgendaHour(host.hostId, 23)).toBeUndefined();
    expect(await setup().agendaHourOf(host.hostId)).toBe(23);
    expect(await setup().setAgendaHour(host.hostId, null)).toBeUndefined();
    expect(await setup().agendaHourOf(host.hostId)).toBeNull();
  });

  it("keeps a PNG, JPEG or WebP picture of at most 48 KB, known by its bytes", async () => {
    const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
    const jpeg = [0xff, 0xd8, 0xff];
    const webp = [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50];
    const image = (head: number[], size = 64) => Uint8Array.from({ length: size }, (_, i) => head[i] ?? 0);
    for (const [head, type] of [[png, "image/png"], [jpeg, "image/jpeg"], [webp, "image/webp"]] as const) {
      expect(await setup().setAvatar(host.hostId, image([...head]))).toBeUndefined();
      expect(ok(await setup().avatarOf(host.hostSlug))?.avatarType).toBe(type);
    }
    expect(await setup().setAvatar(host.hostId, image(png, MAX_AVATAR_BYTES))).toBeUndefined();
    expect(await setup().setAvatar(host.hostId, image(png, MAX_AVATAR_BYTES + 1))).toMatchObject({ message: "The picture must be at most 48 KB" });
    expect(await setup().setAvatar(host.hostId, new Uint8Array())).toMatchObject({ message: "Choose a picture to upload" });
    const gif = image([0x47, 0x49, 0x46, 0x38]);
    const notQuiteWebp = image([...webp.slice(0, 8), 0x57, 0x45, 0x42, 0x51]);
    const notQuitePng = image([...png.slice(0, 7), 0x0b]);
    for (const bytes of [gif, notQuiteWebp, notQuitePng, image([0xff, 0xd8, 0xfe])])
      expect(await setup().setAvatar(host.hostId, bytes)).toMatchObject({ message: "The picture must be a PNG, JPEG or WebP image" });
    // Every byte of a signature counts (a WebP's four size bytes excepted): one wrong, and it is no such picture.
    for (const head of [png, jpeg, webp]) {
      for (const i of head.keys()) {
        if (head === webp && i >= 4 && i < 8) continue;
        const wrong = head.map((b, j) => (j === i ? (b + 1) % 256 : b));
        expect(await setup().setAvatar(host.hostId, image(wrong)), `byte ${i} of ${head.length}`).toMatchObject({ message: "The picture must be a PNG, JPEG or WebP image" });
      }
    }
    expect(await setup().setAvatar(host.hostId, null)).toBeUndefined();
    expect(ok(await setup().avatarOf(host.hostSlug))?.avatar).toBeNull();
    expect(await setup().avatarOf("Not A Slug")).toBeUndefined();
  });
});
