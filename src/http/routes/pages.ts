import { Effect, Either } from "effect";
import { randomBytes } from "node:crypto";
import { NOTE } from "../../actors/decisions.ts";
import type { HostSnapshot } from "../../actors/HostSnapshot.ts";
import { Book, Hold } from "../../actors/protocol.ts";
import { NotFound } from "../../domain/errors.ts";
import type { EventType } from "../../domain/model.ts";
import { groupByViewerDate } from "../../domain/projection.ts";
import { addDays, formatLocalDate, parseInstant, parseLocalDate, type EpochMs, type LocalDate } from "../../domain/time.ts";
import { canonicalTimeZone, zoneTable } from "../../domain/zone.ts";
import { BookingRepository } from "../../persistence/BookingRepository.ts";
import { HostRepository } from "../../persistence/HostRepository.ts";
import { BookingDetailsPage } from "../../views/BookingDetails.tsx";
import { BookingFormPage, BookingForm, emptyValues, type BookingFormValues } from "../../views/BookingForm.tsx";
import { BookingPage, SlotPanel, type Viewer } from "../../views/BookingPage.tsx";
import { ErrorPage } from "../../views/ErrorPage.tsx";
import type { Clock } from "../../views/format.ts";
import { HomePage } from "../../views/HomePage.tsx";
import type { PageContext } from "../../views/Layout.tsx";
import type { Reply, Request } from "../exchange.ts";
import { BookForm, decodeFields, formFields, HoldForm, type FieldErrors } from "../forms.ts";
import { isAppError, problemOf, type AppError } from "../problems.ts";
import { csrfProblem, visitorOf, type Visitor } from "../session.ts";
import {
  cookieHeaders,
  html,
  isSlug,
  pageContext,
  redirect,
  runOrFail,
  snapshotBySlug,
  wantsPartial,
  type Web,
} from "../web.ts";

const DAYS_SHOWN = 7;

const hourCycles = new Map<string, Clock>();

/** 12- or 24-hour clock: the visitor's choice, else what their language writes. */
const clockOf = (request: Request): Clock => {
  const asked = request.query.get("clock");
  if (asked === "12h" || asked === "24h") return asked;
  const language = (request.headers.get("accept-language") ?? "en-GB").split(",")[0]!.split(";")[0]!.trim() || "en-GB";
  let clock = hourCycles.get(language);
  if (clock === undefined) {
    try {
      const cycle = new Intl.DateTimeFormat(language, { hour: "numeric" }).resolvedOptions().hourCycle;
      clock = cycle === "h11" || cycle === "h12" ? "12h" : "24h";
    } catch {
      clock = "24h";
    }
    if (hourCycles.size < 1_000) hourCycles.set(language, clock);
  }
  return clock;
};

/** The zone to show: asked for in the URL, else the browser's (cookie), else the host's. */
const viewerOf = (request: Request, visitor: Visitor, hostZone: string): { viewer: Viewer; notice?: string } => {
  const clock = clockOf(request);
  const asked = request.query.get("tz");
  if (asked !== null) {
    const zone = canonicalTimeZone(asked);
    if (zone !== undefined) return { viewer: { zone, zoneIsHosts: false, clock } };
    return {
      viewer: { zone: hostZone, zoneIsHosts: true, clock },
      notice: `"${asked}" is not a time zone we know, so times are shown in the host's time zone.`,
    };
  }
  const browser = visitor.zone === undefined ? undefined : canonicalTimeZone(visitor.zone);
  if (browser !== undefined) return { viewer: { zone: browser, zoneIsHosts: false, clock } };
  return { viewer: { zone: hostZone, zoneIsHosts: true, clock } };
};

export const errorPage = (page: PageContext, error: AppError, headers: [string, string][] = []): Reply => {
  const problem = problemOf(error);
  return html(problem.status, ErrorPage({ page, title: problem.title, message: problem.detail }) as string, headers);
};

const eventTypeOf = (snapshot: HostSnapshot, slug: string): EventType | NotFound => {
  const et = isSlug(slug) ? snapshot.eventTypeBySlug(slug) : undefined;
  return et !== undefined && et.active ? et : new NotFound({ what: "event type" });
};

