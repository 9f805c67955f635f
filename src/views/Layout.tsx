import type { Children } from "@kitajs/html";
import { LOCALE_NAMES, LOCALES, translate } from "../i18n/i18n.ts";
import type { Language } from "../i18n/language.ts";

/** What every page needs from the web layer: asset URLs (content-hashed) and the CSRF token. */
export interface PageContext {
  readonly assets: { readonly css: string; readonly js: string };
  readonly csrf: string;
  /** The visitor the token is bound to, carried by forms for browsers that do not send our cookie. */
  readonly visitor: string;
  /** The page's language (host pages are English). */
  readonly language: Language;
}

export const Layout = (props: {
  readonly page: PageContext;
  readonly title: string;
  readonly noindex?: boolean;
  /** The host whose colour the page wears (pages of a host's own: booking, manage, dashboard). */
  readonly hue?: number | undefined;
  /** In a frame on the host's own site: no page chrome. */
  readonly embed?: boolean | undefined;
  /**
   * Written in the page's language (the invitee's pages): the address of this page, which the
   * language switch links to in each language. The rest are English.
   */
  readonly translatedAt?: string | undefined;
  readonly children: Children;
}) => (
  <>
    {"<!doctype html>"}
    <html lang={props.translatedAt === undefined ? "en" : props.page.language.ui}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {props.noindex === true ? <meta name="robots" content="noindex, nofollow" /> : ""}
        <title safe>{props.title}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={props.page.assets.css} />
        <script src={props.page.assets.js} defer></script>
      </head>
      <body hx-boost:inherited="true" class={[props.hue === undefined ? "" : `hue-${props.hue}`, props.embed === true ? "embed" : ""].join(" ").trim() || undefined}>
        <main id="main">
          {props.children}
          {props.translatedAt === undefined ? "" : <LanguageSwitch page={props.page} here={props.translatedAt} />}
        </main>
      </body>
    </html>
  </>
);

/** The page in each language we speak, by its own name; the one shown is marked. */
const LanguageSwitch = (props: { readonly page: PageContext; readonly here: string }) => {
  const [path, query = ""] = props.here.split("?", 2) as [string, string?];
  return (
    <nav class="languages" aria-label={translate(props.page.language.ui, "page.language")}>
      {LOCALES.map((locale) => {
        const params = new URLSearchParams(query);
        params.set("lang", locale);
        return (
          // A whole new page (its <html lang> and title too), not a boosted swap of the body.
          <a href={`${path}?${params.toString()}`} hx-boost="false" lang={locale} hreflang={locale} aria-current={locale === props.page.language.ui ? "true" : undefined} safe>
            {LOCALE_NAMES[locale]}
          </a>
        );
      })}
    </nav>
  );
};

export const CsrfField = (props: { readonly page: PageContext }) => (
  <>
    <input type="hidden" name="_csrf" value={props.page.csrf} />
    <input type="hidden" name="_v" value={props.page.visitor} />
  </>
);
