import { createHmac, randomBytes } from "node:crypto";
import { sameSecret } from "../booking/BookingContext.ts";
import type { Request } from "./exchange.ts";

const VISITOR_COOKIE = "rv_visitor";
const ZONE_COOKIE = "rv_tz";

/**
 * The cookies of a `Cookie` header. When a name repeats, the first one counts (browsers send
 * the most specific path first); every reader, the read cache's key included, uses this.
 */
export const parseCookies = (header: string | undefined): Map<string, string> => {
  const jar = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (jar.has(name)) continue;
    try {
      jar.set(name, decodeURIComponent(part.slice(eq + 1).trim()));
    } catch {
      // a malformed cookie is ignored, not fatal
    }
  }
  return jar;
};

export const cookiesOf = (request: Request): Map<string, string> => parseCookies(request.headers.get("cookie"));

/** The browser's zone as its script reported it in a cookie, from the raw header (reads need nothing else of the visitor). */
export const browserZoneIn = (cookieHeader: string | undefined): string | undefined =>
  cookieHeader === undefined || !cookieHeader.includes(`${ZONE_COOKIE}=`) ? undefined : parseCookies(cookieHeader).get(ZONE_COOKIE);

export const browserZoneOf = (request: Request): string | undefined => browserZoneIn(request.headers.get("cookie"));

const LANGUAGE_COOKIE = "rv_lang";

/** The page language the visitor chose (its cookie), from the raw header. */
export const chosenLanguageIn = (cookieHeader: string | undefined): string | undefined =>
  cookieHeader === undefined || !cookieHeader.includes(`${LANGUAGE_COOKIE}=`) ? undefined : parseCookies(cookieHeader).get(LANGUAGE_COOKIE);

/** Keeps a language chosen on a page for the pages after it. */
export const languageCookie = (locale: string, secure: boolean) => `${LANGUAGE_COOKIE}=${locale}; Path=/; SameSite=Lax; Max-Age=31536000${secure ? "; Secure" : ""}`;

/**
 * Whether an `Origin` header names another site than ours: not our public origin and not the
 * host the request was sent to. `null` (sandboxed frames, some redirects) and text that is no
 * URL count as another site.
 */
export const isForeignOrigin = (origin: string, host: string | undefined, ourOrigin: string): boolean => {
  if (origin === ourOrigin) return false;
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
};

/** An anonymous visitor: who owns a hold, and what a CSRF token is bound to. */
export interface Visitor {
  readonly id: string;
  /** Set when the visitor had no cookie: the reply sets it (a browser blocking cookies drops it). */
  readonly setCookie: string | undefined;
  /** Made for this request, so no token of an earlier page can be theirs. */
  readonly fresh: boolean;
  /** The browser's zone, as its script reported it. */
  readonly zone: string | undefined;
}

const VISITOR_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * The visitor of a request: their cookie, else the id a form of ours carried (`_v`, for a
 * page in a frame on another site, where our cookies are not sent), else a new one. A carried
 * id is taken only from a request our own origin sent (its Origin says so), so another site
 * cannot pair an id with its token.
 */
export const visitorOf = (request: Request, secure: boolean, carried?: string): Visitor => {
  const jar = cookiesOf(request);
  const existing = jar.get(VISITOR_COOKIE);
  const zone = jar.get(ZONE_COOKIE);
  if (existing !== undefined && VISITOR_ID.test(existing)) return { id: existing, setCookie: undefined, fresh: false, zone };
  const known = carried !== undefined && VISITOR_ID.test(carried);
  const id = known ? carried : randomBytes(16).toString("base64url");
  const cookie = `${VISITOR_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000${secure ? "; Secure" : ""}`;
  return { id, setCookie: cookie, fresh: !known, zone };
};

/**
 * The session token an API sign-in with an Idempotency-Key gets: the same for a retry of the
 * same request, unguessable without the server's secret, so it need not be stored.
 */
export const retrySessionTokenOf = (secret: string, signInToken: string, idempotencyKey: string) =>
  createHmac("sha256", secret).update(`api-session:${signInToken}\n${idempotencyKey}`).digest("base64url");

/** Bound to the visitor (their cookie, or the id our own form carried), so a page from another site cannot forge it. */
export const csrfTokenOf = (secret: string, visitorId: string) =>
  createHmac("sha256", secret).update(`csrf:${visitorId}`).digest("base64url");



/**
 * An unsafe request must come from our own pages: the browser must not call it cross-site,
 * the Origin (when sent) must be ours, and the form must carry the visitor's token.
 */
export const csrfProblem = (
  request: Request,
  visitor: Visitor,
  token: string | null,
  /** The visitor's own token (`csrfTokenOf`), made once per request for the page and this check. */
  expected: string,
  publicUrl: string,
): string | undefined => {
  if (request.headers.get("sec-fetch-site") === "cross-site") return "This form was sent from another site.";
  const origin = request.headers.get("origin");
  // "null" carries no site to check; the token below still has to match.
  if (origin !== undefined && origin !== "null" && isForeignOrigin(origin, request.headers.get("host"), new URL(publicUrl).origin)) {
    return "This form was sent from another site.";
  }
  if (visitor.fresh || token === null || !sameSecret(token, expected)) {
    return "Your session expired or cookies are blocked. Please reload the page and try again.";
  }
  return undefined;
};

export const HOST_COOKIE = "rv_host";

/** A host's session token, sent only to the host's own pages. */
export const hostSessionOf = (request: Request): string | undefined => cookiesOf(request).get(HOST_COOKIE);

/** Sets the host's session cookie, or clears it when there is no session. */
export const hostSessionCookie = (token: string | undefined, maxAgeSeconds: number, secure: boolean) =>
  `${HOST_COOKIE}=${token ?? ""}; Path=/host; HttpOnly; SameSite=Lax; Max-Age=${token === undefined ? 0 : maxAgeSeconds}${secure ? "; Secure" : ""}`;

/** A short name for where a session was started ("Firefox on Linux"), from its User-Agent. */
export const deviceOf = (userAgent: string | undefined): string => {
  const ua = userAgent ?? "";
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrom(e|ium)\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : undefined;
  const system = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows" : /Mac OS X/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : undefined;
  if (browser !== undefined) return system === undefined ? browser : `${browser} on ${system}`;
  const text = ua.replace(/[^\x20-\x7e]/g, "").trim().slice(0, 60);
  return text === "" ? "Unknown device" : text;
};
