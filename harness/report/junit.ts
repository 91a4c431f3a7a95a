// JUnit XML from journals: one testsuite per drill, one testcase per phase and per
// runbook step, so CI systems show which phase or step failed.
import type { Journal } from "../drill/journal.js";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const secs = (a?: string, b?: string) => (a && b ? ((Date.parse(b) - Date.parse(a)) / 1000).toFixed(3) : "0");

export function renderJunit(journals: Journal[]): string {
  const suites = journals.map((j) => {
    const name = `${j.scenario}${j.variant ? `:${j.variant}` : ""}`;
    const cases: string[] = [];
    for (const p of j.phases) {
      const body =
        p.status === "failed" ? `<failure message="${esc(p.detail ?? "failed")}"/>` : p.status === "skipped" ? `<skipped message="${esc(p.detail ?? "")}"/>` : "";
      cases.push(`    <testcase classname="${esc(name)}.phase" name="${esc(p.name)}" time="${secs(p.startedAt, p.endedAt)}">${body}</testcase>`);
    }
    for (const s of j.steps) {
      const body =
        s.result === "failed"
          ? `<failure message="${esc(s.failures?.join("; ") ?? "failed")}"><![CDATA[${(s.stderr ?? "").slice(-4000)}]]></failure>`
          : s.result === "skipped"
            ? `<skipped message="${esc(`${s.mode}: ${s.reason ?? ""}`)}"/>`
            : "";
      cases.push(`    <testcase classname="${esc(name)}.step" name="${esc(`${s.id} ${s.title}`)}" time="${s.seconds?.toFixed(3) ?? "0"}">${body}</testcase>`);
    }
    const failures = j.phases.filter((p) => p.status === "failed").length + j.steps.filter((s) => s.result === "failed").length;
    const skipped = j.phases.filter((p) => p.status === "skipped").length + j.steps.filter((s) => s.result === "skipped").length;
    // Two verdicts, never one word for both: the gate's (the suite's pass/fail) and the runbook's.
    const v = j.runbookVerdict;
    const props = [
      `      <property name="gate" value="${esc(j.status)}"/>`,
      ...(v
        ? [
            `      <property name="runbook.detected" value="${v.detected}"/>`,
            `      <property name="runbook.recovered" value="${v.recovered}"/>`,
            `      <property name="runbook.dataIntact" value="${v.dataIntact}"/>`,
            `      <property name="runbook.verdict" value="${esc(v.summary)}"/>`,
          ]
        : []),
    ];
    return `  <testsuite name="${esc(name)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}" timestamp="${j.startedAt}" time="${secs(j.startedAt, j.endedAt)}">\n    <properties>\n${props.join("\n")}\n    </properties>\n${cases.join("\n")}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${suites.join("\n")}\n</testsuites>\n`;
}
