// Symptoms: what the section says an operator would see is really there, and was not
// there before the fault (else the drill could not attribute it to the fault).
import { runCheck } from "../checks.js";
import type { LiveContext } from "../context.js";

export async function symptoms(ctx: LiveContext): Promise<void> {
  const checks = ctx.drill.detection.symptoms ?? [];
  await ctx.record.phase("symptoms", async () => {
    if (!checks.length) return "skipped";
    let failed = false;
    for (const check of checks) {
      const before = ctx.state.watch?.before(check.name);
      if (before?.ok) {
        failed = true;
        ctx.record.finding("symptoms", `symptom "${check.name}" already held before the fault, so the drill cannot attribute it to the fault: ${before.detail}`);
      }
      const rec = await runCheck(check, ctx, 30);
      ctx.record.symptom(rec);
      if (!rec.passed) {
        failed = true;
        ctx.record.finding("symptoms", `symptom "${check.name}" not observed: ${rec.detail}`);
      }
    }
    return failed ? "failed" : "passed";
  });
}
