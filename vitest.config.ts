import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    globalSetup: ["test/support/globalSetup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll waits for a condition (mail delivered, a row dead); on a loaded two-core CI
    // machine a second is too short a bound for work that normally takes milliseconds.
    expect: { poll: { timeout: 10_000 } },
    // Native uWS and child Postgres processes are happiest in separate processes.
    pool: "forks",
  },
});
