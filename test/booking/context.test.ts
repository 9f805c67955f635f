import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SqlClient } from "@effect/sql/SqlClient";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyProblems, MAX_API_KEYS } from "../../src/booking/ApiKeys.ts";
import { HostRepository, newEventType } from "../../src/persistence/HostRepository.ts";
import { HostSessionRepository } from "../../src/persistence/HostSessionRepository.ts";
import type { EventTypeId, HostId } from "../../src/domain/model.ts";
import { MINUTE_MS } from "../../src/domain/time.ts";
import { onAdmin } from "../support/core.ts";
import { createHost, type HostFixture } from "../support/fixtures.ts";
import { offeredStarts, ok, useBookingContext } from "../support/context.ts";

const booked = useBookingContext();
const invitee = (name: string) => ({ name, email: `${name.toLowerCase()}@example.com`, timeZone: "Europe/Berlin" });
const visitor = (id: string) => ({ id, address: "127.0.0.1" });

/** A session token of the host, as signing in by a mailed link gives one. */
const sessionOf = async (hostId: HostId) => {
  const link = await booked.run(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(hostId, Date.now())));
  const signedIn = ok(await booked.context.signIn(link, "test"));
  if (signedIn === undefined) throw new Error("a fresh sign-in link did not sign in");
  return signedIn;
};

const bookFirst = async (host: HostFixture, name: string, changes: Partial<Parameters<typeof booked.context.book>[0]> = {}) => {
  const [start] = await offeredStarts(booked.context, host.hostId, host.eventTypeId, changes.durationMinutes);
  return booked.context.book({
    eventTypeId: host.eventTypeId,
    start: start!,
    invitee: invitee(name),
    answers: {},
    note: "",
    idempotencyKey: null,
    holdToken: null,
    visitor: null,
    ...changes,
  });
};

