import { Effect, Either, Schema } from "effect";
import { reasonOf } from "../forms.ts";
import { Cancel } from "../../actors/protocol.ts";
import { NotFound } from "../../domain/errors.ts";
import { BookingId, type HostId } from "../../domain/model.ts";
import { BookingRepository } from "../../persistence/BookingRepository.ts";
import { HostSessionRepository, SESSION_DAYS } from "../../persistence/HostSessionRepository.ts";
import { ErrorPage } from "../../views/ErrorPage.tsx";
import { HostDashboard, SignedOutPage, SignInPage } from "../../views/HostPages.tsx";
import type { PageContext } from "../../views/Layout.tsx";
import { clockOf } from "../eventView.ts";
import { isReply, type Reply, type Request } from "../exchange.ts";
import { isAppError, problemOf, type AppError } from "../problems.ts";
import { hostSessionCookie, hostSessionOf } from "../session.ts";
import { askHost, html, redirect, runOrFail, type Web } from "../web.ts";
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

/** Hosts sign in with a single-use link, then see and cancel their upcoming meetings. */
export const hostPageRoutes = (web: Web) => {
  const secure = web.config.publicUrl.startsWith("https:");
  const sessions = <A, E>(f: (repo: HostSessionRepository) => Effect.Effect<A, E>) => runOrFail(web, Effect.flatMap(HostSessionRepository, f));

  /** The host whose session the request carries, if it is current. */
  const signedInHost = async (request: Request): Promise<HostId | undefined | AppError> => {
    const token = hostSessionOf(request);
    return token === undefined ? undefined : sessions((r) => r.hostOfSession(token, web.now()));
  };

  const signInPage = async (request: Request): Promise<Reply> => {
    const { page, cookies } = beginPage(web, request);
    const hostId = await sessions((r) => r.hostOfSignInLink(request.params[0]!, web.now()));
    if (isAppError(hostId)) return errorPage(page, hostId, cookies);
    if (hostId === undefined) return linkGone(page, cookies);
    const snapshot = await runOrFail(web, web.actors.snapshot(hostId));
    if (isAppError(snapshot)) return errorPage(page, snapshot, cookies);
    return html(200, SignInPage({ page, host: snapshot.host }) as string, [...cookies, ...PRIVATE]);
  };

  const signIn = async (request: Request): Promise<Reply> => {
    const post = beginFormPost(web, request);
    if (isReply(post)) return post;
    const { page, cookies } = post;
    const redeemed = await sessions((r) => r.redeemSignInLink(request.params[0]!, web.now()));
    if (isAppError(redeemed)) return errorPage(page, redeemed, cookies);
    if (redeemed === undefined) return linkGone(page, cookies);
    return redirect("/host", [...cookies, ["Set-Cookie", hostSessionCookie(redeemed.session, SESSION_DAYS * 86_400, secure)]]);
  };

  const dashboardPage = async (request: Request, page: PageContext, hostId: HostId, notice?: { text: string; error: boolean }, status = 200) => {
    const snapshot = await runOrFail(web, web.actors.snapshot(hostId));
    if (isAppError(snapshot)) return errorPage(page, snapshot);
    const now = web.now();
    return html(
      status,
      HostDashboard({
        page,
        host: snapshot.host,
        eventTypes: snapshot.eventTypes,
        upcoming: snapshot.bookings.filter((b) => b.end > now),
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
    const cancelled = request.query.get("cancelled") === "1";
    const reply = await dashboardPage(request, page, hostId, cancelled ? { text: "The meeting is cancelled.", error: false } : undefined);
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
    const id = request.params[0]!;
    const booking = Schema.is(BookingId)(id) ? await runOrFail(web, Effect.flatMap(BookingRepository, (repo) => repo.findById(id))) : undefined;
    if (isAppError(booking)) return errorPage(page, booking, cookies);
    if (booking === undefined || booking.hostId !== hostId) return errorPage(page, new NotFound({ what: "booking" }), cookies);
    const reason = reasonOf(fields);
    if (Either.isLeft(reason)) return dashboardPage(request, page, hostId, { text: reason.left, error: true }, 422);
    const cancelled = await askHost(web, hostId, new Cancel({ bookingId: booking.id, by: "host", reason: reason.right }, true));
    if (isAppError(cancelled)) {
      const problem = problemOf(cancelled);
      return dashboardPage(request, page, hostId, { text: problem.detail, error: true }, problem.status);
    }
    return redirect("/host?cancelled=1", cookies);
  };

  const signOut = async (request: Request): Promise<Reply> => {
    const post = beginFormPost(web, request);
    if (isReply(post)) return post;
    const token = hostSessionOf(request);
    if (token !== undefined) {
      const ended = await sessions((r) => r.endSession(token, web.now()));
      if (isAppError(ended)) return errorPage(post.page, ended, post.cookies);
    }
    return redirect("/host?signed-out=1", [...post.cookies, ["Set-Cookie", hostSessionCookie(undefined, 0, secure)]]);
  };

  return { signInPage, signIn, dashboard, cancel, signOut };
};
