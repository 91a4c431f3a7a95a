import { describe, expect, it } from "vitest";
import { newJournal } from "../drill/journal.js";
import { spread, summariseRepeats } from "./repeat-summary.js";

const run = (status: "passed" | "failed", detect?: number, recover?: number) => {
  const j = newJournal({ scenario: "disk-full", runbook: { file: "r.md", section: 3, revision: "x" }, scenarioSource: "s.yaml:1" });
  j.status = status;
  j.detection.secondsToDetect = detect;
  j.recovery.secondsToRecover = recover;
  if (status === "failed") j.findings.push({ id: "x", phase: "teardown", summary: "left behind: network n", acknowledged: false });
  return { journal: j, wallSeconds: 80 };
};

describe("repeat summary", () => {
  it("gives min, median and max of what was measured, skipping runs that measured nothing", () => {
    expect(spread([3, undefined, 1, 2])).toEqual({ n: 3, min: 1, median: 2, max: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ n: 4, min: 1, median: 2.5, max: 4 });
    expect(spread([])).toBeNull();
  });

  it("counts passes and names what failed the odd run", () => {
    const s = summariseRepeats("disk-full", [run("passed", 19, 33), run("failed", 21), run("passed", 20, 35)]);
    expect(s.passRate).toBe("2/3");
    expect(s.secondsToDetect).toEqual({ n: 3, min: 19, median: 20, max: 21 });
    expect(s.secondsToRecover).toEqual({ n: 2, min: 33, median: 34, max: 35 });
    expect(s.failures).toEqual(["run 2: failed: [teardown] left behind: network n"]);
  });
});