describe("what a host offers", () => {
  let host: HostFixture;
  beforeAll(async () => {
    host = await booked.run(createHost({ eventType: { durationMinutes: 30, durationChoices: [30, 60] } }));
  });

  it("finds an active event type by both slugs, at once when the host's actor runs", async () => {
    const first = await booked.context.offering(host.hostSlug, host.eventSlug);
    expect(ok(first).eventType.id).toBe(host.eventTypeId);
    const again = booked.context.offering(host.hostSlug, host.eventSlug);
    expect(again).not.toBeInstanceOf(Promise);
    expect(ok(await again).snapshot.host.id).toBe(host.hostId);
  });

  it("answers which thing was not found: a malformed or unknown host, an unknown or malformed event type", async () => {
    expect(booked.context.offering("Not A Slug", host.eventSlug)).toMatchObject({ _tag: "NotFound", what: "host" });
    expect(await booked.context.offering("nobody-here", host.eventSlug)).toMatchObject({ _tag: "NotFound", what: "host" });
    expect(await booked.context.offering(host.hostSlug, "nothing")).toMatchObject({ _tag: "NotFound", what: "event type" });
    expect(await booked.context.offering(host.hostSlug, "Bad Slug")).toMatchObject({ _tag: "NotFound", what: "event type" });
  });

  it("offers a length the event type has, and its first length for one it has not", async () => {
    const offer = ok(await booked.context.offering(host.hostSlug, host.eventSlug));
    expect(booked.context.atLength(offer, "60").eventType.durationMinutes).toBe(60);
    expect(booked.context.atLength(offer, "45")).toBe(offer);
    expect(booked.context.atLength(offer, null)).toBe(offer);
  });

  it("lists active event types by title; the front page lists a host who asked to be listed, with all their event types", async () => {
    const other = await booked.run(
      Effect.gen(function* () {
        const fixture = yield* createHost();
        const hosts = yield* HostRepository;
        yield* hosts.insertEventType(fixture.hostId, newEventType({ slug: "alpha", title: "Alpha call" }));
        yield* hosts.insertEventType(fixture.hostId, newEventType({ slug: "zulu", title: "Zulu call" }));
        yield* hosts.insertEventType(fixture.hostId, newEventType({ slug: "hidden", title: "B hidden", active: false }));
        return fixture;
      }),
    );
    const snapshot = ok(await booked.context.hostSnapshot(other.hostId));
    expect(booked.context.offeredEventTypes(snapshot).map((e) => e.title)).toEqual(["A meeting", "Alpha call", "Zulu call"]);
    expect(await booked.context.offering(other.hostSlug, "hidden")).toMatchObject({ _tag: "NotFound", what: "event type" });
    expect(ok(await booked.context.listing()).map((l) => l.host.id)).not.toContain(other.hostId);
    expect(await booked.context.listedOf(other.hostId)).toBe(false);
    await booked.context.setListed(other.hostId, true);
    expect(await booked.context.listedOf(other.hostId)).toBe(true);
    // Another listed host: each host is listed with its own event types only.
    await booked.context.setListed(host.hostId, true);
    const listed = ok(await booked.context.listing()).find((l) => l.host.id === other.hostId)!;
    expect(ok(await booked.context.listing()).find((l) => l.host.id === host.hostId)!.eventTypes.map((e) => e.id)).toEqual([host.eventTypeId]);
    expect(listed.eventTypes.map((e) => e.slug).sort()).toEqual(["alpha", "hidden", "meeting", "zulu"]);
    expect(listed.eventTypes.every((e) => e.hostId === other.hostId)).toBe(true);
  });

  it("offers nothing of a host who was deactivated", async () => {
    const quiet = await booked.run(createHost());
    const owner = await booked.run(createHost());
    await booked.run(Effect.flatMap(HostSessionRepository, (r) => r.ensureOwner(owner.hostId)));
    const lead = ok(await booked.context.roleOf(owner.hostId)) === "owner" ? owner.hostId : undefined;
    expect(lead).toBeDefined();
    expect(await booked.context.setHostActive(lead!, quiet.hostId, false)).toBeUndefined();
    const snapshot = ok(await booked.context.hostSnapshot(quiet.hostId));
    expect(booked.context.offeredEventTypes(snapshot)).toEqual([]);
    expect(await booked.context.offering(quiet.hostSlug, quiet.eventSlug)).toMatchObject({ _tag: "NotFound", what: "event type" });
  });
});

describe("holding and booking", () => {
  let host: HostFixture;
  beforeAll(async () => {
    host = await booked.run(createHost({ eventType: { durationMinutes: 30, durationChoices: [30, 60] } }));
  });

  it("holds a time for its event type and length, renews it while held, and lets it go", async () => {
    const offer = ok(await booked.context.offering(host.hostSlug, host.eventSlug));
    const [start] = await offeredStarts(booked.context, host.hostId, host.eventTypeId);
    const grant = ok(await booked.context.hold(offer, start!, visitor("v-hold")));
    const latest = booked.context.latest(offer.snapshot);
    expect(latest.version).toBeGreaterThan(offer.snapshot.version);
    const current = { ...offer, snapshot: latest };
    expect(booked.context.heldFor(current, grant.token)).toMatchObject({ start: start! });
    expect(booked.context.heldFor(current, null)).toBeUndefined();
    expect(booked.context.heldFor(booked.context.atLength(current, "60"), grant.token)).toBeUndefined();
    expect(await booked.context.renew(offer, grant.token)).toBe(true);
    expect(await booked.context.release(offer, grant.token)).toBeUndefined();
    expect(await booked.context.renew(offer, grant.token)).toBe(false);
  });

  it("holds at a length asked for, and refuses a length the event type does not offer", async () => {
    const offer = ok(await booked.context.offering(host.hostSlug, host.eventSlug));
    const [start] = await offeredStarts(booked.context, host.hostId, host.eventTypeId, 60);
    const grant = ok(await booked.context.hold(offer, start!, visitor("v-long"), 60));
    const held = booked.context.latest(offer.snapshot).holds.get(grant.token)!;
    expect(held.end - held.start).toBe(60 * MINUTE_MS);
    expect(await booked.context.hold(offer, start!, visitor("v-odd"), 45)).toMatchObject({ _tag: "InvalidInput" });
  });

  it("books with the note among the answers, and without one when it is empty", async () => {
    const withNote = ok(await bookFirst(host, "Ada", { note: "Bring the plans", answers: {} }));
    expect(withNote.answers).toEqual({ note: "Bring the plans" });
    const withoutNote = ok(await bookFirst(host, "Bob"));
    expect(withoutNote.answers).toEqual({});
    expect(withoutNote.start).not.toBe(withNote.start);
  });

  it("books at a chosen length", async () => {
    const long = ok(await bookFirst(host, "Cy", { durationMinutes: 60 }));
    expect(long.end - long.start).toBe(60 * MINUTE_MS);
  });

  it("books a time whose hold is gone, checking the time itself", async () => {
    const fresh = await booked.run(createHost());
    const booking = ok(await bookFirst(fresh, "Dee", { holdToken: "a-hold-that-ran-out", visitor: "v-gone" }));
    expect(booking.status).toBe("confirmed");
    expect(booking.hostId).toBe(fresh.hostId);
  });

  it("answers NotFound for an event type nobody has", async () => {
    const answer = await bookFirst(host, "Eve", { eventTypeId: "00000000-0000-4000-8000-00000000dead" as EventTypeId });
    expect(answer).toMatchObject({ _tag: "NotFound", what: "event type" });
  });
});