const eventUrl = (snapshot: HostSnapshot, et: EventType, query: Record<string, string>) => {
  const params = new URLSearchParams(query).toString();
  return `/${snapshot.host.slug}/${et.slug}${params === "" ? "" : `?${params}`}`;
};

interface EventView {
  readonly snapshot: HostSnapshot;
  readonly eventType: EventType;
  readonly viewer: Viewer;
  readonly firstDay: LocalDate;
  readonly notice?: string | undefined;
}

const renderEventPage = (web: Web, page: PageContext, request: Request, view: EventView, partial: boolean) => {
  const { snapshot, eventType, viewer, firstDay } = view;
  const zone = zoneTable(viewer.zone);
  const now = web.now();
  const today = zone.localDateOf(now);
  const starts = snapshot.slots(eventType, zone.startOfDay(firstDay), zone.startOfDay(addDays(firstDay, DAYS_SHOWN)), now);
  const days = groupByViewerDate(starts, eventType.durationMinutes * 60_000, viewer.zone);
  const keep = { tz: viewer.zone, ...(request.query.get("clock") === null ? {} : { clock: viewer.clock }) };
  const props = {
    page,
    host: snapshot.host,
    eventType,
    viewer,
    days,
    selfUrl: eventUrl(snapshot, eventType, { ...keep, from: formatLocalDate(firstDay) }),
    earlier:
      firstDay > today
        ? eventUrl(snapshot, eventType, { ...keep, from: formatLocalDate(addDays(firstDay, -DAYS_SHOWN)) })
        : undefined,
    later: eventUrl(snapshot, eventType, { ...keep, from: formatLocalDate(addDays(firstDay, DAYS_SHOWN)) }),
    notice: view.notice,
  };
  return (partial ? SlotPanel(props) : BookingPage(props)) as string;
};

const formValuesOf = (fields: Record<string, unknown>): BookingFormValues => ({
  name: String(fields["name"] ?? ""),
  email: String(fields["email"] ?? ""),
  note: String(fields["note"] ?? ""),
  answers: (fields["answers"] ?? {}) as Record<string, string>,
});

const newIdempotencyKey = () => randomBytes(16).toString("base64url");

