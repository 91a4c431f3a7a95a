// The composition root of a drill: the one place that wires the event bus, the terminal
// view, the runner, the operator shell and the file reporters together. The CLI, the
// benchmark and the integration tests all run a drill through it, so they run the same
// drill and leave the same evidence.
import type { Drill } from "../scenario/types.js";
import { EventBus } from "../drill/events.js";
import { runDrill, type DrillOutcome } from "../drill/run-drill.js";
import { startShellForDrill } from "../ops/drill-shell.js";
import { TerminalReporter } from "../report/terminal.js";
import { writeRun, type RunReports } from "../report/run-dir.js";
import { reporterNames } from "../report/reporters.js";
import { repoRoot, reportsDir } from "../util/paths.js";
import { basename, relative } from "node:path";
import { dockerClient } from "../engine/docker-engine.js";
import { InterruptionRecorder } from "../drill/interruption.js";
import { interruptedBy } from "../stack/teardown-guard.js";

export interface DrillSessionOptions {
  drill: Drill;
  profile?: string;
  keep?: boolean;
  /** Live progress: true (stderr, the default), a line writer, or false for none. */
  progress?: boolean | ((line: string) => void);
  /** The file reporters to write, by name (`harness/report/reporters.ts`); default all.
   *  The journal is always written: it is the evidence every other report is made from. */
  reporters?: readonly string[];
  /** Where the run's directory goes; default reports/. */
  reportsRoot?: string;
  /** For tests that prove no artifact holds a secret. */
  onSecrets?: (values: readonly string[]) => void;
}

export interface DrillSession extends DrillOutcome {
  reports: RunReports;
}

export function selectedReporters(names: readonly string[] | undefined): string[] {
  if (!names || names.length === 0) return [...reporterNames];
  return [...new Set(["json", ...names])];
}

export async function runDrillSession(opts: DrillSessionOptions): Promise<DrillSession> {
  const bus = new EventBus();
  if (opts.progress !== false) bus.subscribe(new TerminalReporter(typeof opts.progress === "function" ? opts.progress : undefined));
  // Ctrl-C: the teardown guard removes the stack; this writes the journal as it stood (status interrupted).
  const interruption = new InterruptionRecorder();
  bus.subscribe(interruption);
  const uninstall = interruption.install(dockerClient, (j) => {
    // No report.html here: rendering its charts would hold the exit back.
    const w = writeRun(j, opts.reportsRoot ?? reportsDir, selectedReporters(opts.reporters).filter((n) => n !== "html"));
    process.stdout.write(`gate INTERRUPTED ${opts.drill.id} (${j.reason}); reports in ${relative(repoRoot, w.dir)}/ (${Object.values(w.files).map((f) => basename(f)).join(", ")})\n`);
  });
  const outcome = await runDrill({
    drill: opts.drill,
    bus,
    profile: opts.profile,
    keep: opts.keep,
    startShell: startShellForDrill,
    onSecrets: (v) => {
      interruption.setSecrets(v);
      opts.onSecrets?.(v);
    },
  });
  uninstall();
  // Interrupted: the guard exits once its teardown is done; this run's evidence is the recorder's.
  if (interruptedBy() && interruption.recorded) await new Promise<never>(() => {});
  const reports = writeRun(outcome.journal, opts.reportsRoot ?? reportsDir, selectedReporters(opts.reporters));
  return { ...outcome, reports };
}