describe("who may act on a booking", () => {
  let host: HostFixture;
  let otherHost: HostFixture;
  beforeAll(async () => {
    host = await booked.run(createHost());
    otherHost = await booked.run(createHost());
  });

  it("finds a booking by its manage token, with its event type at the booked length", async () => {
    const booking = ok(await bookFirst(host, "Fay"));
    const found = ok(await booked.context.byManageToken(booking.manageToken));
    expect(found.booking.id).toBe(booking.id);
    expect(found.eventType.id).toBe(host.eventTypeId);
    expect(found.snapshot.host.id).toBe(host.hostId);
    expect(await booked.context.byManageToken("short")).toMatchObject({ _tag: "NotFound", what: "booking" });
    expect(await booked.context.byManageToken("x".repeat(22))).toMatchObject({ _tag: "NotFound", what: "booking" });
  });

  it("lets the invitee act by the manage token and the host by a session, and nobody else", async () => {
    const booking = ok(await bookFirst(host, "Gus"));
    expect(ok(await booked.context.actingByBearer(booking.id, booking.manageToken, "read")).by).toBe("invitee");
    const { session } = await sessionOf(host.hostId);
    expect(ok(await booked.context.actingByBearer(booking.id, session, "read")).by).toBe("host");
    const { session: stranger } = await sessionOf(otherHost.hostId);
    expect(await booked.context.actingByBearer(booking.id, stranger, "read")).toMatchObject({ _tag: "NotFound", what: "booking" });
    expect(await booked.context.actingByBearer(booking.id, undefined, "read")).toMatchObject({ _tag: "NotFound" });
    expect(await booked.context.actingByBearer("not-an-id", booking.manageToken, "read")).toMatchObject({ _tag: "NotFound" });
    expect(await booked.context.actingByBearer(booking.id, `${booking.manageToken}x`, "read")).toMatchObject({ _tag: "NotFound" });
    const unknown = "00000000-0000-4000-8000-00000000beef";
    expect(await booked.context.actingByBearer(unknown, booking.manageToken, "read")).toMatchObject({ _tag: "NotFound" });
  });

  it("gives a host their own booking and answers another host's like an unknown one", async () => {
    const booking = ok(await bookFirst(host, "Hal"));
    expect(ok(await booked.context.hostsBooking(host.hostId, booking.id))).toMatchObject({ by: "host", booking: { id: booking.id } });
    expect(await booked.context.hostsBooking(otherHost.hostId, booking.id)).toMatchObject({ _tag: "NotFound", what: "booking" });
    expect(await booked.context.hostsBooking(host.hostId, "nope")).toMatchObject({ _tag: "NotFound", what: "booking" });
  });

  it("cancels and reschedules as whoever acts, with their reason", async () => {
    const booking = ok(await bookFirst(host, "Ivy"));
    const starts = await offeredStarts(booked.context, host.hostId, host.eventTypeId);
    const acting = ok(await booked.context.actingByBearer(booking.id, booking.manageToken, "read"));
    const moved = ok(await booked.context.reschedule(acting, starts[0]!, "train late"));
    expect(moved.start).toBe(starts[0]);
    expect(moved.version).toBe(booking.version + 1);
    const cancelled = ok(await booked.context.cancel({ booking: moved, by: "host" }, "ill"));
    expect(cancelled).toMatchObject({ status: "cancelled", cancelledBy: "host", cancelReason: "ill" });
  });

  it("lets only the host accept or decline a request", async () => {
    const asking = await booked.run(createHost({ eventType: { requiresConfirmation: true } }));
    const first = ok(await bookFirst(asking, "Jo"));
    expect(first.status).toBe("pending");
    expect(await booked.context.accept({ booking: first, by: "invitee" })).toMatchObject({ _tag: "NotFound" });
    expect(await booked.context.decline({ booking: first, by: "invitee" }, null)).toMatchObject({ _tag: "NotFound" });
    expect(ok(await booked.context.accept({ booking: first, by: "host" })).status).toBe("confirmed");
    const second = ok(await bookFirst(asking, "Kim"));
    expect(ok(await booked.context.decline({ booking: second, by: "host" }, "away")).status).toBe("declined");
  });
});

