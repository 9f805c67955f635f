import { wordsOf, type Language } from "../i18n/language.ts";
import type { ViewedDay } from "../domain/projection.ts";
import { formatInstant, type EpochMs, type LocalDate } from "../domain/time.ts";
import { formatOffset } from "../domain/zone.ts";
import { dayLong, wallTime, type Clock } from "./format.ts";

/**
 * The element id of a slot on every page: time-zone free, so one fragment removes it
 * everywhere. Short on purpose (a busy week has hundreds): the event type's first eight hex
 * digits (unique enough among one host's event types), its length when it offers several (see
 * `offerKeyOf`), and the start in epoch minutes.
 */
export const slotElementId = (offer: string, start: EpochMs) => {
  const [id, minutes] = offer.split("~");
  return `s-${id!.slice(0, 8)}${minutes === undefined ? "" : `-${minutes}m`}-${start / 60_000}`;
};

/** A start as the shortest ISO 8601 instant the forms accept ("2026-03-09T13:00Z"). */
export const slotValue = (start: EpochMs) => {
  const iso = formatInstant(start);
  return iso.endsWith(":00.000Z") ? `${iso.slice(0, 16)}Z` : iso;
};

/** The form every slot button submits (by its `form` attribute), kept outside the slot list. */
export const SLOT_FORM_ID = "slot-form";

export interface DaySlotsData {
  /** `offerKeyOf` the event type shown. */
  readonly offer: string;
  readonly days: ReadonlyArray<ViewedDay>;
  /** The dates asked for, so a day without times still gets its heading. */
  readonly dates: ReadonlyArray<LocalDate>;
  readonly clock: Clock;
  readonly language: Language;
  /** Where the next day with free times is, when the dates shown have none. */
  readonly nextAvailable: { readonly date: LocalDate; readonly href: string } | undefined;
}

/**
 * The free times of some days, one button per time. It holds nothing personal (no token, no
 * form): the same bytes serve every viewer of that zone and clock, so it can be cached.
 */
export const DaySlots = (p: DaySlotsData) => {
  const t = wordsOf(p.language);
  const dayName = (date: LocalDate) => dayLong(date, p.language.dates);
  // Every button's label has the same shape: filled once with markers and split, joined per slot
  // (a list can hold hundreds); the markers keep each language's own order of day, start and end.
  const labelParts = t("page.slot.label", { day: "\u0001", start: "\u0002", end: "\u0003" }).split(/([\u0001\u0002\u0003])/);
  const slotLabel = (day: string, start: string, end: string) =>
    labelParts.map((part) => (part === "\u0001" ? day : part === "\u0002" ? start : part === "\u0003" ? end : part)).join("");
  const byDate = new Map(p.days.map((d) => [d.date, d]));
  const empty = p.days.length === 0;
  return (
    <div id="day-slots" class="day-slots">
      {p.dates.map((date) => {
        const day = byDate.get(date);
        const name = dayName(date);
        return (
          <section class="day" aria-labelledby={`day-h-${date}`}>
            <h3 id={`day-h-${date}`} safe>
              {name}
            </h3>
            {day === undefined ? (
              ""
            ) : (
            <ul class="slots" data-empty={t("page.slots.leftNone")}>
              {day.slots.map((slot) => {
                // In a fall-back hour a wall time comes twice: its offset tells the two apart.
                const start = `${wallTime(slot.startMinutes, p.clock, p.language.dates)}${slot.startRepeats ? ` (GMT${formatOffset(slot.offsetMs)})` : ""}`;
                const end = `${wallTime(slot.endMinutes, p.clock, p.language.dates)}${slot.endRepeats ? ` (GMT${formatOffset(slot.endOffsetMs)})` : ""}`;
                return (
                  <li id={slotElementId(p.offer, slot.start)}>
                    <button form={SLOT_FORM_ID} name="start" value={slotValue(slot.start)} aria-label={slotLabel(name, start, end)} safe>
                      {start}
                    </button>
                  </li>
                );
              })}
            </ul>
            )}
          </section>
        );
      })}
      {empty && p.nextAvailable !== undefined ? (
        <p class="next-available">
          <span safe>{t(p.dates.length === 1 ? "page.slots.noneDay" : "page.slots.noneDays")}</span>{" "}
          <a href={p.nextAvailable.href} safe>{t("page.slots.nextDay", { day: dayName(p.nextAvailable.date) })}</a>
        </p>
      ) : empty ? (
        <p class="next-available" safe>{t("page.slots.noneSoon")}</p>
      ) : (
        ""
      )}
    </div>
  );
};
