import { spawnSync } from "node:child_process";

/** The same server, another database. */
export const withDatabase = (url: string, database: string) => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
};

/** Runs SQL through `psql` (Debian: postgresql-client) and returns its unaligned output. */
export const psql = (url: string, sql: string) => {
  const r = spawnSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout.trim();
};
