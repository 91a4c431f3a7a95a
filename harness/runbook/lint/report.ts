// Renders lint findings for a terminal: per runbook, grouped by section, each line
// starting with file:line so editors and CI logs link straight to it.
import type { Finding, FindingSeverity } from "./findings.js";
import type { Runbook } from "../types.js";

export interface RunbookLint {
  runbook: Runbook;
  findings: Finding[];
}

export function formatText(results: readonly RunbookLint[]): string {
  const out: string[] = [];
  const totals: Record<FindingSeverity, number> = { error: 0, warning: 0, info: 0 };
  for (const { runbook, findings } of results) {
    out.push(runbook.file);
    const groups = new Map<number | null, Finding[]>();
    for (const f of findings) {
      totals[f.severity]++;
      groups.set(f.section, [...(groups.get(f.section) ?? []), f]);
    }
    if (findings.length === 0) out.push("  no findings");
    for (const [section, list] of groups) {
      const s = section === null ? undefined : runbook.sections.find((x) => x.number === section);
      out.push(s ? `  § ${s.number}. ${s.title}  (${s.file}:${s.line})` : "  (whole runbook)");
      for (const f of list) {
        out.push(`    ${f.file}:${f.line}  ${f.severity.padEnd(7)} ${f.message}  [${f.kind}]`);
      }
    }
    out.push("");
  }
  out.push(`${plural(totals.error, "error")}, ${plural(totals.warning, "warning")}, ${plural(totals.info, "note")}`);
  return out.join("\n");
}

export function formatJson(results: readonly RunbookLint[]): string {
  return JSON.stringify(
    {
      runbooks: results.map(({ runbook, findings }) => ({
        file: runbook.file,
        sections: runbook.sections.filter((s) => s.number !== null).length,
        findings,
      })),
      errors: results.reduce((n, r) => n + r.findings.filter((f) => f.severity === "error").length, 0),
    },
    null,
    2,
  );
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
