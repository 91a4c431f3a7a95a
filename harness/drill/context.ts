// What every phase of a drill is given: the scenario, the journal recorder, the clock,
// the injected stack and shell (real ones from the session, fakes in unit tests), and
// what earlier phases produced for later ones.
import type { Drill } from "../scenario/types.js";
import type { LoadedRunbook } from "../runbook/resolve/load.js";
import type { ResolvedStep } from "../runbook/resolve/resolve.js";
import type { Section } from "../runbook/types.js";
import type { DrillStackOptions, RunningStack } from "../stack/drill-stack.js";
import type { ProfileChoice } from "../stack/profile.js";
import type { AppliedFault, Fault } from "../faults/fault.js";
import type { JournalRecorder, Clock } from "./recorder.js";
import type { KnownFindingsLedger } from "./findings.js";
import type { OperatorShellLike } from "./shell.js";
import type { Seed } from "./seed.js";
import type { RecoverySnapshot } from "./recovery-point.js";
import type { SymptomWatch } from "./symptom-watch.js";
import type { TargetsPageWatch } from "../detect/targets-detection.js";
import type { ProseWatch } from "../detect/prose-detection.js";
import type { DrillLoad } from "./load.js";
import type { LogWatch } from "../detect/log-detection.js";

/** What the pipeline is given from outside: how to start a stack and a shell, and the fault library. */
export interface DrillDeps {
  startStack: (opts: DrillStackOptions) => Promise<RunningStack>;
  startShell: (stack: RunningStack) => Promise<OperatorShellLike>;
  faults: Readonly<Record<string, Fault>>;
  /** The drill's generated secret values, once they exist (tests prove no artifact holds one). */
  onSecrets?: (values: readonly string[]) => void;
  /** Leave the stack up afterwards (the fault reverted). */
  keep?: boolean;
}

/** What a phase hands on to the phases after it. */
export interface DrillState {
  resolved: ResolvedStep[];
  alertExpr?: string;
  seed?: Seed;
  snapshot?: RecoverySnapshot;
  watch?: SymptomWatch;
  targetsPage?: TargetsPageWatch;
  prose?: ProseWatch;
  logs?: LogWatch;
  load?: DrillLoad;
  fault?: AppliedFault;
  /** A phase before the fault's effects failed (steady state, inject): the rest is not run. */
  aborted: boolean;
}

export interface DrillContext {
  drill: Drill;
  record: JournalRecorder;
  /** The scenario's known findings for this run (the recorder classifies failures with it). */
  ledger: KnownFindingsLedger;
  clock: Clock;
  deps: DrillDeps;
  profile: ProfileChoice;
  runbook: LoadedRunbook;
  section: Section | undefined;
  stack?: RunningStack;
  shell?: OperatorShellLike;
  state: DrillState;
}

/** After stack-up: the stack and the operator shell exist. */
export interface LiveContext extends DrillContext {
  stack: RunningStack;
  shell: OperatorShellLike;
}

/** True once stack-up gave the drill its stack and shell. */
export function isLive(ctx: DrillContext): ctx is LiveContext {
  return ctx.stack !== undefined && ctx.shell !== undefined;
}
