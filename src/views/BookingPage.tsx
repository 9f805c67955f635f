import type { EventType, EventTypeId, Host } from "../domain/model.ts";
import type { ViewedDay } from "../domain/projection.ts";
import { formatInstant, type EpochMs } from "../domain/time.ts";
import { dayLong, wallTime, zoneLabel, type Clock } from "./format.ts";
import { CsrfField, Layout, type PageContext } from "./Layout.tsx";

export interface Viewer {
  readonly zone: string;
  /** True when the zone came from the host because the visitor's own is not known yet. */
  readonly zoneIsHosts: boolean;
  readonly clock: Clock;
}

/** The element id of a slot on every page: time-zone free, so one fragment removes it everywhere. */
export const slotElementId = (eventTypeId: EventTypeId, start: EpochMs) => `slot-${eventTypeId}-${start}`;

export interface SlotPanelProps {
  readonly page: PageContext;
  readonly host: Host;
  readonly eventType: EventType;
  readonly viewer: Viewer;
  readonly days: ReadonlyArray<ViewedDay>;
  /** This view's own URL: the panel re-fetches it after a slot is freed or the socket reconnects. */
  readonly selfUrl: string;
  readonly earlier?: string | undefined;
  readonly later?: string | undefined;
}

/** The slot list: one button per offered start, grouped by the viewer's local date. */
export const SlotPanel = (p: SlotPanelProps) => (
    <div id="slot-panel" hx-get={p.selfUrl} hx-trigger="slots:refresh" hx-swap="outerHTML" hx-target="this">
      <form method="post" action={`/${p.host.slug}/${p.eventType.slug}/hold`} class="slot-form">
        <CsrfField page={p.page} />
        <input type="hidden" name="tz" value={p.viewer.zone} />
        {p.days.length === 0 ? <p class="empty">No free times in these days.</p> : ""}
        {p.days.map((day) => (
          <section class="day" aria-label={dayLong(day.date)}>
            <h3 safe>{dayLong(day.date)}</h3>
            <ul class="slots">
              {day.slots.map((slot) => {
                const start = wallTime(slot.startMinutes, p.viewer.clock);
                const end = wallTime(slot.endMinutes, p.viewer.clock);
                return (
                  <li id={slotElementId(p.eventType.id, slot.start)}>
                    <button
                      type="submit"
                      name="start"
                      value={formatInstant(slot.start)}
                      aria-label={`${dayLong(day.date)}, ${start} to ${end}`}
                    >
                      <time datetime={formatInstant(slot.start)} safe>{start}</time>
                    </button>
                  </li>
                );
              })}
            </ul>
          </section>
        ))}
      </form>
      <nav class="pager" aria-label="More days">
        {p.earlier === undefined ? "" : <a href={p.earlier}>Earlier days</a>}
        {p.later === undefined ? "" : <a href={p.later}>Later days</a>}
      </nav>
    </div>
);

export interface BookingPageProps extends SlotPanelProps {
  readonly notice?: string | undefined;
}

/** `/:host/:event`: what the meeting is, and when it can be. */
export const BookingPage = (p: BookingPageProps) => (
  <Layout page={p.page} title={`${p.eventType.title} · ${p.host.name}`}>
    <header class="event-header">
      <p class="muted">
        <a href={`/${p.host.slug}`} safe>
          {p.host.name}
        </a>
      </p>
      <h1 safe>{p.eventType.title}</h1>
      <p>
        {p.eventType.durationMinutes} min
        {p.eventType.location === "" ? "" : <span safe>{` · ${p.eventType.location}`}</span>}
      </p>
      {p.eventType.description === "" ? "" : <p safe>{p.eventType.description}</p>}
    </header>
    {p.notice === undefined ? "" : (
      <p class="notice" role="alert" safe>
        {p.notice}
      </p>
    )}
    <p class="zone" data-zone={p.viewer.zone} data-zone-is-hosts={p.viewer.zoneIsHosts ? "true" : "false"}>
      Times are in <strong safe>{zoneLabel(p.viewer.zone)}</strong>
      {p.viewer.zoneIsHosts ? " (the host's time zone)" : ""}.
    </p>
    <section id="live" hx-ws:connect={`/live/hosts/${p.host.id}`} hx-swap="none">
      <SlotPanel {...p} />
    </section>
  </Layout>
);
