import { LOCALE_NAMES, LOCALES } from "../i18n/i18n.ts";
import { COLOURS, NOTE, type EventType, type EventTypeId, type Host, type NamedSchedule } from "../domain/model.ts";
import type { HistoryEntry, Meeting, MeetingView } from "../domain/meetings.ts";
import type { DateOverride } from "../domain/schedule.ts";
import { formatLocalDate, formatWallTime, type EpochMs } from "../domain/time.ts";
import { LOCATION_KIND_LABELS, QUESTION_KIND_LABELS, QUESTION_ROWS, WEEK_ORDER, WEEKDAYS, WINDOWS_PER_DAY } from "./hostFormLayout.ts";
import { Checkbox, ErrorSummary, FieldError, errorText, idOf, invalidAttrs, NumberField, TextArea, TextField, type Errors, type Values } from "./fields.tsx";
import { dayLongWithYear, meetingIn, zoneLabel, type Clock } from "./format.ts";
import { Avatar } from "./Avatar.tsx";
import { CsrfField, Layout, type PageContext } from "./Layout.tsx";
import type { ZoneGroup } from "./ZonePicker.tsx";

export type HostSection = "meetings" | "all-meetings" | "event-types" | "availability" | "team" | "account" | "api-keys";

export interface Notice {
  readonly text: string;
  readonly error: boolean;
}

const SECTIONS: ReadonlyArray<readonly [HostSection, string, string]> = [
  ["meetings", "/host", "Meetings"],
  ["all-meetings", "/host/meetings", "All meetings"],
  ["event-types", "/host/event-types", "Event types"],
  ["availability", "/host/availability", "Availability"],
  ["team", "/host/team", "Team"],
  ["account", "/host/account", "Account"],
  ["api-keys", "/host/api-keys", "API keys"],
];

/** The host's pages, one link each; the team is only the owner's and admins' business. */
export const HostNav = (p: { readonly page: PageContext; readonly current: HostSection; readonly lead: boolean; readonly host: Host }) => (
  <header class="host-bar">
    <nav aria-label="Your Rendezvous">
      <ul>
        {SECTIONS.filter(([section]) => section !== "team" || p.lead).map(([section, href, label]) => (
          <li>
            <a href={href} aria-current={section === p.current ? "page" : undefined} safe>
              {label}
            </a>
          </li>
        ))}
        <li>
          <a href={`/${p.host.slug}`}>Your booking page</a>
        </li>
      </ul>
    </nav>
    <form method="post" action="/host/sign-out">
      <CsrfField page={p.page} />
      <button type="submit" class="secondary">
        Sign out
      </button>
    </form>
  </header>
);

export const NoticeLine = (p: { readonly notice: Notice | undefined }) => (
  <div aria-live="polite">
    {p.notice === undefined ? (
      ""
    ) : (
      <p class={p.notice.error ? "notice" : "success"} role={p.notice.error ? "alert" : "status"} safe>
        {p.notice.text}
      </p>
    )}
  </div>
);

export interface HostPageProps {
  readonly page: PageContext;
  readonly host: Host;
  readonly lead: boolean;
  readonly notice?: Notice | undefined;
}

/**
 * The embed of one event type: a frame (sized by the script as its page grows) and the script.
 * Cookies of a frame on another site are not sent, so the booking flow in it works without them.
 */
export const embedSnippet = (publicUrl: string, hostSlug: string, e: Pick<EventType, "slug" | "title">) =>
  `<iframe src="${publicUrl}/${hostSlug}/${e.slug}?embed=1" data-rendezvous title="${e.title.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`)}" ` +
  `style="width:100%;min-height:640px;border:0" loading="lazy"></iframe>\n<script src="${publicUrl}/embed.js" async></script>`;

