import { randomBytes } from "node:crypto";
import type { BookingFormValues } from "../../views/BookingForm.tsx";
import { ErrorPage } from "../../views/ErrorPage.tsx";
import type { PageContext } from "../../views/Layout.tsx";
import type { Reply, Request } from "../exchange.ts";
import { formFields } from "../forms.ts";
import { problemOf, retryAfterOf, type AppError } from "../problems.ts";
import { isLocale } from "../../i18n/i18n.ts";
import { csrfProblem, isForeignOrigin, languageCookie, visitorOf } from "../session.ts";
import { languageOfRequest } from "../viewer.ts";
import { cookieHeaders, html, pageContext, type Web } from "../web.ts";

/**
 * For pages whose URL holds a secret (a manage or sign-in token): not indexed, and the URL
 * never leaves as a referrer.
 */
export const PRIVATE: ReadonlyArray<readonly [string, string]> = [
  ["X-Robots-Tag", "noindex"],
  ["Referrer-Policy", "no-referrer"],
];

/** What every page request starts with: the visitor, the page context, and cookies to set. */
export const beginPage = (web: Web, request: Request, carried?: string) => {
  const secure = web.config.publicUrl.startsWith("https:");
  const visitor = visitorOf(request, secure, carried);
  const language = languageOfRequest(request);
  // A language chosen on the page (`lang`) is kept for the pages after it.
  const chosen = request.query.get("lang");
  const keep = isLocale(chosen) ? ([["Set-Cookie", languageCookie(chosen, secure)]] as const) : [];
  return { visitor, page: pageContext(web, visitor, language), cookies: [...cookieHeaders(visitor), ...keep], language };
};

export const errorPage = (page: PageContext, error: AppError, headers: ReadonlyArray<readonly [string, string]> = []): Reply => {
  const problem = problemOf(error);
  return html(problem.status, ErrorPage({ page, title: problem.title, message: problem.detail }) as string, [...retryAfterOf(error), ...headers]);
};

/**
 * A form POST's fields with the page around it, or the refusal of an unsafe request from
 * anywhere but our own page (or without the visitor's token).
 */
export const beginFormPost = (web: Web, request: Request): (ReturnType<typeof beginPage> & { readonly fields: Record<string, unknown> }) | Reply => {
  const fields = formFields(request.body);
  // The visitor id our form carried counts only when our own origin sent it.
  const origin = request.headers.get("origin");
  const ours = origin !== undefined && !isForeignOrigin(origin, request.headers.get("host"), new URL(web.config.publicUrl).origin);
  const begun = beginPage(web, request, ours && typeof fields["_v"] === "string" ? fields["_v"] : undefined);
  const problem = csrfProblem(request, begun.visitor, typeof fields["_csrf"] === "string" ? fields["_csrf"] : null, begun.page.csrf, web.config.publicUrl);
  if (problem !== undefined) return html(403, ErrorPage({ page: begun.page, title: "Please try again", message: problem }) as string, begun.cookies);
  return { ...begun, fields };
};

export const formValuesOf = (fields: Record<string, unknown>): BookingFormValues => ({
  name: String(fields["name"] ?? ""),
  email: String(fields["email"] ?? ""),
  note: String(fields["note"] ?? ""),
  answers: (fields["answers"] ?? {}) as Record<string, string>,
});

/** Made when the form is shown: a double click or a re-sent POST then books only once. */
export const newIdempotencyKey = () => randomBytes(16).toString("base64url");
