import type { QuestionKind } from "../domain/model.ts";

/** How the host's setup forms are laid out; the web layer reads the posted fields by the same names. */

/** At most this many questions per event type can be edited at once (empty rows are ignored). */
export const QUESTION_ROWS = 5;

export const QUESTION_KIND_LABELS: Record<QuestionKind, string> = {
  short_text: "Short text",
  long_text: "Long text",
  single_choice: "Choose one",
  phone: "Phone number",
};

/** Up to this many windows per weekday on the weekly hours form. */
export const WINDOWS_PER_DAY = 3;
export const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
/** The week as hosts read it: Monday first. */
export const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0] as const;
