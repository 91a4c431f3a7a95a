// One test per scenario (and per variant): the README's test command runs every drill
// the profile can serve. A drill the profile cannot serve is reported skipped with the
// reason; a drill that fails fails its test with the findings that failed it. Every
// run writes its evidence to reports/ as `npm run scenario` does.
import { describe, expect, it } from "vitest";
import { loadAllDrills } from "../../harness/scenario/load.js";
import { EventBus } from "../../harness/drill/events.js";
import { runDrill } from "../../harness/drill/run-drill.js";
import { writeRunReports } from "../../harness/report/run-dir.js";
import { startShellForDrill } from "../../harness/ops/drill-shell.js";
import { TerminalReporter } from "../../harness/report/terminal.js";

const drills = loadAllDrills();

describe.sequential("scenarios", () => {
  for (const drill of drills) {
    it(`${drill.id}: ${drill.title ?? ""}`, async (ctx) => {
      const bus = new EventBus();
      // Live progress in CI logs too: a drill that hangs shows where.
      if (process.env.DRILL_PROGRESS !== "0") bus.subscribe(new TerminalReporter());
      const { journal } = await runDrill({ drill, bus, startShell: startShellForDrill });
      const dir = writeRunReports(journal);
      if (journal.status === "not-run") {
        ctx.skip(`not run: ${journal.reason ?? "no reason"} (${dir})`);
        return;
      }
      const unexpected = journal.findings.filter((f) => !f.acknowledged).map((f) => `[${f.phase}${f.step ? ` ${f.step}` : ""}] ${f.summary}`);
      expect(unexpected, `report: ${dir}/report.md`).toEqual([]);
      expect(journal.status).toBe("passed");
      expect(journal.teardown?.leftBehind).toBe(0);
    });
  }
});
