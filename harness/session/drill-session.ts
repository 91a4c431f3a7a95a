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
import { reportsDir } from "../util/paths.js";

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
  const outcome = await runDrill({ drill: opts.drill, bus, profile: opts.profile, keep: opts.keep, startShell: startShellForDrill, onSecrets: opts.onSecrets });
  const reports = writeRun(outcome.journal, opts.reportsRoot ?? reportsDir, selectedReporters(opts.reporters));
  return { ...outcome, reports };
}
