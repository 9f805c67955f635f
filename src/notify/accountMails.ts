import { randomBytes } from "node:crypto";
import { translate, type Locale } from "../i18n/i18n.ts";
import { renderHtml, renderText, type MailContent } from "./mailTemplate.tsx";
import type { MailSettings, OutgoingMail } from "./messages.ts";

/**
 * Mail about a host's account: a sign-in link, an invitation. Each carries a secret link, so
 * they are sent once, at the moment they are asked for, and never kept in the outbox (only the
 * links' digests are kept anywhere); someone who gets none asks again.
 */

const mailOf = (settings: MailSettings, to: { name: string; email: string }, content: MailContent): OutgoingMail => ({
  messageId: `<account-${randomBytes(12).toString("hex")}@${new URL(settings.publicUrl).hostname}>`,
  from: settings.mailFrom,
  to,
  subject: content.subject,
  text: renderText(content),
  html: renderHtml(content),
  calendar: undefined,
});

/** In the host's own language. */
export const signInMail = (settings: MailSettings, host: { name: string; email: string; locale: Locale }, url: string, minutes: number) =>
  mailOf(settings, host, {
    locale: host.locale,
    footer: translate(host.locale, "mail.footer", { host: host.name }),
    subject: translate(host.locale, "mail.signIn.subject"),
    heading: translate(host.locale, "mail.signIn.heading", { host: host.name }),
    paragraphs: [translate(host.locale, "mail.signIn.body", { minutes }), translate(host.locale, "mail.signIn.ignore")],
    details: [],
    action: { label: translate(host.locale, "mail.signIn.action"), url },
    calendar: undefined,
  });

/** In the language the sign-up form was asked in. */
export const signUpMail = (settings: MailSettings, email: string, url: string, days: number, locale: Locale) =>
  mailOf(settings, { name: "", email }, {
    locale,
    footer: translate(locale, "mail.footer", { host: "Rendezvous" }),
    subject: translate(locale, "mail.signUp.subject"),
    heading: translate(locale, "mail.signUp.heading"),
    paragraphs: [translate(locale, "mail.signUp.body", { days }), translate(locale, "mail.signUp.ignore")],
    details: [],
    action: { label: translate(locale, "mail.signUp.action"), url },
    calendar: undefined,
  });

/** In the inviter's language: the newcomer has none of their own yet. */
export const invitationMail = (settings: MailSettings, email: string, inviter: { name: string; locale: Locale }, url: string, days: number) =>
  mailOf(settings, { name: "", email }, {
    locale: inviter.locale,
    footer: translate(inviter.locale, "mail.footer", { host: inviter.name }),
    subject: translate(inviter.locale, "mail.invitation.subject", { inviter: inviter.name }),
    heading: translate(inviter.locale, "mail.invitation.heading"),
    paragraphs: [translate(inviter.locale, "mail.invitation.body", { inviter: inviter.name, days })],
    details: [],
    action: { label: translate(inviter.locale, "mail.invitation.action"), url },
    calendar: undefined,
  });
