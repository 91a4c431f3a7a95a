// `npm run scenario <name> [--profile P] [--keep]` runs one drill (or every variant of
// a scenario) with live progress, writes reports/<UTC timestamp>-<name>/ and points
// reports/latest at it. Exit code 0 only when every drill passed.
// `npm run scenario -- --list` lists the scenarios and what each needs; `--list --json`
// prints them as a JSON array (with each drill's time budget) for CI's job matrix.
import { parseArgs } from "node:util";
import { relative } from "node:path";
import { findDrills, loadAllDrills, ScenarioError } from "../scenario/load.js";
import { EventBus } from "../drill/events.js";
import { runDrill } from "../drill/run-drill.js";
import { TerminalReporter } from "../report/terminal.js";
import { writeRun } from "../report/run-dir.js";
import { startShellForDrill } from "../ops/drill-shell.js";
import { repoRoot } from "../util/paths.js";
import { markKept } from "../stack/keep.js";
import { dockerClient, EngineUnavailableError, ensureEngine } from "../engine/docker-engine.js";
import { InterruptionRecorder } from "../drill/interruption.js";
import { interruptedBy } from "../stack/teardown-guard.js";
import { stderrLogger } from "../util/log.js";
import { drillListEntries } from "../ci/drill-list.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { profile: { type: "string" }, keep: { type: "boolean", default: false }, list: { type: "boolean", default: false }, json: { type: "boolean", default: false } },
});

async function main(): Promise<number> {
  if (values.list && values.json) {
    console.log(JSON.stringify(drillListEntries(loadAllDrills(), repoRoot), null, 2));
    return 0;
  }
  if (values.list) {
    for (const d of loadAllDrills()) {
      console.log(`${d.id.padEnd(34)} section ${String(d.runbook.section).padEnd(3)} ${d.title ?? ""}`);
    }
    return 0;
  }
  const name = positionals[0];
  if (!name || values.json) {
    console.error("usage: npm run scenario <name> [-- --profile upstream|airgapped] [--keep]   (npm run scenario -- --list [--json])");
    return 2;
  }
  const drills = findDrills(name);
  // No engine (and no way to start one) is the machine's problem, not a drill finding:
  // say so and stop before any report or resource exists.
  await ensureEngine(stderrLogger);
  let allPassed = true;
  for (const drill of drills) {
    // Ctrl-C: the guard tears the stack down; this writes the journal as it stood (status interrupted).
    const interruption = new InterruptionRecorder();
    const bus = new EventBus().subscribe(new TerminalReporter()).subscribe(interruption);
    const uninstall = interruption.install(dockerClient, (j) => {
      // No report.html here: rendering its charts would hold the exit back.
      const w = writeRun(j, undefined, ["json", "md", "junit"]);
      console.log(`gate INTERRUPTED ${drill.id} (${j.reason}); reports in ${relative(repoRoot, w.dir)}/ (journal.json, report.md, junit.xml)`);
    });
    const { journal, stack } = await runDrill({
      drill,
      bus,
      profile: values.profile,
      keep: values.keep,
      startShell: startShellForDrill,
      onSecrets: (v) => interruption.setSecrets(v),
    });
    uninstall();
    // Interrupted: the guard's exit comes once its teardown is done; this run's evidence is the recorder's.
    if (interruptedBy() && interruption.recorded) await new Promise(() => {});
    const written = writeRun(journal);
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
