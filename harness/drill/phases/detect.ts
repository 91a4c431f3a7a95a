// Detect: the runbook's own detection, by the first strategy the scenario calls for (a
// watch from outside for a section without Detection, its prose, the targets page, its
// log query, its Prometheus alert, its bash command, a query), timed against the fault.
import { seconds } from "../../scenario/types.js";
import { detectByShell } from "../../detect/shell-detection.js";
import { detectWindow } from "../../detect/window.js";
import { untilFiring } from "../../detect/alert-state.js";
import type { PhaseRecord, PhaseStatus } from "../journal.js";
import type { LiveContext } from "../context.js";
import { detectBySymptoms } from "../symptom-watch.js";

type Strategy = (ctx: LiveContext, injectedAt: string, rec: PhaseRecord) => Promise<PhaseStatus | undefined>;

const since = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;
const detectMs = (ctx: LiveContext, fallback: number) => seconds(ctx.drill.timeouts?.detect, fallback) * 1000;

/** How a watch's detection ends: its findings recorded, its detail the phase's, its status the phase's. */
function concluded(ctx: LiveContext, rec: PhaseRecord, d: { findings: string[]; detail: string; status: PhaseStatus }): PhaseStatus {
  for (const f of d.findings) ctx.record.finding("detect", f);
  rec.detail = d.detail;
  return d.status;
}

/** A section without Detection: its symptoms, watched from outside the stack. */
const bySymptoms: Strategy = async (ctx, injectedAt, rec) => {
  const watch = ctx.state.watch;
  if (!watch) return undefined;
  const d = await detectBySymptoms(watch, ctx, injectedAt, detectMs(ctx, 60));
  ctx.record.journal.detection.symptomWatch = d.sightings;
  return concluded(ctx, rec, d);
};

/** A prose Detection, each line checked as a person would. */
const byProse: Strategy = async (ctx, injectedAt, rec) => {
  const prose = ctx.state.prose;
  if (!prose) return undefined;
  const detection = ctx.record.journal.detection;
  const d = await prose.detect(injectedAt, detectMs(ctx, 60));
  detection.prose = d.sightings;
  detection.query = d.sightings.map((x) => `${x.says} (${x.how})`).join("\n");
  if (d.firstAt) {
    detection.firedAt = d.firstAt;
    detection.secondsToDetect = since(injectedAt, d.firstAt);
  }
  return concluded(ctx, rec, d);
};

/** Prometheus's targets page, read through Caddy as the runbook says. */
const byTargetsPage: Strategy = async (ctx, injectedAt, rec) => {
  const page = ctx.state.targetsPage;
  if (!page) return undefined;
  const detection = ctx.record.journal.detection;
  const spec = ctx.drill.detection.targetsPage;
  const d = await page.detect(injectedAt, detectMs(ctx, 60), ctx.record.journal.timing?.scrapeIntervalSeconds ?? 5);
  detection.query = `${spec?.path ?? "/prometheus/targets"} shows ${spec?.job} DOWN or UNKNOWN`;
  detection.lowerBoundSeconds = d.boundSeconds;
  detection.firedAt = d.firedAt;
  detection.secondsToDetect = d.secondsToDetect;
  for (const f of d.findings) ctx.record.finding(f.phase, f.summary);
  rec.detail = d.detail;
  return d.status;
};

/** Logs not showing: the Detection command and the section's log query. */
const byLogs: Strategy = async (ctx, injectedAt, rec) => {
  const logs = ctx.state.logs;
  if (!logs) return undefined;
  const detection = ctx.record.journal.detection;
  const d = await logs.detect(injectedAt, detectMs(ctx, 60));
  detection.query = `${ctx.section?.detection.find((b) => b.language === "bash")?.expr.trim() ?? ""}; ${logs.record.selector} since the fault`;
  detection.firedAt = d.firedAt;
  if (d.firedAt) detection.secondsToDetect = since(injectedAt, d.firedAt);
  return concluded(ctx, rec, d);
};

