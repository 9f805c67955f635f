import { NOTE, type Booking, type EventType, type Host } from "../domain/model.ts";
import { formatInstant, type EpochMs } from "../domain/time.ts";
import { hueOf } from "./Avatar.tsx";
import { Location } from "./Location.tsx";
import type { BookingPanelProps } from "./EventPage.tsx";
import { BookingPanel, EventHeader, Live, type Viewer } from "./EventPage.tsx";
import { ZonePicker, type ZoneGroup } from "./ZonePicker.tsx";
import { meetingIn, zoneLabel, type Clock } from "./format.ts";
import { CsrfField, Layout, type PageContext } from "./Layout.tsx";

export interface CalendarLinks {
  readonly ics: string;
  readonly google: string;
  readonly outlook: string;
  readonly office365: string;
}

export interface BookingDetailsProps {
  readonly page: PageContext;
  readonly host: Host;
  readonly eventType: EventType;
  readonly booking: Booking;
  readonly manageUrl: string;
  readonly clock: Clock;
  readonly links: CalendarLinks;
  /** What just happened, said once at the top. */
  readonly news: "booked" | "rescheduled" | "cancelled" | undefined;
  readonly notice?: string | undefined;
  /** In a frame on the host's site: the manage page opens outside it. */
  readonly embed?: boolean | undefined;
}

/** When, in one zone, as a sentence. */
const When = (props: { readonly booking: Booking; readonly zone: string; readonly clock: Clock }) => {
  const w = meetingIn(props.booking.start, props.booking.end - props.booking.start, props.zone, props.clock);
  return (
    <>
      <span safe>{`${w.day}, ${w.start} – ${w.end}`}</span>{" "}
      <span class="muted" safe>{`(${zoneLabel(props.zone)}, ${w.offset})`}</span>
    </>
  );
};

/** The invitee's answers and note, as they gave them, under the questions' labels. */
const Answers = (p: { readonly eventType: EventType; readonly answers: Readonly<Record<string, string>> }) => {
  const given = [
    ...p.eventType.questions.map((q) => [q.label, q.kind === "checkbox" && p.answers[q.id] === "yes" ? "Yes" : (p.answers[q.id] ?? "")] as const),
    ["Note", p.answers[NOTE] ?? ""] as const,
  ].filter(([, answer]) => answer.trim() !== "");
  return (
    <>
      {given.map(([label, answer]) => (
        <>
          <dt safe>{label}</dt>
          <dd class="answer" safe>
            {answer}
          </dd>
        </>
      ))}
    </>
  );
};

const HEADINGS = {
  booked: "You are scheduled",
  rescheduled: "Your meeting has moved",
  cancelled: "Your meeting is cancelled",
} as const;

