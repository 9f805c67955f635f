import type { Children } from "@kitajs/html";
import { ZoneGuess } from "./ZoneGuess.tsx";
import { Location } from "./Location.tsx";
import { Avatar, hueOf } from "./Avatar.tsx";
import type { EventType, Host } from "../domain/model.ts";
import { MonthCalendar, type CalendarData } from "./Calendar.tsx";
import type { Clock } from "./format.ts";
import { translate } from "../i18n/i18n.ts";
import type { Language } from "../i18n/language.ts";
import { CsrfField, Layout, type PageContext } from "./Layout.tsx";
import { SLOT_FORM_ID } from "./SlotList.tsx";
import { ZonePicker, type ZoneGroup } from "./ZonePicker.tsx";

export interface Viewer {
  readonly zone: string;
  /** True when the zone came from the host because the visitor's own is not known yet. */
  readonly zoneIsHosts: boolean;
  readonly clock: Clock;
  /** The page's words and how its dates are written. */
  readonly language: Language;
}

/** The lengths an invitee may pick, as links (the chosen one marked), each keeping the rest of the view. */
const LengthChoice = (props: { readonly chosen: number; readonly lengths: ReadonlyArray<{ readonly minutes: number; readonly url: string }>; readonly language: Language }) => (
  <nav class="lengths" aria-label={translate(props.language.ui, "page.lengths")}>
    <ul>
      {props.lengths.map((l) => (
        <li>
          <a href={l.url} aria-current={l.minutes === props.chosen ? "true" : undefined} safe>
            {translate(props.language.ui, "page.minutes", { n: l.minutes })}
          </a>
        </li>
      ))}
    </ul>
  </nav>
);

/** Who and what: the host's picture and name, the meeting's title, length and place, its description. */
export const EventHeader = (props: { readonly host: Host; readonly eventType: EventType; readonly language: Language; readonly brief?: boolean }) => (
  <header class="event-header">
    <div class="host-line">
      <Avatar host={props.host} />
      <a class="host-name" href={`/${props.host.slug}`} safe>
        {props.host.name}
      </a>
    </div>
    <h1 safe>{props.eventType.title}</h1>
    <p class="facts">
      <span class="fact" safe>{translate(props.language.ui, "page.minutes", { n: props.eventType.durationMinutes })}</span>
      {props.eventType.location === "" ? "" : <span class="fact"><Location eventType={props.eventType} language={props.language} /></span>}
    </p>
    {props.brief === true || props.eventType.description === "" ? "" : <p class="description" safe>{props.eventType.description}</p>}
  </header>
);

export interface BookingPanelProps {
  readonly page: PageContext;
  readonly viewer: Viewer;
  readonly calendar: CalendarData;
  /** Rendered `DaySlots` (possibly from the fragment cache). */
  readonly daySlots: JSX.Element;
  /** Where a chosen slot goes: the hold of a new booking, or the reschedule of one. */
  readonly slotAction: string;
  /** This view's own URL: the panel re-fetches it when slots come free or the socket reconnects. */
  readonly selfUrl: string;
  readonly notice?: string | undefined;
  /** The chosen length, posted with the slot, when the event type offers several. */
  readonly length?: number | undefined;
  /** This view at each length offered, when there is a choice. */
  readonly lengths?: ReadonlyArray<{ readonly minutes: number; readonly url: string }>;
  /**
   * What the zone form and the clock links outside the panel must carry for this view (day,
   * month, length): the page script copies them out after each partial swap.
   */
  readonly keep?: Readonly<Record<string, string>>;
  readonly clockUrls?: { readonly "12h": string; readonly "24h": string };
  /** In a frame on the host's site: the chosen slot goes on in the frame. */
  readonly embed?: boolean | undefined;
}

/**
 * Calendar and the chosen day's times. Day and month links work as plain links; htmx swaps
 * only this panel (morphing keeps focus) and the page script moves focus through the grid.
 */
