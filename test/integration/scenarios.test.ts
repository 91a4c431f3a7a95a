// One test per scenario (and per variant): the README's test command runs every drill
// the profile can serve. A drill the profile cannot serve is reported skipped with the
// reason; a drill that fails fails its test with the findings that failed it. Every
// run writes its evidence to reports/ as `npm run scenario` does.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAllDrills } from "../../harness/scenario/load.js";
import { runDrillSession } from "../../harness/session/drill-session.js";
import { dockerClient } from "../../harness/engine/docker-engine.js";
import { createCanaries, fingerprint, removeCanaries, type Canaries } from "./canaries.js";

const drills = loadAllDrills();

describe.sequential("scenarios", () => {
  // Production-named resources outside every drill; the drills' prunes must not touch them.
  const docker = dockerClient();
  let canaries: Canaries | undefined;
  let before: Awaited<ReturnType<typeof fingerprint>> = [];
  beforeAll(async () => {
    canaries = await createCanaries(docker);
    before = await fingerprint(docker, canaries);
  });
  afterAll(async () => {
    if (canaries) await removeCanaries(docker, canaries);
  });

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

  it("left every production-named canary outside the drills untouched (container, volumes, network, images)", async () => {
    if (!canaries) throw new Error("the canaries were not created");
    expect(before.every((f) => f.identity !== undefined), JSON.stringify(before)).toBe(true);
    const after = await fingerprint(docker, canaries);
    const touched = after.filter((f, i) => f.identity !== before[i]?.identity).map((f) => `${f.kind} ${f.name}`);
    expect(touched, `DRILLS TOUCHED RESOURCES OUTSIDE THEIR STACK: ${touched.join(", ")}`).toEqual([]);
  });
});