describe("sessions", () => {
  it("signs a host in by a link once, knows them by the session, and forgets them after signing out", async () => {
    const host = await booked.run(createHost());
    const link = await booked.run(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(host.hostId, Date.now())));
    expect(ok(await booked.context.signInLinkHost(link))!.host.id).toBe(host.hostId);
    expect(await booked.context.signInLinkHost("x".repeat(43))).toBeUndefined();
    const signedIn = ok(await booked.context.signIn(link, "Firefox"))!;
    expect(await booked.context.signIn(link, "Firefox")).toBeUndefined();
    expect(ok(await booked.context.hostOfSession(signedIn.session))).toBe(host.hostId);
    expect(await booked.context.hostOfSession(undefined)).toBeUndefined();
    expect(await booked.context.signOut(signedIn.session)).toBeUndefined();
    expect(await booked.context.signOut(undefined)).toBeUndefined();
    expect(await booked.context.hostOfSession(signedIn.session)).toBeUndefined();
  });
});

describe("sessions signed in with a retry token", () => {
  it("gives a retry of the same sign-in the same session, and nothing to another token or none", async () => {
    const host = await booked.run(createHost());
    const link = await booked.run(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(host.hostId, Date.now())));
    const first = ok(await booked.context.signIn(link, "Firefox", "r".repeat(43)))!;
    expect(first.session).toBe("r".repeat(43));
    expect(ok(await booked.context.signIn(link, "Firefox", "r".repeat(43)))).toEqual(first);
    expect(await booked.context.signIn(link, "Firefox", "s".repeat(43))).toBeUndefined();
    expect(await booked.context.signIn(link, "Firefox")).toBeUndefined();
    expect(ok(await booked.context.hostOfSession(first.session))).toBe(host.hostId);
  });
});

