// `npm run bench:repeat -- --times N [--json] <scenario>`
// Runs one drill N times, one after the other, and prints its pass rate and the spread
// (min / median / max) of wall time, time to detect and time to recover, with what
// failed any run that did not pass. Each run writes its reports as usual.
import { parseArgs } from "node:util";
import { findDrills } from "../harness/scenario/load.js";
import { EventBus } from "../harness/drill/events.js";
import { runDrill } from "../harness/drill/run-drill.js";
import { writeRunReports } from "../harness/report/run-dir.js";
import { startShellForDrill } from "../harness/ops/drill-shell.js";
import type { Journal } from "../harness/drill/journal.js";
import { formatSpread, summariseRepeats } from "../harness/report/repeat-summary.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { times: { type: "string", default: "5" }, json: { type: "boolean", default: false } },
});
const times = Number(values.times);
if (!Number.isInteger(times) || times < 1 || positionals.length !== 1) {
  console.error("usage: npm run bench:repeat -- --times N [--json] <scenario>");
  process.exit(2);
}
const summaries = [];
for (const drill of findDrills(positionals[0] ?? "")) {
  const runs: { journal: Journal; wallSeconds: number }[] = [];
  for (let i = 1; i <= times; i++) {
    const t0 = Date.now();
    const { journal } = await runDrill({ drill, bus: new EventBus(), startShell: startShellForDrill });
    const wallSeconds = (Date.now() - t0) / 1000;
    const dir = writeRunReports(journal);
    runs.push({ journal, wallSeconds });
    process.stderr.write(`bench: ${drill.id} run ${i}/${times}: ${journal.status} in ${wallSeconds.toFixed(1)} s (${dir})\n`);
  }
  summaries.push(summariseRepeats(drill.id, runs));
}
if (values.json) {
  console.log(JSON.stringify({ benchmark: "repeat", times, drills: summaries }, null, 2));
} else {
  for (const s of summaries) {
    console.log(`\n${s.drill}: passed ${s.passRate}`);
    console.log(`  wall time        min / median / max ${formatSpread(s.wallSeconds)}`);
    console.log(`  time to detect   min / median / max ${formatSpread(s.secondsToDetect)}`);
    console.log(`  time to recover  min / median / max ${formatSpread(s.secondsToRecover)}`);
    for (const f of s.failures) console.log(`  ${f}`);
  }
}
