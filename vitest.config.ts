import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One DynamoDB Local for the whole run; each test file makes its own tables.
    globalSetup: ["test/support/global-setup.ts"],
    // Issue 16: every worker's log lines are kept for the final scan for personal data (test/support/log-scan.ts).
    setupFiles: ["test/support/log-scan-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    allowOnly: false,
    reporters: ["default", "./test/support/summary-reporter.ts"],
    // Request logs are for operators; tests read responses. Errors still print.
    env: { LOG_LEVEL: "warn" },
  },
});
