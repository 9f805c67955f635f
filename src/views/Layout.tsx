import type { Children } from "@kitajs/html";

/** What every page needs from the web layer: asset URLs (content-hashed) and the CSRF token. */
export interface PageContext {
  readonly assets: { readonly css: string; readonly js: string };
  readonly csrf: string;
  /** The visitor the token is bound to, carried by forms for browsers that do not send our cookie. */
  readonly visitor: string;
}

export const Layout = (props: {
  readonly page: PageContext;
  readonly title: string;
  readonly noindex?: boolean;
  /** The host whose colour the page wears (pages of a host's own: booking, manage, dashboard). */
  readonly hue?: number | undefined;
  /** In a frame on the host's own site: no page chrome. */
  readonly embed?: boolean | undefined;
  readonly children: Children;
}) => (
  <>
    {"<!doctype html>"}
    <html lang="en">
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
        <main id="main">{props.children}</main>
      </body>
    </html>
  </>
);

export const CsrfField = (props: { readonly page: PageContext }) => (
  <>
    <input type="hidden" name="_csrf" value={props.page.csrf} />
    <input type="hidden" name="_v" value={props.page.visitor} />
  </>
);
