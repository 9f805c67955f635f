import type { Booking, EventType, Host } from "../domain/model.ts";
import { meetingIn, zoneLabel, type Clock } from "./format.ts";
import { Layout, type PageContext } from "./Layout.tsx";

export interface BookingDetailsProps {
  readonly page: PageContext;
  readonly host: Host;
  readonly eventType: EventType;
  readonly booking: Booking;
  readonly manageUrl: string;
  readonly clock: Clock;
  /** Shown right after booking: "You are scheduled". */
  readonly justBooked: boolean;
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

/** `/booking/:token`: the confirmation right after booking, and the invitee's manage page. */
export const BookingDetailsPage = (p: BookingDetailsProps) => {
  const cancelled = p.booking.status === "cancelled";
  const sameZone = p.booking.invitee.timeZone === p.host.timeZone;
  return (
    <Layout page={p.page} title={`${p.eventType.title} · ${p.host.name}`} noindex>
      <section class="card booking" aria-labelledby="booking-h">
        <h1 id="booking-h" tabindex="-1" {...{ autofocus: true }}>
          {cancelled ? "This meeting is cancelled" : p.justBooked ? "You are scheduled" : "Your meeting"}
        </h1>
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
              <dd safe>{p.eventType.location}</dd>
            </>
          )}
          <dt>Who</dt>
          <dd safe>{`${p.booking.invitee.name} <${p.booking.invitee.email}>`}</dd>
        </dl>
        {cancelled ? (
          ""
        ) : (
          <p>
            Keep this link to see, cancel or reschedule: <a href={p.manageUrl} safe>{p.manageUrl}</a>
          </p>
        )}
      </section>
    </Layout>
  );
};
