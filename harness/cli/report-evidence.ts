// `npm run report:evidence -- --from <dir> [--out <dir>] [--since <date>] [--until <date>] [--no-pdf]`
// gathers every journal.json under <dir> (local reports/, or CI artifacts unpacked into a
// folder) into the monthly DR evidence report: evidence.html, evidence.pdf and SHA256SUMS.
// Exit 1 when a journal does not match journal.schema.json or the period has no journal.
import { parseArgs } from "node:util";
import { relative } from "node:path";
import { BrowserUnavailableError } from "../engine/chromium.js";
import { EvidenceError } from "../report/evidence/gather.js";
import { writeEvidence } from "../report/evidence/build.js";
import { repoRoot } from "../util/paths.js";
import { stderrLogger } from "../util/log.js";

const usage = "usage: npm run report:evidence -- --from <dir> [--out <dir>] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--no-pdf]";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { from: { type: "string" }, out: { type: "string" }, since: { type: "string" }, until: { type: "string" }, "no-pdf": { type: "boolean", default: false } },
  });
  if (!values.from) {
    console.error(usage);
    return 2;
  }
  const r = await writeEvidence({ from: values.from, out: values.out, since: values.since, until: values.until, noPdf: values["no-pdf"], repoRoot, log: stderrLogger });
  const t = r.evidence.totals;
  const show = (p: string) => (relative(process.cwd(), p).startsWith("..") ? p : relative(process.cwd(), p));
  console.log(`evidence: ${t.runs} run(s) of ${t.drills} drill(s) (${t.passed} passed, ${t.failed} failed, ${t.notRun} not run), ${r.evidence.openFindings.length} open finding(s)`);
  console.log(`  ${show(r.html)}`);
  if (r.pdf) console.log(`  ${show(r.pdf)}`);
  console.log(`  ${show(r.sums)}`);
  return 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  if (err instanceof EvidenceError || err instanceof BrowserUnavailableError || (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"))) {
    console.error(`report:evidence: ${err.message}`);
    process.exitCode = 1;
  } else throw err;
}
