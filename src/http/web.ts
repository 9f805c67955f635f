import { ENGLISH, type Language } from "../i18n/language.ts";
import type { AppConfigShape } from "../AppConfig.ts";
import type { BookingContext } from "../booking/BookingContext.ts";
import type { PageContext } from "../views/Layout.tsx";
import type { Assets } from "./assets.ts";
import type { Reply, Request } from "./exchange.ts";
import type { PageViews } from "./pageViews.ts";
import { csrfTokenOf, type Visitor } from "./session.ts";

/** What route handlers share: configuration, the booking context, assets and the clock. */
export interface Web {
  readonly config: AppConfigShape;
  readonly secret: string;
  readonly booking: BookingContext;
  readonly views: PageViews;
  readonly assets: Assets;
  readonly now: () => number;
}

export type Handler = (request: Request) => Reply | Promise<Reply>;

export const VARY_HTMX = ["Vary", "HX-Request, HX-Request-Type, Accept-Encoding"] as const;

export const html = (status: number, body: string, headers: ReadonlyArray<readonly [string, string]> = []): Reply => ({
  status,
  headers: [["Content-Type", "text/html; charset=utf-8"], ["Cache-Control", "no-store"], VARY_HTMX, ...headers],
  body,
});

export const json = (status: number, value: unknown, headers: ReadonlyArray<readonly [string, string]> = []): Reply => ({
  status,
  headers: [["Content-Type", "application/json"], ["Cache-Control", "no-store"], ...headers],
  body: JSON.stringify(value),
});

export const redirect = (location: string, headers: ReadonlyArray<readonly [string, string]> = []): Reply => ({
  status: 303,
  headers: [["Location", location], ["Cache-Control", "no-store"], ...headers],
  body: "",
});

/** The partial (fragment) view is for htmx requests that target part of a page. */
export const wantsPartial = (request: Request) => request.headers.get("hx-request-type") === "partial";

export const pageContext = (web: Web, visitor: Visitor, language: Language = ENGLISH): PageContext => ({
  language,
  assets: web.assets.urls,
  csrf: csrfTokenOf(web.secret, visitor.id),
  visitor: visitor.id,
});

export const cookieHeaders = (visitor: Visitor): [string, string][] =>
  visitor.setCookie === undefined ? [] : [["Set-Cookie", visitor.setCookie]];

