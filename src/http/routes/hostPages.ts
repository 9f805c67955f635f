import { Either, Schema } from "effect";
import { asBooked, BookingId } from "../../domain/model.ts";
import { negotiateLocale } from "../../i18n/i18n.ts";
import { NotFound } from "../../domain/errors.ts";
import { addDays, parseInstant, parseLocalDate } from "../../domain/time.ts";
import { zoneTable } from "../../domain/zone.ts";
import { reasonOf } from "../forms.ts";
import { ErrorPage } from "../../views/ErrorPage.tsx";
import { HostDashboard, HostReschedulePage, SignedOutPage, SignInPage } from "../../views/HostPages.tsx";
import { parseEmail, valuesOf } from "../hostForms.ts";
import { WEBHOOK_EVENTS } from "../../domain/model.ts";
import type { PageContext } from "../../views/Layout.tsx";
import type { Notice } from "../../views/HostSetupPages.tsx";
import { isReply, type Reply, type Request } from "../exchange.ts";
import { isAppError, problemOf } from "../problems.ts";
import { deviceOf, hostSessionCookie, hostSessionOf } from "../session.ts";
import { html, redirect, type Web } from "../web.ts";
import { beginFormPost, beginPage, errorPage, PRIVATE } from "./pageSupport.ts";
import { hostGet, hostPost, type SignedIn } from "./hostSupport.ts";

/** A sign-in link that no longer (or never did) sign anyone in. */
const linkGone = (page: PageContext, cookies: ReadonlyArray<readonly [string, string]>): Reply =>
  html(
    410,
    ErrorPage({
      page,
      title: "This sign-in link does not work",
      message: "It was used already, is older than 15 minutes, or was never made. Ask for a new one.",
      back: { href: "/host", label: "Your bookings" },
    }) as string,
    [...cookies, ...PRIVATE],
  );

/** What a redirect back to the dashboard says happened (`/host?cancelled=1`). */
const DONE: Record<string, string> = {
  cancelled: "The meeting is cancelled.",
  rescheduled: "The meeting has its new time; the invitee is told.",
  accepted: "The meeting is confirmed; the invitee gets the invitation.",
  declined: "The request is declined and its time is free again; the invitee is told.",
  retried: "It is queued to be sent again.",
  "webhook-added": "The webhook is added.",
  "webhook-removed": "The webhook is removed.",
};

/** Days of free times the host's reschedule page lists at once. */
const RESCHEDULE_DAYS = 14;

