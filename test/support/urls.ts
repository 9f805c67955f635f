export const TEMPLATE_DATABASE = "rv_test_template";

/** The same server, database `postgres`: where databases are created and dropped. */
export const adminUrlOf = (url: string) => databaseUrlOf(url, "postgres");

export const databaseUrlOf = (url: string, database: string) => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
};
