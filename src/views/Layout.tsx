import type { Children } from "@kitajs/html";

/** What every page needs from the web layer: asset URLs (content-hashed) and the CSRF token. */
export interface PageContext {
  readonly assets: { readonly css: string; readonly js: string };
  readonly csrf: string;
}

export const Layout = (props: {
  readonly page: PageContext;
  readonly title: string;
  readonly noindex?: boolean;
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
      <body hx-boost:inherited="true">
        <main id="main">{props.children}</main>
      </body>
    </html>
  </>
);

export const CsrfField = (props: { readonly page: PageContext }) => (
  <input type="hidden" name="_csrf" value={props.page.csrf} />
);
