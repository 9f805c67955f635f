import { NOTE } from "../domain/model.ts";
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

/** "Tuesday 5 January 2027, 10:00–10:30 (Europe/Vienna, GMT+01:00)". */
const when = (start: number, end: number, zone: string) => {
  const m = meetingIn(start as EpochMs, end - start, zone, "24h");
  return `${m.day}, ${m.start}–${m.end} (${zoneLabel(zone)}, ${m.offset})`;
};

const shortWhen = (start: number, end: number, zone: string) => {
  const m = meetingIn(start as EpochMs, end - start, zone, "24h");
  return `${m.day}, ${m.start}`;
};

const inAdvance = (minutes: number) =>
  minutes % 1440 === 0
    ? `in ${minutes / 1440} day${minutes === 1440 ? "" : "s"}`
    : minutes % 60 === 0
      ? `in ${minutes / 60} hour${minutes === 60 ? "" : "s"}`
      : `in ${minutes} minutes`;

/** The invitee's answers as label/value rows, the free-text note last. */
const answerRows = (d: Delivery): Array<readonly [string, string]> => {
  const rows: Array<readonly [string, string]> = [];
  for (const q of d.questions) {
    const value = d.answers[q.id];
    if (value !== undefined && value !== "") rows.push([q.label, value]);
  }
  const note = d.answers[NOTE];
  if (note !== undefined && note !== "") rows.push(["Note", note]);
  return rows;
};

