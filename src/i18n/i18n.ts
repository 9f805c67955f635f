import de from "./messages/de.json" with { type: "json" };
import en from "./messages/en.json" with { type: "json" };
import es from "./messages/es.json" with { type: "json" };
import fr from "./messages/fr.json" with { type: "json" };

/**
 * The languages Rendezvous speaks, each one plain message file (`messages/<locale>.json`):
 * the same keys, and in each message the same `{placeholders}`, in every file (a test checks).
 */
export const LOCALES = ["en", "de", "fr", "es"] as const;
export type Locale = (typeof LOCALES)[number];
export type MessageKey = keyof typeof en;

export const MESSAGES: Readonly<Record<Locale, Readonly<Record<string, string>>>> = { en, de, fr, es };

export const isLocale = (value: unknown): value is Locale => LOCALES.some((l) => l === value);

/** Each language by its own name, for choosing one. */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = { en: "English", de: "Deutsch", fr: "Français", es: "Español" };

/** The tag's language if Rendezvous speaks it (`de-AT` is `de`), else English. */
export const localeOf = (tag: string | null | undefined): Locale => {
  const language = (tag ?? "").trim().toLowerCase().split(/[-_]/)[0];
  return LOCALES.find((l) => l === language) ?? "en";
};

/** The best language an `Accept-Language` header asks for (by weight, then order), else English. */
export const negotiateLocale = (header: string | null | undefined): Locale => {
  let best: { locale: Locale; q: number } | undefined;
  for (const part of (header ?? "").split(",").slice(0, 20)) {
    const [tag, ...params] = part.trim().split(";");
    const language = (tag ?? "").trim().toLowerCase().split("-")[0];
    const locale = LOCALES.find((l) => l === language);
    if (locale === undefined) continue;
    const weight = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find((q) => q !== undefined);
    const q = weight === undefined ? 1 : Number(weight);
    if (q > 0 && (best === undefined || q > best.q)) best = { locale, q };
  }
  return best?.locale ?? "en";
};

/** What `Intl` formats dates with for a language: day-month order and 24-hour clocks for all four. */
export const intlLocaleOf = (locale: Locale): string => ({ en: "en-GB", de: "de-DE", fr: "fr-FR", es: "es-ES" })[locale];

/** A message in one language, its `{placeholders}` filled in (values are text: HTML escapes them later). */
export const translate = (locale: Locale, key: MessageKey, values: Readonly<Record<string, string | number>> = {}): string =>
  (MESSAGES[locale][key] ?? en[key]).replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));

/** The placeholders a message names, for checking that translations keep them. */
export const placeholdersOf = (message: string): string[] => [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