/** `/booking/:token`: the confirmation right after booking, and the invitee's manage page. */
export const BookingDetailsPage = (p: BookingDetailsProps) => {
  const cancelled = p.booking.status === "cancelled" || p.booking.status === "declined";
  const pending = p.booking.status === "pending";
  const sameZone = p.booking.invitee.timeZone === p.host.timeZone;
  const heading =
    p.booking.status === "declined"
      ? "Your request was declined"
      : pending && p.news === "booked"
        ? "Your request is sent"
        : p.news !== undefined
          ? HEADINGS[p.news]
          : cancelled
            ? "This meeting is cancelled"
            : pending
              ? "Your request"
              : "Your meeting";
  return (
    <Layout page={p.page} title={`${heading} · ${p.eventType.title}`} noindex hue={hueOf(p.host.id)} embed={p.embed}>
      <section class="card booking" aria-labelledby="booking-h">
        <h1 id="booking-h" tabindex="-1" {...{ autofocus: true }}>
          {heading}
        </h1>
        {p.notice === undefined ? (
          ""
        ) : (
          <p class="notice" role="alert" safe>
            {p.notice}
          </p>
        )}
        {pending ? (
          <p class="notice pending" role="status" safe>
            {`${p.host.name} confirms this meeting before it is booked. The time is held for you; you will get a mail when ${p.host.name} answers.`}
          </p>
        ) : (
          ""
        )}
        <dl>
          <dt>What</dt>
          <dd safe>{`${p.eventType.title} with ${p.host.name}`}</dd>
          <dt>When</dt>
          <dd>
            <When booking={p.booking} zone={p.booking.invitee.timeZone} clock={p.clock} />
          </dd>
          {sameZone ? (
            ""
          ) : (
            <>
              <dt>For the host</dt>
              <dd>
                <When booking={p.booking} zone={p.host.timeZone} clock={p.clock} />
              </dd>
            </>
          )}
          {p.eventType.location === "" ? (
            ""
          ) : (
            <>
              <dt>Where</dt>
              <dd>
                <Location eventType={p.eventType} />
              </dd>
            </>
          )}
          <dt>Who</dt>
          <dd safe>{`${p.booking.invitee.name} (${p.booking.invitee.email})`}</dd>
          <Answers eventType={p.eventType} answers={p.booking.answers} />
          {cancelled && p.booking.cancelReason !== null && p.booking.cancelReason !== "" ? (
            <>
              <dt>Reason</dt>
              <dd safe>{p.booking.cancelReason}</dd>
            </>
          ) : (
            ""
          )}
        </dl>
        {cancelled ? (
          <>
            <p>
              <a href={p.links.ics} download="meeting.ics">
                Remove it from your calendar (.ics)
              </a>{" "}
              <span class="muted">if you had added it: Apple Calendar, Outlook and others drop the entry when you open the file.</span>
            </p>
            <p>
              <a href={`/${p.host.slug}/${p.eventType.slug}`}>Book another time</a>
            </p>
          </>
        ) : (
          <>
            {pending ? (
              ""
            ) : (
              <>
            <h2>Add it to your calendar</h2>
            <ul class="calendar-links">
              <li>
                <a href={p.links.ics} download="meeting.ics">
                  Download .ics (Apple Calendar, Outlook, others)
                </a>
              </li>
              <li>
                <a href={p.links.google} target="_blank" rel="noopener noreferrer">
                  Google Calendar <span class="muted">(opens in new tab)</span>
                </a>
              </li>
              <li>
                <a href={p.links.outlook} target="_blank" rel="noopener noreferrer">
                  Outlook.com <span class="muted">(opens in new tab)</span>
                </a>
              </li>
              <li>
                <a href={p.links.office365} target="_blank" rel="noopener noreferrer">
                  Microsoft 365 <span class="muted">(opens in new tab)</span>
                </a>
              </li>
            </ul>
              </>
            )}
            {p.embed === true ? (
              <>
                <h2>Change it</h2>
                <p>
                  Keep this link to see, move or cancel the meeting (it is in your mail too):{" "}
                  <a href={p.manageUrl} target="_blank" rel="noopener" safe>
                    {p.manageUrl}
                  </a>
                </p>
              </>
            ) : (
              <>
              <h2>Change it</h2>
              <p>
                Keep this link to see, move or cancel the meeting: <a href={p.manageUrl} safe>{p.manageUrl}</a>
              </p>
              <p>
                <a class="button" href={`${new URL(p.manageUrl).pathname}/reschedule`}>
                  Reschedule
                </a>
              </p>
              {/* A second step: the first tap only opens the form, so nobody cancels by a slip. */}
              <details class="cancel-step">
                <summary>{pending ? "Withdraw the request" : "Cancel the meeting"}</summary>
                <form method="post" action={`${new URL(p.manageUrl).pathname}/cancel`} class="cancel-form">
                  <CsrfField page={p.page} />
                  <label for="reason">
                    Reason, shown to the host <span class="muted">(optional)</span>
                  </label>
                  <textarea id="reason" name="reason" rows="2" maxlength="2000"></textarea>
                  <button type="submit" class="danger">
                    {pending ? "Yes, withdraw the request" : "Yes, cancel the meeting"}
                  </button>
                </form>
              </details>
              </>
            )}
          </>
        )}
      </section>
    </Layout>
  );
};

