// `npm run bench:scenarios [-- --json] [--from DIR] [names...]`
// Runs each drill (warm: images are built by the first run) and prints wall time split
// by phase, time-to-detect against the rule's bound, and time-to-recover. Goals on these
// machines (reported, not asserted): a warm drill <= 60 s; time-to-detect <= lower
// bound + one scrape interval; wall time close to the drill's floor (harness/report/floor.ts:
// slowest service start + the rule's bound + the steps + recovery + teardown), printed as a
// ratio. `--from DIR` runs nothing: it prints the same table from the journals of runs
// already made (a CI run's reports/, a night's artifacts); wall time is then the
// journal's start to end.
import { parseArgs } from "node:util";
import type { Journal } from "../harness/drill/journal.js";
import { findRuns } from "../harness/ci/summary.js";
import { loadAllDrills } from "../harness/scenario/load.js";
import { runDrillSession } from "../harness/session/drill-session.js";
import { drillFloor, phaseSeconds } from "../harness/report/floor.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { json: { type: "boolean", default: false }, from: { type: "string" } },
});
const wanted = (scenario: string, id: string) => positionals.length === 0 || positionals.includes(scenario) || positionals.includes(id);

const rows: ReturnType<typeof row>[] = [];
if (values.from) {
  const { runs, problems } = findRuns(values.from);
  for (const p of problems) process.stderr.write(`bench: skipped ${p.where}: ${p.message}\n`);
  for (const { journal } of runs) {
    const id = journal.variant ? `${journal.scenario}:${journal.variant}` : journal.scenario;
    if (!wanted(journal.scenario, id) || !journal.endedAt) continue;
    rows.push(row(id, journal, (Date.parse(journal.endedAt) - Date.parse(journal.startedAt)) / 1000));
  }
  if (rows.length === 0) {
    process.stderr.write(`bench: no finished drill journal under ${values.from}${positionals.length ? ` for ${positionals.join(", ")}` : ""}\n`);
    process.exit(1);
  }
} else {
  for (const drill of loadAllDrills().filter((d) => wanted(d.scenario, d.id))) {
    process.stderr.write(`bench: ${drill.id}\n`);
    const t0 = Date.now();
    const { journal, reports } = await runDrillSession({ drill, progress: false });
    const wallSeconds = (Date.now() - t0) / 1000;
    for (const [name, why] of Object.entries(reports.errors)) process.stderr.write(`report ${name} not written: ${why}\n`);
    rows.push(row(drill.id, journal, wallSeconds));
  }
}

function row(drill: string, journal: Journal, wallSeconds: number) {
  const phases = Object.fromEntries(
    journal.phases.map((p) => [p.name, phaseSeconds(journal, p.name) ?? 0]),
  );
  const floor = drillFloor(journal);
  return {
    drill,
    floor,
    floorRatio: floor.missing.length ? null : wallSeconds / floor.totalSeconds,
    status: journal.status,
    wallSeconds,
    phases,
    secondsToDetect: journal.detection.secondsToDetect ?? null,
    lowerBoundSeconds: journal.detection.lowerBoundSeconds ?? null,
    scrapeIntervalSeconds: journal.timing?.scrapeIntervalSeconds ?? null,
    secondsToRecover: journal.recovery.secondsToRecover ?? null,
  };
}

if (values.json) {
  console.log(JSON.stringify({ benchmark: "scenarios", goals: { warmDrillSecondsAtMost: 60, detectAtMostLowerBoundPlusOneScrape: true }, drills: rows }, null, 2));
} else {
  const names = ["stack-up", "steady-state", "inject", "detect", "notify", "symptoms", "runbook", "recover", "integrity", "teardown"];
  const width = Math.max(26, ...rows.map((r) => r.drill.length + 1));
  console.log(`\n${"drill".padEnd(width)} ${"status".padEnd(11)} ${"wall".padStart(6)} ${names.map((n) => n.slice(0, 7).padStart(8)).join("")}  detect/bound  recover   floor  wall/floor`);
  for (const r of rows) {
    const detect = r.secondsToDetect === null ? "—" : `${r.secondsToDetect.toFixed(1)}/${r.lowerBoundSeconds ?? "—"}`;
    const ratio = r.floorRatio === null ? `— (no ${r.floor.missing.join(", ")})` : `${r.floorRatio.toFixed(2)}×`;
    console.log(
      `${r.drill.padEnd(width)} ${r.status.padEnd(11)} ${r.wallSeconds.toFixed(1).padStart(6)} ${names.map((n) => (r.phases[n] === undefined ? "—" : r.phases[n].toFixed(1)).padStart(8)).join("")}  ${detect.padStart(12)}  ${(r.secondsToRecover === null ? "—" : r.secondsToRecover.toFixed(1)).padStart(7)}  ${r.floor.totalSeconds.toFixed(1).padStart(6)}  ${ratio}`,
    );
  }
  console.log("\nfloor = slowest service start + the rule's bound + the steps' own time + recover + teardown (harness/report/floor.ts)");
}
