import { NotFound } from "../../domain/errors.ts";
import { MailboxMessagePage, MailboxPage } from "../../views/Mailbox.tsx";
import { isLocalRequest } from "../clientAddress.ts";
import type { Reply, Request } from "../exchange.ts";
import { isAppError } from "../problems.ts";
import { html, type Web } from "../web.ts";
import { beginPage, errorPage, PRIVATE } from "./pageSupport.ts";

/**
 * `/mailbox`: where mail goes when no SMTP_URL is set, so a laptop demo shows every mail. It
 * holds manage links, so only this machine may read it, and not through a proxy on it.
 */
export const mailboxRoutes = (web: Web) => {
  const { booking: context } = web;
  const local = isLocalRequest;
  const hidden = (request: Request) => errorPage(beginPage(web, request).page, new NotFound({ what: "page" }));

  const list = async (request: Request): Promise<Reply> => {
    if (!local(request)) return hidden(request);
    const { page } = beginPage(web, request);
    const messages = await context.mailbox();
    if (isAppError(messages)) return errorPage(page, messages);
    return html(200, MailboxPage({ page, messages }) as string, PRIVATE);
  };

  /** One message, as a page or as one of its parts (`part` names the route's last segment). */
  const message = (part: "page" | "html" | "ics" | "eml") => async (request: Request): Promise<Reply> => {
    if (!local(request)) return hidden(request);
    const { page } = beginPage(web, request);
    const found = await context.mailboxMessage(request.params[0]!);
    if (isAppError(found)) return errorPage(page, found);
    switch (part) {
      case "page":
        return html(200, MailboxMessagePage({ page, message: found }) as string, PRIVATE);
      case "html":
        // The mail's own HTML, sandboxed: it runs nothing and loads nothing, and styles itself inline.
        return {
          status: 200,
          headers: [
            ["Content-Type", "text/html; charset=utf-8"],
            ["Cache-Control", "no-store"],
            ["Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"],
            ...PRIVATE,
          ],
          body: found.htmlBody,
        };
      case "ics":
        if (found.calendar === null) return hidden(request);
        return download("text/calendar; charset=utf-8", "invite.ics", found.calendar);
      case "eml":
        return download("message/rfc822", "message.eml", found.raw);
    }
  };

  const download = (type: string, filename: string, body: string): Reply => ({
    status: 200,
    headers: [["Content-Type", type], ["Content-Disposition", `attachment; filename="${filename}"`], ["Cache-Control", "no-store"], ...PRIVATE],
    body,
  });

  return { list, page: message("page"), html: message("html"), ics: message("ics"), eml: message("eml") };
};
