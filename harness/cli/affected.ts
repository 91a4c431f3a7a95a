// `npm run affected -- --base <ref> [--head <ref>] [--json]`: the drills a change needs
// (git diff <base>...HEAD), each with why, and what every changed file selected. The
// pull-request gate runs exactly these. Exit 0 with the selection (which may be empty),
// 2 when git or a scenario file cannot be read.
import { parseArgs } from "node:util";
import { GitError } from "../affected/git.js";
import { renderAffected, selectAffected } from "../affected/select.js";
import { ScenarioError } from "../scenario/load.js";
import { repoRoot } from "../util/paths.js";

const { values } = parseArgs({
  options: { base: { type: "string" }, head: { type: "string" }, json: { type: "boolean", default: false } },
});

if (!values.base) {
  console.error("usage: npm run affected -- --base <ref> [--head <ref>] [--json]   (e.g. --base origin/main, --base HEAD~1)");
  process.exit(2);
}
try {
  const result = selectAffected({ root: repoRoot, base: values.base, ...(values.head ? { head: values.head } : {}) });
  console.log(values.json ? JSON.stringify(result, null, 2) : renderAffected(result));
} catch (err) {
  if (err instanceof GitError || err instanceof ScenarioError) {
    console.error(`affected: ${err.message}`);
    process.exitCode = 2;
  } else throw err;
}
