// Live progress for a person at a terminal: each phase with the elapsed time, the
// step running and its output as it arrives, findings as they happen, and a summary.
// A failure the scenario declares (a known finding) is marked ◆, never with the ✘ of a
// failure, so a passed drill does not look like a failed one.
import type { DrillEvent, Reporter } from "../drill/events.js";
import type { Finding, Journal } from "../drill/journal.js";

const mark = { passed: "✔", failed: "✘", skipped: "–", known: "◆" } as const;

/** One paragraph for the end of a run: outcome, phases, steps, findings, times. */
export function summaryLines(j: Journal): string[] {
  const count = <T>(xs: T[], f: (x: T) => boolean) => xs.filter(f).length;
  const name = `${j.scenario}${j.variant ? `:${j.variant}` : ""}`;
  const ran = j.steps.filter((s) => s.result !== "skipped");
  const fresh = count(j.findings, (f) => !f.acknowledged);
  const known = count(j.findings, (f) => f.acknowledged);
  const lines = [
    `gate ${j.status.toUpperCase()} ${name}${j.reason ? ` (${j.reason})` : ""}`,
    // The runbook's own verdict, never folded into the gate's word.
    ...(j.runbookVerdict ? [`  runbook: ${j.runbookVerdict.summary}`] : []),
    `  phases: ${count(j.phases, (p) => p.status === "passed")} passed, ${count(j.phases, (p) => p.status === "failed")} failed, ${count(j.phases, (p) => p.status === "skipped")} skipped`,
    `  runbook steps: ${ran.length} ran (${count(ran, (s) => s.result === "passed")} passed, ${count(ran, (s) => s.result === "failed")} failed${count(ran, (s) => s.mode === "operator-fix") ? `, ${count(ran, (s) => s.mode === "operator-fix")} the operator's own fix` : ""}), ${j.steps.length - ran.length} not run (manual)` +
      (j.stepsNotRun?.length ? `, ${j.stepsNotRun.length} not in this drill (${j.stepsNotRun.map((s) => s.id).join(", ")})` : ""),
    `  findings: ${fresh} new, ${known} known${j.intermittentNotSeen?.length ? `, ${j.intermittentNotSeen.length} known intermittent not seen` : ""}`,
  ];
  const times = [
    j.detection.secondsToDetect !== undefined ? `detected in ${j.detection.secondsToDetect.toFixed(1)} s (${j.detection.lowerBoundSeconds !== undefined ? `bound ${j.detection.lowerBoundSeconds} s` : "no alert rule, so no bound"})` : undefined,
    j.notification?.secondsToNotify !== undefined ? `notified ${j.notification.secondsToNotify.toFixed(1)} s later` : undefined,
    j.recovery.secondsToRecover !== undefined ? `recovered ${j.recovery.secondsToRecover.toFixed(1)} s after the fault` : undefined,
  ].filter((x): x is string => !!x);
  if (times.length) lines.push(`  ${times.join(", ")}`);
  const standIns = j.implementations.filter((i) => i.standIn).map((i) => i.service);
  if (standIns.length) lines.push(`  stand-ins: ${standIns.join(", ")}`);
  return lines;
}

export class TerminalReporter implements Reporter {
  private started = Date.now();
  private partial = "";
  /** A failed step or check line, held until the next event says whether its finding is known. */
  private held?: (known: boolean) => string;
  private phaseFindings: Finding[] = [];

  constructor(private readonly write: (s: string) => void = (s) => process.stderr.write(s)) {}

  private line(text: string): void {
    const t = ((Date.now() - this.started) / 1000).toFixed(1).padStart(6);
    this.write(`[${t}s] ${text}\n`);
  }

  onEvent(e: DrillEvent): void {
    if (this.held) {
      const text = this.held(e.type === "finding" && e.finding.acknowledged);
      this.held = undefined;
      this.line(text);
    }
    switch (e.type) {
      case "drill-begin":
        this.started = Date.now();
        this.line(`drill ${e.journal.scenario}${e.journal.variant ? `:${e.journal.variant}` : ""}: ${e.journal.runbook.file} section ${e.journal.runbook.section}`);
        break;
      case "phase-begin":
        this.phaseFindings = [];
        this.line(`▶ ${e.phase}`);
        break;
      case "phase-end": {
        const known = e.phase.status === "failed" && this.phaseFindings.length > 0 && this.phaseFindings.every((f) => f.acknowledged);
        const m = known ? `${mark.known} ${e.phase.name} (known finding)` : `${mark[e.phase.status]} ${e.phase.name}`;
        this.line(`${m}${e.phase.detail ? `: ${e.phase.detail.split("\n")[0]}` : ""}`);
        break;
      }
      case "log":
        this.line(`  ${e.message}`);
        break;
      case "step-begin":
        this.line(`  ▶ step ${e.step.id} ${e.step.title} [${e.step.mode}]`);
        break;
      case "step-output": {
        const text = this.partial + e.chunk;
        const lines = text.split("\n");
        this.partial = lines.pop() ?? "";
        for (const l of lines) this.write(`          │ ${l}\n`);
        break;
      }
      case "step-end": {
        if (this.partial) this.write(`          │ ${this.partial}\n`);
        this.partial = "";
        const s = e.step;
        // Error answers and hazards are said even on a step that passed.
        const notes = [...(s.httpErrors?.length ? [`HTTP ${s.httpErrors.join(", ")}`] : []), ...(s.mode === "operator-fix" ? ["the operator's own fix, not in the runbook"] : []), ...(s.resources?.hazards?.map((h) => `HAZARD: ${h}`) ?? [])];
        const how =
          (s.result === "skipped" ? ` (${s.reason ?? "manual"})` : ` exit ${s.exitCode} in ${s.seconds?.toFixed(1)} s${s.failures ? `: ${s.failures.join("; ")}` : ""}`) +
          (notes.length ? ` [${notes.join("; ")}]` : "");
        if (s.result === "failed") this.held = (known) => `  ${known ? mark.known : mark.failed} step ${s.id}${how}${known ? " (known finding)" : ""}`;
        else this.line(`  ${mark[s.result]} step ${s.id}${how}`);
        break;
      }
      case "check": {
        const c = e.check;
        if (c.passed) this.line(`  ${mark.passed} ${c.check}: ${c.detail}`);
        else this.held = (known) => `  ${known ? mark.known : mark.failed} ${c.check}: ${c.detail}${known ? " (known finding)" : ""}`;
        break;
      }
      case "finding":
        this.phaseFindings.push(e.finding);
        this.line(`  ${e.finding.acknowledged ? `${mark.known} known finding` : `${mark.failed} FINDING`} [${e.finding.phase}${e.finding.step ? ` ${e.finding.step}` : ""}] ${e.finding.summary}`);
        break;
      case "drill-end":
        for (const l of summaryLines(e.journal)) this.write(`${l}\n`);
        break;
    }
  }
}
