import { chosenLengthOf, type EventType, type Host, type Question } from "../domain/model.ts";
import { formatInstant, type EpochMs } from "../domain/time.ts";
import { wordsOf } from "../i18n/language.ts";
import { hueOf } from "./Avatar.tsx";
import { EventHeader, type Viewer } from "./EventPage.tsx";
import { meetingIn, zoneLabel } from "./format.ts";
import { FieldError, invalidAttrs } from "./fields.tsx";
import { CsrfField, Layout, type PageContext } from "./Layout.tsx";

type Words = ReturnType<typeof wordsOf>;

export interface BookingFormValues {
  readonly name: string;
  readonly email: string;
  readonly note: string;
  readonly answers: Readonly<Record<string, string>>;
}

export const emptyValues: BookingFormValues = { name: "", email: "", note: "", answers: {} };

export interface BookingFormProps {
  readonly page: PageContext;
  readonly host: Host;
  readonly eventType: EventType;
  readonly viewer: Viewer;
  readonly start: EpochMs;
  readonly hold: { readonly token: string; readonly expiresAt: EpochMs } | undefined;
  /** How often an open form renews its hold (the page script's interval). */
  readonly renewEveryMs: number;
  readonly idempotencyKey: string;
  readonly values: BookingFormValues;
  /** Field name → what is wrong with it. */
  readonly errors: ReadonlyMap<string, string>;
  readonly notice?: string | undefined;
  /** The chosen time was taken meanwhile: the nearest free ones, offered right here. */
  readonly alternatives?: ReadonlyArray<EpochMs> | undefined;
  /** In a frame on the host's site: the booking goes on in the frame. */
  readonly embed?: boolean | undefined;
  /** This page's address, for its language switch. */
  readonly here: string;
}


