// `npm run bench:scenarios [-- --json] [names...]`
// Runs each drill (warm: images are built by the first run) and prints wall time split
// by phase, time-to-detect against the rule's bound, and time-to-recover. Goals on these
// machines (reported, not asserted): a warm drill <= 60 s; time-to-detect <= lower
// bound + one scrape interval; wall time close to the drill's floor (harness/report/floor.ts:
// slowest service start + the rule's bound + the steps + recovery + teardown), printed as a
// ratio.
import { parseArgs } from "node:util";
import { loadAllDrills } from "../harness/scenario/load.js";
import { runDrillSession } from "../harness/session/drill-session.js";
import { drillFloor } from "../harness/report/floor.js";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { json: { type: "boolean", default: false } } });
const drills = loadAllDrills().filter((d) => positionals.length === 0 || positionals.includes(d.scenario) || positionals.includes(d.id));

const rows = [];
for (const drill of drills) {
  process.stderr.write(`bench: ${drill.id}\n`);
  const t0 = Date.now();
  const { journal, reports } = await runDrillSession({ drill, progress: false });
  const wallSeconds = (Date.now() - t0) / 1000;
  for (const [name, why] of Object.entries(reports.errors)) process.stderr.write(`report ${name} not written: ${why}\n`);
  const phases = Object.fromEntries(
    journal.phases.map((p) => [p.name, p.endedAt ? (Date.parse(p.endedAt) - Date.parse(p.startedAt)) / 1000 : 0]),
  );
  const floor = drillFloor(journal);
  rows.push({
    drill: drill.id,
    floor,
    floorRatio: floor.missing.length ? null : wallSeconds / floor.totalSeconds,
    status: journal.status,
    wallSeconds,
    phases,
    secondsToDetect: journal.detection.secondsToDetect ?? null,
    lowerBoundSeconds: journal.detection.lowerBoundSeconds ?? null,
    scrapeIntervalSeconds: journal.timing?.scrapeIntervalSeconds ?? null,
    secondsToRecover: journal.recovery.secondsToRecover ?? null,
  });
}

if (values.json) {
  console.log(JSON.stringify({ benchmark: "scenarios", goals: { warmDrillSecondsAtMost: 60, detectAtMostLowerBoundPlusOneScrape: true }, drills: rows }, null, 2));
} else {
  const names = ["stack-up", "steady-state", "inject", "detect", "notify", "symptoms", "runbook", "recover", "integrity", "teardown"];
  const width = Math.max(26, ...rows.map((r) => r.drill.length + 1));
  console.log(`\n${"drill".padEnd(width)} ${"status".padEnd(7)} ${"wall".padStart(6)} ${names.map((n) => n.slice(0, 7).padStart(8)).join("")}  detect/bound  recover   floor  wall/floor`);
  for (const r of rows) {
    const detect = r.secondsToDetect === null ? "—" : `${r.secondsToDetect.toFixed(1)}/${r.lowerBoundSeconds ?? "—"}`;
    const ratio = r.floorRatio === null ? `— (no ${r.floor.missing.join(", ")})` : `${r.floorRatio.toFixed(2)}×`;
    console.log(
      `${r.drill.padEnd(width)} ${r.status.padEnd(7)} ${r.wallSeconds.toFixed(1).padStart(6)} ${names.map((n) => (r.phases[n] === undefined ? "—" : r.phases[n].toFixed(1)).padStart(8)).join("")}  ${detect.padStart(12)}  ${(r.secondsToRecover === null ? "—" : r.secondsToRecover.toFixed(1)).padStart(7)}  ${r.floor.totalSeconds.toFixed(1).padStart(6)}  ${ratio}`,
    );
  }
  console.log("\nfloor = slowest service start + the rule's bound + the steps' own time + recover + teardown (harness/report/floor.ts)");
}
