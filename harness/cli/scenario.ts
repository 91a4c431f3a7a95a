// `npm run scenario <name> [--profile P] [--keep] [--reporter NAME ...]` runs one drill (or
// every variant of a scenario) with live progress, writes reports/<UTC timestamp>-<name>/
// (every reporter, or the journal plus those named) and points reports/latest at it. Exit code 0 only when every drill passed.
// `npm run scenario -- --list` lists the scenarios and what each needs; `--list --json`
// prints them as a JSON array (with each drill's time budget) for CI's job matrix.
import { parseArgs } from "node:util";
import { relative } from "node:path";
import { findDrills, loadAllDrills, ScenarioError } from "../scenario/load.js";
import { runDrillSession } from "../session/drill-session.js";
import { reporterByName, reporterNames } from "../report/reporters.js";
import { repoRoot } from "../util/paths.js";
import { markKept } from "../stack/keep.js";
import { EngineUnavailableError, ensureEngine } from "../engine/docker-engine.js";
import { stderrLogger } from "../util/log.js";
import { drillListEntries } from "../ci/drill-list.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { profile: { type: "string" }, keep: { type: "boolean", default: false }, list: { type: "boolean", default: false }, json: { type: "boolean", default: false }, reporter: { type: "string", multiple: true } },
});

async function main(): Promise<number> {
  if (values.list && values.json) {
    console.log(JSON.stringify(drillListEntries(loadAllDrills(), repoRoot), null, 2));
    return 0;
  }
  if (values.list) {
    const drills = loadAllDrills();
    const width = Math.max(...drills.map((d) => d.id.length)) + 2;
    for (const d of drills) {
      console.log(`${d.id.padEnd(width)} section ${String(d.runbook.section).padEnd(3)} ${d.title ?? ""}`);
    }
    return 0;
  }
  const name = positionals[0];
  if (!name || values.json) {
    console.error(`usage: npm run scenario <name> [-- --profile upstream|airgapped] [--keep] [--reporter ${reporterNames.join("|")} ...]   (npm run scenario -- --list [--json])`);
    return 2;
  }
  // `--reporter md --reporter junit` or `--reporter md,junit`; an unknown name stops before any drill runs.
  const reporters = (values.reporter ?? []).flatMap((r) => r.split(",")).filter(Boolean);
  for (const r of reporters) {
    try {
      reporterByName(r);
    } catch (err) {
      console.error(`scenario: ${(err as Error).message}`);
      return 2;
    }
  }
  const drills = findDrills(name);
  // No engine (and no way to start one) is the machine's problem, not a drill finding:
  // say so and stop before any report or resource exists.
  await ensureEngine(stderrLogger);
  let allPassed = true;
  for (const drill of drills) {
    const { journal, stack, reports: written } = await runDrillSession({ drill, profile: values.profile, keep: values.keep, reporters });
    const verdict = journal.runbookVerdict ? ` — runbook: ${journal.runbookVerdict.summary}` : "";
    console.log(`gate ${journal.status.toUpperCase()} ${drill.id}${verdict}; reports in ${relative(repoRoot, written.dir)}/`);
    for (const file of Object.values(written.files)) console.log(`  ${relative(repoRoot, file)}`);
    for (const [name, why] of Object.entries(written.errors)) console.log(`  ${name} report NOT written: ${why}`);
    if (journal.status !== "passed") allPassed = false;
    if (stack) {
      // The owner process exits now; the marker keeps every checkout's preflight from sweeping it.
      await markKept(stack.docker, stack.project);
      console.log(`Kept stack ${stack.project} (fault reverted). Caddy: ${stack.url("caddy", 8080)}  Prometheus: ${stack.url("prometheus", 9090)}`);
      console.log(`Remove it with: npm run stack -- down ${stack.project}`);
    }
  }
  return allPassed ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (err) {
  if (err instanceof ScenarioError || err instanceof EngineUnavailableError) {
    console.error(`scenario: ${err.message}`);
    process.exitCode = 2;
  } else throw err;
}
