import { NOTE } from "../domain/model.ts";
import type { Booking, EventType, EventTypeId, Host } from "../domain/model.ts";
import { addDays, formatInstant, formatLocalDate, type EpochMs, type LocalDate } from "../domain/time.ts";
import { zoneTable } from "../domain/zone.ts";
import { dayLong, meetingIn, zoneLabel, type Clock } from "./format.ts";
import { TextField, type Errors, type Values } from "./fields.tsx";
import { HostNav, NoticeLine, type Notice } from "./HostSetupPages.tsx";
import { CsrfField, Layout, type PageContext } from "./Layout.tsx";

/** A sign-in link only signs in when its button is pressed: mail scanners that open links do not. */
export const SignInPage = (p: { readonly page: PageContext; readonly host: Host }) => (
  <Layout page={p.page} title="Sign in · Rendezvous" noindex>
    <section class="card" aria-labelledby="sign-in-h">
      <h1 id="sign-in-h" safe>{`Sign in as ${p.host.name}`}</h1>
      <p>This link works once. After signing in, this browser stays signed in for 30 days or until you sign out.</p>
      <form method="post">
        <CsrfField page={p.page} />
        <button type="submit">Sign in</button>
      </form>
    </section>
  </Layout>
);

/** Hosts sign in with a link that works once; the owner's own link is printed by `npm start`. */
export const SignedOutPage = (p: {
  readonly page: PageContext;
  readonly status: "signed-out" | "no-session" | "link-sent" | "sign-up-sent";
  /** SIGNUP=open: a form to create an account is offered too. */
  readonly signupOpen: boolean;
  readonly values?: Values;
  readonly errors?: Errors;
}) => (
  <Layout page={p.page} title="Your bookings · Rendezvous" noindex>
    <section class="card" aria-labelledby="signed-out-h">
      <h1 id="signed-out-h">
        {p.status === "signed-out" ? "You are signed out" : p.status === "link-sent" || p.status === "sign-up-sent" ? "Check your mail" : "Please sign in"}
      </h1>
      {p.status === "link-sent" ? (
        <p role="status">
          If a host of this Rendezvous has that address, a sign-in link is on its way. It works once, within 15 minutes.
        </p>
      ) : p.status === "sign-up-sent" ? (
        <p role="status">A link is on its way to that address: it creates your account (or signs you in, if you have one).</p>
      ) : (
        <>
          <p>Hosts sign in with a link that works once. We mail it to you.</p>
          <form method="post" action="/host/sign-in" novalidate>
            <CsrfField page={p.page} />
            <TextField name="email" label="Your email" type="email" values={p.values ?? {}} errors={p.errors ?? new Map()} maxlength={320} required autocomplete="email" />
            <button type="submit" class="primary">
              Mail me a sign-in link
            </button>
          </form>
          {p.signupOpen ? (
            <form method="post" action="/host/sign-up" novalidate aria-labelledby="sign-up-h">
              <h2 id="sign-up-h">New here?</h2>
              <CsrfField page={p.page} />
              <TextField name="email" label="Your email, for a new account" type="email" values={{}} errors={new Map()} maxlength={320} required autocomplete="email" />
              <button type="submit" class="secondary">
                Create an account
              </button>
            </form>
          ) : (
            ""
          )}
        </>
      )}
      <p class="muted">
        Whoever runs this Rendezvous can also make a link with <code>npm run -s sign-in -- your-host-slug</code>.
      </p>
    </section>
  </Layout>
);

/** The most meetings one page lists; a host with more sees how many are not shown. */
export const DASHBOARD_LIMIT = 200;

export interface DashboardProps {
  readonly page: PageContext;
  readonly host: Host;
  /** Runs the team (owner or admin). */
  readonly lead: boolean;
  readonly eventTypes: ReadonlyMap<EventTypeId, EventType>;
  /** Confirmed meetings that have not ended, by start. */
  readonly upcoming: ReadonlyArray<Booking>;
  readonly undelivered: ReadonlyArray<UndeliveredNotice>;
  readonly webhooks: ReadonlyArray<WebhookView>;
  readonly clock: Clock;
  readonly notice?: { readonly text: string; readonly error: boolean } | undefined;
}

export interface WebhookView {
  readonly id: string;
  readonly url: string;
  readonly secret: string;
  readonly events: ReadonlyArray<string>;
}

