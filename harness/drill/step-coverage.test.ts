// Every step of the section is accounted for, and a fix the runbook does not give is
// reported as the operator's own, with the gap as a finding.
import { describe, expect, it } from "vitest";
import { loadRunbook } from "../runbook/resolve/load.js";
import { findSection } from "../runbook/parse/parse.js";
import { mergeAnnotations, overrideAnnotations } from "../runbook/resolve/annotations.js";
import { resolveStepsWithDiagnostics } from "../runbook/resolve/resolve.js";
import { repoRoot } from "../util/paths.js";
import { loadAllDrills } from "../scenario/load.js";
import { operatorFixFinding, stepsNotRun, stepsNotRunMistakes } from "./step-coverage.js";

const loaded = loadRunbook(repoRoot, "runbooks/failure-modes.md");

describe("steps the drill does not run", () => {
  it("lists each step of the section the drill skips, with the scenario's reason or the step's own", () => {
    const section = findSection(loaded.runbook, 4)!;
    const out = stepsNotRun(section, ["4.1", "4.2", "4.3c", "4.4", "1.5"], { "4.3a": "cause (a): drilled elsewhere", "4.3b": "cause (b): drilled elsewhere" });
    expect(out.map((s) => [s.id, s.reason])).toEqual([
      ["4.3", "no command: the heading of 4.3a, 4.3b, 4.3c"],
      ["4.3a", "cause (a): drilled elsewhere"],
      ["4.3b", "cause (b): drilled elsewhere"],
    ]);
    expect(out[1]!.location).toMatch(/^runbooks\/failure-modes\.md:\d+$/);
  });

  it("says when the scenario gives no reason, and when it names a step that runs or does not exist", () => {
    const section = findSection(loaded.runbook, 8)!;
    const out = stepsNotRun(section, ["8.1", "8.2", "8.3a", "8.4", "8.5", "8.6"]);
    // 8.3b is only comments (nothing could run); 8.3c has a command the drill skipped without saying why.
    expect(out.find((s) => s.id === "8.3b")?.reason).toBe("no command: the step is prose");
    expect(out.find((s) => s.id === "8.3c")?.reason).toMatch(/gives no reason/);
    expect(stepsNotRunMistakes(section, ["8.1"], { "8.1": "x", "9.9": "y" })).toEqual([
      "stepsNotRun names 8.1, which the drill runs",
      "stepsNotRun names 9.9, which is not a step of section 8",
    ]);
  });

  it("every loaded scenario gives a reason for each step of its section it skips (sub-step headings aside)", () => {
    for (const d of loadAllDrills().filter((x) => ["caddy-misrouting", "postgres-down"].includes(x.scenario))) {
      const section = findSection(loaded.runbook, d.runbook.section)!;
      expect(stepsNotRunMistakes(section, d.steps, d.stepsNotRun), d.id).toEqual([]);
      expect(stepsNotRun(section, d.steps, d.stepsNotRun).filter((s) => /gives no reason/.test(s.reason)).map((s) => s.id), d.id).toEqual([]);
    }
  });
});

describe("operator-fix", () => {
  it("runs the operator's text, reported as such, and is a finding of the runbook", () => {
    const override = overrideAnnotations(
      { "8.3a": { mode: "operator-fix", reason: "the step gives no command", run: "# a) Wrong backend port\nsed -i s/8001/8000/ Caddyfile" } },
      { file: "scenarios/x.yaml", line: 1 },
    );
    expect(override.diagnostics).toEqual([]);
    const step = resolveStepsWithDiagnostics(loaded.runbook, mergeAnnotations(loaded.annotations, override)).steps.find((s) => s.id === "8.3a")!;
    expect(step.mode).toBe("operator-fix");
    expect(step.command).toContain("sed -i s/8001/8000/ Caddyfile");
    expect(step.text).not.toContain("sed -i");
    const gap = operatorFixFinding({ id: "8.3a", title: "Wrong backend port", mode: "operator-fix", reason: "the step gives no command", result: "passed" });
    expect(gap).toMatch(/^step 8\.3a \(Wrong backend port\) gives no command: the drill ran the operator's own fix, not the runbook's \(passed\)/);
    expect(operatorFixFinding({ id: "8.3a", title: "x", mode: "adapted", result: "passed" })).toBeUndefined();
  });

  it("needs the operator's text and why", () => {
    const bad = overrideAnnotations({ "8.3a": { mode: "operator-fix", reason: "no command" } }, { file: "scenarios/x.yaml", line: 3 });
    expect(bad.diagnostics.map((d) => d.message)).toEqual(["step 8.3a: an operator-fix step needs `run`"]);
  });

  it("caddy-misrouting runs 8.3a as the operator's fix and declares the gap", () => {
    const d = loadAllDrills().find((x) => x.id === "caddy-misrouting")!;
    expect(d.overrides?.["8.3a"]?.mode).toBe("operator-fix");
    expect(d.knownFindings?.find((k) => k.id === "wrong-port-fix-not-in-runbook")?.step).toBe("8.3a");
  });
});
