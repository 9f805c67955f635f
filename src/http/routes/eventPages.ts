import { Either } from "effect";
import type { Offering } from "../../booking/BookingContext.ts";
import { chosenLengthOf } from "../../domain/model.ts";
import { translate } from "../../i18n/i18n.ts";
import { addDays, DAY_MS, HOUR_MS, parseInstant, parseLocalDate, type EpochMs, type LocalDate } from "../../domain/time.ts";
import { zoneTable } from "../../domain/zone.ts";
import { BookingForm, BookingFormPage, emptyValues, type BookingFormProps } from "../../views/BookingForm.tsx";
import { BookingPanel, EventPage, HostPage, type Viewer } from "../../views/EventPage.tsx";
import { HomePage } from "../../views/HomePage.tsx";
import type { PageContext } from "../../views/Layout.tsx";
import { isReply, type Reply, type Request } from "../exchange.ts";
import { decodeBookForm, decodeFields, HoldForm, ReleaseForm, type BookForm, type FieldErrors } from "../forms.ts";
import { isAppError, problemOf, type AppError } from "../problems.ts";
import { browserZoneOf } from "../session.ts";
import { framable } from "../securityHeaders.ts";
import { html, redirect, VARY_HTMX, wantsPartial, type Web } from "../web.ts";
import { beginFormPost, beginPage, errorPage, formValuesOf, newIdempotencyKey } from "./pageSupport.ts";

type Cookies = ReadonlyArray<readonly [string, string]>;

/** What an event page shows, and the path it lives at. */
interface EventContext extends Offering {
  readonly base: string;
}

/** The event page (or just its panel), for a viewer, with an optional notice on top. */
const renderEvent = (web: Web, page: PageContext, request: Request, ctx: EventContext, viewer: Viewer, notice: string | undefined, partial: boolean, embed = isEmbed(request)) => {
  const { panelData, renderDaySlots, zonePickerGroups } = web.views;
  const now = web.now();
  const panel = panelData(request, ctx.snapshot, ctx.eventType, viewer, ctx.base, now);
  const props = {
    page,
    host: ctx.snapshot.host,
    eventType: ctx.eventType,
    viewer,
    calendar: panel.calendar,
    daySlots: renderDaySlots(ctx.snapshot, ctx.eventType, viewer, panel.dayDates, now, panel.dayHref, panel.hrefKey).html,
    slotAction: `${ctx.base}/hold`,
    length: chosenLengthOf(ctx.eventType),
    selfUrl: panel.selfUrl,
    notice,
    // Offsets as on the day on screen (noon UTC of it, or of the month's first day).
    zones: zonePickerGroups(Math.max(now, (panel.calendar.selected ?? panel.calendar.month) * DAY_MS + 12 * HOUR_MS), viewer.zone),
    keep: panel.keep,
    lengths: panel.lengths,
    clockUrls: {
      "12h": panel.urlOf({ clock: "12h", month: panel.calendar.month, date: panel.calendar.selected }),
      "24h": panel.urlOf({ clock: "24h", month: panel.calendar.month, date: panel.calendar.selected }),
    },
    embed,
  };
  return (partial ? BookingPanel(props) : EventPage(props)) as string;
};

/** `embed=1` (in the query, or posted): the booking flow in a frame on the host's own site. */
const isEmbed = (request: Request, fields?: Record<string, unknown>) => (fields === undefined ? request.query.get("embed") : fields["embed"]) === "1";

/** An embedded step may be framed by any site; every other reply keeps `frame-ancestors 'none'`. */
const inFrame = (embed: boolean, reply: Reply): Reply => (embed ? framable(reply) : reply);

/** A request as if it asked for the page around one instant (used to re-show the calendar after a refusal). */
const aroundInstant = (request: Request, zone: string, instant: number): Request => {
  const query = new URLSearchParams(request.query);
  query.set("date", new Date(zoneTable(zone).wallClockAt(instant)).toISOString().slice(0, 10));
  query.delete("month");
  return { ...request, query };
};

const withBase = (offer: Offering): EventContext => ({ ...offer, base: `/${offer.snapshot.host.slug}/${offer.eventType.slug}` });

