import type { HostSnapshot } from "../../actors/HostSnapshot.ts";
import type { HostId } from "../../domain/model.ts";
import type { Host } from "../../domain/model.ts";
import type { HostRole } from "../../domain/model.ts";
import type { PageContext } from "../../views/Layout.tsx";
import { SignedOutPage } from "../../views/HostPages.tsx";
import { isReply, type Reply, type Request } from "../exchange.ts";
import { isAppError } from "../problems.ts";
import { hostSessionOf } from "../session.ts";
import { html, type Web } from "../web.ts";
import { beginFormPost, beginPage, errorPage, PRIVATE } from "./pageSupport.ts";

/** A request of a signed-in host: who they are, their latest snapshot, and what every host page shows. */
export interface SignedIn {
  readonly hostId: HostId;
  readonly snapshot: HostSnapshot;
  readonly cookies: ReadonlyArray<readonly [string, string]>;
  readonly role: HostRole;
  /** `lead`: whether they run the team (owner or admin). */
  readonly view: { readonly page: PageContext; readonly host: Host; readonly lead: boolean };
  readonly fields: Record<string, unknown>;
}

export const signedOutPage = (web: Web, page: PageContext, cookies: ReadonlyArray<readonly [string, string]>, status: "signed-out" | "no-session") =>
  html(status === "no-session" ? 401 : 200, SignedOutPage({ page, status, signupOpen: web.booking.signupOpen }) as string, [...cookies, ...PRIVATE]);

const signedIn = async (
  web: Web,
  request: Request,
  begun: { page: PageContext; cookies: ReadonlyArray<readonly [string, string]> },
  fields: Record<string, unknown>,
  withoutSession: "signed-out" | "no-session" = "no-session",
) => {
  const { page, cookies } = begun;
  const hostId = await web.booking.hostOfSession(hostSessionOf(request));
  if (isAppError(hostId)) return errorPage(page, hostId, cookies);
  if (hostId === undefined) return signedOutPage(web, page, cookies, withoutSession);
  const [snapshot, role] = await Promise.all([web.booking.hostSnapshot(hostId), web.booking.roleOf(hostId)]);
  if (isAppError(snapshot)) return errorPage(page, snapshot, cookies);
  if (isAppError(role)) return errorPage(page, role, cookies);
  const known = role ?? "host";
  const lead = known === "owner" || known === "admin";
  return { hostId, snapshot, cookies, fields, role: known, view: { page, host: snapshot.host, lead } } satisfies SignedIn;
};

/** A signed-in host's page request, or the reply that ends it (no session: "please sign in", or "you are signed out" after signing out). */
export const hostGet = (web: Web, request: Request, withoutSession: "signed-out" | "no-session" = "no-session"): Promise<SignedIn | Reply> =>
  signedIn(web, request, beginPage(web, request), {}, withoutSession);

/** A signed-in host's form post, or the reply that ends it (no session, a forged or cross-site post). */
export const hostPost = async (web: Web, request: Request): Promise<SignedIn | Reply> => {
  const post = beginFormPost(web, request);
  return isReply(post) ? post : signedIn(web, request, post, post.fields);
};
