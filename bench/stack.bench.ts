// `npm run bench:stack [-- --json] [--runs N] [--no-cold]`
// Bring-up and teardown of the drill stack through the harness, cold (drill images
// removed first, so they are rebuilt) and warm (images cached), median of N runs;
// and in the same run the bare baseline: the same derived compose file with plain
// `docker-compose up -d` plus the same health wait, then `docker-compose down -v`.
// Goals (reported, not asserted): warm bring-up <= 1.2x baseline; teardown <= 3 s.
import { parseArgs } from "node:util";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DrillStack } from "../harness/stack/drill-stack.js";
import { dockerClient, ensureEngine } from "../harness/engine/docker-engine.js";
import { readComposeFile } from "../harness/stack/compose-file.js";
import { PrometheusClient, waitForAllTargetsUp } from "../harness/detect/prometheus.js";
import { pollUntil } from "../harness/util/poll.js";
import { runChecked } from "../harness/util/run.js";
import { silentLogger, stderrLogger } from "../harness/util/log.js";
import { labelImage } from "../harness/stack/labels.js";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    runs: { type: "string", default: "3" },
    "no-cold": { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
const log = stderrLogger;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

interface Sample {
  upSeconds: number;
  downSeconds: number;
}

async function harnessRun(): Promise<Sample & { composeFile: string; env: Record<string, string>; keptJobs: string[] }> {
  const t0 = Date.now();
  const stack = await new DrillStack({ log: silentLogger }).up();
  const upSeconds = (Date.now() - t0) / 1000;
  // Keep a copy of the derived compose file and its inputs for the baseline.
  const keep = mkdtempSync(join(tmpdir(), "bench-compose-"));
  cpSync(stack.dir, keep, { recursive: true });
  const composeFile = join(keep, "docker-compose.yml");
  // The derived file mounts the drill's Prometheus dir, which down() removes: point it at the copy.
  const text = readFileSync(composeFile, "utf8").split(stack.dir).join(keep);
  const { writeFileSync } = await import("node:fs");
  writeFileSync(composeFile, text);
  // The same variables the harness handed to compose (secrets and image choices).
  const env = { ...stack.composeEnv };
  const keptJobs = stack.report.prometheus?.keptJobs ?? [];
  const down = await stack.down();
  if (down.leftBehind.length > 0) throw new Error(`teardown left resources behind: ${JSON.stringify(down.leftBehind)}`);
  return { upSeconds, downSeconds: down.seconds, composeFile, env, keptJobs };
}

async function baselineRun(composeFile: string, env: Record<string, string>, keptJobs: string[]): Promise<Sample> {
  const engine = await ensureEngine(silentLogger);
  const project = `bench-baseline-${Math.random().toString(16).slice(2, 8)}`;
  const compose = [...engine.compose.command, "-p", project, "-f", composeFile];
  const [cmd, ...pre] = compose;
  const opts = { env: { ...process.env, ...env } };
  const docker = dockerClient();
  const t0 = Date.now();
  await runChecked(cmd!, [...pre, "up", "-d"], opts);
  // The same health wait: every container with a healthcheck healthy, every target up.
  const services = Object.entries(readComposeFile(composeFile).services);
  await pollUntil("containers healthy", 180_000, 250, async () => {
    for (const [, svc] of services) {
      if (!svc.healthcheck) continue;
      const st = (await docker.getContainer(String(svc.container_name)).inspect()).State;
      if (st.Health?.Status !== "healthy") return { reason: `${String(svc.container_name)} ${st.Health?.Status}` };
    }
    return { value: true, reason: "" };
  });
  const port = (await docker.getContainer(String(services.find(([n]) => n === "prometheus")?.[1].container_name)).inspect())
    .NetworkSettings.Ports["9090/tcp"]?.[0]?.HostPort;
  await waitForAllTargetsUp(new PrometheusClient(`http://127.0.0.1:${port}`), keptJobs, 180_000);
  const upSeconds = (Date.now() - t0) / 1000;
  const t1 = Date.now();
  await runChecked(cmd!, [...pre, "down", "-v", "-t", "3"], opts);
  return { upSeconds, downSeconds: (Date.now() - t1) / 1000 };
}

async function main(): Promise<void> {
  await ensureEngine(log);
  const docker = dockerClient();
  const cold: Sample[] = [];
  const warm: Sample[] = [];
  const baseline: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    if (!values["no-cold"]) {
      const images = await docker.listImages({ filters: JSON.stringify({ label: [labelImage] }) });
      for (const img of images) await docker.getImage(img.Id).remove({ force: true });
      log(`bench: cold run ${i + 1}/${runs} (rebuilding ${images.length} images)`);
      const c = await harnessRun();
      cold.push(c);
      rmSync(join(c.composeFile, ".."), { recursive: true, force: true });
    }
    log(`bench: warm run ${i + 1}/${runs}`);
    const w = await harnessRun();
    warm.push(w);
    log(`bench: baseline run ${i + 1}/${runs}`);
    baseline.push(await baselineRun(w.composeFile, w.env, w.keptJobs));
    rmSync(join(w.composeFile, ".."), { recursive: true, force: true });
  }
  const summary = (xs: Sample[]) =>
    xs.length === 0
      ? null
      : {
          upSeconds: median(xs.map((x) => x.upSeconds)),
          downSeconds: median(xs.map((x) => x.downSeconds)),
          // Figures only: a run's compose environment holds the drill's generated secrets.
          runs: xs.map(({ upSeconds, downSeconds }) => ({ upSeconds, downSeconds })),
        };
  const result = {
    benchmark: "stack",
    runs,
    cold: summary(cold),
    warm: summary(warm),
    baseline: summary(baseline),
    warmOverBaseline: median(warm.map((x) => x.upSeconds)) / median(baseline.map((x) => x.upSeconds)),
    goals: { warmOverBaselineAtMost: 1.2, teardownSecondsAtMost: 3 },
  };
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  const row = (name: string, s: ReturnType<typeof summary>) =>
    s ? `${name.padEnd(10)} ${s.upSeconds.toFixed(1).padStart(8)} s ${s.downSeconds.toFixed(1).padStart(8)} s` : `${name.padEnd(10)}  (skipped)`;
  console.log(`\nStack bring-up and teardown, median of ${runs}`);
  console.log(`${"".padEnd(10)} ${"bring-up".padStart(10)} ${"teardown".padStart(10)}`);
  console.log(row("cold", result.cold));
  console.log(row("warm", result.warm));
  console.log(row("baseline", result.baseline));
  console.log(`\nwarm / baseline bring-up: ${result.warmOverBaseline.toFixed(2)}x (goal <= 1.2x)`);
  console.log(`warm teardown: ${result.warm?.downSeconds.toFixed(1)} s (goal <= 3 s)`);
}

await main();
