import { intlLocaleOf, isLocale, negotiateLocale, translate, type Locale, type MessageKey } from "./i18n.ts";

/**
 * The language of a page: the words (one of ours) and how dates and times are written. Dates
 * follow the browser's own language when we do not speak it (an Arabic browser gets English
 * words around Arabic dates), else the words' language.
 */
export interface Language {
  readonly ui: Locale;
  /** The `Intl` locale dates, weekdays and times are formatted with. */
  readonly dates: string;
}

export const ENGLISH: Language = { ui: "en", dates: intlLocaleOf("en") };

const TAG = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$/;
const supported = new Map<string, string | undefined>();

/** A BCP 47 tag `Intl` formats dates in, canonical, or undefined. */
export const datesLocaleOf = (tag: string | null | undefined): string | undefined => {
  if (tag === null || tag === undefined || !TAG.test(tag)) return undefined;
  if (supported.has(tag)) return supported.get(tag);
  let canonical: string | undefined;
  try {
    canonical = Intl.DateTimeFormat.supportedLocalesOf(tag)[0];
  } catch {
    canonical = undefined;
  }
  if (supported.size < 1_000) supported.set(tag, canonical);
  return canonical;
};

/** The page language: one chosen on the page (its `lang`), else the browser's best of ours. */
export const languageOf = (chosen: string | null | undefined, acceptLanguage: string | null | undefined): Language => {
  if (isLocale(chosen)) return { ui: chosen, dates: intlLocaleOf(chosen) };
  const ui = negotiateLocale(acceptLanguage);
  const own = datesLocaleOf((acceptLanguage ?? "").split(",")[0]!.split(";")[0]!.trim());
  // A language of ours is written as its words are; any other keeps the browser's own dates.
  return { ui, dates: own === undefined || isLocale(own.toLowerCase().split("-")[0]) ? intlLocaleOf(ui) : own };
};

/** The language's words: `t("page.key", { placeholder })`. */
export const wordsOf = (language: Language) => (key: MessageKey, values?: Readonly<Record<string, string | number>>) => translate(language.ui, key, values);

/** Right-to-left scripts, for `dir` on text written in the dates' language. */
export const isRightToLeft = (locale: string) => /^(ar|he|fa|ur|ps|yi|dv|ku|sd|ug)\b/i.test(locale);
