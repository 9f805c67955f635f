import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

/**
 * The tests that judge src/domain, src/actors and src/booking, for `npm run test:mutation`:
 * everything but the browser, process and fuzz suites, which are slow and add no verdict on
 * those folders that the HTTP tests do not.
 */
// Spread, not mergeConfig: that would append these lists to the base ones.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/domain/**/*.test.ts", "test/properties/**/*.test.ts", "test/actors/**/*.test.ts", "test/http/**/*.test.ts"],
    exclude: ["test/http/fuzz.test.ts", "**/node_modules/**"],
  },
});
