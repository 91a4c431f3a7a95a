// `npm run scenario <name> [--profile P] [--keep]` runs one drill (or every variant of
// a scenario) with live progress, writes reports/<UTC timestamp>-<name>/ and points
// reports/latest at it. Exit code 0 only when every drill passed.
// `npm run scenario -- --list` lists the scenarios and what each needs.
import { parseArgs } from "node:util";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { findDrills, loadAllDrills, ScenarioError } from "../scenario/load.js";
import { EventBus } from "../drill/events.js";
import { runDrill } from "../drill/run-drill.js";
import { TerminalReporter } from "../report/terminal.js";
import { writeRun } from "../report/run-dir.js";
import { startShellForDrill } from "../ops/drill-shell.js";
import { repoRoot, stateDir } from "../util/paths.js";
import { keepMarker } from "../stack/leftovers.js";
import { EngineUnavailableError } from "../engine/docker-engine.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { profile: { type: "string" }, keep: { type: "boolean", default: false }, list: { type: "boolean", default: false } },
});

async function main(): Promise<number> {
  if (values.list) {
    for (const d of loadAllDrills()) {
      console.log(`${d.id.padEnd(34)} section ${String(d.runbook.section).padEnd(3)} ${d.title ?? ""}`);
    }
    return 0;
  }
  const name = positionals[0];
  if (!name) {
    console.error("usage: npm run scenario <name> [-- --profile upstream|airgapped] [--keep]   (npm run scenario -- --list)");
    return 2;
  }
  const drills = findDrills(name);
  let allPassed = true;
  for (const drill of drills) {
    const bus = new EventBus().subscribe(new TerminalReporter());
    const { journal, stack } = await runDrill({ drill, bus, profile: values.profile, keep: values.keep, startShell: startShellForDrill });
    const written = writeRun(journal);
    console.log(`${journal.status.toUpperCase()} ${drill.id}: reports in ${relative(repoRoot, written.dir)}/`);
    for (const file of Object.values(written.files)) console.log(`  ${relative(repoRoot, file)}`);
    for (const [name, why] of Object.entries(written.errors)) console.log(`  ${name} report NOT written: ${why}`);
    if (journal.status !== "passed") allPassed = false;
    if (stack) {
      // The owner process exits now; the marker keeps the next preflight from sweeping it.
      mkdirSync(join(stateDir, stack.project), { recursive: true });
      writeFileSync(keepMarker(stack.project), new Date().toISOString());
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
