// Integrity: recovery means data too. The seed written before the fault is still in the
// database, the bucket and the index, and a log line written during the fault arrived.
import { checkIntegrity } from "../seed.js";
import type { LiveContext } from "../context.js";

export async function integrity(ctx: LiveContext): Promise<void> {
  const { logs, seed } = ctx.state;
  await ctx.record.phase("integrity", async () => {
    const checks = ctx.drill.integrity ?? [];
    let failed = false;
    if (logs) {
      // Log lines are data too: the one written during the fault, recovered or lost.
      const r = await logs.outageLine();
      ctx.record.integrity(r);
      if (!r.passed) {
        failed = true;
        ctx.record.finding("integrity", `${r.check}: ${r.detail}`);
      }
    }
    if (checks.length === 0 || !seed) return logs ? (failed ? "failed" : "passed") : "skipped";
    for (const which of checks) {
      const r = await checkIntegrity(ctx.stack, seed, which);
      ctx.record.integrity({ check: which, ...r });
      if (!r.passed) {
        failed = true;
        ctx.record.finding("integrity", `${which}: ${r.detail}`);
      }
    }
    return failed ? "failed" : "passed";
  });
}
