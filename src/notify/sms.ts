import { Effect } from "effect";
import { request, type Agent } from "undici";
import { translate } from "../i18n/i18n.ts";
import type { Delivery } from "../persistence/DeliveryRepository.ts";
import type { SendFailure } from "./Mailer.ts";
import { contentOf, type MailSettings, type Skip } from "./messages.ts";

/** The reminder as one short text: what, when, and the manage link. */
export const smsTextOf = (d: Delivery, settings: MailSettings, now: number): string | Skip => {
  // The invitee's own reminder, in their zone and language: the same words as the mail's subject and time.
  const content = contentOf({ ...d, recipient: "invitee" }, settings, now);
  if ("skip" in content) return content;
  const whenLabel = translate(content.locale, "mail.when");
  const when = content.details.find(([label]) => label === whenLabel)?.[1] ?? "";
  return `${content.subject}: ${when}. ${content.action?.url ?? ""}`.trim();
};

/**
 * Kannel's sendsms interface: a GET to the configured URL (which carries the account, e.g.
 * `?username=…&password=…&from=…`) with `to` and `text` added. 2xx is accepted; 408, 429,
 * 5xx or no answer is retried; any other 4xx (a bad account or number) is final.
 */
export const sendSms = (agent: Agent, gateway: string, to: string, text: string) =>
  Effect.tryPromise({
    try: async () => {
      const url = new URL(gateway);
      url.searchParams.set("to", to);
      url.searchParams.set("text", text);
      const res = await request(url, { method: "GET", dispatcher: agent });
      const body = (await res.body.text()).slice(0, 200);
      return { status: res.statusCode, body };
    },
    catch: (error): SendFailure => ({ permanent: false, reason: String(error) }),
  }).pipe(
    Effect.flatMap(({ status, body }) =>
      status >= 200 && status < 300
        ? Effect.void
        : Effect.fail<SendFailure>({ permanent: status >= 400 && status < 500 && status !== 408 && status !== 429, reason: `HTTP ${status} ${body}`.trim() }),
    ),
  );