/** The events a webhook may listen for, with what the dashboard calls them. */
export const WEBHOOK_EVENT_LABELS: ReadonlyArray<readonly [string, string]> = [
  ["booking.created", "A meeting is booked"],
  ["booking.rescheduled", "A meeting moves"],
  ["booking.cancelled", "A meeting is cancelled"],
  ["booking.pending", "A booking waits for my confirmation"],
  ["booking.accepted", "I accept a booking"],
  ["booking.declined", "I decline a booking"],
];

/** A mail the outbox gave up on: refused for good, or failing past its attempts. */
export interface UndeliveredNotice {
  readonly id: number;
  readonly kind: "booking_confirmed" | "booking_cancelled" | "booking_rescheduled" | "booking_reminder" | "booking_requested" | "booking_accepted" | "booking_declined";
  readonly recipient: "invitee" | "host" | "webhook" | "sms";
  readonly webhookUrl: string | null;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly finishedAt: number;
  readonly inviteeName: string;
  readonly inviteeEmail: string;
  readonly hostEmail: string;
}

const NOTICE_NAMES: Record<UndeliveredNotice["kind"], string> = {
  booking_confirmed: "Confirmation",
  booking_cancelled: "Cancellation",
  booking_rescheduled: "New time",
  booking_reminder: "Reminder",
  booking_requested: "Request",
  booking_accepted: "Confirmation",
  booking_declined: "Decline",
};

/** `/host`: a signed-in host's upcoming meetings, each of which the host may cancel. */
export const HostDashboard = (p: DashboardProps) => {
  const shown = p.upcoming.slice(0, DASHBOARD_LIMIT);
  const days: { day: string; meetings: { booking: Booking; start: string; end: string }[] }[] = [];
  for (const booking of shown) {
    const w = meetingIn(booking.start, booking.end - booking.start, p.host.timeZone, p.clock);
    if (days.at(-1)?.day !== w.day) days.push({ day: w.day, meetings: [] });
    days.at(-1)!.meetings.push({ booking, start: w.start, end: w.end });
  }
  return (
    <Layout page={p.page} title={`Your bookings · ${p.host.name}`} noindex>
      <HostNav page={p.page} current="meetings" lead={p.lead} host={p.host} />
      <section class="card dashboard" aria-labelledby="dashboard-h">
        <h1 id="dashboard-h" safe>{`Upcoming meetings of ${p.host.name}`}</h1>
        <p class="muted" safe>{`Times in ${zoneLabel(p.host.timeZone)}. New bookings, moves and cancellations appear here as they happen.`}</p>
        <NoticeLine notice={p.notice} />
        <p id="meetings-status" class="visually-hidden" role="status" aria-live="polite"></p>
        {/* The dashboard's socket: the server tells it when this host's meetings change, and it re-reads them. */}
        <section id="live" hx-ws:connect="/host/live" hx-swap="none" aria-label="Meetings">
        <div id="meetings" hx-get="/host" hx-trigger="meetings:refresh" hx-select="#meetings" hx-swap="outerMorph">
          {days.length === 0 ? <p>No upcoming meetings.</p> : ""}
          {days.map((d) => (
            <section class="dashboard-day">
              <h2 safe>{d.day}</h2>
              <ul class="meetings">
                {d.meetings.map(({ booking, start, end }) => (
                  <Meeting booking={booking} start={start} end={end} eventType={p.eventTypes.get(booking.eventTypeId)} page={p.page} />
                ))}
              </ul>
            </section>
          ))}
          {p.upcoming.length > shown.length ? (
            <p class="muted" safe>{`${p.upcoming.length - shown.length} later meetings are not shown.`}</p>
          ) : (
            ""
          )}
        </div>
        </section>
        {p.undelivered.length === 0 ? "" : <Undelivered notices={p.undelivered} page={p.page} zone={p.host.timeZone} clock={p.clock} />}
        <Webhooks webhooks={p.webhooks} page={p.page} />
      </section>
    </Layout>
  );
};