export const pageRoutes = (web: Web) => {
  const secure = web.config.publicUrl.startsWith("https:");

  /** Common start of every page request: the visitor and what the page needs from us. */
  const begin = (request: Request) => {
    const visitor = visitorOf(request, secure);
    return { visitor, page: pageContext(web, visitor), cookies: cookieHeaders(visitor) };
  };

  const home = async (request: Request): Promise<Reply> => {
    const { page, cookies } = begin(request);
    const listing = await runOrFail(
      web,
      Effect.gen(function* () {
        const repo = yield* HostRepository;
        const hosts = yield* repo.listHosts;
        const eventTypes = yield* repo.listEventTypes(hosts.map((h) => h.id));
        return hosts.map((host) => ({ host, eventTypes: eventTypes.filter((e) => e.hostId === host.id) }));
      }),
    );
    if (isAppError(listing)) return errorPage(page, listing, cookies);
    return html(200, HomePage({ page, hosts: listing }) as string, cookies);
  };

  const eventPage = async (request: Request): Promise<Reply> => {
    const { visitor, page, cookies } = begin(request);
    const [hostSlug, eventSlug] = request.params as [string, string];
    const snapshot = await snapshotBySlug(web, hostSlug);
    if (isAppError(snapshot)) return errorPage(page, snapshot, cookies);
    const eventType = eventTypeOf(snapshot, eventSlug);
    if (eventType instanceof NotFound) return errorPage(page, eventType, cookies);
    const { viewer, notice } = viewerOf(request, visitor, snapshot.host.timeZone);
    const today = zoneTable(viewer.zone).localDateOf(web.now());
    const asked = parseLocalDate(request.query.get("from") ?? "");
    const firstDay = asked !== undefined && asked >= today && asked < addDays(today, 3660) ? asked : today;
    const body = renderEventPage(web, page, request, { snapshot, eventType, viewer, firstDay, notice }, wantsPartial(request));
    return html(200, body, cookies);
  };

  /** Choosing a slot places a hold, then shows the form for it. */
  const hold = async (request: Request): Promise<Reply> => {
    const { visitor, page, cookies } = begin(request);
    const [hostSlug, eventSlug] = request.params as [string, string];
    const fields = formFields(request.body);
    const csrf = csrfProblem(request, visitor, (fields["_csrf"] as string) ?? null, web.secret, web.config.publicUrl);
    if (csrf !== undefined) return html(403, ErrorPage({ page, title: "Please try again", message: csrf }) as string, cookies);
    const snapshot = await snapshotBySlug(web, hostSlug);
    if (isAppError(snapshot)) return errorPage(page, snapshot, cookies);
    const eventType = eventTypeOf(snapshot, eventSlug);
    if (eventType instanceof NotFound) return errorPage(page, eventType, cookies);
    const input = decodeFields(HoldForm, fields);
    if (Either.isLeft(input)) {
      const message = [...input.left.values()].join(" ");
      return html(422, ErrorPage({ page, title: "Please choose a time", message }) as string, cookies);
    }
    const { start, tz } = input.right;
    const granted = await runOrFail(
      web,
      web.actors.ask(snapshot.host.id, new Hold({ eventTypeId: eventType.id, start, visitor: visitor.id })),
    );
    if (isAppError(granted)) {
      const problem = problemOf(granted);
      const fresh = web.actors.peek(snapshot.host.id) ?? snapshot;
      const viewer = { zone: tz, zoneIsHosts: false, clock: clockOf(request) };
      const firstDay = zoneTable(tz).localDateOf(Math.max(start, web.now()));
      const body = renderEventPage(web, page, request, { snapshot: fresh, eventType, viewer, firstDay, notice: problem.detail }, false);
      return html(problem.status, body, cookies);
    }
    const query = new URLSearchParams({ hold: granted.token, tz }).toString();
    return redirect(`/${snapshot.host.slug}/${eventType.slug}/book?${query}`, cookies);
  };

  /** The form for a held slot (or, when the hold is gone, for a time to be checked on submit). */
  const bookForm = async (request: Request): Promise<Reply> => {
    const { visitor, page, cookies } = begin(request);
    const [hostSlug, eventSlug] = request.params as [string, string];
    const snapshot = await snapshotBySlug(web, hostSlug);
    if (isAppError(snapshot)) return errorPage(page, snapshot, cookies);
    const eventType = eventTypeOf(snapshot, eventSlug);
    if (eventType instanceof NotFound) return errorPage(page, eventType, cookies);
    const { viewer } = viewerOf(request, visitor, snapshot.host.timeZone);
    const held = snapshot.holds.get(request.query.get("hold") ?? "");
    const hold = held !== undefined && held.eventTypeId === eventType.id ? held : undefined;
    const start = hold?.start ?? parseInstant(request.query.get("start") ?? "");
    if (start === undefined) return redirect(eventUrl(snapshot, eventType, { tz: viewer.zone }), cookies);
    const body = BookingFormPage({
      page,
      host: snapshot.host,
      eventType,
      viewer,
      start,
      hold: hold === undefined ? undefined : { token: hold.token, expiresAt: hold.expiresAt },
      idempotencyKey: newIdempotencyKey(),
      values: emptyValues,
      errors: new Map(),
      notice: hold === undefined ? "Your hold on this time has run out; we will check it is still free when you confirm." : undefined,
    }) as string;
    return html(200, body, cookies);
  };

  const book = async (request: Request): Promise<Reply> => {
    const { visitor, page, cookies } = begin(request);
    const [hostSlug, eventSlug] = request.params as [string, string];
    const fields = formFields(request.body);
    const csrf = csrfProblem(request, visitor, (fields["_csrf"] as string) ?? null, web.secret, web.config.publicUrl);
    if (csrf !== undefined) return html(403, ErrorPage({ page, title: "Please try again", message: csrf }) as string, cookies);
    const snapshot = await snapshotBySlug(web, hostSlug);
    if (isAppError(snapshot)) return errorPage(page, snapshot, cookies);
    const eventType = eventTypeOf(snapshot, eventSlug);
    if (eventType instanceof NotFound) return errorPage(page, eventType, cookies);

    const values = formValuesOf(fields);
    const zone = canonicalTimeZone(String(fields["tz"] ?? "")) ?? snapshot.host.timeZone;
    const viewer: Viewer = { zone, zoneIsHosts: false, clock: clockOf(request) };
    const start = parseInstant(String(fields["start"] ?? ""));
    const idempotencyKey = String(fields["idempotencyKey"] ?? "") || newIdempotencyKey();
    const holdToken = String(fields["hold"] ?? "");
    const showForm = (status: number, errors: FieldErrors, notice?: string) => {
      const props = {
        page,
        host: snapshot.host,
        eventType,
        viewer,
        start: start as EpochMs,
        hold: undefined,
        idempotencyKey,
        values,
        errors,
        notice,
      };
      return html(status, (wantsPartial(request) ? BookingForm(props) : BookingFormPage(props)) as string, cookies);
    };
    if (start === undefined) return redirect(eventUrl(snapshot, eventType, { tz: zone }), cookies);
    const input = decodeFields(BookForm, fields);
    if (Either.isLeft(input)) return showForm(422, input.left);
    const form = input.right;
    const answers = { ...form.answers, ...(form.note === "" ? {} : { [NOTE]: form.note }) };
    const ask = (hold: string | null) =>
      runOrFail(
        web,
        web.actors.ask(
          snapshot.host.id,
          new Book({
            eventTypeId: eventType.id,
            start: form.start,
            invitee: { name: form.name, email: form.email, timeZone: form.tz },
            answers,
            idempotencyKey: form.idempotencyKey,
            holdToken: hold,
            visitor: visitor.id,
          }),
        ),
      );
    let booked = await ask(holdToken === "" ? null : holdToken);
    // An expired or unknown hold is no reason to refuse: check the time itself again.
    if (isAppError(booked) && booked._tag === "HoldInvalid") booked = await ask(null);
    if (!isAppError(booked)) return redirect(`/booking/${booked.manageToken}?new=1`, cookies);
    if (booked._tag === "InvalidInput") return showForm(422, new Map([[booked.field, booked.message]]));
    const problem = problemOf(booked);
    if (booked._tag === "NotFound" || booked._tag === "StorageUnavailable") return errorPage(page, booked, cookies);
    // The time is gone or not allowed: say so and show the times that are still free.
    const fresh = web.actors.peek(snapshot.host.id) ?? snapshot;
    const firstDay = zoneTable(zone).localDateOf(Math.max(form.start, web.now()));
    const body = renderEventPage(web, page, request, { snapshot: fresh, eventType, viewer, firstDay, notice: problem.detail }, false);
    return html(problem.status, body, cookies);
  };

  const bookingDetails = async (request: Request): Promise<Reply> => {
    const { page, cookies } = begin(request);
    const [token] = request.params as [string];
    const found = /^[A-Za-z0-9_-]{22,64}$/.test(token)
      ? await runOrFail(
          web,
          Effect.gen(function* () {
            const booking = yield* (yield* BookingRepository).findByManageToken(token);
            if (booking === undefined) return yield* new NotFound({ what: "booking" });
            const snapshot = yield* web.actors.snapshot(booking.hostId);
            const eventType = snapshot.eventTypes.get(booking.eventTypeId);
            if (eventType === undefined) return yield* new NotFound({ what: "booking" });
            return { booking, snapshot, eventType };
          }),
        )
      : new NotFound({ what: "booking" });
    if (isAppError(found)) return errorPage(page, found, [...cookies, ["X-Robots-Tag", "noindex"]]);
    const body = BookingDetailsPage({
      page,
      host: found.snapshot.host,
      eventType: found.eventType,
      booking: found.booking,
      manageUrl: `${web.config.publicUrl}/booking/${found.booking.manageToken}`,
      clock: clockOf(request),
      justBooked: request.query.get("new") === "1",
    }) as string;
    return html(200, body, [...cookies, ["X-Robots-Tag", "noindex"], ["Referrer-Policy", "no-referrer"]]);
  };

  const notFound = (request: Request): Reply => {
    const { page, cookies } = begin(request);
    return errorPage(page, new NotFound({ what: "page" }), cookies);
  };

  return { home, eventPage, hold, bookForm, book, bookingDetails, notFound };
};

