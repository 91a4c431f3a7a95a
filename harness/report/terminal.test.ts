import { describe, expect, it } from "vitest";
import { newJournal, type Finding, type StepRecord } from "../drill/journal.js";
import { summaryLines, TerminalReporter } from "./terminal.js";

const at = "2026-11-29T08:00:00.000Z";
const step = (id: string): StepRecord => ({ id, title: `step ${id}`, location: "runbooks/failure-modes.md:1", mode: "drilled", result: "failed", exitCode: 1, seconds: 0.2, failures: ["exit 1"] });
const finding = (id: string, step: string, acknowledged: boolean): Finding => ({ id, phase: "runbook", step, summary: `${id} happened`, acknowledged });

function run(acknowledged: boolean): string {
  let out = "";
  const t = new TerminalReporter((s) => (out += s));
  const j = newJournal({ scenario: "postgres-down", variant: "stopped", runbook: { file: "runbooks/failure-modes.md", section: 4, revision: "r" }, scenarioSource: "scenarios/postgres-down.yaml:1" });
  t.onEvent({ type: "drill-begin", journal: j });
  t.onEvent({ type: "phase-begin", phase: "symptoms" });
  t.onEvent({ type: "check", check: { check: "API answers 503", passed: false, detail: "got 200", at } });
  t.onEvent({ type: "finding", finding: { id: "no-symptoms", phase: "symptoms", summary: "no 503", acknowledged } });
  t.onEvent({ type: "phase-end", phase: { name: "symptoms", startedAt: at, endedAt: at, status: "failed" } });
  t.onEvent({ type: "phase-begin", phase: "runbook" });
  t.onEvent({ type: "step-begin", step: { id: "4.3c", title: "step 4.3c", mode: "drilled" } });
  t.onEvent({ type: "step-end", step: step("4.3c") });
  t.onEvent({ type: "finding", finding: finding("config-check", "4.3c", acknowledged) });
  t.onEvent({ type: "phase-end", phase: { name: "runbook", startedAt: at, endedAt: at, status: "failed" } });
  j.status = acknowledged ? "passed" : "failed";
  j.steps.push(step("4.3c"), { id: "4.4", title: "manual", location: "x:1", mode: "manual", result: "skipped", reason: "ssh" });
  j.findings.push(finding("config-check", "4.3c", acknowledged));
  t.onEvent({ type: "drill-end", journal: j });
  return out;
}

describe("terminal", () => {
  it("shows failures the scenario declares as known, with no ✘", () => {
    const out = run(true);
    expect(out).not.toContain("✘");
    expect(out).toMatch(/◆ API answers 503: got 200 \(known finding\)/);
    expect(out).toMatch(/◆ step 4\.3c exit 1 in 0\.2 s: exit 1 \(known finding\)/);
    expect(out).toMatch(/◆ runbook \(known finding\)/);
    expect(out).toMatch(/◆ known finding \[runbook 4\.3c\] config-check happened/);
  });

  it("shows new findings as failures", () => {
    const out = run(false);
    expect(out).toMatch(/✘ API answers 503: got 200\n/);
    expect(out).toMatch(/✘ step 4\.3c exit 1 in 0\.2 s: exit 1\n/);
    expect(out).toMatch(/✘ runbook\n/);
    expect(out).toMatch(/✘ FINDING \[runbook 4\.3c\]/);
  });

  it("ends with a summary", () => {
    expect(run(true)).toContain("PASSED postgres-down:stopped\n  phases: 0 passed, 0 failed, 0 skipped\n  runbook steps: 1 ran (0 passed, 1 failed), 1 not run (manual)\n  findings: 0 new, 1 known\n");
    const j = newJournal({ scenario: "disk-full", runbook: { file: "f", section: 3, revision: "r" }, scenarioSource: "s" });
    j.detection = { secondsToDetect: 20.4, lowerBoundSeconds: 25 };
    j.recovery.secondsToRecover = 33.6;
    j.implementations.push({ service: "minio", image: "i", digest: "d", standIn: true, note: "S3 stand-in" });
    expect(summaryLines(j).slice(-2)).toEqual(["  detected in 20.4 s (bound 25 s), recovered 33.6 s after the fault", "  stand-ins: minio"]);
    delete j.detection.lowerBoundSeconds;
    expect(summaryLines(j).at(-2)).toBe("  detected in 20.4 s (no alert rule, so no bound), recovered 33.6 s after the fault");
  });
});
