// A drill, top to bottom: preflight, stack up, steady state, inject, detect, notify,
// symptoms, the runbook's steps in the operator shell, recover, integrity, teardown
// (one module each in phases/). The phases record everything in the journal through the
// recorder, which tells the event bus; nothing here prints. A failed phase is a finding;
// a finding the scenario declares (knownFindings, findings.ts) is expected and does not
// fail the drill, and one that no longer happens does. The stack, the shell and the
// fault library are injected, so the pipeline runs against fakes in unit tests.
import type { Drill } from "../scenario/types.js";
import { loadRunbook } from "../runbook/resolve/load.js";
import { findSection } from "../runbook/parse/parse.js";
import { DrillStack, type RunningStack } from "../stack/drill-stack.js";
import { chooseProfile, type ProfileChoice } from "../stack/profile.js";
import { sampleDetection } from "../detect/range.js";
import { faults } from "../faults/index.js";
import { repoRoot } from "../util/paths.js";
import type { EventBus } from "./events.js";
import { newJournal, type Journal } from "./journal.js";
import type { OperatorShellLike } from "./shell.js";
import { KnownFindingsLedger } from "./findings.js";
import { JournalRecorder, systemClock, type Clock } from "./recorder.js";
import { isLive, type DrillContext, type DrillDeps } from "./context.js";
import { afterFault, closeJournal, settleFindings } from "./closing.js";
import { preflight } from "./phases/preflight.js";
import { stackUp } from "./phases/stack-up.js";
import { steadyState } from "./phases/steady-state.js";
import { inject } from "./phases/inject.js";
import { detect } from "./phases/detect.js";
import { notify } from "./phases/notify.js";
import { symptoms } from "./phases/symptoms.js";
import { runbookSteps } from "./phases/runbook.js";
import { recover, revertIfUnrecovered } from "./phases/recover.js";
import { integrity } from "./phases/integrity.js";
import { teardown } from "./phases/teardown.js";

export interface RunDrillOptions {
  drill: Drill;
  bus: EventBus;
  profile?: string;
  /** Leave the stack up afterwards (the fault reverted), for a person to look at. */
  keep?: boolean;
  /** Builds the operator shell for a started stack (harness/ops). */
  startShell: (stack: RunningStack) => Promise<OperatorShellLike>;
  /** Brings the stack up; default the real one (harness/stack). Unit tests give a fake. */
  startStack?: DrillDeps["startStack"];
  /** The fault library; default harness/faults. */
  faults?: DrillDeps["faults"];
  /** The profile, when the caller has chosen it (default: chooseProfile, which probes registries). */
  profileChoice?: ProfileChoice;
  clock?: Clock;
  /** For tests that prove no artifact holds a secret: the drill's generated secret values, once they exist. */
  onSecrets?: (values: readonly string[]) => void;
}

export interface DrillOutcome {
  journal: Journal;
  /** Set with keep: the stack left running. */
  stack?: RunningStack;
}

export async function runDrill(opts: RunDrillOptions): Promise<DrillOutcome> {
  const { drill } = opts;
  const clock = opts.clock ?? systemClock;
  const journal = newJournal({
    scenario: drill.scenario,
    variant: drill.variant,
    title: drill.title,
    runbook: { file: drill.runbook.file, section: drill.runbook.section, revision: "unknown" },
    scenarioSource: drill.source,
  });
  const ledger = new KnownFindingsLedger(drill.knownFindings ?? [], () => journal.profile);
  const record = new JournalRecorder(journal, opts.bus, ledger, clock);
  record.begin();

  const runbook = loadRunbook(repoRoot, drill.runbook.file);
  const profile = opts.profileChoice ?? (await chooseProfile(opts.profile));
  journal.profile = profile.profile;
  journal.profileReason = profile.reason;
  const ctx: DrillContext = {
    drill,
    record,
    ledger,
    clock,
    profile,
    runbook,
    section: findSection(runbook.runbook, drill.runbook.section),
    deps: {
      startStack: opts.startStack ?? ((o) => new DrillStack(o).up()),
      startShell: opts.startShell,
      faults: opts.faults ?? faults,
      onSecrets: opts.onSecrets,
      keep: opts.keep,
    },
    state: { resolved: [], aborted: false },
  };

  const live = (await preflight(ctx)) && (await stackUp(ctx)) && isLive(ctx) ? ctx : undefined;
  if (live) {
    ctx.state.aborted = !(await steadyState(live)) || !(await inject(live));
    if (!ctx.state.aborted) {
      const injectedAt = journal.fault?.injectedAt ?? record.at();
      await detect(live, injectedAt);
      await notify(live);
      await symptoms(live);
      await runbookSteps(live);
      await revertIfUnrecovered(live);
      await recover(live, injectedAt);
      await integrity(live);
    }
    await afterFault(ctx);
    settleFindings(ctx);
  }

  // Evidence for report.html: the detection query around the fault, while Prometheus is still up.
  if (ctx.stack && ctx.state.alertExpr && journal.fault?.injectedAt) journal.detection.range = await sampleDetection(ctx.stack.prometheus(), ctx.state.alertExpr, journal);
  await teardown(ctx);
  closeJournal(ctx);
  record.end();
  return { journal, stack: opts.keep ? ctx.stack : undefined };
}
