import { randomBytes } from "node:crypto";
import { renderHtml, renderText, type MailContent } from "./mailTemplate.tsx";
import type { MailSettings, OutgoingMail } from "./messages.ts";

/**
 * Mail about a host's account: a sign-in link, an invitation. Each carries a secret link, so
 * they are sent once, at the moment they are asked for, and never kept in the outbox (only the
 * links' digests are kept anywhere); someone who gets none asks again.
 */

const mailOf = (settings: MailSettings, to: { name: string; email: string }, content: MailContent, signedFor: string): OutgoingMail => ({
  messageId: `<account-${randomBytes(12).toString("hex")}@${new URL(settings.publicUrl).hostname}>`,
  from: settings.mailFrom,
  to,
  subject: content.subject,
  text: renderText(content, signedFor),
  html: renderHtml(content, signedFor),
  calendar: undefined,
});

export const signInMail = (settings: MailSettings, host: { name: string; email: string }, url: string, minutes: number) =>
  mailOf(
    settings,
    host,
    {
      subject: "Your Rendezvous sign-in link",
      heading: `Sign in as ${host.name}`,
      paragraphs: [
        `Someone (we hope you) asked to sign in to Rendezvous with this address. The link works once, within ${minutes} minutes; opening it signs nobody in until you press its button.`,
        "If you did not ask, ignore this mail.",
      ],
      details: [],
      action: { label: "Sign in", url },
      calendar: undefined,
    },
    host.name,
  );

export const signUpMail = (settings: MailSettings, email: string, url: string, days: number) =>
  mailOf(
    settings,
    { name: "", email },
    {
      subject: "Create your Rendezvous account",
      heading: "Take bookings with Rendezvous",
      paragraphs: [
        `Someone (we hope you) asked to sign up with this address. Choose your name, your booking page's address and your time zone; the link works once, within ${days} days.`,
        "If you did not ask, ignore this mail: no account is made without it.",
      ],
      details: [],
      action: { label: "Create your account", url },
      calendar: undefined,
    },
    "Rendezvous",
  );

export const invitationMail = (settings: MailSettings, email: string, invitedBy: string, url: string, days: number) =>
  mailOf(
    settings,
    { name: "", email },
    {
      subject: `${invitedBy} invited you to Rendezvous`,
      heading: "Take bookings with Rendezvous",
      paragraphs: [
        `${invitedBy} invited you to take bookings here. Choose your name, your booking page's address and your time zone; the link works once, within ${days} days.`,
      ],
      details: [],
      action: { label: "Accept the invitation", url },
      calendar: undefined,
    },
    invitedBy,
  );