describe("webhooks", () => {
  let receiver: Server;
  let status = 204;
  let receiverUrl = "";
  const pings: { event: unknown; body: Record<string, unknown> }[] = [];
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        pings.push({ event: req.headers["rendezvous-event"], body: JSON.parse(body) as Record<string, unknown> });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it("adds a webhook with a fresh secret and each event once, and refuses what cannot be one", async () => {
    const host = await booked.run(createHost());
    const added = ok(await booked.context.addWebhook(host.hostId, receiverUrl, ["booking.created", "booking.created", "booking.cancelled"]));
    expect(added.events).toEqual(["booking.created", "booking.cancelled"]);
    expect(added.secret.length).toBeGreaterThanOrEqual(43);
    expect(await booked.context.addWebhook(host.hostId, "ftp://127.0.0.1/x", ["booking.created"])).toMatchObject({ _tag: "InvalidInput", field: "url" });
    expect(await booked.context.addWebhook(host.hostId, receiverUrl, [])).toMatchObject({ _tag: "InvalidInput", field: "events", message: "must name at least one event" });
    expect(ok(await booked.context.listWebhooks(host.hostId)).map((w) => w.id)).toEqual([added.id]);
  });

  it("keeps at most ten webhooks a host", async () => {
    const host = await booked.run(createHost());
    for (let i = 0; i < 10; i++) ok(await booked.context.addWebhook(host.hostId, `${receiverUrl}/${i}`, ["booking.created"]));
    expect(await booked.context.addWebhook(host.hostId, receiverUrl, ["booking.created"])).toMatchObject({
      _tag: "InvalidInput",
      field: "url",
      message: "a host may have at most 10 webhooks",
    });
  });

  it("removes and pings only the host's own webhooks", async () => {
    const host = await booked.run(createHost());
    const other = await booked.run(createHost());
    const hook = ok(await booked.context.addWebhook(host.hostId, receiverUrl, ["booking.created"]));
    status = 204;
    expect(await booked.context.testWebhook(host.hostId, hook.id)).toEqual({ delivered: true, detail: "answered 2xx" });
    expect(pings.at(-1)).toMatchObject({ event: "ping", body: { id: expect.stringMatching(/^ping-[0-9a-f]{16}$/), type: "ping", data: { webhookId: hook.id } } });
    expect(Date.parse(pings.at(-1)!.body["createdAt"] as string)).toBeGreaterThan(Date.now() - 60_000);
    status = 500;
    expect(ok(await booked.context.testWebhook(host.hostId, hook.id)).delivered).toBe(false);
    expect(await booked.context.testWebhook(other.hostId, hook.id)).toMatchObject({ _tag: "NotFound", what: "webhook" });
    expect(await booked.context.testWebhook(host.hostId, "nope")).toMatchObject({ _tag: "NotFound", what: "webhook" });
    expect(await booked.context.removeWebhook(other.hostId, hook.id)).toMatchObject({ _tag: "NotFound", what: "webhook" });
    expect(await booked.context.removeWebhook(host.hostId, "nope")).toMatchObject({ _tag: "NotFound", what: "webhook" });
    expect(await booked.context.removeWebhook(host.hostId, hook.id)).toBeUndefined();
    expect(ok(await booked.context.listWebhooks(host.hostId))).toEqual([]);
  });
});

