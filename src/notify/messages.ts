import { NOTE } from "../domain/model.ts";
import { intlLocaleOf, localeOf, translate, type Locale, type MessageKey } from "../i18n/i18n.ts";
import type { EpochMs } from "../domain/time.ts";
import type { Delivery } from "../persistence/DeliveryRepository.ts";
import { meetingIn, zoneLabel } from "../views/format.ts";
import { icsOf } from "./ics.ts";
import { renderHtml, renderText, type MailContent } from "./mailTemplate.tsx";

/** A message ready for a transport: the same row always gives the same message. */
export interface OutgoingMail {
  readonly messageId: string;
  readonly from: string;
  readonly to: { readonly name: string; readonly email: string };
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly calendar: { readonly method: "REQUEST" | "CANCEL"; readonly content: string } | undefined;
}

export interface MailSettings {
  readonly publicUrl: string;
  readonly mailFrom: string;
}

/** Why a claimed notice is not sent at all (a reminder for a meeting that moved or ended). */
export interface Skip {
  readonly skip: string;
}

const hostnameOf = (url: string) => new URL(url).hostname;

/** Stable per outbox row: a retry after an unknown outcome reuses it, so receivers can drop the copy. */
export const messageIdOf = (d: Pick<Delivery, "id" | "bookingId">, publicUrl: string) =>
  `<notice-${d.id}.${d.bookingId}@${hostnameOf(publicUrl)}>`;

/** One recipient's language, and the dates and messages in it. */
const speaker = (locale: Locale) => {
  const intl = intlLocaleOf(locale);
  return {
    locale,
    t: (key: MessageKey, values?: Readonly<Record<string, string | number>>) => translate(locale, key, values),
    /** "Tuesday 5 January 2027, 10:00–10:30 (Europe/Vienna, GMT+01:00)", in the recipient's language. */
    when: (start: number, end: number, zone: string) => {
      const m = meetingIn(start as EpochMs, end - start, zone, "24h", intl);
      return `${m.day}, ${m.start}–${m.end} (${zoneLabel(zone)}, ${m.offset})`;
    },
    shortWhen: (start: number, end: number, zone: string) => {
      const m = meetingIn(start as EpochMs, end - start, zone, "24h", intl);
      return `${m.day}, ${m.start}`;
    },
  };
};
type Speaker = ReturnType<typeof speaker>;

const inAdvance = (s: Speaker, minutes: number) =>
  minutes % 1440 === 0
    ? minutes === 1440 ? s.t("mail.soon.day") : s.t("mail.soon.days", { n: minutes / 1440 })
    : minutes % 60 === 0
      ? minutes === 60 ? s.t("mail.soon.hour") : s.t("mail.soon.hours", { n: minutes / 60 })
      : s.t("mail.soon.minutes", { n: minutes });

/** The invitee's answers as label/value rows, the free-text note last. */
const answerRows = (d: Delivery, s: Speaker): Array<readonly [string, string]> => {
  const rows: Array<readonly [string, string]> = [];
  for (const q of d.questions) {
    const value = d.answers[q.id];
    if (value !== undefined && value !== "") rows.push([q.label, value]);
  }
  const note = d.answers[NOTE];
  if (note !== undefined && note !== "") rows.push([s.t("mail.note"), note]);
  return rows;
};

/** The language a notice speaks: the invitee's for theirs, the host's for the host's. */
export const localeOfNotice = (d: Pick<Delivery, "recipient" | "inviteeLocale" | "hostLocale">): Locale =>
  localeOf(d.recipient === "invitee" ? d.inviteeLocale : d.hostLocale);

