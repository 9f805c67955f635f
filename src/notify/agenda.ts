import { Duration, Effect, Layer, Schedule } from "effect";
import { randomBytes } from "node:crypto";
import { AppConfig } from "../AppConfig.ts";
import { intlLocaleOf, localeOf, translate, type MessageKey } from "../i18n/i18n.ts";
import type { EpochMs } from "../domain/time.ts";
import { dayLongWithYear, meetingIn, zoneLabel } from "../views/format.ts";
import { parseLocalDate } from "../domain/time.ts";
import { AgendaRepository, type AgendaItem, type DueAgenda } from "../persistence/AgendaRepository.ts";
import { renderHtml, renderText, type MailContent } from "./mailTemplate.tsx";
import { Mailer } from "./Mailer.ts";
import type { MailSettings, OutgoingMail } from "./messages.ts";

/** The host's day in one mail, in their language: each meeting, in the host's zone, requests marked. */
export const agendaMail = (settings: MailSettings, due: DueAgenda, items: ReadonlyArray<AgendaItem>): OutgoingMail => {
  const locale = localeOf(due.locale);
  const t = (key: MessageKey, values?: Readonly<Record<string, string | number>>) => translate(locale, key, values);
  const day = dayLongWithYear(parseLocalDate(due.day)!, intlLocaleOf(locale));
  const line = (i: AgendaItem) => {
    const m = meetingIn(i.startAt as EpochMs, i.endAt - i.startAt, due.timeZone, "24h");
    const what = `${t("mail.agenda.line", { title: i.title, invitee: `${i.inviteeName} <${i.inviteeEmail}>` })}${i.status === "pending" ? ` ${t("mail.agenda.pending")}` : ""}`;
    return [`${m.start}–${m.end}`, what] as const;
  };
  const content: MailContent = {
    locale,
    footer: t("mail.footer", { host: due.name }),
    subject:
      items.length === 0
        ? t("mail.agenda.subject.none", { day })
        : items.length === 1
          ? t("mail.agenda.subject.one", { day })
          : t("mail.agenda.subject.many", { day, n: items.length }),
    heading: t("mail.agenda.heading", { day }),
    paragraphs: [items.length === 0 ? t("mail.agenda.none") : t("mail.agenda.zone", { zone: zoneLabel(due.timeZone) })],
    details: items.map(line),
    action: { label: t("mail.agenda.action"), url: `${settings.publicUrl}/host` },
    calendar: undefined,
  };
  return {
    messageId: `<agenda-${due.id}-${due.day}-${randomBytes(4).toString("hex")}@${new URL(settings.publicUrl).hostname}>`,
    from: settings.mailFrom,
    to: { name: due.name, email: due.email },
    subject: content.subject,
    text: renderText(content),
    html: renderHtml(content),
    calendar: undefined,
  };
};

/**
 * Sends each host who asked for it their day's meetings once a day, at their hour. The claim
 * marks the day sent before the mail goes: a crash in between skips that day's agenda rather
 * than sending it twice (it is a summary; every booking has its own mail).
 */
export const AgendaWorkerLive = Layer.scopedDiscard(
  Effect.gen(function* () {
    const repository = yield* AgendaRepository;
    const mailer = yield* Mailer;
    const config = yield* AppConfig;
    const settings = { publicUrl: config.publicUrl, mailFrom: config.mailFrom };
    const round = Effect.gen(function* () {
      for (const due of yield* repository.claimDue) {
        const items = yield* repository.meetingsOn(due.id, due.day, due.timeZone);
        yield* mailer.send(agendaMail(settings, due, items)).pipe(
          Effect.catchAll((failure) => Effect.logWarning("daily agenda not sent").pipe(Effect.annotateLogs({ host: due.id, reason: failure.reason }))),
        );
      }
    });
    yield* round.pipe(
      Effect.catchAll((error) => Effect.logWarning("agenda round failed", error)),
      Effect.repeat(Schedule.spaced(Duration.millis(Math.min(config.deliveries.pollMs, 60_000)))),
      Effect.forkScoped,
    );
  }),
);