describe("the host's meetings", () => {
  it("keeps a note and a no-show mark on the host's own meeting only, and refuses a note that is not text", async () => {
    const host = await booked.run(createHost());
    const other = await booked.run(createHost());
    const booking = ok(await bookFirst(host, "Lou"));
    expect(await booked.context.keepMeetingNote(host.hostId, booking.id, "Wants a demo", true)).toBeUndefined();
    const query = { view: "upcoming" as const, eventTypeId: null, from: null, to: null, search: "" };
    const [meeting] = ok(await booked.context.meetings(host.hostId, query, 10, 0)).meetings;
    expect(meeting).toMatchObject({ note: "Wants a demo", noShow: true, booking: { id: booking.id } });
    expect(ok(await booked.context.exportMeetings(host.hostId, query, 10)).map((m) => m.booking.id)).toEqual([booking.id]);
    expect(await booked.context.keepMeetingNote(other.hostId, booking.id, "mine", false)).toMatchObject({ _tag: "NotFound", what: "booking" });
    expect(await booked.context.keepMeetingNote(host.hostId, "nope", "x", false)).toMatchObject({ _tag: "NotFound" });
    expect(await booked.context.keepMeetingNote(host.hostId, booking.id, "x".repeat(5001), false)).toMatchObject({
      _tag: "InvalidInput",
      field: "note",
      message: "Note must be at most 5000 characters of text",
    });
    expect(await booked.context.keepMeetingNote(host.hostId, booking.id, "a\u0000b", false)).toMatchObject({ _tag: "InvalidInput" });
    expect(await booked.context.keepMeetingNote(host.hostId, booking.id, "\ud800", false)).toMatchObject({ _tag: "InvalidInput" });
    expect(ok(await booked.context.keepMeetingNote(host.hostId, booking.id, "y".repeat(5000), false))).toBeUndefined();
  });

  it("answers NotFound for notices and mail that are not there, and lists none for a new host", async () => {
    const host = await booked.run(createHost());
    expect(ok(await booked.context.undeliveredNotices(host.hostId))).toEqual([]);
    expect(await booked.context.retryNotice(host.hostId, "0")).toMatchObject({ _tag: "NotFound", what: "notice" });
    expect(await booked.context.retryNotice(host.hostId, "999999")).toMatchObject({ _tag: "NotFound", what: "notice" });
    expect(await booked.context.mailboxMessage("x1")).toMatchObject({ _tag: "NotFound", what: "page" });
    expect(await booked.context.mailboxMessage("999999")).toMatchObject({ _tag: "NotFound", what: "page" });
    // Not an id at all (the database would refuse to compare it: a refusal, not a 404): told apart before asking.
    for (const id of ["", "12x", "x12", "-1", "01", "1".padEnd(19, "0")]) {
      expect(await booked.context.retryNotice(host.hostId, id), id).toMatchObject({ _tag: "NotFound", what: "notice" });
      expect(await booked.context.mailboxMessage(id), id).toMatchObject({ _tag: "NotFound", what: "page" });
    }
    await booked.run(
      Effect.flatMap(SqlClient, (sql) => sql`
        INSERT INTO local_mailbox (id, message_id, recipient, subject, text_body, html_body, calendar, raw) OVERRIDING SYSTEM VALUE
        VALUES (123456789012345678, 'm-1@test', 'a@example.com', 'Hello', 'text', '<p>html</p>', NULL, 'raw')`),
    );
    expect(ok(await booked.context.mailboxMessage("123456789012345678"))).toMatchObject({ subject: "Hello" });
    expect(ok(await booked.context.mailbox()).map((m) => m.subject)).toContain("Hello");
  });
});

