// One test per scenario (and per variant): the README's test command runs every drill
// the profile can serve. A drill the profile cannot serve is reported skipped with the
// reason; a drill that fails fails its test with the findings that failed it. Every
// run writes its evidence to reports/ as `npm run scenario` does.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, type ExpectStatic } from "vitest";
import { loadAllDrills } from "../../harness/scenario/load.js";
import type { Drill } from "../../harness/scenario/types.js";
import { drillTimeouts } from "../../harness/ci/drill-list.js";
import { runDrillSession } from "../../harness/session/drill-session.js";
import { dockerClient } from "../../harness/engine/docker-engine.js";
import { createCanaries, fingerprint, removeCanaries, type Canaries } from "./canaries.js";

const drills = loadAllDrills();

// Two lanes, one drill at a time in each. Drills that spend minutes waiting on a rule's
// window (the memory leak's slow climb) are CPU-light while they wait, so they run in a
// lane of their own beside the others instead of after them. Which lane is decided by
// the drill's own waits, so a new slow drill joins the slow lane without an edit here.
// A drill that measures latency under load (`load:`) runs alone, after both lanes:
// another drill's bring-up on the same two cores would be in its latency figures (seen:
// p95 1.5 s before any fault, with other drills building images beside it).
const slowLaneSeconds = 400;
function waitsSeconds(drill: Drill): number {
  const t = drillTimeouts(drill, undefined);
  return t.detectSeconds + t.recoverSeconds + (drill.steadyState?.settleSeconds ?? 0);
}
const lanes = { slow: Promise.resolve(), main: Promise.resolve() };
/** Run `work` after the lane's previous drill has finished (whatever its outcome). */
function inLane<T>(lane: keyof typeof lanes, work: () => Promise<T>): Promise<T> {
  const run = lanes[lane].then(work);
  lanes[lane] = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}
// Each test's time includes its wait for the lane; the harness's own per-phase timeouts
// end a hung drill long before this.
const laneTestTimeoutMs = 150 * 60_000;

describe("scenarios", () => {
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

  // Slow-lane drills first, so that both lanes start at once (vitest starts at most five
  // concurrent tests; a test waiting for its lane holds one of those places).
  const laneOf = (drill: Drill) => (waitsSeconds(drill) >= slowLaneSeconds ? "slow" : "main");
  const exclusive = (drill: Drill) => drill.load !== undefined;
  const ordered = drills.filter((d) => !exclusive(d)).sort((a, b) => Number(laneOf(b) === "slow") - Number(laneOf(a) === "slow"));
  const drillTest = async (drill: Drill, expect: ExpectStatic, skip: (why: string) => void): Promise<void> => {
    // Live progress in CI logs too: a drill that hangs shows where. Two drills run at
    // once, so each line names its drill. The same lines are kept to prove no secret
    // reaches the terminal.
    const terminal: string[] = [];
    const progress = (line: string) => {
      terminal.push(line);
      if (process.env.DRILL_PROGRESS !== "0") process.stderr.write(prefixLines(`[${drill.id}] `, line));
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
      skip(`not run: ${journal.reason ?? "no reason"} (${dir})`);
      return;
    }
    const unexpected = journal.findings.filter((f) => !f.acknowledged).map((f) => `[${f.phase}${f.step ? ` ${f.step}` : ""}] ${f.summary}`);
    expect(unexpected, `report: ${dir}/report.md`).toEqual([]);
    expect(journal.status).toBe("passed");
    expect(journal.teardown?.leftBehind).toBe(0);
  };
  for (const drill of ordered) {
    it.concurrent(`${drill.id}: ${drill.title ?? ""}`, (ctx) => inLane(laneOf(drill), () => drillTest(drill, ctx.expect, (why) => ctx.skip(why))), laneTestTimeoutMs);
  }
  for (const drill of drills.filter(exclusive)) {
    it(`${drill.id}: ${drill.title ?? ""} (alone: it measures latency under load)`, (ctx) => drillTest(drill, ctx.expect, (why) => ctx.skip(why)));
  }

  it("left every production-named canary outside the drills untouched (container, volumes, network, images)", async () => {
    if (!canaries) throw new Error("the canaries were not created");
    expect(before.every((f) => f.identity !== undefined), JSON.stringify(before)).toBe(true);
    const after = await fingerprint(docker, canaries);
    const touched = after.filter((f, i) => f.identity !== before[i]?.identity).map((f) => `${f.kind} ${f.name}`);
    expect(touched, `DRILLS TOUCHED RESOURCES OUTSIDE THEIR STACK: ${touched.join(", ")}`).toEqual([]);
  });
});

function prefixLines(prefix: string, text: string): string {
  return text.replace(/^(?=.)/gm, prefix);
}
