import { Either } from "effect";
import type { HostId } from "../../domain/model.ts";
import { reasonOf } from "../forms.ts";
import { ErrorPage } from "../../views/ErrorPage.tsx";
import { HostDashboard, SignedOutPage, SignInPage } from "../../views/HostPages.tsx";
import { WEBHOOK_EVENTS } from "../../domain/model.ts";
import type { PageContext } from "../../views/Layout.tsx";
import { isReply, type Reply, type Request } from "../exchange.ts";
import { isAppError, problemOf, type AppError } from "../problems.ts";
import { hostSessionCookie, hostSessionOf } from "../session.ts";
import { html, redirect, type Web } from "../web.ts";
import { beginFormPost, beginPage, errorPage, PRIVATE } from "./pageSupport.ts";

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
  retried: "It is queued to be sent again.",
  "webhook-added": "The webhook is added.",
  "webhook-removed": "The webhook is removed.",
};

/** Hosts sign in with a single-use link, then see and cancel their upcoming meetings. */
export const hostPageRoutes = (web: Web) => {
  const secure = web.config.publicUrl.startsWith("https:");
  const { booking: context } = web;
  const { clockOf } = web.views;

  /** The host whose session the request carries, if it is current. */
  const signedInHost = (request: Request): Promise<HostId | undefined | AppError> => context.hostOfSession(hostSessionOf(request));

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
    const redeemed = await context.signIn(request.params[0]!);
    if (isAppError(redeemed)) return errorPage(page, redeemed, cookies);
    if (redeemed === undefined) return linkGone(page, cookies);
    return redirect("/host", [...cookies, ["Set-Cookie", hostSessionCookie(redeemed.session, Math.floor((redeemed.expiresAt - web.now()) / 1000), secure)]]);
  };

  const dashboardPage = async (request: Request, page: PageContext, hostId: HostId, notice?: { text: string; error: boolean }, status = 200) => {
    const [snapshot, undelivered, webhooks] = await Promise.all([
      context.hostSnapshot(hostId),
      context.undeliveredNotices(hostId),
      context.listWebhooks(hostId),
    ]);
    if (isAppError(snapshot)) return errorPage(page, snapshot);
    if (isAppError(undelivered)) return errorPage(page, undelivered);
    if (isAppError(webhooks)) return errorPage(page, webhooks);
    const now = web.now();
    return html(
      status,
      HostDashboard({
        page,
        host: snapshot.host,
        eventTypes: snapshot.eventTypes,
        upcoming: snapshot.bookings.filter((b) => b.end > now),
        undelivered,
        webhooks,
        clock: clockOf(request),
        notice,
      }) as string,
      PRIVATE,
    );
  };

  const signedOut = (page: PageContext, cookies: ReadonlyArray<readonly [string, string]>, status: "signed-out" | "no-session") =>
    html(status === "no-session" ? 401 : 200, SignedOutPage({ page, status }) as string, [...cookies, ...PRIVATE]);

  const dashboard = async (request: Request): Promise<Reply> => {
    const { page, cookies } = beginPage(web, request);
    const hostId = await signedInHost(request);
    if (isAppError(hostId)) return errorPage(page, hostId, cookies);
    if (hostId === undefined) return signedOut(page, cookies, request.query.get("signed-out") === "1" ? "signed-out" : "no-session");
    const done = DONE[[...request.query.keys()].find((k) => k in DONE) ?? ""];
    const reply = await dashboardPage(request, page, hostId, done === undefined ? undefined : { text: done, error: false });
    return { ...reply, headers: [...reply.headers, ...cookies] };
  };

  /** A host cancels one of their own meetings; anyone else's booking id is a 404. */
  const cancel = async (request: Request): Promise<Reply> => {
    const post = beginFormPost(web, request);
    if (isReply(post)) return post;
    const { page, cookies, fields } = post;
    const hostId = await signedInHost(request);
    if (isAppError(hostId)) return errorPage(page, hostId, cookies);
    if (hostId === undefined) return signedOut(page, cookies, "no-session");
    const acting = await context.hostsBooking(hostId, request.params[0]!);
    if (isAppError(acting)) return errorPage(page, acting, cookies);
    const reason = reasonOf(fields);
    if (Either.isLeft(reason)) return dashboardPage(request, page, hostId, { text: reason.left, error: true }, 422);
    const cancelled = await context.cancel(acting, reason.right);
    if (isAppError(cancelled)) {
      const problem = problemOf(cancelled);
      return dashboardPage(request, page, hostId, { text: problem.detail, error: true }, problem.status);
    }
    return redirect("/host?cancelled=1", cookies);
  };

  /** A host sends one of their undelivered mails again (after fixing the address or the server). */
  const retryNotice = async (request: Request): Promise<Reply> => {
    const post = beginFormPost(web, request);
    if (isReply(post)) return post;
    const { page, cookies } = post;
    const hostId = await signedInHost(request);
    if (isAppError(hostId)) return errorPage(page, hostId, cookies);
    if (hostId === undefined) return signedOut(page, cookies, "no-session");
    const retried = await context.retryNotice(hostId, request.params[0]!);
    if (isAppError(retried)) return errorPage(page, retried, cookies);
    return redirect("/host?retried=1", cookies);
  };

  /** A signed-in host's form post: the host, or the reply that ends it (no session, bad token). */
  const hostPost = async (request: Request) => {
    const post = beginFormPost(web, request);
    if (isReply(post)) return post;
    const hostId = await signedInHost(request);
    if (isAppError(hostId)) return errorPage(post.page, hostId, post.cookies);
    if (hostId === undefined) return signedOut(post.page, post.cookies, "no-session");
    return { ...post, hostId };
  };

  const addWebhook = async (request: Request): Promise<Reply> => {
    const post = await hostPost(request);
    if (isReply(post)) return post;
    const { page, cookies, fields, hostId } = post;
    const url = typeof fields["url"] === "string" ? fields["url"].trim() : "";
    const events = WEBHOOK_EVENTS.filter((e) => fields[`event.${e}`] === "on");
    const added = await context.addWebhook(hostId, url, events);
    if (isAppError(added)) {
      const problem = problemOf(added);
      return dashboardPage(request, page, hostId, { text: problem.detail, error: true }, problem.status);
    }
    return redirect("/host?webhook-added=1", cookies);
  };

  const removeWebhook = async (request: Request): Promise<Reply> => {
    const post = await hostPost(request);
    if (isReply(post)) return post;
    const removed = await context.removeWebhook(post.hostId, request.params[0]!);
    if (isAppError(removed)) return errorPage(post.page, removed, post.cookies);
    return redirect("/host?webhook-removed=1", post.cookies);
  };

  /** Sends a signed ping now and shows how the receiver answered. */
  const testWebhook = async (request: Request): Promise<Reply> => {
    const post = await hostPost(request);
    if (isReply(post)) return post;
    const tested = await context.testWebhook(post.hostId, request.params[0]!);
    if (isAppError(tested)) return errorPage(post.page, tested, post.cookies);
    const text = tested.delivered ? "The test call was delivered." : `The test call failed: ${tested.detail}`;
    return dashboardPage(request, post.page, post.hostId, { text, error: !tested.delivered });
  };

  const signOut = async (request: Request): Promise<Reply> => {
    const post = beginFormPost(web, request);
    if (isReply(post)) return post;
    const ended = await context.signOut(hostSessionOf(request));
    if (isAppError(ended)) return errorPage(post.page, ended, post.cookies);
    return redirect("/host?signed-out=1", [...post.cookies, ["Set-Cookie", hostSessionCookie(undefined, 0, secure)]]);
  };

  return { signInPage, signIn, dashboard, cancel, retryNotice, addWebhook, removeWebhook, testWebhook, signOut };
};
