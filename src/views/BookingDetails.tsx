import { NOTE, type Booking, type EventType, type Host } from "../domain/model.ts";
import { formatInstant, type EpochMs } from "../domain/time.ts";
import { wordsOf, type Language } from "../i18n/language.ts";
import { hueOf } from "./Avatar.tsx";

type Words = ReturnType<typeof wordsOf>;
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
  readonly language: Language;
  readonly links: CalendarLinks;
  /** What just happened, said once at the top. */
  readonly news: "booked" | "rescheduled" | "cancelled" | undefined;
  readonly notice?: string | undefined;
  /** In a frame on the host's site: the manage page opens outside it. */
  readonly embed?: boolean | undefined;
}

/** When, in one zone, as a sentence. */
const When = (props: { readonly booking: Booking; readonly zone: string; readonly clock: Clock; readonly dates: string }) => {
  const w = meetingIn(props.booking.start, props.booking.end - props.booking.start, props.zone, props.clock, props.dates);
  return (
    <>
      <span safe>{`${w.day}, ${w.start} – ${w.end}`}</span>{" "}
      <span class="muted" safe>{`(${zoneLabel(props.zone)}, ${w.offset})`}</span>
    </>
  );
};

/** The invitee's answers and note, as they gave them, under the questions' labels. */
const Answers = (p: { readonly eventType: EventType; readonly answers: Readonly<Record<string, string>>; readonly t: Words }) => {
  const given = [
    ...p.eventType.questions.map((q) => [q.label, q.kind === "checkbox" && p.answers[q.id] === "yes" ? p.t("page.details.yes") : (p.answers[q.id] ?? "")] as const),
    [p.t("page.form.note"), p.answers[NOTE] ?? ""] as const,
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
  booked: "page.details.booked",
  rescheduled: "page.details.rescheduled",
  cancelled: "page.details.cancelled",
} as const;

/** `/booking/:token`: the confirmation right after booking, and the invitee's manage page. */
export const BookingDetailsPage = (p: BookingDetailsProps) => {
  const t = wordsOf(p.language);
  const cancelled = p.booking.status === "cancelled" || p.booking.status === "declined";
  const pending = p.booking.status === "pending";
  const sameZone = p.booking.invitee.timeZone === p.host.timeZone;
  const heading =
    p.booking.status === "declined"
      ? t("page.details.declined")
      : pending && p.news === "booked"
        ? t("page.details.requested")
        : p.news !== undefined
          ? t(HEADINGS[p.news])
          : cancelled
            ? t("page.details.isCancelled")
            : pending
              ? t("page.details.request")
              : t("page.details.meeting");
  return (
    <Layout page={p.page} title={`${heading} · ${p.eventType.title}`} noindex hue={hueOf(p.host.id)} embed={p.embed} translatedAt={`${new URL(p.manageUrl).pathname}${p.embed === true ? "?embed=1" : ""}`}>
      <section class="card booking" aria-labelledby="booking-h">
        <h1 id="booking-h" tabindex="-1" {...{ autofocus: true }} safe>
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
            {t("page.details.pending", { host: p.host.name })}
          </p>
        ) : (
          ""
        )}
        <dl>
          <dt safe>{t("page.details.what")}</dt>
          <dd safe>{t("page.details.titleWith", { title: p.eventType.title, host: p.host.name })}</dd>
          <dt safe>{t("page.details.when")}</dt>
          <dd>
            <When booking={p.booking} zone={p.booking.invitee.timeZone} clock={p.clock} dates={p.language.dates} />
          </dd>
          {sameZone ? (
            ""
          ) : (
            <>
              <dt safe>{t("page.details.forHost")}</dt>
              <dd>
                <When booking={p.booking} zone={p.host.timeZone} clock={p.clock} dates={p.language.dates} />
              </dd>
            </>
          )}
          {p.eventType.location === "" ? (
            ""
          ) : (
            <>
              <dt safe>{t("page.details.where")}</dt>
              <dd>
                <Location eventType={p.eventType} language={p.language} />
              </dd>
            </>
          )}
          <dt safe>{t("page.details.who")}</dt>
          <dd safe>{`${p.booking.invitee.name} (${p.booking.invitee.email})`}</dd>
          <Answers eventType={p.eventType} answers={p.booking.answers} t={t} />
          {cancelled && p.booking.cancelReason !== null && p.booking.cancelReason !== "" ? (
            <>
              <dt safe>{t("page.details.reason")}</dt>
              <dd safe>{p.booking.cancelReason}</dd>
            </>
          ) : (
            ""
          )}
        </dl>
        {cancelled ? (
          <>
            <p>
              <a href={p.links.ics} download="meeting.ics" safe>
                {t("page.details.removeIcs")}
              </a>{" "}
              <span class="muted" safe>{t("page.details.removeHint")}</span>
            </p>
            <p>
              <a href={`/${p.host.slug}/${p.eventType.slug}`} safe>
                {t("page.details.bookAnother")}
              </a>
            </p>
          </>
        ) : (
          <>
            {pending ? (
              ""
            ) : (
              <>
            <h2 safe>{t("page.details.addToCalendar")}</h2>
            <ul class="calendar-links">
              <li>
                <a href={p.links.ics} download="meeting.ics" safe>
                  {t("page.details.downloadIcs")}
                </a>
              </li>
              <li>
                <a href={p.links.google} target="_blank" rel="noopener noreferrer">
                  Google Calendar <span class="muted" safe>{t("page.details.newTab")}</span>
                </a>
              </li>
              <li>
                <a href={p.links.outlook} target="_blank" rel="noopener noreferrer">
                  Outlook.com <span class="muted" safe>{t("page.details.newTab")}</span>
                </a>
              </li>
              <li>
                <a href={p.links.office365} target="_blank" rel="noopener noreferrer">
                  Microsoft 365 <span class="muted" safe>{t("page.details.newTab")}</span>
                </a>
              </li>
            </ul>
              </>
            )}
            {p.embed === true ? (
              <>
                <h2 safe>{t("page.details.changeIt")}</h2>
                <p>
                  <span safe>{t("page.details.keepLinkEmbed")}</span>{" "}
                  <a href={p.manageUrl} target="_blank" rel="noopener" safe>
                    {p.manageUrl}
                  </a>
                </p>
              </>
            ) : (
              <>
              <h2 safe>{t("page.details.changeIt")}</h2>
              <p>
                <span safe>{t("page.details.keepLink")}</span> <a href={p.manageUrl} safe>{p.manageUrl}</a>
              </p>
              <p>
                <a class="button" href={`${new URL(p.manageUrl).pathname}/reschedule`} safe>
                  {t("page.details.reschedule")}
                </a>
              </p>
              {/* A second step: the first tap only opens the form, so nobody cancels by a slip. */}
              <details class="cancel-step">
                <summary safe>{t(pending ? "page.details.withdraw" : "page.details.cancel")}</summary>
                <form method="post" action={`${new URL(p.manageUrl).pathname}/cancel`} class="cancel-form">
                  <CsrfField page={p.page} />
                  <label for="reason">
                    <span safe>{t("page.details.reasonForHost")}</span> <span class="muted" safe>{t("page.form.optional")}</span>
                  </label>
                  <textarea id="reason" name="reason" rows="2" maxlength="2000"></textarea>
                  <button type="submit" class="danger" safe>
                    {t(pending ? "page.details.confirmWithdraw" : "page.details.confirmCancel")}
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
  const t = wordsOf(p.viewer.language);
  const now = meetingIn(p.booking.start, p.booking.end - p.booking.start, p.viewer.zone, p.viewer.clock, p.viewer.language.dates);
  return (
    <Layout page={p.page} title={`${t("page.details.reschedule")} · ${p.eventType.title}`} noindex hue={hueOf(p.host.id)} translatedAt={p.selfUrl}>
      <EventHeader host={p.host} eventType={p.eventType} language={p.viewer.language} brief />
      <p class="card">
        <span safe>{t("page.move.now", { when: `${now.day}, ${now.start} – ${now.end}`, zone: zoneLabel(p.viewer.zone) })}</span>{" "}
        <a href={p.manageUrl} safe>
          {t("page.move.keep")}
        </a>
      </p>
      <ZonePicker zone={p.viewer.zone} zoneIsHosts={false} groups={p.zones} keep={p.keep} clock={p.viewer.clock} clockUrls={p.clockUrls} language={p.viewer.language} />
      <Live hostId={p.host.id} zone={p.viewer.zone} language={p.viewer.language}>
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
  const t = wordsOf(p.viewer.language);
  const length = p.booking.end - p.booking.start;
  const from = meetingIn(p.booking.start, length, p.viewer.zone, p.viewer.clock, p.viewer.language.dates);
  const to = meetingIn(p.start, length, p.viewer.zone, p.viewer.clock, p.viewer.language.dates);
  const path = `/booking/${p.booking.manageToken}/reschedule`;
  return (
    <Layout page={p.page} title={`${t("page.move.title")} · ${p.eventType.title}`} noindex hue={hueOf(p.host.id)} translatedAt={p.back}>
      <EventHeader host={p.host} eventType={p.eventType} language={p.viewer.language} brief />
      <form method="post" action={path} class="card review" hx-disable="find button[type=submit]">
        <h2 safe>{t("page.move.title")}</h2>
        <CsrfField page={p.page} />
        <input type="hidden" name="start" value={formatInstant(p.start)} />
        <input type="hidden" name="tz" value={p.viewer.zone} />
        <dl>
          <dt safe>{t("page.move.from")}</dt>
          <dd>
            <s safe>{`${from.day}, ${from.start} – ${from.end}`}</s>
          </dd>
          <dt safe>{t("page.move.to")}</dt>
          <dd>
            <strong safe>{`${to.day}, ${to.start} – ${to.end}`}</strong>
          </dd>
        </dl>
        <p class="muted" safe>{t("page.move.told", { zone: zoneLabel(p.viewer.zone), host: p.host.name })}</p>
        <div class="field">
          <label for="reason">
            <span safe>{t("page.move.reason", { host: p.host.name })}</span> <span class="muted" safe>{t("page.form.optional")}</span>
          </label>
          <textarea id="reason" name="reason" rows="2" maxlength="2000"></textarea>
        </div>
        <button type="submit" class="primary" safe>
          {t("page.move.title")}
        </button>{" "}
        <a href={p.back} safe>
          {t("page.form.otherTime")}
        </a>
      </form>
    </Layout>
  );
};
