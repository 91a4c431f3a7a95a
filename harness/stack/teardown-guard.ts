// Teardown is guaranteed: on a normal end the owner calls down(); on SIGINT, SIGTERM
// or an uncaught error this guard tears every live stack down before the process
// exits. A SIGKILL leaves labelled resources that the next preflight sweeps.
import type { Logger } from "../util/log.js";

type Teardown = () => Promise<unknown>;

const live = new Map<string, Teardown>();
let installed = false;
let exiting = false;
let firstSignalAt = 0;
const duplicateSignalWindowMs = 2000;

async function teardownAll(log: Logger): Promise<void> {
  const pending = [...live.entries()];
  live.clear();
  await Promise.allSettled(
    pending.map(async ([project, down]) => {
      log(`teardown: removing drill stack ${project}`);
      await down();
    }),
  );
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
    // Nothing up (a test runner ending its worker, a drill already torn down): just go.
    if (live.size === 0) process.exit(code);
    log(`\n${signal}: tearing down before exit (press Ctrl-C again to skip cleanup; the next run will sweep)`);
    void teardownAll(log).finally(() => process.exit(code));
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
