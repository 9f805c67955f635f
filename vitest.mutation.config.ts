import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

/**
 * The tests that judge src/domain, src/actors and src/booking for `npm run test:mutation`: the
 * unit tests, the slot and zone properties, and the actor tests. Each survivor runs every test
 * that reaches it again, so the HTTP, browser, process and actor-property suites (seconds to
 * minutes a run) would make one run take about a day on two cores; what only they reach counts
 * as not covered, and the score says so.
 */
// Spread, not mergeConfig: that would append these lists to the base ones.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      "test/domain/**/*.test.ts",
      "test/properties/slots.properties.test.ts",
      "test/properties/zone.properties.test.ts",
      "test/actors/**/*.test.ts",
    ],
    exclude: ["**/node_modules/**"],
  },
});