/** What one notice says, for its recipient: times in the recipient's zone. */
export const contentOf = (d: Delivery, settings: MailSettings, now: number): MailContent | Skip => {
  const { start, end } = d.payload;
  const forInvitee = d.recipient === "invitee";
  const zone = forInvitee ? d.inviteeTimeZone : d.hostTimeZone;
  const manage = `${settings.publicUrl}/booking/${d.manageToken}`;
  const dashboard = `${settings.publicUrl}/host`;
  const title = d.eventTitle;
  const meeting: Array<readonly [string, string]> = [
    ["When", when(start, end, zone)],
    ...(d.eventLocation === "" ? [] : [["Where", d.eventLocation] as const]),
  ];
  const invitee: Array<readonly [string, string]> = [
    ["Invitee", `${d.inviteeName} <${d.inviteeEmail}>`],
    ["Their time zone", zoneLabel(d.inviteeTimeZone)],
  ];
  switch (d.kind) {
    case "booking_confirmed":
      return forInvitee
        ? {
            subject: `Confirmed: ${title} with ${d.hostName} on ${shortWhen(start, end, zone)}`,
            heading: "Your meeting is booked",
            paragraphs: [`${title} with ${d.hostName} is confirmed. The invitation is attached; add it to your calendar.`],
            details: [...meeting, ...answerRows(d)],
            action: { label: "Reschedule or cancel", url: manage },
            calendar: "REQUEST",
          }
        : {
            subject: `New booking: ${d.inviteeName}, ${title} on ${shortWhen(start, end, zone)}`,
            heading: "You have a new booking",
            paragraphs: [`${d.inviteeName} booked ${title}.`],
            details: [...meeting, ...invitee, ...answerRows(d)],
            action: { label: "Your bookings", url: dashboard },
            calendar: "REQUEST",
          };
    case "booking_requested":
      return forInvitee
        ? {
            subject: `Requested: ${title} with ${d.hostName} on ${shortWhen(start, end, zone)}`,
            heading: "Your request is sent",
            paragraphs: [
              `${d.hostName} confirms ${title} before it is booked; the time is held for you until then. You will get a mail with the invitation once it is confirmed.`,
            ],
            details: [...meeting, ...answerRows(d)],
            action: { label: "Change or withdraw the request", url: manage },
            calendar: undefined,
          }
        : {
            subject: `Please confirm: ${d.inviteeName}, ${title} on ${shortWhen(start, end, zone)}`,
            heading: "A booking needs your confirmation",
            paragraphs: [`${d.inviteeName} asked for ${title}. The time is held until you accept or decline.`],
            details: [...meeting, ...invitee, ...answerRows(d)],
            action: { label: "Accept or decline", url: dashboard },
            calendar: undefined,
          };
    case "booking_accepted":
      return {
        subject: `Confirmed: ${title} with ${d.hostName} on ${shortWhen(start, end, zone)}`,
        heading: "Your meeting is booked",
        paragraphs: [`${d.hostName} confirmed ${title}. The invitation is attached; add it to your calendar.`],
        details: [...meeting, ...answerRows(d)],
        action: { label: "Reschedule or cancel", url: manage },
        calendar: "REQUEST",
      };
    case "booking_declined": {
      const reason = d.payload.reason ?? "";
      return {
        subject: `Declined: ${title} with ${d.hostName} on ${shortWhen(start, end, zone)}`,
        heading: "Your request was declined",
        paragraphs: [`${d.hostName} cannot meet at this time; the request is withdrawn.`],
        details: [...meeting, ...(reason === "" ? [] : [["Reason", reason] as const])],
        action: undefined,
        calendar: undefined,
      };
    }
    case "booking_rescheduled": {
      const previous = d.payload.previousStart;
      const was = previous === undefined ? [] : [`It was on ${when(previous, previous + (end - start), zone)}.`];
      return forInvitee
        ? {
            subject: `Moved: ${title} with ${d.hostName} is now on ${shortWhen(start, end, zone)}`,
            heading: "Your meeting has moved",
            paragraphs: [`${title} with ${d.hostName} has a new time.`, ...was],
            details: meeting,
            action: { label: "Reschedule or cancel", url: manage },
            // A request the host has not accepted yet gets its invitation only on acceptance.
            calendar: d.bookingStatus === "pending" ? undefined : "REQUEST",
          }
        : {
            subject: `Moved: ${d.inviteeName}, ${title} is now on ${shortWhen(start, end, zone)}`,
            heading: "A booking has moved",
            paragraphs: [`${title} with ${d.inviteeName} has a new time.`, ...was],
            details: [...meeting, ...invitee],
            action: { label: "Your bookings", url: dashboard },
            calendar: d.bookingStatus === "pending" ? undefined : "REQUEST",
          };
    }
    case "booking_cancelled": {
      const reason = d.payload.reason ?? "";
      const who = d.payload.by === "host" ? d.hostName : d.inviteeName;
      const because = reason === "" ? [] : [["Reason", reason] as const];
      return forInvitee
        ? {
            subject: `Cancelled: ${title} with ${d.hostName} on ${shortWhen(start, end, zone)}`,
            heading: "Your meeting is cancelled",
            paragraphs: [`${who} cancelled ${title}. The calendar entry is removed with the attached update.`],
            details: [...meeting, ...because],
            action: undefined,
            calendar: "CANCEL",
          }
        : {
            subject: `Cancelled: ${d.inviteeName}, ${title} on ${shortWhen(start, end, zone)}`,
            heading: "A booking is cancelled",
            paragraphs: [`${who} cancelled ${title} with ${d.inviteeName}.`],
            details: [...meeting, ...invitee, ...because],
            action: { label: "Your bookings", url: dashboard },
            calendar: "CANCEL",
          };
    }
    case "booking_reminder": {
      if (d.bookingStatus !== "confirmed") return { skip: "the meeting was cancelled" };
      if (d.bookingStart !== start) return { skip: "the meeting moved" };
      if (start <= now) return { skip: "the meeting has already started" };
      return {
        subject: `Reminder: ${title} with ${d.hostName} ${inAdvance(d.payload.minutesBefore ?? 60)}`,
        heading: `Your meeting is ${inAdvance(d.payload.minutesBefore ?? 60)}`,
        paragraphs: [`A reminder of ${title} with ${d.hostName}.`],
        details: meeting,
        action: { label: "Reschedule or cancel", url: manage },
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
            summary: `${d.eventTitle} with ${d.hostName}`,
            description: `${d.eventDescription}${d.eventDescription === "" ? "" : "\n\n"}Manage or cancel: ${manage}`,
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
    text: renderText(content, d.hostName),
    html: renderHtml(content, d.hostName),
    calendar,
  };
};
