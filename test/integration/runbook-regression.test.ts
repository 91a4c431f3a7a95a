// The runbook regression gate: a pull request that breaks a drilled step of the runbook
// must make the matching drill fail at that step, saying which step, which command and
// what it printed. Here the edit is made on a copy of the runbook (and its sidecar), and
// the disk-full drill runs against the copy.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findDrills } from "../../harness/scenario/load.js";
import { runDrillSession } from "../../harness/session/drill-session.js";
import { repoRoot, stateDir } from "../../harness/util/paths.js";

const drilledCommand = "docker system prune -a --volumes -f";
const brokenCommand = "docker system prune -a --volumes -f --no-such-flag";

describe("runbook regression gate", () => {
  it("a runbook edited to break drilled step 3.2 makes the disk-full drill fail at that step", async () => {
    const [drill] = findDrills("disk-full");
    if (!drill) throw new Error("scenarios/disk-full.yaml not found");

    // The edited copy lives in .drill-state (ignored by git), paths relative to the repo.
    const dir = join(stateDir, "runbook-regression");
    mkdirSync(dir, { recursive: true });
    const original = readFileSync(join(repoRoot, drill.runbook.file), "utf8");
    expect(original.split(drilledCommand)).toHaveLength(2); // exactly one place to break
    writeFileSync(join(dir, "failure-modes.md"), original.replace(drilledCommand, brokenCommand));
    copyFileSync(join(repoRoot, "runbooks/failure-modes.drill.yaml"), join(dir, "failure-modes.drill.yaml"));
    const edited = { ...drill, runbook: { ...drill.runbook, file: ".drill-state/runbook-regression/failure-modes.md" } };

    // Its evidence stays beside the edited copy: reports/ holds drills of the real runbook.
    const { journal, reports } = await runDrillSession({ drill: edited, progress: process.env.DRILL_PROGRESS !== "0", reportsRoot: join(dir, "reports") });
    const reportDir = reports.dir;

    expect(journal.status, `report: ${reportDir}/report.md`).toBe("failed");
    const step = journal.steps.find((s) => s.id === "3.2");
    expect(step?.mode).toBe("drilled");
    expect(step?.result).toBe("failed");
    expect(step?.exitCode).not.toBe(0);
    expect(step?.command).toContain(brokenCommand);
    expect(step?.stderr).toMatch(/unknown flag: --no-such-flag/);
    // The failure is a finding of the runbook phase at step 3.2, not excused as a known one.
    const findings = journal.findings.filter((f) => !f.acknowledged);
    expect(findings.map((f) => [f.phase, f.step])).toContainEqual(["runbook", "3.2"]);
    expect(journal.phases.find((p) => p.name === "runbook")?.status).toBe("failed");
    // The other phases ran as before: the failure is pinned to the step, not the stack.
    expect(journal.phases.find((p) => p.name === "detect")?.status).toBe("passed");
    expect(journal.teardown?.leftBehind).toBe(0);
  });
});
