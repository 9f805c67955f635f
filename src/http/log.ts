/** One logfmt line per event at the edges (requests), in the same shape as Effect's logger. */
const LEVELS = { debug: 10, info: 20, warning: 30, error: 40, none: 100 } as const;
export type Level = Exclude<keyof typeof LEVELS, "none">;

let threshold: number = LEVELS.info;

export const setLogLevel = (level: string) => {
  threshold = LEVELS[level.toLowerCase() as keyof typeof LEVELS] ?? LEVELS.info;
};

const quote = (v: unknown) => {
  const s = String(v);
  return /^[\w.:/@+-]*$/.test(s) && s !== "" ? s : JSON.stringify(s);
};

export const logEvent = (level: Level, message: string, fields: Record<string, unknown> = {}) => {
  if (LEVELS[level] < threshold) return;
  let line = `timestamp=${new Date().toISOString()} level=${level.toUpperCase()} message=${quote(message)}`;
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${quote(v)}`;
  process.stdout.write(`${line}\n`);
};