/** The section's PromQL, loaded as an alert rule: it must fire within the window the rule allows. */
const byAlert: Strategy = async (ctx, injectedAt, rec) => {
  const alertName = ctx.drill.detection.alert;
  if (!alertName) return undefined;
  const { journal } = ctx.record;
  const { detection } = journal;
  const t = journal.timing;
  const alertExpr = ctx.state.alertExpr;
  detection.alert = alertName;
  detection.query = alertExpr;
  detection.lowerBoundSeconds = (t?.scrapeIntervalSeconds ?? 0) + (t?.evaluationIntervalSeconds ?? 0) + (t?.alertForSeconds ?? 0);
  const notFiring = `the runbook's detection \`${alertExpr}\` (alert ${alertName}) did not fire`;
  const window = detectWindow({
    scrapeIntervalSeconds: t?.scrapeIntervalSeconds ?? 0,
    evaluationIntervalSeconds: t?.evaluationIntervalSeconds ?? 0,
    alertForSeconds: t?.alertForSeconds ?? 0,
    configuredSeconds: ctx.drill.timeouts?.detect === undefined ? undefined : seconds(ctx.drill.timeouts.detect, 180),
    expectsNoFire: ctx.ledger.expects({ phase: "detect", summary: `${notFiring}: timed out` }),
  });
  try {
    await untilFiring(ctx.stack.prometheus(), alertName, window.reason, window.seconds * 1000, () => {
      detection.pendingAt ??= ctx.record.at();
    });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    ctx.record.finding("detect", `${notFiring}: ${why}`);
    rec.detail = why;
    return "failed";
  }
  detection.firedAt = ctx.record.at();
  detection.secondsToDetect = since(injectedAt, detection.firedAt);
  rec.detail = `${alertName} firing after ${detection.secondsToDetect.toFixed(1)} s (the rule's bound, scrape + evaluation + for: ${detection.lowerBoundSeconds} s)`;
  return "passed";
};

/** A bash Detection block, run verbatim in the operator shell. */
const byRunbookCommand: Strategy = async (ctx, injectedAt, rec) => {
  const spec = ctx.drill.detection.runbookCommand;
  if (!spec) return undefined;
  const { detection } = ctx.record.journal;
  const p = await detectByShell(ctx.shell, ctx.section?.detection ?? [], spec, ctx.state.seed?.documents.length ?? 0, detectMs(ctx, 30));
  (detection.shell ??= {}).during = p;
  detection.query = p.command;
  rec.detail = `\`${p.command}\` -> exit ${p.exitCode}: ${p.verdict} (stdout: ${p.stdout.slice(-200) || "(nothing)"})`;
  if (!p.fired) {
    ctx.record.finding("detect", `the runbook's detection \`${p.command}\` did not show the failure: ${p.verdict}`);
    return "failed";
  }
  detection.firedAt = p.at;
  detection.secondsToDetect = since(injectedAt, p.at);
  return "passed";
};

/** A scenario's own query in the operator shell, with the exit code and output it expects. */
const byQuery: Strategy = async (ctx, injectedAt, rec) => {
  const { query, expectExit, expectOutput } = ctx.drill.detection;
  if (!query) return undefined;
  const { detection } = ctx.record.journal;
  detection.query = query;
  const r = await ctx.shell.run(query, 60, "detection");
  const out = (r.stdout + r.stderr).trim();
  const okExit = expectExit === undefined || r.exitCode === expectExit;
  const okOut = expectOutput === undefined || new RegExp(expectOutput, "m").test(r.stdout);
  rec.detail = `${query} -> exit ${r.exitCode}: ${out.slice(-300)}`;
  if (!okExit || !okOut) {
    ctx.record.finding("detect", `the runbook's detection \`${query}\` did not show the failure: ${rec.detail}`);
    return "failed";
  }
  detection.firedAt = ctx.record.at();
  detection.secondsToDetect = since(injectedAt, detection.firedAt);
  return "passed";
};

/** In this order: the first that applies to the scenario decides the phase. */
const strategies: Strategy[] = [bySymptoms, byProse, byTargetsPage, byLogs, byAlert, byRunbookCommand, byQuery];

export async function detect(ctx: LiveContext, injectedAt: string): Promise<void> {
  const { drill } = ctx;
  await ctx.record.phase("detect", async (rec) => {
    if (drill.detection.missingAlert) {
      ctx.record.finding("detect", `no alert: section ${drill.runbook.section} has no Prometheus Detection, so nothing notifies on-call of this failure; ${drill.detection.missingAlert}`);
    }
    for (const strategy of strategies) {
      const status = await strategy(ctx, injectedAt, rec);
      if (status) return status;
    }
    rec.detail = `section ${drill.runbook.section} has no machine-checkable detection (prose only); the symptom checks stand in for it`;
    return "skipped";
  });
}