describe("API keys", () => {
  it("makes a key with its scopes in a fixed order, refuses a bad name or scope, and at most twenty", async () => {
    const host = await booked.run(createHost());
    expect(apiKeyProblems("", []).map((p) => p.field)).toEqual(["name", "scopes"]);
    expect(apiKeyProblems("x".repeat(101), ["read", "admin"]).map((p) => p.field)).toEqual(["name", "scopes"]);
    expect(apiKeyProblems("a\u0000", ["read"]).map((p) => p.field)).toEqual(["name"]);
    expect(apiKeyProblems("\ud800", ["read"]).map((p) => p.field)).toEqual(["name"]);
    expect(apiKeyProblems("x".repeat(100), ["write", "read"])).toEqual([]);
    expect(await booked.context.createApiKey(host.hostId, " ", ["read"])).toMatchObject({ _tag: "InvalidInput", field: "name" });
    const made = ok(await booked.context.createApiKey(host.hostId, "  Sync  ", ["write", "read"]));
    expect(made.apiKey).toMatchObject({ name: "Sync", scopes: ["read", "write"], lastUsedAt: null });
    expect(made.key).toMatch(/^rvk_[A-Za-z0-9_-]{43}$/);
    for (let i = 1; i < MAX_API_KEYS; i++) ok(await booked.context.createApiKey(host.hostId, `k${i}`, ["read"]));
    expect(await booked.context.createApiKey(host.hostId, "one more", ["read"])).toMatchObject({ _tag: "InvalidInput", message: "You have 20 keys; revoke one you no longer use first" });
    expect(ok(await booked.context.apiKeys(host.hostId))).toHaveLength(MAX_API_KEYS);
  });

  it("speaks for its host with the scopes it has: write includes read; a session may do both", async () => {
    const host = await booked.run(createHost());
    const reader = ok(await booked.context.createApiKey(host.hostId, "reader", ["read"])).key;
    const writer = ok(await booked.context.createApiKey(host.hostId, "writer", ["write"])).key;
    const { session } = await sessionOf(host.hostId);
    expect(await booked.context.hostOfBearer(undefined, "read")).toBeUndefined();
    expect(await booked.context.hostOfBearer(reader, "read")).toBe(host.hostId);
    expect(await booked.context.hostOfBearer(reader, "write")).toMatchObject({ _tag: "Unauthorized", message: expect.stringContaining("may not write") });
    expect(await booked.context.hostOfBearer(writer, "read")).toBe(host.hostId);
    expect(await booked.context.hostOfBearer(writer, "write")).toBe(host.hostId);
    expect(await booked.context.hostOfBearer(session, "write")).toBe(host.hostId);
    expect(await booked.context.hostOfBearer(`rvk_${"A".repeat(43)}`, "read")).toBeUndefined();
    const booking = ok(await bookFirst(host, "Max"));
    expect(ok(await booked.context.actingByBearer(booking.id, reader, "read")).by).toBe("host");
    expect(await booked.context.actingByBearer(booking.id, reader, "write")).toMatchObject({ _tag: "Unauthorized" });
    expect(ok(await booked.context.actingByBearer(booking.id, writer, "write")).by).toBe("host");
    const stranger = ok(await booked.context.createApiKey((await booked.run(createHost())).hostId, "stranger", ["write"])).key;
    expect(await booked.context.actingByBearer(booking.id, stranger, "read")).toMatchObject({ _tag: "NotFound", what: "booking" });
  });

  it("revokes only the host's own key, after which it speaks for nobody", async () => {
    const host = await booked.run(createHost());
    const other = await booked.run(createHost());
    const made = ok(await booked.context.createApiKey(host.hostId, "old", ["read"]));
    expect(await booked.context.revokeApiKey(other.hostId, made.apiKey.id)).toMatchObject({ _tag: "NotFound" });
    expect(await booked.context.revokeApiKey(host.hostId, "nope")).toMatchObject({ _tag: "NotFound" });
    expect(await booked.context.hostOfBearer(made.key, "read")).toBe(host.hostId);
    expect(await booked.context.revokeApiKey(host.hostId, made.apiKey.id)).toBeUndefined();
    expect(await booked.context.revokeApiKey(host.hostId, made.apiKey.id)).toMatchObject({ _tag: "NotFound" });
    expect(await booked.context.hostOfBearer(made.key, "read")).toBeUndefined();
    expect(ok(await booked.context.apiKeys(host.hostId))).toEqual([]);
  });

  it("stops speaking for a host who is deactivated", async () => {
    const host = await booked.run(createHost());
    const { key } = ok(await booked.context.createApiKey(host.hostId, "script", ["read"]));
    expect(await booked.context.hostOfBearer(key, "read")).toBe(host.hostId);
    await booked.run(Effect.flatMap(SqlClient, (sql) => sql`UPDATE hosts SET active = false WHERE id = ${host.hostId}`));
    expect(await booked.context.hostOfBearer(key, "read")).toBeUndefined();
  });
});