export const BookingPanel = (p: BookingPanelProps) => {
  const { daySlots } = p;
  return (
  <div
    id="booking-panel"
    class="booking-panel"
    hx-get={p.selfUrl}
    hx-trigger="slots:refresh"
    hx-select="#booking-panel"
    hx-swap="outerMorph"
    data-keep={p.keep === undefined ? undefined : JSON.stringify(p.keep)}
    data-clock-12h={p.clockUrls?.["12h"]}
    data-clock-24h={p.clockUrls?.["24h"]}
  >
    {p.length === undefined || p.lengths === undefined ? "" : <LengthChoice chosen={p.length} lengths={p.lengths} language={p.viewer.language} />}
    <div
      class="panel-nav"
      hx-target:inherited="#booking-panel"
      hx-select:inherited="#booking-panel"
      hx-swap:inherited="outerMorph"
      hx-push-url:inherited="true"
    >
      {p.notice === undefined ? (
        ""
      ) : (
        <p class="notice" role="alert" safe>
          {p.notice}
        </p>
      )}
      <MonthCalendar {...p.calendar} />
      <section class="times" aria-label={translate(p.viewer.language.ui, "page.freeTimes")}>
        {daySlots}
      </section>
    </div>
    <form id={SLOT_FORM_ID} method="post" action={p.slotAction}>
      <CsrfField page={p.page} />
      <input type="hidden" name="tz" value={p.viewer.zone} />
      {p.length === undefined ? "" : <input type="hidden" name="d" value={String(p.length)} />}
      {p.embed === true ? <input type="hidden" name="embed" value="1" /> : ""}
    </form>
    <p
      id="live-status"
      class="visually-hidden"
      role="status"
      aria-live="polite"
      data-one={translate(p.viewer.language.ui, "page.live.takenOne")}
      data-many={translate(p.viewer.language.ui, "page.live.takenMany")}
    ></p>
  </div>
  );
};

export interface EventPageProps extends BookingPanelProps {
  readonly host: Host;
  readonly eventType: EventType;
  readonly zones: ReadonlyArray<ZoneGroup>;
  readonly keep: Readonly<Record<string, string>>;
  readonly clockUrls: { readonly "12h": string; readonly "24h": string };
}

/** The live section: the page listens to its host (and, for calendar marks, its zone). */
export const Live = (props: { readonly hostId: string; readonly zone: string; readonly language: Language; readonly children: Children }) => (
  <section
    id="live"
    hx-ws:connect={`/live/hosts/${props.hostId}?${new URLSearchParams({ tz: props.zone, lang: props.language.ui, dates: props.language.dates }).toString()}`}
    hx-swap="none"
  >
    {props.children}
  </section>
);

/** `/:host/:event`: what the meeting is, and when it can be. */
export const EventPage = (p: EventPageProps) => (
  <Layout page={p.page} title={`${p.eventType.title} · ${p.host.name}`} hue={hueOf(p.host.id)} embed={p.embed} translatedAt={p.selfUrl}>
    <div class="event-layout">
      <EventHeader host={p.host} eventType={p.eventType} language={p.viewer.language} />
      <div class="event-main">
        {p.viewer.zoneIsHosts ? <ZoneGuess hostsZone={p.viewer.zone} /> : ""}
        <ZonePicker zone={p.viewer.zone} zoneIsHosts={p.viewer.zoneIsHosts} groups={p.zones} keep={p.keep} clock={p.viewer.clock} clockUrls={p.clockUrls} language={p.viewer.language} />
        <Live hostId={p.host.id} zone={p.viewer.zone} language={p.viewer.language}>
          <BookingPanel {...p} />
        </Live>
      </div>
    </div>
  </Layout>
);

export const HostPage = (p: { readonly page: PageContext; readonly host: Host; readonly eventTypes: ReadonlyArray<EventType> }) => (
  <Layout page={p.page} title={p.host.name} hue={hueOf(p.host.id)} translatedAt={`/${p.host.slug}`}>
    <header class="event-header host-header">
      <Avatar host={p.host} />
      <div>
        <h1 safe>{p.host.name}</h1>
        {p.host.bio === "" ? "" : <p class="bio" safe>{p.host.bio}</p>}
        <p safe>{translate(p.page.language.ui, "page.chooseMeeting")}</p>
      </div>
    </header>
    {p.eventTypes.length === 0 ? (
      <p safe>{translate(p.page.language.ui, "page.nothingToBook")}</p>
    ) : (
      <ul class="event-types cards">
        {p.eventTypes.map((e) => (
          <li class="card">
            <h2>
              <a href={`/${p.host.slug}/${e.slug}`} safe>
                {e.title}
              </a>
            </h2>
            <p class="facts">
              <span safe>{translate(p.page.language.ui, "page.minutes", { n: e.durationChoices.join(" / ") })}</span>
              {e.location === "" ? "" : <Location eventType={e} language={p.page.language} />}
            </p>
            {e.description === "" ? "" : <p class="muted" safe>{e.description}</p>}
          </li>
        ))}
      </ul>
    )}
  </Layout>
);
