import type { Locale } from "../i18n/i18n.ts";

/**
 * One template for every notice: what it says (`MailContent`) is written once and rendered
 * twice, as plain text and as HTML with every value escaped.
 */
export interface MailContent {
  /** The language it is written in (the HTML part says so). */
  readonly locale: Locale;
  /** Who sent it, in that language ("Sent by Rendezvous for …"). */
  readonly footer: string;
  readonly subject: string;
  readonly heading: string;
  readonly paragraphs: ReadonlyArray<string>;
  readonly details: ReadonlyArray<readonly [string, string]>;
  readonly action: { readonly label: string; readonly url: string } | undefined;
  readonly calendar: "REQUEST" | "CANCEL" | undefined;
}

export const renderText = (c: MailContent): string =>
  [
    c.heading,
    "",
    ...c.paragraphs.flatMap((p) => [p, ""]),
    ...c.details.map(([label, value]) => `${label}: ${value.replace(/\r?\n/g, "\n  ")}`),
    ...(c.action === undefined ? [] : ["", `${c.action.label}: ${c.action.url}`]),
    "",
    "-- ",
    c.footer,
    "",
  ].join("\n");

const font = "font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif";

export const renderHtml = (c: MailContent): string =>
  "<!doctype html>" +
  ((
    <html lang={c.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width" />
        <title safe>{c.subject}</title>
      </head>
      <body style={`margin:0;padding:24px;background:#f5f5f4;color:#1c1917;${font}`}>
        <main style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
          <h1 style="font-size:20px;margin:0 0 16px" safe>
            {c.heading}
          </h1>
          {c.paragraphs.map((p) => (
            <p style="margin:0 0 12px;line-height:1.5" safe>
              {p}
            </p>
          ))}
          <table role="presentation" style="border-collapse:collapse;margin:8px 0 16px">
            {c.details.map(([label, value]) => (
              <tr>
                <th scope="row" style="text-align:left;vertical-align:top;padding:4px 16px 4px 0;color:#57534e;font-weight:600" safe>
                  {label}
                </th>
                <td style="padding:4px 0;white-space:pre-wrap" safe>
                  {value}
                </td>
              </tr>
            ))}
          </table>
          {c.action === undefined ? (
            ""
          ) : (
            <p>
              <a href={c.action.url} style="display:inline-block;background:#1d4ed8;color:#ffffff;padding:10px 16px;border-radius:6px;text-decoration:none" safe>
                {c.action.label}
              </a>
            </p>
          )}
          <p style="color:#78716c;font-size:13px;margin-top:24px" safe>
            {c.footer}
          </p>
        </main>
      </body>
    </html>
  ) as string);