/** Hosts sign in with a single-use link, then see and cancel their upcoming meetings. */
export const hostPageRoutes = (web: Web) => {
  const secure = web.config.publicUrl.startsWith("https:");
  const { booking: context } = web;
  const { clockOf } = web.views;

  const signInPage = async (request: Request): Promise<Reply> => {
    const { page, cookies } = beginPage(web, request);
    const snapshot = await context.signInLinkHost(request.params[0]!);
    if (isAppError(snapshot)) return errorPage(page, snapshot, cookies);
    if (snapshot === undefined) return linkGone(page, cookies);
    return html(200, SignInPage({ page, host: snapshot.host }) as string, [...cookies, ...PRIVATE]);
  };

  const signIn = async (request: Request): Promise<Reply> => {
    const post = beginFormPost(web, request);
    if (isReply(post)) return post;
    const { page, cookies } = post;
    const redeemed = await context.signIn(request.params[0]!, deviceOf(request.headers.get("user-agent")));
    if (isAppError(redeemed)) return errorPage(page, redeemed, cookies);
    if (redeemed === undefined) return linkGone(page, cookies);
    return redirect("/host", [...cookies, ["Set-Cookie", hostSessionCookie(redeemed.session, Math.floor((redeemed.expiresAt - web.now()) / 1000), secure)]]);
  };

  const dashboardPage = async (request: Request, host: SignedIn, notice?: Notice, status = 200) => {
    const [undelivered, webhooks] = await Promise.all([context.undeliveredNotices(host.hostId), context.listWebhooks(host.hostId)]);
    if (isAppError(undelivered)) return errorPage(host.view.page, undelivered);
    if (isAppError(webhooks)) return errorPage(host.view.page, webhooks);
    const now = web.now();
    return html(
      status,
      HostDashboard({
        ...host.view,
        eventTypes: host.snapshot.eventTypes,
        upcoming: host.snapshot.bookings.filter((b) => b.end > now),
        undelivered,
        webhooks,
        clock: clockOf(request),
        notice,
      }) as string,
      [...host.cookies, ...PRIVATE],
    );
  };

  const dashboard = async (request: Request): Promise<Reply> => {
    const host = await hostGet(web, request, request.query.get("signed-out") === "1" ? "signed-out" : "no-session");
    if (isReply(host)) return host;
    const done = DONE[[...request.query.keys()].find((k) => k in DONE) ?? ""];
    return dashboardPage(request, host, done === undefined ? undefined : { text: done, error: false });
  };

  /** A host's post about one of their own meetings; anyone else's booking id is a 404. */
  const hostBookingPost = async (request: Request) => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const acting = await context.hostsBooking(host.hostId, request.params[0]!);
    return isAppError(acting) ? errorPage(host.view.page, acting, host.cookies) : { host, acting };
  };

  /** A host cancels one of their own meetings. */
  const cancel = async (request: Request): Promise<Reply> => {
    const post = await hostBookingPost(request);
    if (isReply(post)) return post;
    const reason = reasonOf(post.host.fields);
    if (Either.isLeft(reason)) return dashboardPage(request, post.host, { text: reason.left, error: true }, 422);
    const cancelled = await context.cancel(post.acting, reason.right);
    if (isAppError(cancelled)) {
      const problem = problemOf(cancelled);
      return dashboardPage(request, post.host, { text: problem.detail, error: true }, problem.status);
    }
    return redirect("/host?cancelled=1", post.host.cookies);
  };

  /** The host accepts (`/host/bookings/:id/accept`) or declines (`…/decline`, with a reason) a pending booking. */
  const answerRequest = (verdict: "accept" | "decline") => async (request: Request): Promise<Reply> => {
    const post = await hostBookingPost(request);
    if (isReply(post)) return post;
    const reason = reasonOf(post.host.fields);
    if (Either.isLeft(reason)) return dashboardPage(request, post.host, { text: reason.left, error: true }, 422);
    const answered = verdict === "accept" ? await context.accept(post.acting) : await context.decline(post.acting, reason.right);
    if (isAppError(answered)) {
      const problem = problemOf(answered);
      return dashboardPage(request, post.host, { text: problem.detail, error: true }, problem.status);
    }
    return redirect(`/host?${verdict === "accept" ? "accepted" : "declined"}=1`, post.host.cookies);
  };

  /** Free times for one of the host's meetings, in the host's zone, a fortnight from `?from=`. */
  const reschedulePage = async (request: Request, notice?: Notice, status = 200): Promise<Reply> => {
    const host = await hostGet(web, request);
    if (isReply(host)) return host;
    const id = request.params[0]!;
    const booking = Schema.is(BookingId)(id) ? host.snapshot.bookingById(id) : undefined;
    const listed = booking === undefined ? undefined : host.snapshot.eventTypes.get(booking.eventTypeId);
    const eventType = listed === undefined || booking === undefined ? undefined : asBooked(listed, booking);
    const now = web.now();
    if (booking === undefined || eventType === undefined || booking.end <= now) return errorPage(host.view.page, new NotFound({ what: "booking" }), host.cookies);
    const table = zoneTable(host.snapshot.host.timeZone);
    const today = table.localDateOf(now);
    const from = Math.max(parseLocalDate(request.query.get("from") ?? "") ?? today, today);
    const to = addDays(from as typeof today, RESCHEDULE_DAYS);
    const slots = host.snapshot.slots(eventType, table.startOfDay(from as typeof today), table.startOfDay(to), now);
    return html(
      status,
      HostReschedulePage({ ...host.view, booking, eventType, slots, from: from as typeof today, today, days: RESCHEDULE_DAYS, clock: clockOf(request), notice }) as string,
      [...host.cookies, ...PRIVATE],
    );
  };

  /** Moves one of the host's meetings; the old time is freed in the same step. */
  const reschedule = async (request: Request): Promise<Reply> => {
    const post = await hostBookingPost(request);
    if (isReply(post)) return post;
    const start = parseInstant(typeof post.host.fields["start"] === "string" ? post.host.fields["start"] : "");
    if (start === undefined) return reschedulePage(request, { text: "Choose one of the free times.", error: true }, 422);
    const moved = await context.reschedule(post.acting, start);
    if (isAppError(moved)) return reschedulePage(request, { text: problemOf(moved).detail, error: true }, problemOf(moved).status);
    return redirect(`/host?rescheduled=1#meeting-${moved.id}`, post.host.cookies);
  };

  /** A host sends one of their undelivered mails again (after fixing the address or the server). */
  const retryNotice = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const retried = await context.retryNotice(host.hostId, request.params[0]!);
    if (isAppError(retried)) return errorPage(host.view.page, retried, host.cookies);
    return redirect("/host?retried=1", host.cookies);
  };

  const addWebhook = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const url = typeof host.fields["url"] === "string" ? host.fields["url"].trim() : "";
    const events = WEBHOOK_EVENTS.filter((e) => host.fields[`event.${e}`] === "on");
    const added = await context.addWebhook(host.hostId, url, events);
    if (isAppError(added)) {
      const problem = problemOf(added);
      return dashboardPage(request, host, { text: problem.detail, error: true }, problem.status);
    }
    return redirect("/host?webhook-added=1", host.cookies);
  };

  const removeWebhook = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const removed = await context.removeWebhook(host.hostId, request.params[0]!);
    if (isAppError(removed)) return errorPage(host.view.page, removed, host.cookies);
    return redirect("/host?webhook-removed=1", host.cookies);
  };

  /** Sends a signed ping now and shows how the receiver answered. */
  const testWebhook = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const tested = await context.testWebhook(host.hostId, request.params[0]!);
    if (isAppError(tested)) return errorPage(host.view.page, tested, host.cookies);
    const text = tested.delivered ? "The test call was delivered." : `The test call failed: ${tested.detail}`;
    return dashboardPage(request, host, { text, error: !tested.delivered });
  };

  /** Mails a sign-in link to the hosts with this address; the answer is the same whether there are any. */
  const emailSignInLink = async (request: Request): Promise<Reply> => {
    const post = beginFormPost(web, request);
    if (isReply(post)) return post;
    const email = parseEmail(post.fields);
    const signupOpen = context.signupOpen;
    if ("errors" in email) {
      return html(422, SignedOutPage({ page: post.page, status: "no-session", signupOpen, values: valuesOf(post.fields), errors: email.errors }) as string, [
        ...post.cookies,
        ...PRIVATE,
      ]);
    }
    context.emailSignInLink(email.value);
    return html(200, SignedOutPage({ page: post.page, status: "link-sent", signupOpen }) as string, [...post.cookies, ...PRIVATE]);
  };

  /** SIGNUP=open: mails a link that creates an account (or signs in one that exists); a 404 otherwise. */
  const signUp = async (request: Request): Promise<Reply> => {
    const post = beginFormPost(web, request);
    if (isReply(post)) return post;
    const signupOpen = context.signupOpen;
    if (!signupOpen) return errorPage(post.page, new NotFound({ what: "page" }), post.cookies);
    const email = parseEmail(post.fields);
    if ("errors" in email) {
      return html(422, SignedOutPage({ page: post.page, status: "no-session", signupOpen, errors: email.errors }) as string, [...post.cookies, ...PRIVATE]);
    }
    const asked = context.requestSignUp(email.value, negotiateLocale(request.headers.get("accept-language")));
    if (isAppError(asked)) return errorPage(post.page, asked, post.cookies);
    return html(200, SignedOutPage({ page: post.page, status: "sign-up-sent", signupOpen }) as string, [...post.cookies, ...PRIVATE]);
  };

  const signOut = async (request: Request): Promise<Reply> => {
    const post = beginFormPost(web, request);
    if (isReply(post)) return post;
    const ended = await context.signOut(hostSessionOf(request));
    if (isAppError(ended)) return errorPage(post.page, ended, post.cookies);
    return redirect("/host?signed-out=1", [...post.cookies, ["Set-Cookie", hostSessionCookie(undefined, 0, secure)]]);
  };

  return { signInPage, signIn, emailSignInLink, signUp, dashboard, cancel, accept: answerRequest("accept"), decline: answerRequest("decline"), reschedulePage: (r: Request) => reschedulePage(r), reschedule, retryNotice, addWebhook, removeWebhook, testWebhook, signOut };
};
