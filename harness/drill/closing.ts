// What a drill records once its phases are done: the load's last window, the recovery
// point, the fault's own observations, declared findings that did not happen, and, after
// teardown, the evidence drawn from the whole journal (steps not run, provisions, the
// runbook's verdict), every string of it redacted.
import { relative } from "node:path";
import { redact } from "../stack/secrets.js";
import type { RunningStack } from "../stack/drill-stack.js";
import { repoRoot } from "../util/paths.js";
import type { DrillContext } from "./context.js";
import { runbookVerdict, type Journal } from "./journal.js";
import { formatWindow } from "./load.js";
import { measureRecoveryPoint } from "./recovery-point.js";
import { stepsNotRun } from "./step-coverage.js";
import { provisionsOf } from "./provisions.js";

/** After the fault's phases (or after they were cut short), with the stack still up. */
export async function afterFault(ctx: DrillContext): Promise<void> {
  const { journal } = ctx.record;
  const { load, snapshot, fault, aborted } = ctx.state;
  if (load) {
    const w = await load.finish().catch(() => undefined);
    if (w) {
      ctx.record.log(`load ${formatWindow(w)}`);
      const rec = ctx.record.phaseRecord("recover");
      if (rec) rec.detail = `${rec.detail ?? ""}; load ${formatWindow(w)}`;
    }
  }
  if (snapshot && ctx.stack && !aborted) {
    journal.recoveryPoint = await measureRecoveryPoint(ctx.stack, snapshot).catch((err: unknown) => {
      ctx.record.finding("integrity", `recovery point not measured: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });
  }
  if (fault?.observations && journal.fault) journal.fault.observations = fault.observations();
}

/** Declared findings that did not happen (the runbook or the stack changed), then the gate's status. */
export function settleFindings(ctx: DrillContext): void {
  const { journal } = ctx.record;
  const notSeen = ctx.ledger.notSeen(journal.findings, ctx.state.aborted, relative(repoRoot, ctx.drill.source.split(":")[0] ?? ""));
  for (const k of notSeen.intermittent) {
    (journal.intermittentNotSeen ??= []).push(k);
    ctx.record.log(`known intermittent finding "${k.id}" did not occur in this run`);
  }
  for (const f of notSeen.failures) ctx.record.finding(f.phase, f.summary, f.step, false);
  journal.status = journal.findings.some((f) => !f.acknowledged) ? "failed" : "passed";
}

/** After teardown: evidence from the whole journal. */
export function closeJournal(ctx: DrillContext): void {
  const { journal } = ctx.record;
  journal.endedAt = ctx.record.at();
  // Every step of the section is accounted for, and every convenience the drill gave is declared.
  if (ctx.section && journal.phases.some((p) => p.name === "runbook")) journal.stepsNotRun = stepsNotRun(ctx.section, ctx.drill.steps, ctx.drill.stepsNotRun);
  if (ctx.stack) journal.provisions = provisionsOf(journal);
  // The runbook's verdict exists only once a fault was injected: before that the drill never reached the runbook.
  if (journal.fault?.injectedAt) journal.runbookVerdict = runbookVerdict(journal);
  if (ctx.stack) redactJournal(journal, ctx.stack);
}

/** Every string in the journal passes through the drill's redaction. */
function redactJournal(journal: Journal, stack: RunningStack): void {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redact(v, stack.secrets.redactions);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      for (const [k, val] of Object.entries(v)) (v as Record<string, unknown>)[k] = walk(val);
      return v;
    }
    return v;
  };
  walk(journal);
}
