// Adaptations go stale loudly: an annotation records the step text it was written for,
// and a derived adaptation follows the runbook until what it drops or replaces is gone.
import { describe, expect, it } from "vitest";
import { parseAnnotations } from "./annotations.js";
import { parseRunbook } from "../parse/parse.js";
import { resolveSteps, resolveStepsWithDiagnostics, stepTextHash } from "./resolve.js";

const runbook = (mtime: string) =>
  parseRunbook(
    [
      "### 3. Disk Full",
      "",
      "**Runbook**:",
      "```bash",
      "# 3. Clean logs",
      "sudo journalctl --vacuum-time=7d",
      `find /var/log -name "*.log" -mtime ${mtime} -delete`,
      "```",
      "",
    ].join("\n"),
    "runbooks/r.md",
  );
const textOf = (mtime: string) => runbook(mtime).sections[0]!.steps[0]!.text;

describe("stale adaptations", () => {
  const frozen = (writtenFor: string) =>
    parseAnnotations(
      [
        "steps:",
        '  "3.3":',
        "    mode: adapted",
        "    reason: no journald in a drill",
        `    writtenFor: ${writtenFor}`,
        "    run: |",
        "      # 3. Clean logs",
        '      find /var/log -name "*.log" -mtime +30 -delete',
      ].join("\n"),
      "runbooks/r.drill.yaml",
    );

  it("a frozen copy still matches the text it was written for", () => {
    const [step] = resolveSteps(runbook("+30"), frozen(stepTextHash(textOf("+30"))));
    expect(step?.stale).toBeUndefined();
    expect(step?.command).toContain("-mtime +30");
  });

  it("a frozen copy goes stale when the runbook's step changes (-mtime +30 -> +90): lint errors, the drill fails the step", () => {
    const annotations = frozen(stepTextHash(textOf("+30")));
    const { steps, diagnostics } = resolveStepsWithDiagnostics(runbook("+90"), annotations);
    expect(steps[0]?.stale).toMatch(/^the adaptation of 3\.3 was written for different text: review it/);
    expect(diagnostics).toContainEqual(expect.objectContaining({ severity: "error", kind: "stale", step: "3.3" }));
    // resolveSteps does not throw for it: the drill reaches the step and fails it there.
    expect(resolveSteps(runbook("+90"), annotations)[0]?.stale).toBeDefined();
  });

  it("a copy that records nothing is a lint warning", () => {
    const a = parseAnnotations(
      ['steps:', '  "3.3":', "    mode: adapted", "    reason: x", "    run: find /var/log -delete"].join("\n"),
      "runbooks/r.drill.yaml",
    );
    const { diagnostics } = resolveStepsWithDiagnostics(runbook("+30"), a);
    expect(diagnostics).toContainEqual(expect.objectContaining({ severity: "warning", message: expect.stringContaining("records no writtenFor") }));
  });

  const derived = parseAnnotations(
    ['steps:', '  "3.3":', "    mode: adapted", "    reason: no journald in a drill", "    derive:", '      drop: ["sudo journalctl --vacuum-time=7d"]'].join("\n"),
    "runbooks/r.drill.yaml",
  );

  it("a derived adaptation runs the runbook's current text, minus what it drops", () => {
    const [step] = resolveSteps(runbook("+90"), derived);
    expect(step?.command).toBe('# 3. Clean logs\nfind /var/log -name "*.log" -mtime +90 -delete');
    expect(step?.stale).toBeUndefined();
  });

  it("a derived adaptation goes stale when the line it drops is gone", () => {
    const changed = parseRunbook(
      ["### 3. Disk Full", "", "**Runbook**:", "```bash", "# 3. Clean logs", "sudo journalctl --vacuum-time=14d", 'find /var/log -name "*.log" -mtime +30 -delete', "```", ""].join("\n"),
      "runbooks/r.md",
    );
    const [step] = resolveSteps(changed, derived);
    expect(step?.stale).toMatch(/the line to drop `sudo journalctl --vacuum-time=7d` is no longer in the step/);
  });
});
