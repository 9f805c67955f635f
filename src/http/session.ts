import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Request } from "./exchange.ts";

const VISITOR_COOKIE = "rv_visitor";
const ZONE_COOKIE = "rv_tz";

export const cookiesOf = (request: Request): Map<string, string> => {
  const jar = new Map<string, string>();
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    try {
      jar.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
    } catch {
      // a malformed cookie is ignored, not fatal
    }
  }
  return jar;
};

/** The browser's zone, as its script reported it in a cookie (reads need nothing else of the visitor). */
export const browserZoneOf = (request: Request): string | undefined => {
  const header = request.headers.get("cookie");
  if (header === undefined || !header.includes(`${ZONE_COOKIE}=`)) return undefined;
  return cookiesOf(request).get(ZONE_COOKIE);
};

/** An anonymous visitor: who owns a hold, and what a CSRF token is bound to. */
export interface Visitor {
  readonly id: string;
  /** Set when the id was made for this request: the reply must set the cookie. */
  readonly setCookie: string | undefined;
  /** The browser's zone, as its script reported it. */
  readonly zone: string | undefined;
}

const VISITOR_ID = /^[A-Za-z0-9_-]{22}$/;

export const visitorOf = (request: Request, secure: boolean): Visitor => {
  const jar = cookiesOf(request);
  const existing = jar.get(VISITOR_COOKIE);
  const zone = jar.get(ZONE_COOKIE);
  if (existing !== undefined && VISITOR_ID.test(existing)) return { id: existing, setCookie: undefined, zone };
  const id = randomBytes(16).toString("base64url");
  const cookie = `${VISITOR_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000${secure ? "; Secure" : ""}`;
  return { id, setCookie: cookie, zone };
};

/** Bound to the visitor cookie, so a page from another site cannot forge it (SameSite=Lax helps too). */
export const csrfTokenOf = (secret: string, visitorId: string) =>
  createHmac("sha256", secret).update(`csrf:${visitorId}`).digest("base64url");

/** Compares secrets in time that does not depend on where they differ. */
export const sameToken = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * An unsafe request must come from our own pages: the browser must not call it cross-site,
 * the Origin (when sent) must be ours, and the form must carry the visitor's token.
 */
export const csrfProblem = (
  request: Request,
  visitor: Visitor,
  token: string | null,
  secret: string,
  publicUrl: string,
): string | undefined => {
  if (request.headers.get("sec-fetch-site") === "cross-site") return "This form was sent from another site.";
  const origin = request.headers.get("origin");
  if (origin !== undefined && origin !== "null") {
    const host = request.headers.get("host");
    const ours = new URL(publicUrl).origin;
    if (origin !== ours && (host === undefined || new URL(origin).host !== host)) return "This form was sent from another site.";
  }
  if (visitor.setCookie !== undefined || token === null || !sameToken(token, csrfTokenOf(secret, visitor.id))) {
    return "Your session expired or cookies are blocked. Please reload the page and try again.";
  }
  return undefined;
};

const HOST_COOKIE = "rv_host";

/** A host's session token, sent only to the host's own pages. */
export const hostSessionOf = (request: Request): string | undefined => cookiesOf(request).get(HOST_COOKIE);

/** Sets the host's session cookie, or clears it when there is no session. */
export const hostSessionCookie = (token: string | undefined, maxAgeSeconds: number, secure: boolean) =>
  `${HOST_COOKIE}=${token ?? ""}; Path=/host; HttpOnly; SameSite=Lax; Max-Age=${token === undefined ? 0 : maxAgeSeconds}${secure ? "; Secure" : ""}`;
