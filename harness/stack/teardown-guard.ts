// Teardown is guaranteed: on a normal end the owner calls down(); on SIGINT, SIGTERM
// or an uncaught error this guard tears every live stack down before the process
// exits. A SIGKILL leaves labelled resources that the next preflight sweeps.
import { stderrLogger, type Logger } from "../util/log.js";

type Teardown = () => Promise<unknown>;

const live = new Map<string, Teardown>();
let installed = false;
let exiting = false;
let firstSignalAt = 0;
const duplicateSignalWindowMs = 2000;

/** What an interrupted run tore down, for whoever records the interruption. */
export interface InterruptTeardown {
  signal: NodeJS.Signals;
  /** The projects the guard removed. */
  projects: string[];
  seconds: number;
}

/**
 * Called synchronously when the first signal arrives (snapshot what is running now,
 * before the teardown changes it); the function it returns, if any, runs after the
 * teardown and before the process exits (write the evidence).
 */
export type InterruptHook = (signal: NodeJS.Signals) => ((done: InterruptTeardown) => Promise<void>) | undefined;

const hooks = new Set<InterruptHook>();
let interruptSignal: NodeJS.Signals | undefined;
/** The evidence must not hold the exit back for long: a stuck write loses to the exit. */
const hookBudgetMs = 5000;

export function onInterrupt(hook: InterruptHook, log: Logger = stderrLogger): () => void {
  install(log);
  hooks.add(hook);
  return () => hooks.delete(hook);
}

/** The signal this process is exiting on, once one arrived: a run's normal ending must then not write over its evidence. */
export function interruptedBy(): NodeJS.Signals | undefined {
  return interruptSignal;
}

async function teardownAll(log: Logger): Promise<string[]> {
  const pending = [...live.entries()];
  live.clear();
  await Promise.allSettled(
    pending.map(async ([project, down]) => {
      log(`teardown: removing drill stack ${project}`);
      await down();
    }),
  );
  return pending.map(([project]) => project);
}

/** Tear down, let the hooks record it, exit. */
function interruptAndExit(signal: NodeJS.Signals, code: number, log: Logger): void {
  interruptSignal = signal;
  const t0 = Date.now();
  const after = [...hooks].flatMap((h) => {
    try {
      const f = h(signal);
      return f ? [f] : [];
    } catch {
      return [];
    }
  });
  void teardownAll(log)
    .then(async (projects) => {
      const done = { signal, projects, seconds: (Date.now() - t0) / 1000 };
      const budget = new Promise((r) => setTimeout(r, hookBudgetMs).unref());
      await Promise.race([Promise.allSettled(after.map((f) => f(done))), budget]);
    })
    .finally(() => process.exit(code));
}

function install(log: Logger): void {
  if (installed) return;
  installed = true;
  // Ctrl-C reaches the whole process group, so a parent (npm, vitest) may exit first and
  // close our stdout/stderr. A write then fails with EPIPE; unhandled, that error would
  // re-enter the handler below, which logs, which fails again: a loop that starves the
  // teardown. Output is best effort; the teardown is not.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    if (exiting) {
      // One Ctrl-C often arrives twice: from the terminal to the whole process group, and
      // relayed by a wrapper (tsx, npm). Only a second press, later, skips the cleanup.
      if (Date.now() - firstSignalAt > duplicateSignalWindowMs) {
        log(`${signal} again: exiting without cleanup; the next run will sweep what is left`);
        process.exit(code);
      }
      return;
    }
    exiting = true;
    firstSignalAt = Date.now();
    // Nothing up and nobody to tell (a test runner ending its worker): just go.
    if (live.size === 0 && hooks.size === 0) process.exit(code);
    if (live.size > 0) log(`\n${signal}: tearing down before exit (press Ctrl-C again to skip cleanup; the next run will sweep)`);
    interruptAndExit(signal, code, log);
  };
  process.on("SIGINT", () => onSignal("SIGINT", 130));
  process.on("SIGTERM", () => onSignal("SIGTERM", 143));
  process.on("uncaughtException", (err) => {
    if (exiting) return;
    exiting = true;
    firstSignalAt = Date.now();
    log(`uncaught error: ${err.stack ?? String(err)}`);
    void teardownAll(log).finally(() => process.exit(1));
  });
}

export function guardTeardown(project: string, down: Teardown, log: Logger): void {
  install(log);
  live.set(project, down);
}

export function releaseTeardown(project: string): void {
  live.delete(project);
}
