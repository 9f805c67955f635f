import { Either } from "effect";
import type { ManagedBooking } from "../../booking/BookingContext.ts";
import { DAY_MS, HOUR_MS, parseInstant } from "../../domain/time.ts";
import { zoneTable } from "../../domain/zone.ts";
import { reasonOf } from "../forms.ts";
import { googleCalendarUrl, office365CalendarUrl, outlookCalendarUrl } from "../../notify/calendarLinks.ts";
import { icsOf } from "../../notify/ics.ts";
import { BookingDetailsPage, ReschedulePage, RescheduleReviewPage } from "../../views/BookingDetails.tsx";
import type { Viewer } from "../../views/EventPage.tsx";
import type { PageContext } from "../../views/Layout.tsx";
import { isReply, type Reply, type Request } from "../exchange.ts";
import { isAppError, problemOf, type AppError } from "../problems.ts";
import { framable } from "../securityHeaders.ts";
import { html, redirect, type Web } from "../web.ts";
import { beginFormPost, beginPage, errorPage, PRIVATE } from "./pageSupport.ts";

type Found = ManagedBooking;

export const bookingPageRoutes = (web: Web) => {
  const { booking: context } = web;
  const { clockOf, pageUrl, panelData, postedViewer, renderDaySlots, viewerOf, zonePickerGroups } = web.views;
  const find = (token: string): Promise<Found | AppError> => context.byManageToken(token);

  const manageUrl = (token: string) => `${web.config.publicUrl}/booking/${token}`;

  const detailsPage = (page: PageContext, request: Request, found: Found, news: "booked" | "rescheduled" | "cancelled" | undefined, notice?: string, embed = false) => {
    const { booking, snapshot, eventType } = found;
    const title = `${eventType.title} with ${snapshot.host.name}`;
    const linked = { title, start: booking.start, end: booking.end, details: `Manage or cancel: ${manageUrl(booking.manageToken)}`, location: eventType.location };
    return BookingDetailsPage({
      page,
      host: snapshot.host,
      eventType,
      booking,
      manageUrl: manageUrl(booking.manageToken),
      clock: clockOf(request),
      language: page.language,
      links: {
        ics: `/booking/${booking.manageToken}/meeting.ics`,
        google: googleCalendarUrl(linked),
        outlook: outlookCalendarUrl(linked),
        office365: office365CalendarUrl(linked),
      },
      news,
      notice,
      embed,
    }) as string;
  };

  const details = async (request: Request): Promise<Reply> => {
    const { page, cookies } = beginPage(web, request);
    const found = await find(request.params[0]!);
    if (isAppError(found)) return errorPage(page, found, [...cookies, ...PRIVATE]);
    const q = request.query;
    const news = q.get("new") === "1" ? "booked" : q.get("rescheduled") === "1" ? "rescheduled" : q.get("cancelled") === "1" ? "cancelled" : undefined;
    // The confirmation of an embedded booking shows in its frame; moving or cancelling opens outside it.
    const embed = q.get("embed") === "1";
    const reply = html(200, detailsPage(page, request, found, news, undefined, embed), [...cookies, ...PRIVATE]);
    return embed ? framable(reply) : reply;
  };

  /** The booking as an iCalendar file: a stable UID, and SEQUENCE counting its changes. */
  const ics = async (request: Request): Promise<Reply> => {
    const { page, cookies } = beginPage(web, request);
    const found = await find(request.params[0]!);
    if (isAppError(found)) return errorPage(page, found, [...cookies, ...PRIVATE]);
    const { booking, snapshot, eventType } = found;
    const body = icsOf({
      uid: `${booking.id}@${new URL(web.config.publicUrl).hostname}`,
      sequence: booking.version - 1,
      start: booking.start,
      end: booking.end,
      stamp: web.now(),
      summary: `${eventType.title} with ${snapshot.host.name}`,
      description: `${eventType.description}${eventType.description === "" ? "" : "\n\n"}Manage or cancel: ${manageUrl(booking.manageToken)}`,
      location: eventType.location,
      url: manageUrl(booking.manageToken),
      organizer: { name: snapshot.host.name, email: snapshot.host.email },
      attendee: { name: booking.invitee.name, email: booking.invitee.email },
      cancelled: booking.status === "cancelled" || booking.status === "declined",
      // A cancelled meeting's file removes the entry it once added (same UID, higher SEQUENCE), per RFC 5546.
      method: booking.status === "cancelled" || booking.status === "declined" ? "CANCEL" : "PUBLISH",
    });
    return {
      status: 200,
      headers: [
        ["Content-Type", "text/calendar; charset=utf-8"],
        ["Content-Disposition", 'attachment; filename="meeting.ics"'],
        ["Cache-Control", "no-store"],
        ...PRIVATE,
      ],
      body,
    };
  };

  /** A form POST on a manage page: the form (CSRF checked) and the booking its token names. */
  const beginManagePost = async (request: Request) => {
    const post = beginFormPost(web, request);
    if (isReply(post)) return post;
    const token = request.params[0]!;
    const found = await find(token);
    if (isAppError(found)) return errorPage(post.page, found, [...post.cookies, ...PRIVATE]);
    return { ...post, token, found, headers: [...post.cookies, ...PRIVATE] };
  };

  const cancel = async (request: Request): Promise<Reply> => {
    const post = await beginManagePost(request);
    if (isReply(post)) return post;
    const { fields, page, headers, token, found } = post;
    const reason = reasonOf(fields);
    if (Either.isLeft(reason)) return html(422, detailsPage(page, request, found, undefined, reason.left), headers);
    const cancelled = await context.cancel({ booking: found.booking, by: "invitee" }, reason.right);
    if (isAppError(cancelled)) {
      const latest = await find(token);
      const shown = isAppError(latest) ? found : latest;
      return html(problemOf(cancelled).status, detailsPage(page, request, shown, undefined, problemOf(cancelled).detail), headers);
    }
    return redirect(`/booking/${token}?cancelled=1`, headers);
  };

  /** The calendar to pick a new time, in the zone the invitee booked in unless they choose another. */
  const rescheduleView = (page: PageContext, request: Request, found: Found, viewer: Viewer, notice?: string) => {
    const token = found.booking.manageToken;
    const base = `/booking/${token}/reschedule`;
    const now = web.now();
    const panel = panelData(request, found.snapshot, found.eventType, viewer, base, now);
    return ReschedulePage({
      page,
      host: found.snapshot.host,
      eventType: found.eventType,
      booking: found.booking,
      manageUrl: `/booking/${token}`,
      viewer,
      calendar: panel.calendar,
      daySlots: renderDaySlots(found.snapshot, found.eventType, viewer, panel.dayDates, now, panel.dayHref, panel.hrefKey).html,
      slotAction: `${base}/review`,
      selfUrl: panel.selfUrl,
      notice,
      zones: zonePickerGroups(Math.max(now, (panel.calendar.selected ?? panel.calendar.month) * DAY_MS + 12 * HOUR_MS), viewer.zone),
      keep: panel.keep,
      clockUrls: {
        "12h": panel.urlOf({ clock: "12h", month: panel.calendar.month, date: panel.calendar.selected }),
        "24h": panel.urlOf({ clock: "24h", month: panel.calendar.month, date: panel.calendar.selected }),
      },
    }) as string;
  };

  /** The zone of a manage page: asked for in the URL, else the one the invitee booked in (not the browser's). */
  const inviteeViewer = (request: Request, found: Found) => {
    const { viewer, notice } = viewerOf(request, undefined, found.booking.invitee.timeZone);
    return { viewer: { ...viewer, zoneIsHosts: false }, notice };
  };

  const canMove = (found: Found) => (found.booking.status === "confirmed" || found.booking.status === "pending") && found.booking.end > web.now();

  const reschedulePage = async (request: Request): Promise<Reply> => {
    const { page, cookies } = beginPage(web, request);
    const found = await find(request.params[0]!);
    if (isAppError(found)) return errorPage(page, found, [...cookies, ...PRIVATE]);
    if (!canMove(found)) return redirect(`/booking/${found.booking.manageToken}`, cookies);
    const { viewer, notice } = inviteeViewer(request, found);
    return html(200, rescheduleView(page, request, found, viewer, notice), [...cookies, ...PRIVATE]);
  };

  /** A time was picked: the move side by side with a field for why, confirmed by one more tap (nothing changes yet). */
  const rescheduleReview = async (request: Request): Promise<Reply> => {
    const post = await beginManagePost(request);
    if (isReply(post)) return post;
    const { fields, page, headers, found } = post;
    if (!canMove(found)) return redirect(`/booking/${found.booking.manageToken}`, headers);
    const viewer = postedViewer(request, fields, found.booking.invitee.timeZone);
    const start = parseInstant(String(fields["start"] ?? ""));
    if (start === undefined) return html(422, rescheduleView(page, request, found, viewer, "Please choose a time."), headers);
    const back = pageUrl(`/booking/${found.booking.manageToken}/reschedule`, { tz: viewer.zone, date: zoneTable(viewer.zone).localDateOf(start) });
    return html(200, RescheduleReviewPage({ page, host: found.snapshot.host, eventType: found.eventType, booking: found.booking, viewer, start, back }) as string, headers);
  };

  const reschedule = async (request: Request): Promise<Reply> => {
    const post = await beginManagePost(request);
    if (isReply(post)) return post;
    const { fields, page, headers, token, found } = post;
    const viewer = postedViewer(request, fields, found.booking.invitee.timeZone);
    const start = parseInstant(String(fields["start"] ?? ""));
    if (start === undefined) return html(422, rescheduleView(page, request, found, viewer, "Please choose a time."), headers);
    const reason = reasonOf(fields);
    if (Either.isLeft(reason)) return html(422, rescheduleView(page, request, found, viewer, reason.left), headers);
    const moved = await context.reschedule({ booking: found.booking, by: "invitee" }, start, reason.right);
    if (!isAppError(moved)) return redirect(`/booking/${token}?rescheduled=1`, headers);
    const problem = problemOf(moved);
    if (moved._tag === "BookingNotActive" || moved._tag === "NotFound") {
      return html(problem.status, detailsPage(page, request, found, undefined, problem.detail), headers);
    }
    const latest = await find(token);
    return html(problem.status, rescheduleView(page, request, isAppError(latest) ? found : latest, viewer, problem.detail), headers);
  };

  return { details, ics, cancel, reschedulePage, rescheduleReview, reschedule };
};
