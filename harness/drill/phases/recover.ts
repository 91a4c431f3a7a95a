// Recover: after the runbook's steps the service answers again and the alert resolves.
// When the section has no step that removes the cause, the drill reverts the fault
// first, and says so: the service did not come back by the runbook's doing.
import { seconds } from "../../scenario/types.js";
import { untilResolved } from "../../detect/alert-state.js";
import { runCheck } from "../checks.js";
import type { LiveContext } from "../context.js";
import { formatWindow } from "../load.js";

/** Only for scenarios with revertFaultAfterSteps: one quick look at the recovery checks decides whether the drill reverts. */
export async function revertIfUnrecovered(ctx: LiveContext): Promise<void> {
  const { drill, state } = ctx;
  const { journal } = ctx.record;
  if (!drill.revertFaultAfterSteps || !state.fault) return;
  const still = [];
  for (const check of drill.recovery) {
    const r = await runCheck({ ...check, within: 5 }, ctx, 5);
    if (!r.passed) still.push(`"${check.name}": ${r.detail}`);
  }
  if (still.length === 0) {
    ctx.record.log("the runbook's steps recovered the service; the fault stays in place");
    return;
  }
  await state.fault.revert();
  if (journal.fault) Object.assign(journal.fault, { revertedAt: ctx.record.at(), revertedBy: "drill" });
  ctx.record.log(`fault reverted by the drill: ${drill.revertFaultAfterSteps}`);
  ctx.record.finding(
    "recover",
    `the runbook's steps do not remove the cause (after them, ${still.join("; ").slice(0, 600)}); the drill reverted the fault: ${drill.revertFaultAfterSteps.trim()}`,
  );
}

export async function recover(ctx: LiveContext, injectedAt: string): Promise<void> {
  const { drill } = ctx;
  const { journal } = ctx.record;
  const alertName = drill.detection.alert;
  const timeoutSeconds = seconds(drill.timeouts?.recover, 120);
  await ctx.record.phase("recover", async (rec) => {
    let failed = false;
    for (const check of drill.recovery) {
      const r = await runCheck(check, ctx, timeoutSeconds);
      ctx.record.recoveryCheck(r);
      if (!r.passed) {
        failed = true;
        ctx.record.finding("recover", `recovery check "${check.name}" failed: ${r.detail}`);
      }
    }
    if (!failed) {
      journal.recovery.recoveredAt = ctx.record.at();
      journal.recovery.secondsToRecover = (Date.parse(journal.recovery.recoveredAt) - Date.parse(injectedAt)) / 1000;
    }
    if (alertName && journal.detection.firedAt) {
      try {
        await untilResolved(ctx.stack.prometheus(), alertName, timeoutSeconds * 1000);
        journal.recovery.alertResolvedAt = ctx.record.at();
      } catch (err) {
        failed = true;
        ctx.record.finding("recover", `alert ${alertName} did not resolve: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    rec.detail = failed ? "not recovered" : `recovered ${journal.recovery.secondsToRecover?.toFixed(1)} s after the fault`;
    return failed ? "failed" : "passed";
  });
  // The load's latency from the fault to recovery belongs to the recovery.
  if (ctx.state.load && journal.recovery.recoveredAt) {
    const w = formatWindow(await ctx.state.load.recovered(Date.parse(journal.recovery.recoveredAt)));
    ctx.record.log(`load ${w}`);
    const phase = ctx.record.phaseRecord("recover");
    if (phase) phase.detail = `${phase.detail ?? ""}; load ${w}`;
  }
}
