import { describe, expect, it } from "vitest";
import { LOCALES, localeOf, MESSAGES, negotiateLocale, placeholdersOf, translate } from "../../src/i18n/i18n.ts";

describe("the message files", () => {
  it("have every key of English in every language, nothing more, none empty, with the same placeholders", () => {
    const english = MESSAGES.en;
    for (const locale of LOCALES) {
      const messages = MESSAGES[locale];
      expect(Object.keys(messages).sort(), locale).toEqual(Object.keys(english).sort());
      for (const [key, message] of Object.entries(messages)) {
        expect(message.trim(), `${locale} ${key}`).not.toBe("");
        expect(placeholdersOf(message), `${locale} ${key}`).toEqual(placeholdersOf(english[key]!));
      }
    }
  });

  it("are not English copies: each other language differs from English in most messages", () => {
    for (const locale of LOCALES.filter((l) => l !== "en")) {
      const same = Object.entries(MESSAGES[locale]).filter(([key, message]) => message === MESSAGES.en[key]);
      expect(same.length, `${locale}: ${same.map(([k]) => k).join(", ")}`).toBeLessThan(Object.keys(MESSAGES.en).length / 10);
    }
  });
});

describe("choosing a language", () => {
  it("takes the best-weighted language Rendezvous speaks from Accept-Language, else English", () => {
    expect(negotiateLocale("de-AT,de;q=0.9,en;q=0.5")).toBe("de");
    expect(negotiateLocale("en;q=0.4, fr-CA;q=0.8")).toBe("fr");
    expect(negotiateLocale("ja, es;q=0.1")).toBe("es");
    expect(negotiateLocale("ja, zh")).toBe("en");
    expect(negotiateLocale("fr;q=0, de;q=0.2")).toBe("de");
    expect(negotiateLocale("")).toBe("en");
    expect(negotiateLocale(undefined)).toBe("en");
    expect(negotiateLocale(";q=, *, x-".repeat(40))).toBe("en");
  });

  it("reads a stored tag by its language", () => {
    expect(localeOf("de-AT")).toBe("de");
    expect(localeOf("ES")).toBe("es");
    expect(localeOf("pt-BR")).toBe("en");
    expect(localeOf(null)).toBe("en");
  });

  it("fills placeholders and leaves unknown ones visible", () => {
    expect(translate("de", "mail.confirmed.invitee.subject", { title: "Beratung", host: "Ada", when: "Dienstag" })).toBe("Bestätigt: Beratung mit Ada am Dienstag");
    expect(translate("fr", "mail.soon.hours", {})).toBe("dans {n} heures");
  });
});
