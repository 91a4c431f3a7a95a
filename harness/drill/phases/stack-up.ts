// Stack up: the whole stack with the drill's alert timing, the operator shell, and the
// runbook's steps bound to the values (secrets, addresses) that exist only now.
import { seconds } from "../../scenario/types.js";
import { mergeAnnotations, overrideAnnotations } from "../../runbook/resolve/annotations.js";
import { resolveSteps, type ResolvedStep } from "../../runbook/resolve/resolve.js";
import { drillSesEndpoint } from "../../stack/drill-stack.js";
import { ec2HostBindings } from "../../stack/ec2-host.js";
import type { DrillContext } from "../context.js";

const durationSeconds = (s: string | undefined, fallback: number) => (s ? seconds(s, fallback) : fallback);

/** False when the stack or the shell did not come up (the drill goes to teardown). */
export async function stackUp(ctx: DrillContext): Promise<boolean> {
  const { drill, profile } = ctx;
  const journal = ctx.record.journal;
  const timing = {
    scrapeInterval: drill.timing?.scrapeInterval ?? "5s",
    evaluationInterval: drill.timing?.evaluationInterval ?? "5s",
    alertFor: drill.timing?.alertFor ?? "15s",
  };
  const up = await ctx.record.phase("stack-up", async (rec) => {
    const t0 = ctx.clock.now().getTime();
    const stack = await ctx.deps.startStack({ profile, log: (m) => ctx.record.log(m), prometheusTiming: timing, scenario: drill.stack, operatorShellImage: true });
    ctx.stack = stack;
    ctx.deps.onSecrets?.(stack.secrets.redactions.map((x) => x.value));
    const r = stack.report;
    journal.bringUpSeconds = (ctx.clock.now().getTime() - t0) / 1000;
    if (r.slowestService) journal.slowestServiceStart = r.slowestService;
    journal.implementations = r.services;
    journal.leftOut = r.leftOut;
    journal.engine = { serverVersion: r.engine.serverVersion, apiVersion: r.engine.apiVersion, compose: `${r.engine.compose.flavour} ${r.engine.compose.version}` };
    const alert = r.prometheus?.alerts.find((a) => a.alert === drill.detection.alert);
    if (drill.detection.alert && !alert) throw new Error(`no alert rule named ${drill.detection.alert} in stack/config/prometheus/rules`);
    ctx.state.alertExpr = alert?.expr;
    journal.timing = {
      scrapeIntervalSeconds: durationSeconds(timing.scrapeInterval, 5),
      evaluationIntervalSeconds: durationSeconds(timing.evaluationInterval, 5),
      alertForSeconds: durationSeconds(alert?.drillFor, 0),
      productionAlertFor: alert?.productionFor,
    };
    ctx.shell = await ctx.deps.startShell(stack);
    // Bind the drill's values into the steps now that they exist.
    const annotations = mergeAnnotations(
      ctx.runbook.annotations,
      overrideAnnotations(drill.overrides, { file: drill.source.split(":")[0] ?? drill.source, line: Number(drill.source.split(":")[1] ?? 1) }),
    );
    const all = resolveSteps(ctx.runbook.runbook, annotations, { ...stack.secrets.env, SES_ENDPOINT_URL: drillSesEndpoint, ...(await ec2HostBindings(stack)) });
    ctx.state.resolved = drill.steps.map((id) => all.find((s) => s.id === id)).filter((s): s is ResolvedStep => s !== undefined);
    rec.detail = `${r.services.length} services up in ${journal.bringUpSeconds.toFixed(1)} s (${profile.profile})`;
    return "passed";
  });
  if (!up || !ctx.stack) journal.status = "failed";
  return up && ctx.stack !== undefined;
}
