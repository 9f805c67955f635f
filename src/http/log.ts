/**
 * One line per event at the edges (requests), in the same shape as Effect's logger: logfmt, or
 * one JSON object a line with LOG_FORMAT=json.
 * Lines are buffered and written every 50 ms (or at 64 KiB): one write per line cost more
 * than the request itself under load. What is buffered is written on exit.
 */
import { LogLevel } from "effect";

const LEVELS = { debug: 10, info: 20, warning: 30, error: 40, none: 100 } as const;
export type Level = Exclude<keyof typeof LEVELS, "none">;
/** The labels Effect's logger writes, so both kinds of line read alike. */
const LABELS: Record<Level, string> = { debug: LogLevel.Debug.label, info: LogLevel.Info.label, warning: LogLevel.Warning.label, error: LogLevel.Error.label };

let threshold: number = LEVELS.info;
let json = false;
let pending: string[] = [];
let pendingBytes = 0;
let timer: NodeJS.Timeout | undefined;

export const setLogLevel = (level: string) => {
  threshold = LEVELS[level.toLowerCase() as keyof typeof LEVELS] ?? LEVELS.info;
};

export const setLogFormat = (format: "logfmt" | "json") => {
  json = format === "json";
};

export const flushLog = () => {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  if (pending.length === 0) return;
  const text = pending.join("");
  pending = [];
  pendingBytes = 0;
  process.stdout.write(text);
};

process.once("exit", flushLog);

const quote = (v: unknown) => {
  const s = String(v);
  return /^[\w.:/@+-]*$/.test(s) && s !== "" ? s : JSON.stringify(s);
};

/** Whether a level is written: lets hot paths skip building fields nobody will read. */
export const logs = (level: Level) => LEVELS[level] >= threshold;

export const logEvent = (level: Level, message: string, fields: Record<string, unknown> = {}) => {
  if (LEVELS[level] < threshold) return;
  let line: string;
  if (json) {
    line = `${JSON.stringify({ timestamp: new Date().toISOString(), level: LABELS[level], message, ...fields })}\n`;
  } else {
    line = `timestamp=${new Date().toISOString()} level=${LABELS[level]} message=${quote(message)}`;
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${quote(v)}`;
    line += "\n";
  }
  pending.push(line);
  pendingBytes += line.length;
  if (pendingBytes > 64 * 1024) flushLog();
  else if (timer === undefined) timer = setTimeout(flushLog, 50).unref();
};