const Webhooks = (p: { readonly page: PageContext; readonly webhooks: ReadonlyArray<WebhookView> }) => (
  <section class="webhooks" aria-labelledby="webhooks-h">
    <h2 id="webhooks-h">Webhooks</h2>
    <p class="muted">
      Booking changes are sent as signed JSON (<code>POST</code>) to these addresses; verify the{" "}
      <code>Rendezvous-Signature</code> header with the webhook's secret.
    </p>
    <ul class="meetings">
      {p.webhooks.map((w) => (
        <li class="meeting" id={`webhook-${w.id}`}>
          <p>
            <code safe>{w.url}</code>
          </p>
          <p class="muted" safe>{w.events.join(", ")}</p>
          <p>
            Secret: <code safe>{w.secret}</code>
          </p>
          <form method="post" action={`/host/webhooks/${w.id}/test`}>
            <CsrfField page={p.page} />
            <button type="submit" class="secondary">
              Send a test
            </button>
          </form>
          <form method="post" action={`/host/webhooks/${w.id}/delete`}>
            <CsrfField page={p.page} />
            <button type="submit" class="danger">
              Remove
            </button>
          </form>
        </li>
      ))}
    </ul>
    <form method="post" action="/host/webhooks" class="webhook-form">
      <CsrfField page={p.page} />
      <label for="webhook-url">Address (https://…)</label>
      <input id="webhook-url" name="url" type="url" required maxlength="2000" />
      <fieldset>
        <legend>Send</legend>
        {WEBHOOK_EVENT_LABELS.map(([event, label]) => (
          <label class="inline">
            <input type="checkbox" name={`event.${event}`} checked />
            <span safe>{label}</span>
          </label>
        ))}
      </fieldset>
      <button type="submit">Add webhook</button>
    </form>
  </section>
);

const recipientOf = (n: UndeliveredNotice) =>
  n.recipient === "invitee"
    ? `${n.inviteeName} <${n.inviteeEmail}>`
    : n.recipient === "host"
      ? n.hostEmail
      : n.recipient === "sms"
        ? `${n.inviteeName} by SMS`
        : `the webhook ${n.webhookUrl ?? ""}`;

const Undelivered = (p: { readonly page: PageContext; readonly notices: ReadonlyArray<UndeliveredNotice>; readonly zone: string; readonly clock: Clock }) => (
  <section class="undelivered" aria-labelledby="undelivered-h">
    <h2 id="undelivered-h">Mail and webhook calls that could not be delivered</h2>
    <ul class="meetings">
      {p.notices.map((n) => {
        const when = meetingIn(n.finishedAt as Booking["start"], 0, p.zone, p.clock);
        return (
          <li class="meeting" id={`notice-${n.id}`}>
            <p>
              <strong safe>{`${NOTICE_NAMES[n.kind]} to ${recipientOf(n)}`}</strong>
            </p>
            <p class="muted" safe>{`Gave up ${when.day}, ${when.start} after ${n.attempts} attempt${n.attempts === 1 ? "" : "s"}: ${n.lastError ?? "unknown error"}`}</p>
            <form method="post" action={`/host/notices/${n.id}/retry`}>
              <CsrfField page={p.page} />
              <button type="submit" class="secondary">
                Send again
              </button>
            </form>
          </li>
        );
      })}
    </ul>
  </section>
);

const Meeting = (p: {
  readonly page: PageContext;
  readonly booking: Booking;
  readonly eventType: EventType | undefined;
  readonly start: string;
  readonly end: string;
}) => {
  const b = p.booking;
  const note = b.answers[NOTE];
  const answered = (p.eventType?.questions ?? []).filter((q) => (b.answers[q.id] ?? "") !== "");
  const reasonId = `reason-${b.id}`;
  return (
    <li class={`meeting colour-${p.eventType?.colour ?? "grey"}`} id={`meeting-${b.id}`}>
      <p>
        <strong safe>{`${p.start} – ${p.end}`}</strong> <span safe>{p.eventType?.title ?? "Meeting"}</span>
      </p>
      <p safe>{`${b.invitee.name} · ${b.invitee.email} · ${zoneLabel(b.invitee.timeZone)}`}</p>
      {answered.length === 0 && note === undefined ? (
        ""
      ) : (
        <dl class="answers">
          {answered.map((q) => (
            <>
              <dt safe>{q.label}</dt>
              <dd safe>{b.answers[q.id]}</dd>
            </>
          ))}
          {note === undefined ? (
            ""
          ) : (
            <>
              <dt>Note</dt>
              <dd safe>{note}</dd>
            </>
          )}
        </dl>
      )}
      {b.status === "pending" ? (
        <div class="request">
          <p>
            <span class="badge">Awaiting your confirmation</span>
          </p>
          <form method="post" action={`/host/bookings/${b.id}/accept`}>
            <CsrfField page={p.page} />
            <button type="submit" class="primary" safe>
              {`Accept the request of ${b.invitee.name}`}
            </button>
          </form>
          <ReasonForm
            page={p.page}
            summary={`Decline the request of ${b.invitee.name}`}
            action={`/host/bookings/${b.id}/decline`}
            id={`decline-${b.id}`}
            button="Decline this request"
          />
        </div>
      ) : (
        ""
      )}
      <p>
        <a href={`/host/bookings/${b.id}/reschedule`} safe>
          {`Move the meeting with ${b.invitee.name}`}
        </a>
      </p>
      <ReasonForm page={p.page} summary={`Cancel the meeting with ${b.invitee.name}`} action={`/host/bookings/${b.id}/cancel`} id={reasonId} button="Cancel this meeting" />
    </li>
  );
};

/** Ending a meeting or a request: behind a summary, with an optional reason the invitee is shown. */
const ReasonForm = (p: { readonly page: PageContext; readonly summary: string; readonly action: string; readonly id: string; readonly button: string }) => (
  <details>
    <summary safe>{p.summary}</summary>
    <form method="post" action={p.action} class="cancel-form">
      <CsrfField page={p.page} />
      <label for={p.id}>
        Reason, shown to the invitee <span class="muted">(optional)</span>
      </label>
      <textarea id={p.id} name="reason" rows="2" maxlength="2000"></textarea>
      <button type="submit" class="danger" safe>
        {p.button}
      </button>
    </form>
  </details>
);

/** `/host/bookings/:id/reschedule`: the free times of a fortnight, in the host's zone; picking one moves the meeting. */
export const HostReschedulePage = (p: {
  readonly page: PageContext;
  readonly host: Host;
  readonly lead: boolean;
  readonly booking: Booking;
  readonly eventType: EventType;
  readonly slots: ReadonlyArray<EpochMs>;
  readonly from: LocalDate;
  readonly today: LocalDate;
  readonly days: number;
  readonly clock: Clock;
  readonly notice?: Notice | undefined;
}) => {
  const table = zoneTable(p.host.timeZone);
  const byDay = new Map<LocalDate, EpochMs[]>();
  for (const s of p.slots) {
    const day = table.localDateOf(s);
    byDay.set(day, [...(byDay.get(day) ?? []), s]);
  }
  const now = meetingIn(p.booking.start, p.booking.end - p.booking.start, p.host.timeZone, p.clock);
  return (
    <Layout page={p.page} title={`Move a meeting · ${p.host.name}`} noindex>
      <HostNav page={p.page} current="meetings" lead={p.lead} host={p.host} />
      <section class="card" aria-labelledby="move-h">
        <h1 id="move-h" safe>{`Move ${p.eventType.title} with ${p.booking.invitee.name}`}</h1>
        <p safe>{`Now: ${now.day}, ${now.start} – ${now.end} (${zoneLabel(p.host.timeZone)}). Choose a new time; the old one is freed and the invitee is told.`}</p>
        <NoticeLine notice={p.notice} />
        <nav class="pager" aria-label="Other days">
          {p.from > p.today ? <a href={`?from=${formatLocalDate(addDays(p.from, -p.days))}`}>Earlier days</a> : ""}
          <a href={`?from=${formatLocalDate(addDays(p.from, p.days))}`}>Later days</a>
        </nav>
        {byDay.size === 0 ? <p>No free times in these days.</p> : ""}
        <form method="post" class="move-times">
          <CsrfField page={p.page} />
          {[...byDay].map(([day, starts]) => (
            <section class="day-slots">
              <h2 safe>{dayLong(day)}</h2>
              <ul class="slots">
                {starts.map((s) => (
                  <li>
                    <button type="submit" name="start" value={formatInstant(s)} safe>
                      {meetingIn(s, 0, p.host.timeZone, p.clock).start}
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </form>
        <p>
          <a href="/host">Back to your meetings</a>
        </p>
      </section>
    </Layout>
  );
};
