import type { LocationKind, QuestionKind } from "../domain/model.ts";

/** How the host's setup forms are laid out; the web layer reads the posted fields by the same names. */

/** At most this many questions per event type can be edited at once (empty rows are ignored). */
export const QUESTION_ROWS = 5;

export const QUESTION_KIND_LABELS: Record<QuestionKind, string> = {
  short_text: "Short text",
  long_text: "Long text",
  single_choice: "Choose one",
  checkbox: "Checkbox (ticked or not)",
  phone: "Phone number",
};

export const LOCATION_KIND_LABELS: Record<LocationKind, string> = {
  none: "Say it in words (or nothing)",
  in_person: "In person, at an address",
  phone: "By phone, at a number",
  video: "By video, at a link",
};

/** Up to this many windows per weekday on the weekly hours form. */
export const WINDOWS_PER_DAY = 3;
export const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
/** The week as hosts read it: Monday first. */
export const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0] as const;
