// Interruption at any point of a drill: Ctrl-C (SIGINT to the whole process group, as a
// terminal sends it) during bring-up, inject and the runbook's steps removes the whole
// stack within 15 s and leaves a journal with status `interrupted` naming the phase;
// a SIGKILLed drill's leftovers are removed by the next run's preflight, which says so.
// Economical: one bring-up per case, each drill stopped as early as its case allows.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { dockerClient } from "../../harness/engine/docker-engine.js";
import { listDrillResources, sweepLeftovers } from "../../harness/stack/leftovers.js";
import { pollUntil } from "../../harness/util/poll.js";
import type { Journal } from "../../harness/drill/journal.js";
import { repoRoot } from "../../harness/util/paths.js";

const docker = dockerClient();
/** The teardown a signal starts (the bound), and the exit: teardown plus at most 5 s to write the evidence. */
const teardownBoundSeconds = 15;
const exitBoundMs = 20_000;

interface Drill {
  child: ChildProcessWithoutNullStreams;
  exited: Promise<number | null>;
  output: () => string;
  /** Resolves with the first line matching, or rejects if the drill ends first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  project(): Promise<string>;
}

const started: Drill[] = [];

/** `npm run scenario disk-full` as a terminal runs it: its own process group, output read line by line. */
function startDrill(): Drill {
  const child = spawn(`${repoRoot}/node_modules/.bin/tsx`, ["harness/cli/scenario.ts", "disk-full"], {
    cwd: repoRoot,
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  let text = "";
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const onLine = (line: string) => {
    text += `${line}\n`;
    if (process.env.DRILL_PROGRESS !== "0") process.stderr.write(`  | ${line}\n`);
    for (const w of [...waiters]) {
      const m = line.match(w.pattern);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  createInterface({ input: child.stdout }).on("line", onLine);
  createInterface({ input: child.stderr }).on("line", onLine);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const d: Drill = {
    child,
    exited,
    output: () => text,
    waitFor(pattern, timeoutMs = 600_000) {
      const seen = text.match(pattern);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs / 1000} s:\n${text.slice(-3000)}`)), timeoutMs);
        timer.unref();
        void exited.then((code) => reject(new Error(`the drill exited (${code}) before a line matching ${pattern}:\n${text.slice(-3000)}`)));
      });
    },
    async project() {
      return (await d.waitFor(/stack: starting \d+ services as project (drill-[a-z0-9-]+)/))[1] ?? "";
    },
  };
  started.push(d);
  return d;
}

/** Ctrl-C: SIGINT to the whole process group; resolves with the exit code and how long the exit took. */
async function ctrlC(d: Drill): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  process.kill(-(d.child.pid ?? 0), "SIGINT");
  const code = await Promise.race([d.exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 60_000).unref())]);
  if (code === "hung") throw new Error(`still running 60 s after SIGINT:\n${d.output().slice(-3000)}`);
  return { code, ms: Date.now() - t0 };
}

function journalOf(d: Drill): Journal {
  const m = d.output().match(/gate INTERRUPTED \S+ \(.*\); reports in (\S+)\/ /);
  if (!m?.[1]) throw new Error(`no "gate INTERRUPTED ... reports in" line:\n${d.output().slice(-3000)}`);
  const file = join(repoRoot, m[1], "journal.json");
  expect(existsSync(file), file).toBe(true);
  return JSON.parse(readFileSync(file, "utf8")) as Journal;
}

async function expectInterrupted(d: Drill, phase: string): Promise<void> {
  const project = await d.project();
  const { code, ms } = await ctrlC(d);
  expect(code).toBe(130);
  expect(ms, `exit ${ms} ms after SIGINT`).toBeLessThan(exitBoundMs);
  expect(await listDrillResources(docker, project)).toEqual([]);
  const j = journalOf(d);
  expect(j.status).toBe("interrupted");
  expect(j.interrupted).toMatchObject({ signal: "SIGINT", phase });
  expect(j.phases.find((p) => p.name === phase)?.detail).toMatch(/^interrupted by SIGINT/);
  expect(j.teardown?.leftBehind).toBe(0);
  expect(j.teardown?.seconds).toBeLessThan(teardownBoundSeconds);
}

describe.sequential("interrupting a drill", () => {
  let killedProject = "";
  let killedGoneBeforeNextRun = false;

  afterAll(async () => {
    // Whatever a failed case left running: stop it and sweep.
    for (const d of started) {
      try {
        process.kill(-(d.child.pid ?? 0), "SIGKILL");
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
    await sweepLeftovers(docker);
  });

  it("SIGKILL during bring-up leaves labelled resources behind (the next case's preflight removes them)", async () => {
    const d = startDrill();
    killedProject = await d.project();
    await pollUntil("a container of the drill", 120_000, 250, async () => {
      const [r] = await listDrillResources(docker, killedProject);
      return r?.containers.length ? { value: true, reason: "" } : { reason: "none yet" };
    });
    process.kill(-(d.child.pid ?? 0), "SIGKILL");
    await d.exited;
    const [left] = await listDrillResources(docker, killedProject);
    expect(left?.containers.length ?? 0).toBeGreaterThan(0);
    // Another checkout's preflight on this engine may sweep it first; then ours has nothing to say.
    killedGoneBeforeNextRun = (await listDrillResources(docker, killedProject)).length === 0;
  });

  it("SIGINT during stack-up: torn down within 15 s, journal interrupted in stack-up; the SIGKILLed drill was swept by this preflight", async () => {
    const d = startDrill();
    await d.project();
    if (killedProject && !killedGoneBeforeNextRun) {
      const swept = (await listDrillResources(docker, killedProject)).length === 0;
      expect(swept).toBe(true);
      // Unless another run on this engine swept it in between, this preflight says it did.
      if (!d.output().includes(killedProject)) console.warn(`${killedProject} was swept by another run on this engine`);
      else expect(d.output()).toContain(`preflight: removed leftovers of crashed drill ${killedProject}`);
    }
    await expectInterrupted(d, "stack-up");
  });

  it("SIGINT during inject: torn down within 15 s, journal interrupted in inject", async () => {
    const d = startDrill();
    await d.waitFor(/▶ inject$/);
    await expectInterrupted(d, "inject");
  });

  it("SIGINT during the runbook's steps: torn down within 15 s, journal interrupted in runbook", async () => {
    const d = startDrill();
    await d.waitFor(/▶ step 3\.1 /);
    await expectInterrupted(d, "runbook");
  });
});
