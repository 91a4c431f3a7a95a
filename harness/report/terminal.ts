// Live progress for a person at a terminal: each phase with the elapsed time, the
// step running and its output as it arrives, findings as they happen.
import type { DrillEvent, Reporter } from "../drill/events.js";

const mark = { passed: "✔", failed: "✘", skipped: "–" } as const;

export class TerminalReporter implements Reporter {
  private started = Date.now();
  private partial = "";

  constructor(private readonly write: (s: string) => void = (s) => process.stderr.write(s)) {}

  private line(text: string): void {
    const t = ((Date.now() - this.started) / 1000).toFixed(1).padStart(6);
    this.write(`[${t}s] ${text}\n`);
  }

  onEvent(e: DrillEvent): void {
    switch (e.type) {
      case "drill-begin":
        this.started = Date.now();
        this.line(`drill ${e.journal.scenario}${e.journal.variant ? `:${e.journal.variant}` : ""}: ${e.journal.runbook.file} section ${e.journal.runbook.section}`);
        break;
      case "phase-begin":
        this.line(`▶ ${e.phase}`);
        break;
      case "phase-end":
        this.line(`${mark[e.phase.status]} ${e.phase.name}${e.phase.detail ? `: ${e.phase.detail.split("\n")[0]}` : ""}`);
        break;
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
        const how = s.result === "skipped" ? ` (${s.reason ?? "manual"})` : ` exit ${s.exitCode} in ${s.seconds?.toFixed(1)} s${s.failures ? `: ${s.failures.join("; ")}` : ""}`;
        this.line(`  ${mark[s.result]} step ${s.id}${how}`);
        break;
      }
      case "check":
        this.line(`  ${e.check.passed ? mark.passed : mark.failed} ${e.check.check}: ${e.check.detail}`);
        break;
      case "finding":
        this.line(`  ${e.finding.acknowledged ? "◆ known finding" : "✘ FINDING"} [${e.finding.phase}${e.finding.step ? ` ${e.finding.step}` : ""}] ${e.finding.summary}`);
        break;
      case "drill-end": {
        const j = e.journal;
        this.line(`gate ${j.status.toUpperCase()}: ${j.scenario}${j.variant ? `:${j.variant}` : ""}${j.reason ? ` (${j.reason})` : ""}`);
        if (j.runbookVerdict) this.line(`runbook: ${j.runbookVerdict.summary}`);
        break;
      }
    }
  }
}
