import type { Reply } from "./exchange.ts";

/**
 * Pages load one script and one stylesheet from our own origin and nothing inline, so the
 * policy can forbid inline script, eval and every other origin; no page may be framed.
 */
const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join("; ");

/** Everything that is not a page (JSON, calendars, assets) runs nothing and is framed nowhere. */
const OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'";

const isHtml = (reply: Reply) => reply.headers.some(([k, v]) => k === "Content-Type" && v.startsWith("text/html"));

/**
 * The headers every reply carries. A reply that set its own Referrer-Policy (pages whose URL
 * holds a token send `no-referrer`) keeps it.
 */
export const withSecurityHeaders = (reply: Reply): Reply => {
  const headers: [string, string][] = [
    ["X-Content-Type-Options", "nosniff"],
    ["X-Frame-Options", "DENY"],
    ["Content-Security-Policy", isHtml(reply) ? PAGE_POLICY : OTHER_POLICY],
  ];
  if (!reply.headers.some(([k]) => k === "Referrer-Policy")) headers.push(["Referrer-Policy", "strict-origin-when-cross-origin"]);
  return { ...reply, headers: [...reply.headers, ...headers] };
};
