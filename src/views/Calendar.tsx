import { addDays, civilOf, formatLocalDate, localDateFromCivil, weekdayOf, type LocalDate } from "../domain/time.ts";
import { translate } from "../i18n/i18n.ts";
import { wordsOf, type Language } from "../i18n/language.ts";
import { dayLong, monthTitle, weekdayName, weekdayShort } from "./format.ts";

export interface CalendarData {
  /** `offerKeyOf` the event type shown. */
  readonly offer: string;
  /** The first day of the month shown (viewer-local). */
  readonly month: LocalDate;
  /** Free slots per viewer-local date of the month. */
  readonly counts: ReadonlyMap<LocalDate, number>;
  readonly selected: LocalDate | undefined;
  readonly today: LocalDate;
  /** 0 = weeks start on Sunday, 1 = Monday. */
  readonly weekStartsOn: 0 | 1;
  readonly previousMonth: string | undefined;
  readonly nextMonth: string | undefined;
  readonly dayUrl: (date: LocalDate) => string;
  readonly language: Language;
}

/** Zone-specific (it names the viewer's date): live updates for it go to pages of one zone. */
export const dayElementId = (offer: string, date: LocalDate) => `day-${offer}-${formatLocalDate(date)}`;

/** 4 January 1970 was a Sunday: weekday names in any language, from the days after it. */
const SUNDAY: LocalDate = localDateFromCivil({ year: 1970, month: 1, day: 4 });

/** Says whether a day has times, not how many: a count would change with every booking and need a live update each time. */
export const dayLabel = (date: LocalDate, count: number, language: Language) =>
  translate(language.ui, count === 0 ? "page.day.none" : "page.day.some", { day: dayLong(date, language.dates) });

/**
 * What a day offers (its spoken label and the dot that marks free time), in its own element so
 * a live update can replace it without touching the page's links or selection.
 */
export const DayState = (props: { readonly offer: string; readonly date: LocalDate; readonly count: number; readonly language: Language; readonly oob?: boolean }) => (
  <span
    id={`daystate-${props.offer}-${formatLocalDate(props.date)}`}
    class="day-state"
    hx-swap-oob={props.oob === true ? "true" : undefined}
  >
    <span class="visually-hidden" safe>
      {dayLabel(props.date, props.count, props.language)}
    </span>
    {props.count > 0 ? <span class="dot" aria-hidden="true"></span> : ""}
  </span>
);

/** One day of the grid: a link for every day (unavailable ones too), so keyboards can reach all. */
export const DayLink = (props: {
  readonly offer: string;
  readonly date: LocalDate;
  readonly count: number;
  readonly selected: boolean;
  readonly today: boolean;
  readonly href: string;
  readonly language: Language;
}) => (
  <a
    id={dayElementId(props.offer, props.date)}
    href={props.href}
    class={`day${props.selected ? " selected" : ""}`}
    aria-disabled={props.count === 0 ? "true" : undefined}
    aria-current={props.today ? "date" : undefined}
    data-date={formatLocalDate(props.date)}
  >
    <span aria-hidden="true" safe>
      {String(civilOf(props.date).day)}
    </span>
    <DayState offer={props.offer} date={props.date} count={props.count} language={props.language} />
  </a>
);

/** A month as a WAI-ARIA grid: days with free times marked (dot and label, not colour alone). */
export const MonthCalendar = (c: CalendarData) => {
  const { year, month } = civilOf(c.month);
  const next = localDateFromCivil({ year: month === 12 ? year + 1 : year, month: month === 12 ? 1 : month + 1, day: 1 });
  const lead = (weekdayOf(c.month) - c.weekStartsOn + 7) % 7;
  const cells: (LocalDate | undefined)[] = Array.from({ length: lead }, () => undefined);
  for (let d = c.month; d < next; d = addDays(d, 1)) cells.push(d);
  while (cells.length % 7 !== 0) cells.push(undefined);
  const weeks = Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
  const t = wordsOf(c.language);
  const heads = Array.from({ length: 7 }, (_, i) => addDays(SUNDAY, (i + c.weekStartsOn) % 7));
  return (
    <section class="calendar" aria-labelledby="month-h">
      <div class="month-nav">
        {c.previousMonth === undefined ? (
          <span class="nav" aria-disabled="true" aria-label={t("page.month.previousNone")}>
            ‹
          </span>
        ) : (
          <a class="nav" href={c.previousMonth} aria-label={t("page.month.previous")} rel="prev">
            ‹
          </a>
        )}
        <h2 id="month-h" aria-live="polite" safe>
          {monthTitle(c.month, c.language.dates)}
        </h2>
        {c.nextMonth === undefined ? (
          <span class="nav" aria-disabled="true" aria-label={t("page.month.nextNone")}>
            ›
          </span>
        ) : (
          <a class="nav" href={c.nextMonth} aria-label={t("page.month.next")} rel="next">
            ›
          </a>
        )}
      </div>
      <table role="grid" aria-labelledby="month-h" class="month">
        <thead>
          <tr>
            {heads.map((d) => (
              <th scope="col" {...{ abbr: weekdayName(d, c.language.dates) }} safe>
                {weekdayShort(d, c.language.dates)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week) => (
            <tr>
              {week.map((date) =>
                date === undefined ? (
                  <td role="gridcell" aria-hidden="true"></td>
                ) : (
                  <td role="gridcell" aria-selected={date === c.selected ? "true" : "false"}>
                    <DayLink
                      offer={c.offer}
                      date={date}
                      count={c.counts.get(date) ?? 0}
                      selected={date === c.selected}
                      today={date === c.today}
                      href={c.dayUrl(date)}
                      language={c.language}
                    />
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
};