export interface ReschedulePageProps extends BookingPanelProps {
  readonly host: Host;
  readonly eventType: EventType;
  readonly booking: Booking;
  readonly manageUrl: string;
  readonly zones: ReadonlyArray<ZoneGroup>;
  readonly keep: Readonly<Record<string, string>>;
  readonly clockUrls: { readonly "12h": string; readonly "24h": string };
}

/** `/booking/:token/reschedule`: the same calendar, in the zone the invitee booked in (or one they choose). */
export const ReschedulePage = (p: ReschedulePageProps) => {
  const now = meetingIn(p.booking.start, p.booking.end - p.booking.start, p.viewer.zone, p.viewer.clock);
  return (
    <Layout page={p.page} title={`Reschedule · ${p.eventType.title}`} noindex hue={hueOf(p.host.id)}>
      <EventHeader host={p.host} eventType={p.eventType} brief />
      <p class="card">
        Now: <strong safe>{`${now.day}, ${now.start} – ${now.end}`}</strong>{" "}
        <span class="muted" safe>{`(${zoneLabel(p.viewer.zone)})`}</span>. Choose a new time below; you confirm the move
        on the next page. <a href={p.manageUrl}>Keep the current time</a>
      </p>
      <ZonePicker zone={p.viewer.zone} zoneIsHosts={false} groups={p.zones} keep={p.keep} clock={p.viewer.clock} clockUrls={p.clockUrls} />
      <Live hostId={p.host.id} zone={p.viewer.zone}>
        <BookingPanel {...p} />
      </Live>
    </Layout>
  );
};

/** A picked time, before anything changes: from, to, why, and one button that moves the meeting. */
export const RescheduleReviewPage = (p: {
  readonly page: PageContext;
  readonly host: Host;
  readonly eventType: EventType;
  readonly booking: Booking;
  readonly viewer: Viewer;
  readonly start: EpochMs;
  /** The calendar again, on the picked day. */
  readonly back: string;
}) => {
  const length = p.booking.end - p.booking.start;
  const from = meetingIn(p.booking.start, length, p.viewer.zone, p.viewer.clock);
  const to = meetingIn(p.start, length, p.viewer.zone, p.viewer.clock);
  const path = `/booking/${p.booking.manageToken}/reschedule`;
  return (
    <Layout page={p.page} title={`Move the meeting · ${p.eventType.title}`} noindex hue={hueOf(p.host.id)}>
      <EventHeader host={p.host} eventType={p.eventType} brief />
      <form method="post" action={path} class="card review" hx-disable="find button[type=submit]">
        <h2>Move the meeting</h2>
        <CsrfField page={p.page} />
        <input type="hidden" name="start" value={formatInstant(p.start)} />
        <input type="hidden" name="tz" value={p.viewer.zone} />
        <dl>
          <dt>From</dt>
          <dd>
            <s safe>{`${from.day}, ${from.start} – ${from.end}`}</s>
          </dd>
          <dt>To</dt>
          <dd>
            <strong safe>{`${to.day}, ${to.start} – ${to.end}`}</strong>
          </dd>
        </dl>
        <p class="muted" safe>{`Times in ${zoneLabel(p.viewer.zone)}. ${p.host.name} is told, and your calendar invitation is updated.`}</p>
        <div class="field">
          <label for="reason">
            Reason, shown to {p.host.name === "" ? "the host" : <span safe>{p.host.name}</span>} <span class="muted">(optional)</span>
          </label>
          <textarea id="reason" name="reason" rows="2" maxlength="2000"></textarea>
        </div>
        <button type="submit" class="primary">
          Move the meeting
        </button>{" "}
        <a href={p.back}>Choose another time</a>
      </form>
    </Layout>
  );
};
