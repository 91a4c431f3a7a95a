import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { loadAllDrills, loadScenarioFile, scenariosDir } from "../scenario/load.js";
import { loadRunbook } from "../runbook/resolve/load.js";
import { repoRoot } from "../util/paths.js";
import { drillListEntries, drillTimeouts, FIXED_ALLOWANCE_SECONDS, RUNNER_DEFAULTS, slugOf } from "./drill-list.js";
import type { Drill } from "../scenario/types.js";

const loaded = loadRunbook(repoRoot, "runbooks/failure-modes.md");

describe("drill list for CI", () => {
  it("sums the timeouts of the steps that run, counting the scenario's overrides and skipping manual steps", () => {
    const [drill] = loadScenarioFile(join(scenariosDir, "disk-full.yaml"));
    const t = drillTimeouts(drill!, loaded);
    // 3.1 adapted (default 120 s), 3.2 drilled with `timeout: 5m` in the sidecar,
    // 3.3 adapted by the scenario's override (default 120 s), 3.4 and 3.5 manual.
    expect(t.stepsSeconds).toBe(120 + 300 + 120);
    expect(t.detectSeconds).toBe(120);
    // Two recovery checks at the scenario's recover timeout, plus DiskFull resolving.
    expect(t.recoverPhaseSeconds).toBe(3 * 120);
    expect(t.totalSeconds).toBe(
      RUNNER_DEFAULTS.bringUpSeconds + 120 + RUNNER_DEFAULTS.notifySeconds + 30 + 540 + 360 + FIXED_ALLOWANCE_SECONDS.setup + FIXED_ALLOWANCE_SECONDS.unboundedPhases,
    );
  });

  it("counts a step twice when the drill runs it twice, and an unknown step at the default", () => {
    const [base] = loadScenarioFile(join(scenariosDir, "disk-full.yaml"));
    const drill: Drill = { ...base!, steps: ["3.2", "3.2", "3.99"], overrides: {} };
    expect(drillTimeouts(drill, loaded).stepsSeconds).toBe(300 + 300 + 120);
  });

  it("gives every drill a unique, artifact-safe slug and a job timeout that covers its budget", () => {
    const entries = drillListEntries(loadAllDrills(), repoRoot);
    expect(entries.length).toBeGreaterThan(0);
    expect(new Set(entries.map((e) => e.slug)).size).toBe(entries.length);
    for (const e of entries) {
      expect(e.slug).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(e.timeoutMinutes * 60).toBeGreaterThanOrEqual(e.timeouts.totalSeconds);
      expect((e.timeoutMinutes - 1) * 60).toBeLessThan(e.timeouts.totalSeconds);
    }
    expect(slugOf("postgres-down:corrupted-data")).toBe("postgres-down_corrupted-data");
  });
});
