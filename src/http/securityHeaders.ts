import { ZONE_GUESS_SOURCE } from "../views/ZoneGuess.tsx";
import type { Reply } from "./exchange.ts";

/**
 * Pages load one script and one stylesheet from our own origin, and one inline script known
 * by its hash (the first visit's zone guess), so the policy can forbid any other inline
 * script, eval and every other origin; no page may be framed.
 */
const policy = (frameAncestors: string) =>
  [
    "default-src 'self'",
    `script-src 'self' ${ZONE_GUESS_SOURCE}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors}`,
    "base-uri 'none'",
    "object-src 'none'",
  ].join("; ");

const PAGE_POLICY = policy("'none'");
/** The booking pages of an embed (`?embed=1`) may sit in a frame on any site; no other page may. */
const EMBED_POLICY = policy("*");

/** A page of the embedded booking flow: framable anywhere (the rest keep `frame-ancestors 'none'`). */
export const framable = (reply: Reply): Reply => ({ ...reply, headers: [...reply.headers, ["Content-Security-Policy", EMBED_POLICY]] });

const NOSNIFF = ["X-Content-Type-Options", "nosniff"] as const;

const PAGE_HEADERS = [NOSNIFF, ["X-Frame-Options", "DENY"], ["Content-Security-Policy", PAGE_POLICY]] as const;
const REFERRER = ["Referrer-Policy", "strict-origin-when-cross-origin"] as const;

/**
 * Everything that is not a page (JSON, calendars, assets) runs nothing and is framed nowhere.
 * It makes no requests either, so a referrer policy would say nothing: two headers suffice,
 * which matters on the booking hot path (every header is bytes every client parses).
 */
const OTHER_HEADERS = [NOSNIFF, ["Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"]] as const;

const isHtml = (reply: Reply) => reply.headers.some(([k, v]) => k === "Content-Type" && v.startsWith("text/html"));

/**
 * The security headers of a reply. A page that set its own Referrer-Policy (pages whose URL
 * holds a token send `no-referrer`) keeps it.
 */
export const withSecurityHeaders = (reply: Reply): Reply => {
  if (!isHtml(reply)) return { ...reply, headers: [...reply.headers, ...OTHER_HEADERS] };
  const own = (name: string) => reply.headers.some(([k]) => k === name);
  const embedded = reply.headers.some(([k, v]) => k === "Content-Security-Policy" && v === EMBED_POLICY);
  // A page with a policy of its own (a kept mail's HTML, sandboxed; an embed) keeps it: two policies would both apply.
  const page = own("Content-Security-Policy")
    ? PAGE_HEADERS.filter(([k]) => k !== "Content-Security-Policy" && !(embedded && k === "X-Frame-Options"))
    : PAGE_HEADERS;
  return { ...reply, headers: own("Referrer-Policy") ? [...reply.headers, ...page] : [...reply.headers, ...page, REFERRER] };
};
