// Runbook: the section's steps, in order, in the operator shell. A failed step, an
// operator's own fix standing in for a missing command, and a destructive step are findings.
import type { LiveContext } from "../context.js";
import { runStep } from "../run-step.js";
import { operatorFixFinding } from "../step-coverage.js";

/** The last line a step printed on stderr, unless it is curl's progress meter. */
const lastLine = (text: string | undefined) =>
  (text ?? "").split(/[\r\n]+/).map((l) => l.trim()).filter((l) => l && !/^[\d\s.:kMG%-]+$/.test(l) && !/^(% Total|Dload\s+Upload)/.test(l)).pop();

export async function runbookSteps(ctx: LiveContext): Promise<void> {
  await ctx.record.phase("runbook", async () => {
    let failed = false;
    for (const step of ctx.state.resolved) {
      const rec = await runStep(step, ctx.shell, ctx.record);
      ctx.record.step(rec);
      // Not the runbook's doing: an operator's own fix is a gap, a destructive step a hazard.
      const gap = operatorFixFinding(rec);
      if (gap) ctx.record.finding("runbook", gap, step.id);
      for (const h of rec.resources?.hazards ?? []) ctx.record.finding("runbook", `step ${step.id} (${step.title}) is destructive: ${h}`, step.id);
      if (rec.result === "failed") {
        failed = true;
        // Then stdout's last line: an error relayed through `docker exec` arrives there.
        const said = lastLine(rec.stderr) ?? lastLine(rec.stdout) ?? "";
        const http = rec.httpStatus?.length ? `; HTTP answers: ${rec.httpStatus.join(", ")}` : "";
        ctx.record.finding("runbook", `step ${step.id} (${step.title}) failed: ${rec.failures?.join("; ") ?? `exit ${rec.exitCode}`}${http}${said ? ` — it said: ${said}` : ""}`, step.id);
      }
    }
    return failed ? "failed" : "passed";
  });
}