export const eventPageRoutes = (web: Web) => {
  const { booking: context } = web;
  const { clockOf, pageUrl, postedViewer, renderDaySlots, viewerOf } = web.views;

  /**
   * The host and event type named in the path, at the length `d` names (of the query, or of the
   * posted fields), or the page that says which is missing.
   */
  const resolve = async (request: Request, page: PageContext, cookies: Cookies, fields?: Record<string, unknown>): Promise<EventContext | Reply> => {
    const [hostSlug, eventSlug] = request.params as [string, string];
    const offer = await context.offering(hostSlug, eventSlug);
    if (isAppError(offer)) return errorPage(page, offer, cookies);
    const d = fields === undefined ? request.query.get("d") : typeof fields["d"] === "string" ? fields["d"] : null;
    return withBase(context.atLength(offer, d));
  };

  const home = async (request: Request): Promise<Reply> => {
    const { page, cookies } = beginPage(web, request);
    const listing = await context.listing();
    if (isAppError(listing)) return errorPage(page, listing, cookies);
    return html(200, HomePage({ page, hosts: listing }) as string, cookies);
  };

  const hostPage = async (request: Request): Promise<Reply> => {
    const { page, cookies } = beginPage(web, request);
    const snapshot = await context.hostBySlug(request.params[0]!);
    if (isAppError(snapshot)) return errorPage(page, snapshot, cookies);
    return html(200, HostPage({ page, host: snapshot.host, eventTypes: context.offeredEventTypes(snapshot) }) as string, cookies);
  };

  const eventPage = async (request: Request): Promise<Reply> => {
    const { visitor, page, cookies } = beginPage(web, request);
    const ctx = await resolve(request, page, cookies);
    if (isReply(ctx)) return ctx;
    const { viewer, notice } = viewerOf(request, visitor.zone, ctx.snapshot.host.timeZone);
    return inFrame(isEmbed(request), html(200, renderEvent(web, page, request, ctx, viewer, notice, wantsPartial(request)), cookies));
  };

  /**
   * `/:host/:event/slots?tz&from&days&clock`: the free times of up to two weeks, as a fragment.
   * A pure read: from the running actor's snapshot it answers without leaving the uWS handler,
   * from cached bytes (gzip when accepted), with no session work.
   */
  const daySlots = (request: Request): Reply | Promise<Reply> => {
    const [hostSlug, eventSlug] = request.params as [string, string];
    const found = context.offering(hostSlug, eventSlug);
    return found instanceof Promise ? found.then((o) => daySlotsOf(request, o)) : daySlotsOf(request, found);
  };

  const daySlotsOf = (request: Request, found: Offering | AppError): Reply => {
    if (isAppError(found)) {
      const { page, cookies } = beginPage(web, request);
      return errorPage(page, found, cookies);
    }
    const { snapshot, eventType } = context.atLength(found, request.query.get("d"));
    const base = `/${snapshot.host.slug}/${eventType.slug}`;
    const { viewer } = viewerOf(request, browserZoneOf(request), snapshot.host.timeZone);
    const now = web.now();
    const today = zoneTable(viewer.zone).localDateOf(now);
    const from = parseLocalDate(request.query.get("from") ?? "") ?? today;
    const days = Math.min(14, Math.max(1, Number(request.query.get("days") ?? 1) || 1));
    const dates = Array.from({ length: days }, (_, i) => addDays(from, i));
    const href = (date: LocalDate) => pageUrl(base, { tz: viewer.zone, date, d: chosenLengthOf(eventType) });
    const fragment = renderDaySlots(snapshot, eventType, viewer, dates, now, href, `${base}|fragment`);
    const gzip = (request.headers.get("accept-encoding") ?? "").includes("gzip");
    return {
      status: 200,
      headers: [
        ["Content-Type", "text/html; charset=utf-8"],
        ["Cache-Control", "no-store"],
        VARY_HTMX,
        ...(gzip ? ([["Content-Encoding", "gzip"]] as const) : []),
      ],
      body: gzip ? fragment.gzip() : fragment.bytes(),
      validity: { hostId: snapshot.host.id, version: snapshot.version, minute: Math.floor(now / 60_000) },
    };
  };

  /** Choosing a slot places a hold, then shows the form for it. */
  const hold = async (request: Request): Promise<Reply> => {
    const post = beginFormPost(web, request);
    if (isReply(post)) return post;
    const { fields, visitor, page, cookies } = post;
    const ctx = await resolve(request, page, cookies, fields);
    if (isReply(ctx)) return ctx;
    const embed = isEmbed(request, fields);
    const input = decodeFields(HoldForm, fields);
    if (Either.isLeft(input)) {
      const { viewer } = viewerOf(request, visitor.zone, ctx.snapshot.host.timeZone);
      return inFrame(embed, html(422, renderEvent(web, page, request, ctx, viewer, [...input.left.values()].join(" "), false, embed), cookies));
    }
    const { start, tz, d } = input.right;
    const granted = await context.hold(ctx, start, { id: visitor.id, address: web.config.rateLimit ? request.address : null }, d);
    if (isAppError(granted)) {
      const viewer = { zone: tz, zoneIsHosts: false, clock: clockOf(request), language: web.views.languageOf(request) };
      const fresh = { ...ctx, snapshot: context.latest(ctx.snapshot) };
      const status = problemOf(granted).status;
      return inFrame(embed, html(status, renderEvent(web, page, aroundInstant(request, tz, Math.max(start, web.now())), fresh, viewer, problemOf(granted).detail, false, embed), cookies));
    }
    const length = chosenLengthOf(ctx.eventType);
    return redirect(`${ctx.base}/book?${new URLSearchParams({ hold: granted.token, tz, ...(length === undefined ? {} : { d: String(length) }), ...(embed ? { embed: "1" } : {}) }).toString()}`, cookies);
  };

  /** "Change": the held time goes back to everyone (the invitee's own calendar too), then the calendar on its day. */
  const release = async (request: Request): Promise<Reply> => {
    const post = beginFormPost(web, request);
    if (isReply(post)) return post;
    const { fields, page, cookies } = post;
    const ctx = await resolve(request, page, cookies, fields);
    if (isReply(ctx)) return ctx;
    const input = decodeFields(ReleaseForm, fields);
    if (Either.isLeft(input)) return redirect(ctx.base, cookies);
    const { hold, tz, start } = input.right;
    if (context.heldFor(ctx, hold) !== undefined) await context.release(ctx, hold);
    const date = start === undefined ? undefined : zoneTable(tz).localDateOf(start);
    const calendar = pageUrl(ctx.base, { tz, d: chosenLengthOf(ctx.eventType), date });
    return redirect(isEmbed(request, fields) ? `${calendar}&embed=1` : calendar, cookies);
  };

  /** The form's page is still open: its hold lasts another lease (204), or it is gone (410). */
  const renew = async (request: Request): Promise<Reply> => {
    const post = beginFormPost(web, request);
    if (isReply(post)) return post;
    const { fields, page, cookies } = post;
    const ctx = await resolve(request, page, cookies, fields);
    if (isReply(ctx)) return ctx;
    const hold = typeof fields["hold"] === "string" ? fields["hold"] : null;
    const held = context.heldFor(ctx, hold) !== undefined && (await context.renew(ctx, hold!)) === true;
    return { status: held ? 204 : 410, headers: [["Cache-Control", "no-store"], ...cookies], body: "" };
  };

  const formProps = (page: PageContext, ctx: EventContext, viewer: Viewer, start: EpochMs, here: string): Omit<BookingFormProps, "hold" | "values" | "errors" | "idempotencyKey"> => ({
    here,
    page,
    host: ctx.snapshot.host,
    eventType: ctx.eventType,
    viewer,
    start,
    renewEveryMs: Math.round((web.config.holdLeaseSeconds * 1000) / 3),
  });

  /** The form for a held slot (or, when the hold is gone, for a time to be checked on submit). */
  const bookForm = async (request: Request): Promise<Reply> => {
    const { visitor, page, cookies } = beginPage(web, request);
    const ctx = await resolve(request, page, cookies);
    if (isReply(ctx)) return ctx;
    const { viewer } = viewerOf(request, visitor.zone, ctx.snapshot.host.timeZone);
    const hold = context.heldFor(ctx, request.query.get("hold"));
    const start = hold?.start ?? parseInstant(request.query.get("start") ?? "");
    if (start === undefined) return redirect(`${ctx.base}?tz=${encodeURIComponent(viewer.zone)}`, cookies);
    const body = BookingFormPage({
      ...formProps(page, ctx, viewer, start, `${request.path}?${request.query.toString()}`),
      hold: hold === undefined ? undefined : { token: hold.token, expiresAt: hold.deadline },
      idempotencyKey: newIdempotencyKey(),
      values: emptyValues,
      errors: new Map(),
      notice: hold === undefined ? translate(viewer.language.ui, "page.form.holdGone") : undefined,
      embed: isEmbed(request),
    }) as string;
    return inFrame(isEmbed(request), html(200, body, cookies));
  };

  /** The booking form again, as posted, with what was wrong (and fresh times when its time was taken). */
  const showForm = (request: Request, page: PageContext, ctx: EventContext, viewer: Viewer, start: EpochMs, fields: Record<string, unknown>, cookies: Cookies) =>
    (status: number, errors: FieldErrors, notice?: string, alternatives?: ReadonlyArray<EpochMs>): Reply => {
      // The hold outlives a refusal (its countdown goes on), unless the time itself is gone.
      const held = alternatives === undefined ? context.heldFor(ctx, typeof fields["hold"] === "string" ? fields["hold"] : null) : undefined;
      // The same form by its address (a language switch reloads it; the hold travels by its token).
      const here = `${ctx.base}/book?${new URLSearchParams({ start: new Date(start).toISOString(), tz: viewer.zone, ...(typeof fields["hold"] === "string" && fields["hold"] !== "" ? { hold: fields["hold"] } : {}), ...(typeof fields["d"] === "string" ? { d: fields["d"] } : {}) }).toString()}`;
      const props: BookingFormProps = {
        ...formProps(page, ctx, viewer, start, here),
        hold: held?.start === start ? { token: held.token, expiresAt: held.deadline } : undefined,
        idempotencyKey: alternatives === undefined ? String(fields["idempotencyKey"] ?? "") || newIdempotencyKey() : newIdempotencyKey(),
        values: formValuesOf(fields),
        errors,
        notice,
        alternatives,
        embed: isEmbed(request, fields),
      };
      return inFrame(isEmbed(request, fields), html(status, (wantsPartial(request) ? BookingForm(props) : BookingFormPage(props)) as string, cookies));
    };

  /** A refused booking: the form for what the invitee can fix, the calendar for a time no longer offered. */
  const refusedBooking = (request: Request, fields: Record<string, unknown>, page: PageContext, ctx: EventContext, viewer: Viewer, form: BookForm, error: AppError, retry: ReturnType<typeof showForm>, cookies: Cookies): Reply => {
    const problem = problemOf(error);
    switch (error._tag) {
      case "InvalidInput":
        return retry(422, new Map([[error.field, error.message]]));
      case "SlotTaken":
        return retry(409, new Map(), problem.detail, error.alternatives as ReadonlyArray<EpochMs>);
      case "NotFound":
      case "StorageUnavailable":
      case "IdempotencyKeyReused":
        return errorPage(page, error, cookies);
      default: {
        const fresh = { ...ctx, snapshot: context.latest(ctx.snapshot) };
        const around = aroundInstant(request, viewer.zone, Math.max(form.start, web.now()));
        const embed = isEmbed(request, fields);
        return inFrame(embed, html(problem.status, renderEvent(web, page, around, fresh, viewer, problem.detail, false, embed), cookies));
      }
    }
  };

  const book = async (request: Request): Promise<Reply> => {
    const post = beginFormPost(web, request);
    if (isReply(post)) return post;
    const { fields, visitor, page, cookies } = post;
    const ctx = await resolve(request, page, cookies, fields);
    if (isReply(ctx)) return ctx;
    const viewer = postedViewer(request, fields, ctx.snapshot.host.timeZone);
    const start = parseInstant(String(fields["start"] ?? ""));
    if (start === undefined) return redirect(`${ctx.base}?tz=${encodeURIComponent(viewer.zone)}`, cookies);
    const retry = showForm(request, page, ctx, viewer, start, fields, cookies);
    const input = decodeBookForm(ctx.eventType, fields);
    if (Either.isLeft(input)) return retry(422, input.left);
    const form = input.right;
    const booked = await context.book({
      eventTypeId: ctx.eventType.id,
      start: form.start,
      invitee: { name: form.name, email: form.email, timeZone: form.tz, locale: viewer.language.ui },
      answers: form.answers,
      note: form.note,
      idempotencyKey: form.idempotencyKey,
      holdToken: form.hold === "" ? null : form.hold,
      visitor: visitor.id,
      durationMinutes: form.d,
    });
    if (isAppError(booked)) return refusedBooking(request, fields, page, ctx, viewer, form, booked, retry, cookies);
    return redirect(`/booking/${booked.manageToken}?new=1${isEmbed(request, fields) ? "&embed=1" : ""}`, cookies);
  };

  return { home, hostPage, eventPage, daySlots, hold, release, renew, bookForm, book };
};
