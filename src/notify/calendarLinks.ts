/** "Add to calendar" links: the services' own compose pages, filled in with the meeting. */
export interface LinkedEvent {
  readonly title: string;
  readonly start: number;
  readonly end: number;
  readonly details: string;
  readonly location: string;
}

const compact = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export const googleCalendarUrl = (e: LinkedEvent) =>
  `https://calendar.google.com/calendar/render?${new URLSearchParams({
    action: "TEMPLATE",
    text: e.title,
    dates: `${compact(e.start)}/${compact(e.end)}`,
    details: e.details,
    location: e.location,
  }).toString()}`;

const outlook = (host: string) => (e: LinkedEvent) =>
  `https://${host}/calendar/0/deeplink/compose?${new URLSearchParams({
    path: "/calendar/action/compose",
    rru: "addevent",
    subject: e.title,
    startdt: iso(e.start),
    enddt: iso(e.end),
    body: e.details,
    location: e.location,
  }).toString()}`;

export const outlookCalendarUrl = outlook("outlook.live.com");
export const office365CalendarUrl = outlook("outlook.office.com");
