// One test per scenario (and per variant): the README's test command runs every drill
// the profile can serve. A drill the profile cannot serve is reported skipped with the
// reason; a drill that fails fails its test with the findings that failed it. Every
// run writes its evidence to reports/ as `npm run scenario` does.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadAllDrills } from "../../harness/scenario/load.js";
import { runDrillSession } from "../../harness/session/drill-session.js";

const drills = loadAllDrills();

describe.sequential("scenarios", () => {
  for (const drill of drills) {
    it(`${drill.id}: ${drill.title ?? ""}`, async (ctx) => {
      // Live progress in CI logs too: a drill that hangs shows where. The same lines are
      // kept to prove no secret reaches the terminal.
      const terminal: string[] = [];
      const progress = (line: string) => {
        terminal.push(line);
        if (process.env.DRILL_PROGRESS !== "0") process.stderr.write(line);
      };
      let secrets: readonly string[] = [];
      const { journal, reports } = await runDrillSession({ drill, progress, onSecrets: (v) => (secrets = v) });
      for (const [name, why] of Object.entries(reports.errors)) process.stderr.write(`report ${name} not written: ${why}\n`);
      const dir = reports.dir;
      // No generated secret in clear text in any artifact or on the terminal.
      const artifacts = readdirSync(dir, { withFileTypes: true })
        .filter((f) => f.isFile())
        .map((f) => [f.name, readFileSync(join(dir, f.name), "utf8")] as const);
      artifacts.push(["terminal output", terminal.join("")]);
      for (const secret of secrets.filter((x) => x.length >= 8)) {
        for (const [name, text] of artifacts) expect(text.includes(secret), `a generated secret appears in clear text in ${name}`).toBe(false);
      }
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
