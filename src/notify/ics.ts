/**
 * An iCalendar (RFC 5545) document for one booking: CRLF line ends, lines folded at 75 octets
 * (never inside a UTF-8 character), text escaped, UTC times, and a UID that stays the same
 * for the booking's whole life so calendars update the entry instead of adding one.
 */
export interface CalendarEvent {
  readonly uid: string;
  readonly sequence: number;
  readonly start: number;
  readonly end: number;
  readonly stamp: number;
  readonly summary: string;
  readonly description: string;
  readonly location: string;
  readonly url: string;
  readonly organizer: { readonly name: string; readonly email: string };
  readonly attendee: { readonly name: string; readonly email: string };
  readonly cancelled: boolean;
  /**
   * PUBLISH for a file to import; REQUEST (an invitation with Accept/Decline) and CANCEL
   * (removes the entry with this UID) for mail, per RFC 5546. Defaults to PUBLISH.
   */
  readonly method?: "PUBLISH" | "REQUEST" | "CANCEL";
}

const utc = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");

/** TEXT values: backslash, semicolon, comma and newlines escaped (RFC 5545 §3.3.11). */
export const escapeText = (s: string) =>
  s.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r\n|\r|\n/g, "\\n");

/** Parameter values (CN=…) may not hold `"`; quote when they contain `:`, `;` or `,`. */
const param = (s: string) => {
  const clean = s.replace(/["\r\n]/g, "");
  return /[:;,]/.test(clean) ? `"${clean}"` : clean;
};

/** Folds a content line at 75 octets, continuing with CRLF + space (§3.1). */
export const fold = (line: string): string => {
  const bytes = Buffer.from(line, "utf8");
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let start = 0;
  let limit = 75;
  while (start < bytes.length) {
    let end = Math.min(start + limit, bytes.length);
    // Back up to the start of a UTF-8 character (continuation bytes are 10xxxxxx).
    while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
    parts.push(bytes.subarray(start, end).toString("utf8"));
    start = end;
    limit = 74; // the leading space of a continuation line counts
  }
  return parts.join("\r\n ");
};

export const icsOf = (e: CalendarEvent): string => {
  const method = e.method ?? "PUBLISH";
  const attendance = method === "PUBLISH" ? "PARTSTAT=ACCEPTED" : "PARTSTAT=NEEDS-ACTION;RSVP=TRUE";
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Rendezvous//Booking//EN",
    "CALSCALE:GREGORIAN",
    `METHOD:${method}`,
    "BEGIN:VEVENT",
    `UID:${e.uid}`,
    `DTSTAMP:${utc(e.stamp)}`,
    `SEQUENCE:${e.sequence}`,
    `DTSTART:${utc(e.start)}`,
    `DTEND:${utc(e.end)}`,
    `SUMMARY:${escapeText(e.summary)}`,
    `DESCRIPTION:${escapeText(e.description)}`,
    ...(e.location === "" ? [] : [`LOCATION:${escapeText(e.location)}`]),
    `URL:${e.url}`,
    `ORGANIZER;CN=${param(e.organizer.name)}:mailto:${e.organizer.email}`,
    `ATTENDEE;CN=${param(e.attendee.name)};ROLE=REQ-PARTICIPANT;${attendance}:mailto:${e.attendee.email}`,
    `STATUS:${e.cancelled || method === "CANCEL" ? "CANCELLED" : "CONFIRMED"}`,
    "TRANSP:OPAQUE",
    "END:VEVENT",
    "END:VCALENDAR",
  ];
  return `${lines.map(fold).join("\r\n")}\r\n`;
};