export const EventTypesPage = (
  p: HostPageProps & {
    readonly eventTypes: ReadonlyArray<EventType>;
    readonly zones: ReadonlyArray<ZoneGroup>;
    readonly schedules: ReadonlyArray<NamedSchedule>;
    /** This Rendezvous's public address, for embed snippets. */
    readonly publicUrl: string;
  },
) => (
  <Layout page={p.page} title={`Event types · ${p.host.name}`} noindex>
    <HostNav page={p.page} current="event-types" lead={p.lead} host={p.host} />
    <section class="card" aria-labelledby="event-types-h">
      <h1 id="event-types-h">Event types</h1>
      <NoticeLine notice={p.notice} />
      <p>
        <a class="button primary" href="/host/event-types/new">
          New event type
        </a>
      </p>
      {p.eventTypes.length === 0 ? <p>No event types yet: make one, and invitees can book it.</p> : ""}
      <ul class="meetings">
        {p.eventTypes.map((e) => (
          <li class={`meeting colour-${e.colour}`} id={`event-type-${e.id}`}>
            <p>
              <strong id={`title-${e.id}`} safe>
                {e.title}
              </strong>{" "}
              {e.active ? "" : <span class="badge">Off</span>}
            </p>
            <p class="facts muted">
              <span safe>{`${e.durationChoices.join(" / ")} min`}</span>
              <span safe>{`/${p.host.slug}/${e.slug}`}</span>
              <span safe>{`Hours: ${p.schedules.find((n) => n.id === e.scheduleId)?.name ?? "yours"}`}</span>
              {e.questions.length === 0 ? "" : <span safe>{`${e.questions.length} question${e.questions.length === 1 ? "" : "s"}`}</span>}
            </p>
            <p class="actions">
              <a href={`/host/event-types/${e.id}`} aria-describedby={`title-${e.id}`}>
                Edit
              </a>
              <a href={`/host/event-types/${e.id}/duplicate`} aria-describedby={`title-${e.id}`}>
                Duplicate
              </a>
              {e.active ? (
                <a href={`/${p.host.slug}/${e.slug}`} aria-describedby={`title-${e.id}`}>
                  Booking page
                </a>
              ) : (
                ""
              )}
            </p>
            {e.active ? (
              <details class="embed-snippet">
                <summary>Embed on your site</summary>
                <label for={`embed-${e.id}`}>Paste this where the booking page should appear:</label>
                <textarea id={`embed-${e.id}`} class="copy-link" readonly rows="4" safe>
                  {embedSnippet(p.publicUrl, p.host.slug, e)}
                </textarea>
              </details>
            ) : (
              ""
            )}
          </li>
        ))}
      </ul>
      {p.eventTypes.some((e) => e.active) ? (
        <form method="get" action="/host/preview" class="preview">
          <h2 id="preview-h">See a booking page as an invitee elsewhere would</h2>
          <div class="field-row">
            <div class="field">
              <label for="preview-event">Event type</label>
              <select id="preview-event" name="event">
                {p.eventTypes
                  .filter((e) => e.active)
                  .map((e) => (
                    <option value={e.id} safe>
                      {e.title}
                    </option>
                  ))}
              </select>
            </div>
            <div class="field">
              <label for="preview-tz">Their time zone</label>
              <select id="preview-tz" name="tz">
                {p.zones.map((g) => (
                  <optgroup label={g.region}>
                    {g.zones.map((z) => (
                      <option value={z.zone} selected={z.zone === "Asia/Tokyo"} safe>
                        {z.label}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </select>
            </div>
          </div>
          <button type="submit" class="secondary">
            Preview
          </button>
        </form>
      ) : (
        ""
      )}
    </section>
  </Layout>
);

const EVENT_TYPE_LABELS: Record<string, string> = {
  title: "Title",
  slug: "Address",
  description: "Description",
  location: "Location",
  durationMinutes: "Duration",
  durationChoices: "Other lengths",
  scheduleId: "Hours",
  slotIntervalMinutes: "Start times every",
  bufferBeforeMinutes: "Buffer before",
  bufferAfterMinutes: "Buffer after",
  minimumNoticeMinutes: "Minimum notice",
  maxDaysAhead: "Bookable days ahead",
  maxPerDay: "Meetings per day at most",
  maxPerWeek: "Meetings per week at most",
  reminderMinutes: "Remind the invitee before",
};

const eventTypeLabel = (field: string) => {
  const question = /^questions\[(\d+)\]\.(\w+)$/.exec(field);
  if (question !== null) return `Question ${Number(question[1]) + 1} ${question[2] === "options" ? "choices" : question[2]}`;
  return EVENT_TYPE_LABELS[field] ?? field;
};

const QuestionRow = (p: { readonly i: number; readonly values: Values; readonly errors: Errors }) => {
  const at = `questions[${p.i}]`;
  const kindId = idOf(`${at}.kind`);
  const kind = p.values[`${at}.kind`] ?? "short_text";
  return (
    <fieldset class="question">
      <legend safe>{`Question ${p.i + 1}`}</legend>
      <input type="hidden" name={`${at}.id`} value={p.values[`${at}.id`] ?? ""} />
      <TextField name={`${at}.label`} label="Question" values={p.values} errors={p.errors} maxlength={200} optional />
      <div class="field">
        <label for={kindId}>Answer</label>
        <select id={kindId} name={`${at}.kind`}>
          {Object.entries(QUESTION_KIND_LABELS).map(([value, label]) => (
            <option value={value} selected={value === kind} safe>
              {label}
            </option>
          ))}
        </select>
        <FieldError id={`${kindId}-error`} message={errorText("Answer", p.errors.get(`${at}.kind`))} />
      </div>
      <TextArea name={`${at}.options`} label="Choices, one per line (for “Choose one”)" values={p.values} errors={p.errors} maxlength={2000} rows={2} optional />
      <Checkbox name={`${at}.required`} label="Required" values={p.values} />
    </fieldset>
  );
};

/** Rows shown: the questions there are, and room for one more (two on a new event type). */
const questionRows = (values: Values) => {
  let filled = 0;
  for (let i = 0; i < QUESTION_ROWS; i++) if ((values[`questions[${i}].label`] ?? "") !== "") filled = i + 1;
  return Math.min(QUESTION_ROWS, Math.max(2, filled + 1));
};

/** `/host/event-types/new` and `/host/event-types/:id`: every option the slot engine has. */
export const EventTypeEditor = (
  p: HostPageProps & { readonly id: string | null; readonly values: Values; readonly errors: Errors; readonly schedules: ReadonlyArray<NamedSchedule> },
) => {
  const f = { values: p.values, errors: p.errors };
  const title = p.id === null ? "New event type" : `Edit ${p.values["title"] ?? "event type"}`;
  return (
    <Layout page={p.page} title={`${title} · ${p.host.name}`} noindex>
      <HostNav page={p.page} current="event-types" lead={p.lead} host={p.host} />
      <section class="card" aria-labelledby="editor-h">
        <h1 id="editor-h" safe>
          {title}
        </h1>
        <NoticeLine notice={p.notice} />
        <ErrorSummary errors={p.errors} labels={eventTypeLabel} />
        <form method="post" action={p.id === null ? "/host/event-types" : `/host/event-types/${p.id}`} class="editor" novalidate data-check="true">
          <CsrfField page={p.page} />
          <TextField name="title" label="Title" {...f} maxlength={200} required />
          <TextField
            name="slug"
            label="Address"
            {...f}
            maxlength={64}
            required
            hint={`Lowercase letters, digits and dashes: invitees book at /${p.host.slug}/your-address`}
          />
          <TextArea name="description" label="Description" {...f} maxlength={5000} optional />
          <div class="field-row">
            <div class="field">
              <label for={idOf("locationKind")}>Where</label>
              <select id={idOf("locationKind")} name="locationKind">
                {Object.entries(LOCATION_KIND_LABELS).map(([value, label]) => (
                  <option value={value} selected={value === (p.values["locationKind"] ?? "none")} safe>
                    {label}
                  </option>
                ))}
              </select>
              <FieldError id={`${idOf("locationKind")}-error`} message={errorText("Where", p.errors.get("locationKind"))} />
            </div>
            <TextField name="location" label="Location" {...f} maxlength={500} optional hint="The address, phone number or video link; shown on the confirmation" />
          </div>
          <div class="field-row">
            <NumberField name="durationMinutes" label="Duration (minutes)" {...f} min={1} max={1440} required />
            <TextField name="durationChoices" label="Other lengths (minutes)" {...f} maxlength={40} optional hint="The invitee picks one, such as 15, 60" />
            <NumberField name="slotIntervalMinutes" label="Start times every (minutes)" {...f} min={1} max={1440} optional hint="Empty: every duration" />
          </div>
          <div class="field">
            <label for={idOf("scheduleId")}>Hours</label>
            <select
              id={idOf("scheduleId")}
              name="scheduleId"
              aria-invalid={p.errors.has("scheduleId") ? "true" : undefined}
              aria-describedby={`${idOf("scheduleId")}-hint${p.errors.has("scheduleId") ? ` ${idOf("scheduleId")}-error` : ""}`}
            >
              <option value="" selected={(p.values["scheduleId"] ?? "") === ""}>
                Your hours
              </option>
              {p.schedules.map((n) => (
                <option value={n.id} selected={p.values["scheduleId"] === n.id} safe>
                  {n.name}
                </option>
              ))}
            </select>
            <p class="hint muted" id={`${idOf("scheduleId")}-hint`}>
              The weekly hours it is offered in; <a href="/host/availability">Availability</a> keeps your schedules.
            </p>
            <FieldError id={`${idOf("scheduleId")}-error`} message={errorText("Hours", p.errors.get("scheduleId"))} />
          </div>
          <div class="field-row">
            <NumberField name="bufferBeforeMinutes" label="Buffer before (minutes)" {...f} min={0} max={1440} />
            <NumberField name="bufferAfterMinutes" label="Buffer after (minutes)" {...f} min={0} max={1440} />
          </div>
          <div class="field-row">
            <NumberField name="minimumNoticeMinutes" label="Minimum notice (minutes)" {...f} min={0} max={525600} />
            <NumberField name="maxDaysAhead" label="Bookable days ahead" {...f} min={1} max={3650} optional />
            <NumberField name="maxPerDay" label="Meetings per day at most" {...f} min={1} max={1000} optional />
            <NumberField name="maxPerWeek" label="Meetings per week at most" {...f} min={1} max={5000} optional hint="Monday to Sunday" />
          </div>
          <TextField
            name="reminderMinutes"
            label="Remind the invitee before"
            {...f}
            maxlength={60}
            optional
            hint="Up to five, such as 1d, 2h, 30m (w, d, h, m); empty for no reminders. Invitees who give a phone number also get them by SMS, where SMS is set up."
          />
          <h2>Questions for the invitee</h2>
          <p class="muted">Name, email and a note are always asked. Leave a question empty to remove it.</p>
          {Array.from({ length: questionRows(p.values) }, (_, i) => (
            <QuestionRow i={i} {...f} />
          ))}
          <fieldset class="colours">
            <legend>Colour on your pages</legend>
            {COLOURS.map((c) => (
              <label class={`inline swatch colour-${c}`}>
                <input type="radio" name="colour" value={c} checked={(p.values["colour"] ?? "blue") === c} />
                <span>{c}</span>
              </label>
            ))}
          </fieldset>
          <Checkbox name="requiresConfirmation" label="Bookings need my confirmation (the time is held until I accept or decline)" values={p.values} />
          <Checkbox name="active" label="Invitees can book it" values={p.values} />
          <button type="submit" class="primary">
            {p.id === null ? "Create event type" : "Save changes"}
          </button>
        </form>
        {p.id === null ? (
          ""
        ) : (
          <form method="post" action={`/host/event-types/${p.id}/delete`} class="cancel-form">
            <CsrfField page={p.page} />
            <p class="muted">Deleting is for good. Meetings already booked with it keep its name; with meetings still to come, turn it off instead.</p>
            <button type="submit" class="danger">
              Delete this event type
            </button>
          </form>
        )}
      </section>
    </Layout>
  );
};

const WindowInputs = (p: { readonly at: string; readonly label: string; readonly values: Values; readonly errors: Errors }) => {
  const startId = idOf(p.at);
  const error = p.errors.get(p.at);
  const errorId = `${startId}-error`;
  const invalid = error === undefined ? {} : { "aria-invalid": "true", "aria-describedby": errorId };
  return (
    <div class="window">
      <input
        id={startId}
        name={`${p.at}.start`}
        type="time"
        value={p.values[`${p.at}.start`] ?? ""}
        aria-label={`${p.label} from`}
        {...invalid}
      />
      <span aria-hidden="true">–</span>
      <input name={`${p.at}.end`} type="time" value={p.values[`${p.at}.end`] ?? ""} aria-label={`${p.label} until`} {...invalid} />
      <FieldError id={errorId} message={errorText(p.label, error)} />
    </div>
  );
};

/** Rows shown for one day: those filled in, and one empty row to add another (all of them at most). */
const windowRows = (values: Values, prefix: string) => {
  let filled = 0;
  for (let k = 0; k < WINDOWS_PER_DAY; k++) {
    if ((values[`${prefix}[${k}].start`] ?? "") !== "" || (values[`${prefix}[${k}].end`] ?? "") !== "") filled = k + 1;
  }
  return Math.min(WINDOWS_PER_DAY, filled + 1);
};

const windowLabel = (field: string) => {
  const hours = /^hours\[(\d)\]\[(\d)\]$/.exec(field);
  if (hours !== null) return `${WEEKDAYS[Number(hours[1])]}, time ${Number(hours[2]) + 1},`;
  const override = /^windows\[(\d)\]$/.exec(field);
  if (override !== null) return `Time ${Number(override[1]) + 1}`;
  return field === "date" ? "Date" : field === "until" ? "Until" : field;
};

export interface AvailabilityProps extends HostPageProps {
  /** The weekly hours shown: the host's own (`id` null), a new named schedule, or a named one. */
  readonly schedule: { readonly id: string | null; readonly name: string };
  readonly schedules: ReadonlyArray<NamedSchedule>;
  /** Titles of the event types that offer the hours shown. */
  readonly usedBy: ReadonlyArray<string>;
  readonly hours: { readonly values: Values; readonly errors: Errors };
  readonly override: { readonly values: Values; readonly errors: Errors };
  /** Date overrides from today on, by date. */
  readonly overrides: ReadonlyArray<DateOverride>;
  /** What the date in the form would change if saved (asked for with Preview). */
  readonly preview?: ReadonlyArray<{ readonly eventType: EventType; readonly removed: ReadonlyArray<EpochMs>; readonly added: ReadonlyArray<EpochMs> }> | undefined;
  readonly clock: Clock;
}

/** `/host/availability`: weekly hours in the host's zone, and dates that differ from them. */
export const AvailabilityPage = (p: AvailabilityProps) => (
  <Layout page={p.page} title={`Availability · ${p.host.name}`} noindex>
    <HostNav page={p.page} current="availability" lead={p.lead} host={p.host} />
    <nav class="card schedules" aria-labelledby="schedules-h">
      <h2 id="schedules-h">Schedules</h2>
      <p class="muted">Each event type offers one schedule's weekly hours (chosen in its editor); dates that differ apply to all.</p>
      <ul>
        <li>
          <a href="/host/availability" aria-current={p.schedule.id === null ? "page" : undefined}>
            Your hours
          </a>{" "}
          <span class="muted">(default)</span>
        </li>
        {p.schedules.map((n) => (
          <li>
            <a href={`/host/availability?schedule=${n.id}`} aria-current={p.schedule.id === n.id ? "page" : undefined} safe>
              {n.name}
            </a>
          </li>
        ))}
        <li>
          <a href="/host/availability?schedule=new" aria-current={p.schedule.id === "new" ? "page" : undefined}>
            New schedule
          </a>
        </li>
      </ul>
    </nav>
    <section class="card" aria-labelledby="hours-h">
      <h1 id="hours-h" safe>
        {p.schedule.id === null ? "Your weekly hours" : p.schedule.id === "new" ? "New schedule" : `Weekly hours: ${p.schedule.name}`}
      </h1>
      <p class="muted" safe>{`Times in ${zoneLabel(p.host.timeZone)}. Leave a day empty to be unavailable; an end of 00:00 is midnight.`}</p>
      {p.schedule.id === "new" ? (
        ""
      ) : (
        <p class="muted" safe>
          {p.usedBy.length === 0
            ? p.schedule.id === null
              ? "Event types offer these hours unless they choose another schedule."
              : "No event type offers these hours yet: choose them in an event type's editor."
            : `Offered by: ${p.usedBy.join(", ")}.`}
        </p>
      )}
      <NoticeLine notice={p.notice} />
      <ErrorSummary errors={p.hours.errors} labels={(f) => (f === "name" ? "Name" : windowLabel(f))} />
      <form method="post" action="/host/availability" class="weekly" novalidate>
        <CsrfField page={p.page} />
        <input type="hidden" name="schedule" value={p.schedule.id ?? ""} />
        {p.schedule.id === null ? "" : <TextField name="name" label="Name of the schedule" values={p.hours.values} errors={p.hours.errors} maxlength={80} required hint="Such as Evenings or Summer" />}
        <table class="hours">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Available</th>
            </tr>
          </thead>
          <tbody>
            {WEEK_ORDER.map((weekday) => (
              <tr>
                <th scope="row">{WEEKDAYS[weekday]}</th>
                <td>
                  {Array.from({ length: windowRows(p.hours.values, `hours[${weekday}]`) }, (_, k) => (
                    <WindowInputs at={`hours[${weekday}][${k}]`} label={`${WEEKDAYS[weekday]}, time ${k + 1},`} {...p.hours} />
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <fieldset class="copy-day">
          <legend>Copy a day's hours</legend>
          <label for="copy-from">From</label>
          <select id="copy-from" name="copyFrom">
            {WEEK_ORDER.map((weekday) => (
              <option value={String(weekday)}>{WEEKDAYS[weekday]}</option>
            ))}
          </select>
          <span>to</span>
          {WEEK_ORDER.map((weekday) => (
            <label class="inline">
              <input type="checkbox" name={`copyTo.${weekday}`} />
              <span safe>{WEEKDAYS[weekday].slice(0, 3)}</span>
            </label>
          ))}
          <button type="submit" name="action" value="copy" class="secondary">
            Copy (then save)
          </button>
        </fieldset>
        <button type="submit" name="action" value="save" class="primary">
          {p.schedule.id === "new" ? "Create the schedule" : "Save weekly hours"}
        </button>
      </form>
      {p.schedule.id === null || p.schedule.id === "new" ? (
        ""
      ) : (
        <form method="post" action={`/host/availability/schedules/${p.schedule.id}/delete`} class="delete-schedule">
          <CsrfField page={p.page} />
          <button type="submit" class="danger" aria-describedby="hours-h">
            Delete this schedule
          </button>
        </form>
      )}
    </section>
    <section class="card" aria-labelledby="overrides-h">
      <h2 id="overrides-h">Dates that differ</h2>
      <p class="muted">A date here replaces that day's weekly hours: other times, or a day off.</p>
      {p.overrides.length === 0 ? <p>No dates differ from the weekly hours.</p> : ""}
      <ul class="meetings">
        {p.overrides.map((o) => (
          <li class="meeting">
            <p>
              <strong safe>{dayLongWithYear(o.date)}</strong>{" "}
              <span safe>{o.windows.length === 0 ? "Day off" : o.windows.map((w) => `${formatWallTime(w.start)}–${formatWallTime(w.end)}`).join(", ")}</span>
            </p>
            <form method="post" action={`/host/availability/overrides/${formatLocalDate(o.date)}/delete`}>
              <CsrfField page={p.page} />
              <button type="submit" class="secondary" aria-label={`Use weekly hours on ${dayLongWithYear(o.date)}`}>
                Use weekly hours
              </button>
            </form>
          </li>
        ))}
      </ul>
      <ErrorSummary errors={p.override.errors} labels={windowLabel} />
      <form method="post" action="/host/availability/overrides" class="override" novalidate>
        <CsrfField page={p.page} />
        <div class="field-row">
          <TextField name="date" label="Date" type="date" values={p.override.values} errors={p.override.errors} required />
          <TextField name="until" label="Until" type="date" values={p.override.values} errors={p.override.errors} optional hint="For several days in a row" />
        </div>
        <fieldset>
          <legend>On that date</legend>
          <label class="inline">
            <input type="radio" name="mode" value="off" checked={p.override.values["mode"] !== "hours"} /> Day off
          </label>
          <label class="inline">
            <input type="radio" name="mode" value="hours" checked={p.override.values["mode"] === "hours"} /> Available at these times
          </label>
          {Array.from({ length: windowRows(p.override.values, "windows") }, (_, k) => (
            <WindowInputs at={`windows[${k}]`} label={`Time ${k + 1}`} {...p.override} />
          ))}
        </fieldset>
        {p.preview === undefined ? "" : <OverridePreview preview={p.preview} zone={p.host.timeZone} clock={p.clock} />}
        <button type="submit" name="action" value="preview" class="secondary">
          Preview the change
        </button>{" "}
        <button type="submit" name="action" value="save" class="primary">
          Save date
        </button>
      </form>
    </section>
  </Layout>
);

/** The starts a date change would take away or add, per event type, before it is saved. */
const OverridePreview = (p: { readonly preview: NonNullable<AvailabilityProps["preview"]>; readonly zone: string; readonly clock: Clock }) => {
  /** "Thursday, 17 December 2026 at 10:00, 10:45; Friday, …". */
  const times = (starts: ReadonlyArray<EpochMs>) => {
    const byDay = new Map<string, string[]>();
    for (const t of starts) {
      const m = meetingIn(t, 0, p.zone, p.clock);
      byDay.set(m.day, [...(byDay.get(m.day) ?? []), m.start]);
    }
    return [...byDay].map(([day, list]) => `${day} at ${list.join(", ")}`).join("; ");
  };
  const changed = p.preview.filter((e) => e.removed.length > 0 || e.added.length > 0);
  return (
    <div class="preview-result" role="status">
      <h3>If you save this</h3>
      {changed.length === 0 ? <p>No bookable time changes.</p> : ""}
      <ul>
        {changed.map((e) => (
          <li>
            <strong safe>{e.eventType.title}</strong>
            {e.removed.length === 0 ? "" : <p safe>{`No longer offered: ${times(e.removed)}`}</p>}
            {e.added.length === 0 ? "" : <p safe>{`Newly offered: ${times(e.added)}`}</p>}
          </li>
        ))}
      </ul>
    </div>
  );
};

export interface TeamProps extends HostPageProps {
  readonly members: ReadonlyArray<{ readonly id: string; readonly name: string; readonly slug: string; readonly email: string; readonly role: string; readonly active: boolean }>;
  /** The owner also changes roles. */
  readonly isOwner: boolean;
  readonly invitations: ReadonlyArray<{ readonly email: string; readonly expiresAt: number }>;
  readonly values: Values;
  readonly errors: Errors;
  /** The link just made, shown once: only its digest is kept. */
  readonly invitationLink?: { readonly email: string; readonly url: string } | undefined;
}

const ROLE_NAMES: Record<string, string> = { owner: "Owner", admin: "Admin", host: "Host" };

/** `/host/team`: the hosts of this Rendezvous, and invitations for new ones. */
export const TeamPage = (p: TeamProps) => (
  <Layout page={p.page} title={`Team · ${p.host.name}`} noindex>
    <HostNav page={p.page} current="team" lead={p.lead} host={p.host} />
    <section class="card" aria-labelledby="team-h">
      <h1 id="team-h">Team</h1>
      <NoticeLine notice={p.notice} />
      {p.invitationLink === undefined ? (
        ""
      ) : (
        <div class="success" role="status">
          <p safe>{`We mailed an invitation to ${p.invitationLink.email}. You can also send them this link yourself; it works once, within 7 days:`}</p>
          <p>
            <input class="copy-link" readonly value={p.invitationLink.url} aria-label="Invitation link" id="invitation-link" />
          </p>
        </div>
      )}
      <table class="team">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {p.members.map((m) => (
            <tr id={`member-${m.id}`}>
              <td>
                <a href={`/${m.slug}`} safe>
                  {m.name}
                </a>{" "}
                {m.active ? "" : <span class="badge">Deactivated</span>}
              </td>
              <td safe>{m.email}</td>
              <td safe>{ROLE_NAMES[m.role] ?? m.role}</td>
              <td class="actions">
                {m.role === "owner" || m.id === p.host.id ? (
                  ""
                ) : (
                  <>
                    <form method="post" action={`/host/team/${m.id}/${m.active ? "deactivate" : "reactivate"}`}>
                      <CsrfField page={p.page} />
                      <button type="submit" class={m.active ? "danger" : "secondary"} aria-describedby={`member-name-${m.id}`}>
                        {m.active ? "Deactivate" : "Reactivate"}
                      </button>
                    </form>
                    {p.isOwner ? (
                      <form method="post" action={`/host/team/${m.id}/role`}>
                        <CsrfField page={p.page} />
                        <input type="hidden" name="role" value={m.role === "admin" ? "host" : "admin"} />
                        <button type="submit" class="secondary" aria-describedby={`member-name-${m.id}`}>
                          {m.role === "admin" ? "Make host" : "Make admin"}
                        </button>
                      </form>
                    ) : (
                      ""
                    )}
                    <span id={`member-name-${m.id}`} class="visually-hidden" safe>
                      {m.name}
                    </span>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {p.invitations.length === 0 ? (
        ""
      ) : (
        <>
          <h2>Invited, not joined yet</h2>
          <ul>
            {p.invitations.map((i) => (
              <li safe>{`${i.email} (until ${new Date(i.expiresAt).toISOString().slice(0, 10)})`}</li>
            ))}
          </ul>
        </>
      )}
      <h2 id="invite-h">Invite a host</h2>
      <form method="post" action="/host/team/invitations" aria-labelledby="invite-h" novalidate>
        <CsrfField page={p.page} />
        <TextField name="email" label="Their email" type="email" values={p.values} errors={p.errors} maxlength={320} required autocomplete="email" />
        <button type="submit" class="primary">
          Make an invitation link
        </button>
      </form>
    </section>
  </Layout>
);

const JOIN_LABELS: Record<string, string> = { name: "Name", slug: "Address", timeZone: "Time zone" };

/** Who a host is to invitees: name, booking page address, time zone (on joining, and on Account). */
const IdentityFields = (p: {
  readonly values: Values;
  readonly errors: Errors;
  readonly zones: ReadonlyArray<ZoneGroup>;
  readonly slugHint: string;
  readonly zoneHint: string | undefined;
  /** Preselect the browser's zone (a first visit; not over what someone chose). */
  readonly detectZone: boolean;
}) => {
  const zoneId = idOf("timeZone");
  const zone = p.values["timeZone"] ?? "UTC";
  const describedBy = [...(p.zoneHint === undefined ? [] : [`${zoneId}-hint`]), ...(p.errors.has("timeZone") ? [`${zoneId}-error`] : [])].join(" ");
  return (
    <>
      <TextField name="name" label="Name" values={p.values} errors={p.errors} maxlength={200} required autocomplete="name" hint="As invitees see it" />
      <TextField name="slug" label="Address" values={p.values} errors={p.errors} maxlength={64} required hint={p.slugHint} />
      <div class="field">
        <label for={zoneId}>Time zone</label>
        <select
          id={zoneId}
          name="timeZone"
          data-detect-zone={p.detectZone ? "true" : undefined}
          aria-invalid={p.errors.has("timeZone") ? "true" : undefined}
          aria-describedby={describedBy === "" ? undefined : describedBy}
        >
          {p.zones.map((g) => (
            <optgroup label={g.region}>
              {g.zones.map((z) => (
                <option value={z.zone} selected={z.zone === zone} safe>
                  {z.label}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        {p.zoneHint === undefined ? (
          ""
        ) : (
          <p class="hint muted" id={`${zoneId}-hint`} safe>
            {p.zoneHint}
          </p>
        )}
        <FieldError id={`${zoneId}-error`} message={errorText("Time zone", p.errors.get("timeZone"))} />
      </div>
    </>
  );
};

/** `/host/join/:token`: whoever was invited chooses how invitees will see them. */
export const JoinPage = (p: {
  readonly page: PageContext;
  readonly email: string;
  /** Null: they asked to sign up themselves. */
  readonly invitedBy: string | null;
  readonly values: Values;
  readonly errors: Errors;
  readonly zones: ReadonlyArray<ZoneGroup>;
  readonly origin: string;
}) => (
    <Layout page={p.page} title="Join Rendezvous" noindex>
      <section class="card" aria-labelledby="join-h">
        <h1 id="join-h">Join Rendezvous</h1>
        <p safe>{p.invitedBy === null ? `Create the account of ${p.email} to take bookings here.` : `${p.invitedBy} invited ${p.email} to take bookings here.`}</p>
        <ErrorSummary errors={p.errors} labels={(f) => JOIN_LABELS[f] ?? f} />
        <form method="post" novalidate data-check="true">
          <CsrfField page={p.page} />
          <IdentityFields
            values={p.values}
            errors={p.errors}
            zones={p.zones}
            slugHint={`Your booking page will be ${p.origin}/your-address: lowercase letters, digits and dashes`}
            zoneHint={undefined}
            detectZone={p.errors.size === 0}
          />
          <button type="submit" class="primary">
            Join and sign in
          </button>
        </form>
      </section>
    </Layout>
);

const VIEW_NAMES: Record<MeetingView, string> = { upcoming: "Upcoming", pending: "Awaiting your confirmation", past: "Past", cancelled: "Cancelled or declined" };
const HISTORY_NAMES: Record<HistoryEntry["type"], string> = {
  created: "Booked",
  rescheduled: "Moved",
  cancelled: "Cancelled",
  accepted: "Accepted",
  declined: "Declined",
};
const ACTOR_NAMES: Record<HistoryEntry["actor"], string> = { invitee: "by the invitee", host: "by you", system: "by Rendezvous" };

export interface MeetingsProps extends HostPageProps {
  readonly eventTypes: ReadonlyMap<EventTypeId, EventType>;
  /** The filter form as typed (view, type, from, to, q). */
  readonly values: Values;
  readonly errors: Errors;
  readonly view: MeetingView;
  readonly meetings: ReadonlyArray<Meeting>;
  readonly total: number;
  readonly first: number;
  readonly pages: { readonly previous: string | undefined; readonly next: string | undefined; readonly csv: string };
  readonly clock: Clock;
  /** This list's own address, where saving a note comes back to. */
  readonly self: string;
}

/** `/host/meetings`: every meeting, upcoming, past or cancelled, filtered, searched and paged. */
export const MeetingsPage = (p: MeetingsProps) => (
  <Layout page={p.page} title={`All meetings · ${p.host.name}`} noindex>
    <HostNav page={p.page} current="all-meetings" lead={p.lead} host={p.host} />
    <section class="card" aria-labelledby="all-h">
      <h1 id="all-h">All meetings</h1>
      <NoticeLine notice={p.notice} />
      <ErrorSummary errors={p.errors} labels={(f) => ({ from: "From", to: "Until", type: "Event type", q: "Search" })[f] ?? f} />
      <form method="get" action="/host/meetings" class="filters">
        <div class="field-row">
          <div class="field">
            <label for="f-view">Show</label>
            <select id="f-view" name="view">
              {(["upcoming", "pending", "past", "cancelled"] as const).map((v) => (
                <option value={v} selected={v === p.view} safe>
                  {VIEW_NAMES[v]}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-type">Event type</label>
            <select id="f-type" name="type">
              <option value="">All</option>
              {[...p.eventTypes.values()].map((e) => (
                <option value={e.id} selected={e.id === p.values["type"]} safe>
                  {e.title}
                </option>
              ))}
            </select>
          </div>
          <TextField name="from" label="From" type="date" values={p.values} errors={p.errors} optional />
          <TextField name="to" label="Until" type="date" values={p.values} errors={p.errors} optional />
        </div>
        <TextField name="q" label="Invitee's name or email" type="search" values={p.values} errors={p.errors} maxlength={200} optional />
        <button type="submit" class="primary">
          Show meetings
        </button>{" "}
        <a class="button" href={p.pages.csv}>
          Download as CSV
        </a>
      </form>
      <p role="status" safe>
        {p.total === 0
          ? "No meetings match."
          : `${p.total} meeting${p.total === 1 ? "" : "s"}; showing ${p.first + 1}–${p.first + p.meetings.length}. Times in ${zoneLabel(p.host.timeZone)}.`}
      </p>
      <ul class="meetings">
        {p.meetings.map((m) => (
          <MeetingRecord meeting={m} eventType={p.eventTypes.get(m.booking.eventTypeId)} page={p.page} zone={p.host.timeZone} clock={p.clock} back={p.self} />
        ))}
      </ul>
      <nav class="pager" aria-label="Pages">
        {p.pages.previous === undefined ? <span /> : <a href={p.pages.previous}>Previous page</a>}
        {p.pages.next === undefined ? <span /> : <a href={p.pages.next}>Next page</a>}
      </nav>
    </section>
  </Layout>
);

const MeetingRecord = (p: {
  readonly meeting: Meeting;
  readonly eventType: EventType | undefined;
  readonly page: PageContext;
  readonly zone: string;
  readonly clock: Clock;
  readonly back: string;
}) => {
  const b = p.meeting.booking;
  const when = meetingIn(b.start, b.end - b.start, p.zone, p.clock);
  const answered = (p.eventType?.questions ?? []).filter((q) => (b.answers[q.id] ?? "") !== "");
  const noteId = `note-${b.id}`;
  return (
    <li class={`meeting colour-${p.eventType?.colour ?? "grey"}`} id={`meeting-${b.id}`}>
      <p>
        <strong safe>{`${when.day}, ${when.start} – ${when.end}`}</strong> <span safe>{p.eventType?.title ?? "Meeting"}</span>{" "}
        {b.status === "cancelled" ? <span class="badge">Cancelled</span> : ""}
        {b.status === "declined" ? <span class="badge">Declined</span> : ""}
        {b.status === "pending" ? <span class="badge">Awaiting your confirmation</span> : ""} {p.meeting.noShow ? <span class="badge">No-show</span> : ""}
      </p>
      <p safe>{`${b.invitee.name} · ${b.invitee.email} · ${zoneLabel(b.invitee.timeZone)}`}</p>
      {b.cancelReason === null ? "" : <p class="muted" safe>{`Reason: ${b.cancelReason}`}</p>}
      {answered.length === 0 && b.answers[NOTE] === undefined ? (
        ""
      ) : (
        <dl class="answers">
          {answered.map((q) => (
            <>
              <dt safe>{q.label}</dt>
              <dd safe>{b.answers[q.id]}</dd>
            </>
          ))}
          {b.answers[NOTE] === undefined ? (
            ""
          ) : (
            <>
              <dt>Note</dt>
              <dd safe>{b.answers[NOTE]}</dd>
            </>
          )}
        </dl>
      )}
      <details class="notes">
        <summary>History and your note</summary>
        <ol class="history">
          {p.meeting.history.map((h) => {
            const at = meetingIn(h.at as EpochMs, 0, p.zone, p.clock);
            return <li safe>{`${HISTORY_NAMES[h.type]} ${ACTOR_NAMES[h.actor]}, ${at.day} ${at.start}`}</li>;
          })}
        </ol>
        <form method="post" action={`/host/bookings/${b.id}/note`}>
          <CsrfField page={p.page} />
          <input type="hidden" name="back" value={p.back} />
          <label for={noteId}>
            Your note <span class="muted">(only you see it)</span>
          </label>
          <textarea id={noteId} name="note" rows="2" maxlength="5000" safe>
            {p.meeting.note}
          </textarea>
          <label class="inline">
            <input type="checkbox" name="noShow" checked={p.meeting.noShow} /> The invitee did not come
          </label>
          <button type="submit" class="secondary">
            Save note
          </button>
        </form>
      </details>
    </li>
  );
};

export interface AccountProps extends HostPageProps {
  readonly role: string;
  readonly origin: string;
  readonly values: Values;
  readonly errors: Errors;
  readonly zones: ReadonlyArray<ZoneGroup>;
  /** The host-local hour the day's meetings are mailed at, or null for none. */
  readonly agendaHour: number | null;
  /** Whether the front page lists them. */
  readonly listed: boolean;
  readonly sessions: ReadonlyArray<{ readonly id: string; readonly device: string; readonly createdAt: number; readonly current: boolean }>;
}

/** `/host/account`: who the host is here, and every browser or script signed in as them. */
export const AccountPage = (p: AccountProps) => (
  <Layout page={p.page} title={`Account · ${p.host.name}`} noindex>
    <HostNav page={p.page} current="account" lead={p.lead} host={p.host} />
    <section class="card" aria-labelledby="account-h">
      <h1 id="account-h">Account</h1>
      <NoticeLine notice={p.notice} />
      <ErrorSummary errors={p.errors} labels={(f) => ({ name: "Name", slug: "Address", timeZone: "Time zone", bio: "About you", locale: "Language" })[f] ?? f} />
      <form method="post" action="/host/account" novalidate data-check="true">
        <CsrfField page={p.page} />
        <IdentityFields
          values={p.values}
          errors={p.errors}
          zones={p.zones}
          slugHint={`Your booking page is ${p.origin}/your-address; links to the old address stop working`}
          zoneHint="Your weekly hours are in this zone; meetings already booked keep their times."
          detectZone={false}
        />
        <TextArea name="bio" label="About you" values={p.values} errors={p.errors} maxlength={1000} optional hint="Shown on your booking page" />
        <div class="field">
          <label for={idOf("locale")}>Language of your mails</label>
          <select
            id={idOf("locale")}
            name="locale"
            aria-invalid={p.errors.has("locale") ? "true" : undefined}
            aria-describedby={p.errors.has("locale") ? `${idOf("locale")}-error` : undefined}
          >
            {LOCALES.map((l) => (
              <option value={l} lang={l} selected={(p.values["locale"] ?? "en") === l} safe>
                {LOCALE_NAMES[l]}
              </option>
            ))}
          </select>
          <FieldError id={`${idOf("locale")}-error`} message={errorText("Language", p.errors.get("locale"))} />
        </div>
        <button type="submit" class="primary">
          Save
        </button>
      </form>
      <dl>
        <dt>Booking page</dt>
        <dd>
          <a href={`/${p.host.slug}`} safe>{`${p.origin}/${p.host.slug}`}</a>
        </dd>
        <dt>Email</dt>
        <dd safe>{p.host.email}</dd>
        <dt>Role</dt>
        <dd safe>{ROLE_NAMES[p.role] ?? p.role}</dd>
      </dl>
      <h2 id="picture-h">Picture</h2>
      <div class="host-header">
        <Avatar host={p.host} />
        <form method="post" action="/host/account/avatar" enctype="multipart/form-data" aria-labelledby="picture-h">
          <CsrfField page={p.page} />
          <div class="field">
            <label for="avatar">A PNG, JPEG or WebP image, at most 48 KB (otherwise your initials are shown)</label>
            <input
              id="avatar"
              name="avatar"
              type="file"
              accept="image/png,image/jpeg,image/webp"
              {...invalidAttrs(p.errors, "avatar", "avatar-error")}
            />
            <FieldError id="avatar-error" message={p.errors.get("avatar")} />
          </div>
          <button type="submit" class="secondary">
            Upload picture
          </button>
        </form>
      </div>
      <form method="post" action="/host/account/avatar/delete">
        <CsrfField page={p.page} />
        <button type="submit" class="secondary">
          Show my initials instead
        </button>
      </form>
      <form method="post" action="/host/account/agenda" class="agenda">
        <CsrfField page={p.page} />
        <div class="field">
          <label for="agenda-hour">Mail me my day's meetings</label>
          <select id="agenda-hour" name="agendaHour">
            <option value="off" selected={p.agendaHour === null}>
              Never
            </option>
            {Array.from({ length: 24 }, (_, h) => (
              <option value={String(h)} selected={p.agendaHour === h} safe>
                {`Every day at ${String(h).padStart(2, "0")}:00 (${zoneLabel(p.host.timeZone)})`}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="secondary">
          Save agenda setting
        </button>
      </form>
      <form method="post" action="/host/account/listing" class="listing">
        <CsrfField page={p.page} />
        <label class="inline">
          <input type="checkbox" name="listed" checked={p.listed} /> List me on this Rendezvous's front page
        </label>
        <p class="hint muted">Off: only people you give your booking page's address find you.</p>
        <button type="submit" class="secondary">
          Save listing
        </button>
      </form>
      <h2 id="sessions-h">Signed in</h2>
      <p class="muted">Each sign-in lasts 30 days unless it is ended here.</p>
      <ul class="meetings" aria-labelledby="sessions-h">
        {p.sessions.map((s) => {
          const since = new Date(s.createdAt).toISOString().slice(0, 16).replace("T", " ");
          return (
            <li class="meeting">
              <p>
                <strong safe>{s.device}</strong> <span class="muted" safe>{`since ${since} UTC`}</span> {s.current ? <span class="badge">This browser</span> : ""}
              </p>
              <form method="post" action={`/host/sessions/${s.id}/end`}>
                <CsrfField page={p.page} />
                <button type="submit" class="secondary" aria-label={`Sign out ${s.device}, since ${since}`}>
                  Sign out
                </button>
              </form>
            </li>
          );
        })}
      </ul>
      <form method="post" action="/host/sessions/end-all">
        <CsrfField page={p.page} />
        <button type="submit" class="danger">
          Sign out everywhere
        </button>
      </form>
    </section>
  </Layout>
);