/** What one notice says, for its recipient: in their language, times in their zone. */
export const contentOf = (d: Delivery, settings: MailSettings, now: number): MailContent | Skip => {
  const { start, end } = d.payload;
  const forInvitee = d.recipient === "invitee";
  const s = speaker(localeOfNotice(d));
  const { t } = s;
  const zone = forInvitee ? d.inviteeTimeZone : d.hostTimeZone;
  const manage = `${settings.publicUrl}/booking/${d.manageToken}`;
  const dashboard = `${settings.publicUrl}/host`;
  const names = { title: d.eventTitle, host: d.hostName, invitee: d.inviteeName, when: s.shortWhen(start, end, zone) };
  const meeting: Array<readonly [string, string]> = [
    [t("mail.when"), s.when(start, end, zone)],
    ...(d.eventLocation === "" ? [] : [[t("mail.where"), d.eventLocation] as const]),
  ];
  const invitee: Array<readonly [string, string]> = [
    [t("mail.invitee"), `${d.inviteeName} <${d.inviteeEmail}>`],
    [t("mail.inviteeZone"), zoneLabel(d.inviteeTimeZone)],
  ];
  const base = { locale: s.locale, footer: t("mail.footer", { host: d.hostName }) };
  const manageAction = { label: t("mail.manage"), url: manage };
  const dashboardAction = { label: t("mail.dashboard"), url: dashboard };
  switch (d.kind) {
    case "booking_confirmed":
      return forInvitee
        ? {
            ...base,
            subject: t("mail.confirmed.invitee.subject", names),
            heading: t("mail.confirmed.invitee.heading"),
            paragraphs: [t("mail.confirmed.invitee.body", names)],
            details: [...meeting, ...answerRows(d, s)],
            action: manageAction,
            calendar: "REQUEST",
          }
        : {
            ...base,
            subject: t("mail.confirmed.host.subject", names),
            heading: t("mail.confirmed.host.heading"),
            paragraphs: [t("mail.confirmed.host.body", names)],
            details: [...meeting, ...invitee, ...answerRows(d, s)],
            action: dashboardAction,
            calendar: "REQUEST",
          };
    case "booking_requested":
      return forInvitee
        ? {
            ...base,
            subject: t("mail.requested.invitee.subject", names),
            heading: t("mail.requested.invitee.heading"),
            paragraphs: [t("mail.requested.invitee.body", names)],
            details: [...meeting, ...answerRows(d, s)],
            action: { label: t("mail.requested.invitee.action"), url: manage },
            calendar: undefined,
          }
        : {
            ...base,
            subject: t("mail.requested.host.subject", names),
            heading: t("mail.requested.host.heading"),
            paragraphs: [t("mail.requested.host.body", names)],
            details: [...meeting, ...invitee, ...answerRows(d, s)],
            action: { label: t("mail.requested.host.action"), url: dashboard },
            calendar: undefined,
          };
    case "booking_accepted":
      return {
        ...base,
        subject: t("mail.accepted.subject", names),
        heading: t("mail.accepted.heading"),
        paragraphs: [t("mail.accepted.body", names)],
        details: [...meeting, ...answerRows(d, s)],
        action: manageAction,
        calendar: "REQUEST",
      };
    case "booking_declined": {
      const reason = d.payload.reason ?? "";
      return {
        ...base,
        subject: t("mail.declined.subject", names),
        heading: t("mail.declined.heading"),
        paragraphs: [t("mail.declined.body", names)],
        details: [...meeting, ...(reason === "" ? [] : [[t("mail.reason"), reason] as const])],
        action: undefined,
        calendar: undefined,
      };
    }
    case "booking_rescheduled": {
      const reason = d.payload.reason ?? "";
      const because = reason === "" ? [] : [[t("mail.reason"), reason] as const];
      const previous = d.payload.previousStart;
      const was = previous === undefined ? [] : [t("mail.wasOn", { when: s.when(previous, previous + (end - start), zone) })];
      // A request the host has not accepted yet gets its invitation only on acceptance.
      const calendar = d.bookingStatus === "pending" ? undefined : "REQUEST";
      return forInvitee
        ? {
            ...base,
            subject: t("mail.rescheduled.invitee.subject", names),
            heading: t("mail.rescheduled.invitee.heading"),
            paragraphs: [t("mail.rescheduled.invitee.body", names), ...was],
            details: [...meeting, ...because],
            action: manageAction,
            calendar,
          }
        : {
            ...base,
            subject: t("mail.rescheduled.host.subject", names),
            heading: t("mail.rescheduled.host.heading"),
            paragraphs: [t("mail.rescheduled.host.body", names), ...was],
            details: [...meeting, ...invitee, ...because],
            action: dashboardAction,
            calendar,
          };
    }
    case "booking_cancelled": {
      const reason = d.payload.reason ?? "";
      const who = d.payload.by === "host" ? d.hostName : d.inviteeName;
      const because = reason === "" ? [] : [[t("mail.reason"), reason] as const];
      return forInvitee
        ? {
            ...base,
            subject: t("mail.cancelled.invitee.subject", names),
            heading: t("mail.cancelled.invitee.heading"),
            paragraphs: [t("mail.cancelled.invitee.body", { ...names, who })],
            details: [...meeting, ...because],
            action: undefined,
            calendar: "CANCEL",
          }
        : {
            ...base,
            subject: t("mail.cancelled.host.subject", names),
            heading: t("mail.cancelled.host.heading"),
            paragraphs: [t("mail.cancelled.host.body", { ...names, who })],
            details: [...meeting, ...invitee, ...because],
            action: dashboardAction,
            calendar: "CANCEL",
          };
    }
    case "booking_reminder": {
      if (d.bookingStatus !== "confirmed") return { skip: "the meeting was cancelled" };
      if (d.bookingStart !== start) return { skip: "the meeting moved" };
      if (start <= now) return { skip: "the meeting has already started" };
      const soon = inAdvance(s, d.payload.minutesBefore ?? 60);
      return {
        ...base,
        subject: t("mail.reminder.subject", { ...names, soon }),
        heading: t("mail.reminder.heading", { soon }),
        paragraphs: [t("mail.reminder.body", names)],
        details: meeting,
        action: manageAction,
        calendar: undefined,
      };
    }
  }
};

/** The whole message of one claimed notice, or why it is skipped. */
export const composeMail = (d: Delivery, settings: MailSettings, now: number): OutgoingMail | Skip => {
  const content = contentOf(d, settings, now);
  if ("skip" in content) return content;
  const manage = `${settings.publicUrl}/booking/${d.manageToken}`;
  const to = d.recipient === "invitee" ? { name: d.inviteeName, email: d.inviteeEmail } : { name: d.hostName, email: d.hostEmail };
  const calendar =
    content.calendar === undefined
      ? undefined
      : {
          method: content.calendar,
          content: icsOf({
            uid: `${d.bookingId}@${hostnameOf(settings.publicUrl)}`,
            sequence: d.payload.sequence,
            start: d.payload.start,
            end: d.payload.end,
            // The notice's own time, so every retry carries the same DTSTAMP.
            stamp: d.createdAt,
            summary: translate(content.locale, "mail.calendar.summary", { title: d.eventTitle, host: d.hostName }),
            description: `${d.eventDescription}${d.eventDescription === "" ? "" : "\n\n"}${translate(content.locale, "mail.calendar.manage", { url: manage })}`,
            location: d.eventLocation,
            url: manage,
            organizer: { name: d.hostName, email: d.hostEmail },
            attendee: { name: d.inviteeName, email: d.inviteeEmail },
            cancelled: content.calendar === "CANCEL",
            method: content.calendar,
          }),
        };
  return {
    messageId: messageIdOf(d, settings.publicUrl),
    from: settings.mailFrom,
    to,
    subject: content.subject,
    text: renderText(content),
    html: renderHtml(content),
    calendar,
  };
};
