import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import base from "./vitest.config.ts";

/**
 * Quickest files first: a mutant run stops at its first failing test, so a mutant the unit
 * tests kill never waits for the properties, a spawned CLI or a file that starts Postgres.
 */
class QuickestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const slow = ["/properties/", "domain/spec.test.ts", "actors/booking.test.ts", "test/booking/"];
    const cost = (f: TestSpecification) => slow.findIndex((part) => f.moduleId.includes(part)) + 1;
    return [...files].sort((a, b) => cost(a) - cost(b));
  }
}

/**
 * The tests that judge src/domain, src/actors and src/booking for `npm run test:mutation`: the
 * unit tests, the slot and zone properties, the actor tests and the booking context's tests
 * (no web server). Each survivor runs every test
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
      "test/booking/**/*.test.ts",
    ],
    exclude: ["**/node_modules/**"],
    // A mutant that stops the mailbox leaves a test waiting: fail it in seconds, not a minute.
    testTimeout: 10_000,
    hookTimeout: 30_000,
    sequence: { ...base.test?.sequence, sequencer: QuickestFirst },
  },
});
