// The alert rules are the runbook's own Detection queries: this keeps them in step.
// When the runbook's PromQL changes, this fails until stack/config/prometheus/rules
// carries the new text verbatim (the regression gate for runbook edits).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadRunbook } from "../runbook/resolve/load.js";
import { repoRoot, stackDir } from "../util/paths.js";

interface Rule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const rules = (parse(readFileSync(join(stackDir, "config/prometheus/rules/runbook.yml"), "utf8")) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (g) => g.rules,
);
const { runbook } = loadRunbook(repoRoot, "runbooks/failure-modes.md");

describe("alert rules made from the runbook", () => {
  const promqlSections = runbook.sections.filter((s) => s.detection.some((d) => d.language === "promql"));

  it("has one rule per PromQL Detection, with the expression verbatim", () => {
    expect(promqlSections.length).toBe(rules.length);
    for (const section of promqlSections) {
      const rule = rules.find((r) => r.labels.runbook_section === String(section.number));
      expect(rule, `rule for section ${section.number}`).toBeDefined();
      const expr = section.detection.find((d) => d.language === "promql")?.expr;
      expect(rule?.expr.trim(), `section ${section.number}`).toBe(expr?.trim());
    }
  });

  it("links every rule to its section", () => {
    for (const section of promqlSections) {
      const rule = rules.find((r) => r.labels.runbook_section === String(section.number));
      const anchor = `${section.number}-${section.title.toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-")}`;
      expect(rule?.annotations.runbook_url).toBe(`runbooks/failure-modes.md#${anchor}`);
    }
  });
});
