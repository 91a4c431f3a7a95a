import { afterEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newJournal, type Journal } from "../drill/journal.js";
import { writeRunReports } from "../report/run-dir.js";
import { repoRoot } from "../util/paths.js";
import { findRuns, renderSummary } from "./summary.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), "summary-"));
  dirs.push(d);
  return d;
};

function journal(scenario: string, status: Journal["status"], extra: Partial<Journal> = {}): Journal {
  const j = newJournal({ scenario, runbook: { file: "runbooks/failure-modes.md", section: 3, revision: "abc123" }, scenarioSource: `scenarios/${scenario}.yaml:1` });
  return { ...j, status, profile: "upstream", endedAt: j.startedAt, ...extra };
}

/** Journals laid out as a night's downloaded artifacts: one folder per drill job. */
function artifacts(...journals: Journal[]): string {
  const root = tmp();
  journals.forEach((j, i) => writeRunReports(j, join(root, `drill-${i}`)));
  return root;
}

describe("nightly summary", () => {
  it("a night where every expected drill passed is a pass, with one row per drill", () => {
    const root = artifacts(
      journal("disk-full", "passed", { detection: { secondsToDetect: 19.3, lowerBoundSeconds: 25 }, recovery: { secondsToRecover: 33.8, checks: [] } }),
      journal("postgres-down", "passed", {
        variant: "stopped",
        phases: [{ name: "detect", startedAt: "2026-11-29T02:20:00Z", endedAt: "2026-11-29T02:21:00Z", status: "failed" }],
      }),
    );
    const { runs, problems } = findRuns(root);
    expect(problems).toEqual([]);
    const s = renderSummary(runs, { title: "Nightly drills", expected: [{ id: "disk-full" }, { id: "postgres-down:stopped", profile: "upstream" }] });
    expect(s.ok).toBe(true);
    expect(s.markdown).toContain("**PASSED**: 2 passed, 0 failed, 0 not run.");
    expect(s.markdown).toContain("| disk-full | upstream | passed | 3 | 19.3 s (25 s) | 33.8 s |");
    expect(s.markdown).toContain("| postgres-down:stopped | upstream | passed | 3 | not detected |");
  });

  it("a failed drill and an expected drill with no journal fail the night, each named with why", () => {
    const root = artifacts(
      journal("disk-full", "failed", { findings: [{ id: "f1", phase: "runbook", step: "3.2", summary: "step 3.2 (Clean Docker resources) failed: exit 1", acknowledged: false }] }),
    );
    const s = renderSummary(findRuns(root).runs, { title: "Nightly drills", expected: [{ id: "disk-full" }, { id: "minio-storage" }] });
    expect(s.ok).toBe(false);
    expect(s.missing).toEqual([{ id: "minio-storage" }]);
    // It stopped before the detect phase: no "not detected" claim.
    expect(s.markdown).toContain("| disk-full | upstream | **FAILED** | 3 | — | — |");
    expect(s.markdown).toContain("| minio-storage | — | **NO JOURNAL** |");
    expect(s.markdown).toContain("- **disk-full** runbook step 3.2: step 3.2 (Clean Docker resources) failed: exit 1");
    expect(s.markdown).toContain("- **minio-storage**: no journal");
  });

  it("no journals at all is not a pass, and an unreadable journal is reported", () => {
    expect(renderSummary([], { title: "t" }).ok).toBe(false);
    const root = tmp();
    writeFileSync(join(root, "journal.json"), "{ not json");
    const { runs, problems } = findRuns(root);
    expect(runs).toEqual([]);
    expect(problems.map((p) => p.where)).toEqual(["journal.json"]);
    expect(renderSummary(runs, { title: "t", problems }).markdown).toContain("`journal.json`");
  });

  it("appends each report.md collapsed, within a length cap", () => {
    const root = artifacts(journal("disk-full", "passed"), journal("minio-storage", "passed"));
    const full = renderSummary(findRuns(root).runs, { title: "Gate", withReports: true });
    expect(full.markdown).toContain("<details><summary>disk-full (upstream): passed</summary>");
    expect(full.markdown).toContain("# DR drill: disk-full — gate PASSED");
    const capped = renderSummary(findRuns(root).runs, { title: "Gate", withReports: true, maxChars: full.markdown.length - 100 });
    expect(capped.markdown.length).toBeLessThanOrEqual(full.markdown.length - 100);
    expect(capped.markdown).toContain("Reports cut");
    expect(capped.markdown).toContain("| minio-storage | upstream | passed |");
  });

  it("the command exits 1 when a drill failed and 0 when all passed", () => {
    const run = (root: string) =>
      spawnSync(process.execPath, ["--import", "tsx", join(repoRoot, "harness/cli/report-summary.ts"), "--from", root], { cwd: repoRoot, encoding: "utf8" });
    const bad = run(artifacts(journal("disk-full", "failed")));
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain("**FAILED**");
    const good = run(artifacts(journal("disk-full", "passed")));
    expect(good.stderr).toBe("");
    expect(good.status).toBe(0);
  });
});
