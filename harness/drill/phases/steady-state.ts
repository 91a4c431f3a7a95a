// Steady state: before the fault nothing is wrong (the alert quiet, the runbook's own
// detection quiet, even under load), the seed data is written, and every watch that
// later tells "the fault did this" takes its baseline.
import { alertState } from "../../detect/alert-state.js";
import { probeShellDetection } from "../../detect/shell-detection.js";
import type { LiveContext } from "../context.js";
import { seedDocuments } from "../seed.js";
import { takeRecoverySnapshot } from "../recovery-point.js";
import { SymptomWatch } from "../symptom-watch.js";
import { TargetsPageWatch } from "../../detect/targets-detection.js";
import { browserProbe, logsProbe, missingProse, ProseWatch } from "../../detect/prose-detection.js";
import { settleAlert } from "../settle.js";
import { LogWatch } from "../../detect/log-detection.js";
import { DrillLoad, formatWindow } from "../load.js";

/** False when the steady state is not steady: the drill injects nothing. */
export async function steadyState(ctx: LiveContext): Promise<boolean> {
  const { drill, stack: s, shell, state } = ctx;
  const journal = ctx.record.journal;
  const alertName = drill.detection.alert;
  const detectionBlocks = ctx.section?.detection ?? [];
  return ctx.record.phase("steady-state", async (rec) => {
    if (alertName) {
      // One evaluation must have happened for "inactive" to mean anything.
      await ctx.clock.sleep((journal.timing?.evaluationIntervalSeconds ?? 5) * 1000);
      let now = await alertState(s.prometheus(), alertName);
      let held = "";
      if (now !== "inactive" && drill.steadyState?.settleSeconds) {
        const settled = await settleAlert(s.prometheus(), state.alertExpr, () => alertState(s.prometheus(), alertName), drill.steadyState.settleSeconds);
        now = settled.state;
        held = `; its expression held for ${settled.heldBy || "no series"}`;
        ctx.record.log(`steady state: ${alertName} was active after bring-up${held}; waited ${settled.waitedSeconds.toFixed(0)} s (at most ${drill.steadyState.settleSeconds}) for it to be ${now}`);
        rec.detail = `${alertName} active after bring-up${held}; inactive after waiting ${settled.waitedSeconds.toFixed(0)} s for those answers to leave the rule's window`;
      }
      journal.detection.inactiveBeforeFault = now === "inactive";
      if (now !== "inactive") throw new Error(`alert ${alertName} is ${now} before any fault${held}: the steady state is not steady`);
    }
    if (drill.seed?.documents) {
      state.seed = await seedDocuments(s, drill.seed.documents);
      rec.detail = `${state.seed.documents.length} documents written (object, row, index entry each)`;
    }
    if (drill.detection.runbookCommand) {
      // What the runbook's command answers while nothing is wrong.
      const b = await probeShellDetection(shell, detectionBlocks, drill.detection.runbookCommand, state.seed?.documents.length ?? 0, "detection-baseline");
      journal.detection.shell = { baseline: b };
      if (b.fired) throw new Error(`the runbook's detection \`${b.command}\` shows the failure before any fault: ${b.verdict}`);
      rec.detail = `${rec.detail ?? ""}; before the fault the runbook's detection ${b.verdict}`;
    }
    if (drill.detection.logs) {
      state.logs = await LogWatch.baseline(s, shell, detectionBlocks, drill.detection.logs);
      journal.detection.logs = state.logs.record;
      rec.detail = [rec.detail, `a new app log line was queryable ${state.logs.record.baselineSeconds.toFixed(1)} s after it was written`].filter(Boolean).join("; ");
    }
    if (drill.load) {
      const load = new DrillLoad(s, drill.load, journal.timing?.scrapeIntervalSeconds ?? 5);
      state.load = load;
      journal.load = load.record;
      const w = await load.begin();
      ctx.record.log(`load: ${load.record.description}`);
      rec.detail = `${rec.detail ?? ""}; load ${formatWindow(w)}`;
      // Under load the alert must still be quiet, or a "detection" would be the load's.
      const now = alertName ? await alertState(s.prometheus(), alertName) : "inactive";
      const holding = state.alertExpr ? await s.prometheus().query(state.alertExpr) : [];
      if (now !== "inactive" || holding.length > 0) {
        throw new Error(
          `alert ${alertName} is ${now} and its expression holds for ${holding.length} series under the drill's load before any fault ` +
            `(${formatWindow(w)}): the steady state is not steady`,
        );
      }
    }
    if (drill.recoveryPoint) {
      state.snapshot = await takeRecoverySnapshot(s, state.seed?.writtenAt);
      rec.detail = `${rec.detail ?? ""}; backup of ${state.snapshot.lastBackupAt} holds them; ${state.snapshot.ids.length} rows before the fault`;
    }
    if (drill.detection.watchSymptoms && drill.detection.symptoms?.length) state.watch = await SymptomWatch.baseline(drill.detection.symptoms, ctx);
    const page = drill.detection.targetsPage;
    if (page) state.targetsPage = await TargetsPageWatch.baseline(s, { job: page.job, path: page.path ?? "/prometheus/targets" });
    if (drill.detection.prose?.length) {
      // The lines must be the section's own Detection, as written: a changed runbook is not checked with old words.
      const gone = missingProse(drill.detection.prose, detectionBlocks);
      if (gone.length) throw new Error(`${drill.source}: detection.prose names ${gone.map((g) => `"${g}"`).join(", ")}, which section ${drill.runbook.section}'s Detection no longer says`);
      state.prose = await ProseWatch.baseline(drill.detection.prose, (i) => (i.browser ? browserProbe(s, i.browser) : logsProbe(s, i.logs ?? { container: "", matches: "$^" })));
    }
    return "passed";
  });
}