const QuestionField = (props: {
  readonly t: Words;
  readonly q: Question;
  readonly value: string;
  readonly errors: ReadonlyMap<string, string>;
  readonly autofocus: boolean;
}) => {
  const { q } = props;
  const field = `answers.${q.id}`;
  const id = `q-${q.id}`;
  const errorId = `${id}-error`;
  const common = { id, name: field, required: q.required, autofocus: props.autofocus, ...invalidAttrs(props.errors, field, errorId) };
  if (q.kind === "checkbox") {
    return (
      <div class="field check">
        <input {...common} type="checkbox" value="yes" checked={props.value === "yes"} />
        <label for={id}>
          <span safe>{q.label}</span>
          {q.required ? "" : <span class="muted" safe>{` ${props.t("page.form.optional")}`}</span>}
        </label>
        <FieldError id={errorId} message={props.errors.get(field)} />
      </div>
    );
  }
  return (
    <div class="field">
      <label for={id}>
        <span safe>{q.label}</span>
        {q.required ? "" : <span class="muted" safe>{` ${props.t("page.form.optional")}`}</span>}
      </label>
      {q.kind === "long_text" ? (
        <textarea {...common} rows="4" maxlength="5000" safe>
          {props.value}
        </textarea>
      ) : q.kind === "single_choice" ? (
        <select {...common}>
          <option value="" safe>{props.t("page.form.choose")}</option>
          {(q.options ?? []).map((o) => (
            <option value={o} selected={o === props.value} safe>
              {o}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...common}
          type={q.kind === "phone" ? "tel" : "text"}
          autocomplete={q.kind === "phone" ? "tel" : "off"}
          maxlength="500"
          value={props.value}
        />
      )}
      <FieldError id={errorId} message={props.errors.get(field)} />
    </div>
  );
};

/** "Someone took it": the nearest free times, chosen right in the form (values kept). */
const Alternatives = (p: { readonly eventType: EventType; readonly viewer: Viewer; readonly alternatives: ReadonlyArray<EpochMs>; readonly calendarUrl: string }) => {
  const durationMs = p.eventType.durationMinutes * 60_000;
  const t = wordsOf(p.viewer.language);
  return p.alternatives.length === 0 ? (
    <p>
      <span safe>{t("page.form.noneClose")}</span>{" "}
      <a href={p.calendarUrl} safe>
        {t("page.form.seeCalendar")}
      </a>
    </p>
  ) : (
    <fieldset class="alternatives">
      <legend safe>{t("page.form.otherTime")}</legend>
      {[...p.alternatives].sort((a, b) => a - b).map((start, i) => {
        const when = meetingIn(start, durationMs, p.viewer.zone, p.viewer.clock, p.viewer.language.dates);
        return (
          <label class="alternative">
            <input type="radio" name="start" value={formatInstant(start)} required {...{ autofocus: i === 0 }} />
            <span safe>{`${when.day}, ${when.start} – ${when.end}`}</span>
          </label>
        );
      })}
    </fieldset>
  );
};

/** Name, email, the event's questions and a note, for one chosen (and held) slot. */
/**
 * Lets the held time go ("Change"); the page script also sends it when the invitee leaves the
 * page, and posts it to the renewal address while the form is open.
 */
const ReleaseForm = (p: BookingFormProps & { readonly hold: { readonly token: string }; readonly base: string; readonly length: number | undefined }) => (
  <form method="post" action={`${p.base}/release`} id="release-form" data-renew-url={`${p.base}/hold/renew`} data-renew-ms={String(p.renewEveryMs)}>
    <CsrfField page={p.page} />
    <input type="hidden" name="hold" value={p.hold.token} />
    <input type="hidden" name="tz" value={p.viewer.zone} />
    <input type="hidden" name="start" value={formatInstant(p.start)} />
    {p.length === undefined ? "" : <input type="hidden" name="d" value={String(p.length)} />}
    {p.embed === true ? <input type="hidden" name="embed" value="1" /> : ""}
  </form>
);

export const BookingForm = (p: BookingFormProps) => {
  const t = wordsOf(p.viewer.language);
  const durationMs = p.eventType.durationMinutes * 60_000;
  const when = meetingIn(p.start, durationMs, p.viewer.zone, p.viewer.clock, p.viewer.language.dates);
  const firstError = [...p.errors.keys()][0];
  const base = `/${p.host.slug}/${p.eventType.slug}`;
  const length = chosenLengthOf(p.eventType);
  const calendarUrl = `${base}?${new URLSearchParams({ tz: p.viewer.zone, ...(length === undefined ? {} : { d: String(length) }), ...(p.embed === true ? { embed: "1" } : {}) }).toString()}`;
  // Errors of fields this form does not show (a tampered or outdated request) are still said.
  const shown = new Set(["name", "email", "note", ...p.eventType.questions.map((q) => `answers.${q.id}`)]);
  const unshown = [...p.errors].filter(([field]) => !shown.has(field));
  return (
    <>
    <form method="post" action={`${base}/book`} id="book-form" class="card" hx-disable="find button[type=submit]">
      <CsrfField page={p.page} />
      {p.alternatives === undefined ? <input type="hidden" name="start" value={formatInstant(p.start)} /> : ""}
      <input type="hidden" name="tz" value={p.viewer.zone} />
      <input type="hidden" name="hold" value={p.hold?.token ?? ""} />
      <input type="hidden" name="idempotencyKey" value={p.idempotencyKey} />
      {length === undefined ? "" : <input type="hidden" name="d" value={String(length)} />}
      {p.embed === true ? <input type="hidden" name="embed" value="1" /> : ""}
      <h2 safe>{t("page.form.details")}</h2>
      {p.alternatives === undefined ? (
        <p class="summary">
          <strong safe>{when.day}</strong>, <span safe>{`${when.start} – ${when.end}`}</span>{" "}
          <span class="muted" safe>{`(${zoneLabel(p.viewer.zone)})`}</span>{" "}
          {p.hold === undefined ? (
            <a href={calendarUrl} safe>
              {t("page.form.change")}
            </a>
          ) : (
            // Going back lets the held time go, so it is free in the calendar the invitee returns to.
            <button type="submit" form="release-form" class="link" safe>
              {t("page.form.change")}
            </button>
          )}
        </p>
      ) : (
        // The time they chose is gone: the summary names none until they pick another below.
        <p class="summary" safe>{t("page.form.timesIn", { zone: zoneLabel(p.viewer.zone) })}</p>
      )}
      {p.hold === undefined ? (
        ""
      ) : (
        <p class="countdown" role="status" data-expires={String(p.hold.expiresAt)} data-left={t("page.form.holdLeft")} data-gone={t("page.form.holdGone")} safe>
          {t("page.form.holdUntil", { time: meetingIn(p.hold.expiresAt, 0, p.viewer.zone, p.viewer.clock, p.viewer.language.dates).start })}
        </p>
      )}
      {p.notice === undefined ? (
        ""
      ) : (
        <p class="notice" role="alert" safe>
          {p.notice}
        </p>
      )}
      {unshown.length === 0 ? (
        ""
      ) : (
        <ul class="notice" role="alert">
          {unshown.map(([field, message]) => (
            <li safe>{`${field}: ${message}`}</li>
          ))}
        </ul>
      )}
      {p.alternatives === undefined ? "" : <Alternatives eventType={p.eventType} viewer={p.viewer} alternatives={p.alternatives} calendarUrl={calendarUrl} />}
      <div class="field">
        <label for="name" safe>
          {t("page.form.name")}
        </label>
        <input
          id="name"
          name="name"
          autocomplete="name"
          required
          maxlength="200"
          value={p.values.name}
          autofocus={p.alternatives === undefined && (firstError === "name" || firstError === undefined)}
          {...invalidAttrs(p.errors, "name", "name-error")}
        />
        <FieldError id="name-error" message={p.errors.get("name")} />
      </div>
      <div class="field">
        <label for="email" safe>
          {t("page.form.email")}
        </label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="email"
          required
          maxlength="320"
          value={p.values.email}
          autofocus={firstError === "email"}
          {...invalidAttrs(p.errors, "email", "email-error")}
        />
        <FieldError id="email-error" message={p.errors.get("email")} />
      </div>
      {p.eventType.questions.map((q) => (
        <QuestionField
          t={t}
          q={q}
          value={p.values.answers[q.id] ?? ""}
          errors={p.errors}
          autofocus={firstError === `answers.${q.id}`}
        />
      ))}
      <div class="field">
        <label for="note">
          <span safe>{t("page.form.note")}</span> <span class="muted" safe>{t("page.form.optional")}</span>
        </label>
        <textarea id="note" name="note" rows="3" maxlength="2000" {...invalidAttrs(p.errors, "note", "note-error")} safe>
          {p.values.note}
        </textarea>
        <FieldError id="note-error" message={p.errors.get("note")} />
      </div>
      <button type="submit" class="primary" safe>
        {t("page.form.confirm")}
      </button>
    </form>
    {p.hold === undefined || p.alternatives !== undefined ? "" : <ReleaseForm {...p} hold={p.hold} base={base} length={length} />}
    </>
  );
};

export const BookingFormPage = (p: BookingFormProps) => (
  <Layout page={p.page} title={`${p.eventType.title} · ${p.host.name}`} hue={hueOf(p.host.id)} embed={p.embed} translatedAt={p.here}>
    <EventHeader host={p.host} eventType={p.eventType} language={p.viewer.language} brief />
    <BookingForm {...p} />
  </Layout>
);