describe("idempotency keys of a host", () => {
  it("does the work once per key and request, answers a retry with the kept answer, and refuses the key for another request", async () => {
    const host = await booked.run(createHost());
    let runs = 0;
    const work = async () => ({ status: 201, body: `made ${++runs}`, location: "/x" });
    expect(await booked.context.idempotent(host.hostId, "k", "digest-a", work)).toEqual({ status: 201, body: "made 1", location: "/x" });
    expect(await booked.context.idempotent(host.hostId, "k", "digest-a", work)).toEqual({ status: 201, body: "made 1", location: "/x" });
    expect(await booked.context.idempotent(host.hostId, "k", "digest-b", work)).toMatchObject({ _tag: "IdempotencyKeyReused" });
    expect(runs).toBe(1);
    const other = await booked.run(createHost());
    expect(await booked.context.idempotent(other.hostId, "k", "digest-b", work)).toMatchObject({ body: "made 2" });
  });

  it("says a request is in progress while the first one works, and lets the key go when the first fails", async () => {
    const host = await booked.run(createHost());
    let finish: (answer: { status: number; body: string; location: null }) => void = () => undefined;
    const first = booked.context.idempotent(host.hostId, "slow", "d", () => new Promise((resolve) => (finish = resolve)));
    const claims = () => booked.run(Effect.flatMap(SqlClient, (sql) => sql`SELECT 1 FROM api_idempotency_keys WHERE host_id = ${host.hostId} AND key = 'slow'`));
    await expect.poll(async () => (await claims()).length).toBe(1);
    expect(await booked.context.idempotent(host.hostId, "slow", "d", async () => ({ status: 201, body: "twice", location: null }))).toMatchObject({ _tag: "RequestInProgress" });
    finish({ status: 201, body: "once", location: null });
    expect(await first).toMatchObject({ body: "once" });
    expect(await booked.context.idempotent(host.hostId, "fails", "d", async () => ({ status: 503, body: "down", location: null }))).toMatchObject({ status: 503 });
    expect(await booked.context.idempotent(host.hostId, "fails", "d", async () => ({ status: 201, body: "retried", location: null }))).toMatchObject({ body: "retried" });
    expect(await booked.context.idempotent(host.hostId, "500", "d", async () => ({ status: 500, body: "broke", location: null }))).toMatchObject({ status: 500 });
    expect(await booked.context.idempotent(host.hostId, "500", "d", async () => ({ status: 201, body: "again", location: null }))).toMatchObject({ body: "again" });
    expect(await booked.context.idempotent(host.hostId, "499", "d", async () => ({ status: 499, body: "kept", location: null }))).toMatchObject({ status: 499 });
    expect(await booked.context.idempotent(host.hostId, "499", "d", async () => ({ status: 201, body: "not again", location: null }))).toMatchObject({ body: "kept" });
    await expect(booked.context.idempotent(host.hostId, "throws", "d", () => Promise.reject(new Error("defect")))).rejects.toThrow("defect");
    expect(await booked.context.idempotent(host.hostId, "throws", "d", async () => ({ status: 200, body: "after", location: null }))).toMatchObject({ body: "after" });
  });
});

describe("a database that refuses connections", () => {
  it("answers StorageUnavailable (try again) where the context reads it itself, not an error, and serves again once it is back", async () => {
    const host = await booked.run(createHost());
    const link = await booked.run(Effect.flatMap(HostSessionRepository, (r) => r.issueSignInLink(host.hostId, Date.now())));
    const [{ name }] = (await booked.run(Effect.flatMap(SqlClient, (sql) => sql<{ name: string }>`SELECT current_database() AS name`))) as [{ name: string }];
    const connections = (allow: boolean) =>
      Effect.runPromise(
        onAdmin(
          Effect.gen(function* () {
            const admin = yield* SqlClient;
            yield* admin.unsafe(`ALTER DATABASE ${name} ALLOW_CONNECTIONS ${allow}`);
            if (!allow) yield* admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${name}`;
          }),
        ),
      );
    await connections(false);
    try {
      expect(await booked.context.signIn(link, "test")).toMatchObject({ _tag: "StorageUnavailable" });
    } finally {
      await connections(true);
    }
    expect(ok(await booked.context.signIn(link, "test"))).toBeDefined();
  });
});
