// `npm run report:summary -- --from DIR [--expect FILE] [--title T] [--with-reports]
//  [--max-chars N] [--out FILE]`: one Markdown table of every drill run under DIR (a
// night's downloaded artifacts, a gate's reports), rendered from their journal.json.
// --expect names the drills that should be there (a JSON array of {id, profile?}, such
// as `scenario --list --json` or `affected --json`'s matrix); one without a journal is
// a failure. Exit 0 only when at least one drill ran and every drill passed.
import { parseArgs } from "node:util";
import { readFileSync, writeFileSync } from "node:fs";
import { findRuns, renderSummary, type Expected } from "../ci/summary.js";

const { values } = parseArgs({
  options: {
    from: { type: "string" },
    expect: { type: "string" },
    title: { type: "string", default: "Drill summary" },
    "with-reports": { type: "boolean", default: false },
    "max-chars": { type: "string" },
    out: { type: "string" },
  },
});

function readExpected(path: string): Expected[] {
  const data = JSON.parse(readFileSync(path, "utf8")) as unknown;
  const list = Array.isArray(data) ? data : (data as { matrix?: unknown })?.matrix;
  if (!Array.isArray(list)) throw new Error(`${path}: expected a JSON array of drills (or an object with "matrix")`);
  return list.map((e: unknown, i) => {
    const o = e as { id?: unknown; profile?: unknown };
    if (typeof o?.id !== "string") throw new Error(`${path}: entry ${i} has no string "id"`);
    return { id: o.id, ...(typeof o.profile === "string" ? { profile: o.profile } : {}) };
  });
}

if (!values.from) {
  console.error("usage: npm run report:summary -- --from DIR [--expect drills.json] [--title T] [--with-reports] [--max-chars N] [--out FILE]");
  process.exit(2);
}
let expected: Expected[] | undefined;
try {
  expected = values.expect ? readExpected(values.expect) : undefined;
} catch (err) {
  console.error(`report:summary: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
}
const { runs, problems } = findRuns(values.from);
const maxChars = values["max-chars"] !== undefined ? Number(values["max-chars"]) : undefined;
const summary = renderSummary(runs, {
  title: values.title,
  withReports: values["with-reports"],
  problems,
  ...(expected ? { expected } : {}),
  ...(maxChars !== undefined && Number.isFinite(maxChars) ? { maxChars } : {}),
});
if (values.out) {
  writeFileSync(values.out, summary.markdown);
  console.log(`${summary.ok ? "PASSED" : "FAILED"}: ${summary.passed} passed, ${summary.failed} failed, ${summary.notRun} not run, ${summary.missing.length} without a journal; wrote ${values.out}`);
} else {
  console.log(summary.markdown);
}
process.exitCode = summary.ok ? 0 : 1;
