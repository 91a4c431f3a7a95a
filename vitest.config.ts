import { defineConfig } from "vitest/config";

// Unit tests sit beside the code they test; integration tests (they need a Docker
// engine and bring the stack up) live in test/integration and run in the same suite.
export default defineConfig({
  test: {
    include: ["harness/**/*.test.ts", "stack/**/*.test.ts", "test/**/*.test.ts"],
    // Stack bring-up builds images on a cold machine; the harness has its own
    // per-phase timeouts, so vitest's only guards against a hung process.
    testTimeout: 20 * 60_000,
    hookTimeout: 20 * 60_000,
    // Drills share one Docker engine and two cores: run files one at a time.
    fileParallelism: false,
    globalSetup: ["test/global-setup.ts"],
    // The JSON result feeds .ci/run's plain "N passed, N failed" summary line.
    reporters: ["default", "json"],
    outputFile: { json: "reports/vitest-results.json" },
  },
});
