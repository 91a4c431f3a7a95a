// The one way a drill writes its journal: phases begin and end, findings, steps and checks
// go through here, and each is told to the event bus as it is recorded. Phases set the
// journal's own fields (detection times, fault, recovery) on `journal` directly.
import type { EventBus } from "./events.js";
import type { KnownFindingsLedger } from "./findings.js";
import type { CheckRecord, Finding, Journal, PhaseName, PhaseRecord, StepRecord } from "./journal.js";

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export type PhaseBody = (rec: PhaseRecord) => Promise<"passed" | "failed" | "skipped">;

export class JournalRecorder {
  constructor(
    readonly journal: Journal,
    private readonly bus: EventBus,
    private readonly ledger: KnownFindingsLedger,
    private readonly clock: Clock,
  ) {}

  /** Now, as the journal writes times. */
  at(): string {
    return this.clock.now().toISOString();
  }

  log(message: string): void {
    this.bus.emit({ type: "log", message });
  }

  begin(): void {
    this.bus.emit({ type: "drill-begin", journal: this.journal });
  }

  end(): void {
    this.bus.emit({ type: "drill-end", journal: this.journal });
  }

  /** A failure: acknowledged when the scenario declares it (by cause), new otherwise. */
  finding(phase: PhaseName, summary: string, step?: string, canBeKnown = true): Finding {
    const f = this.ledger.classify({ phase, step, summary }, canBeKnown);
    this.journal.findings.push(f);
    this.bus.emit({ type: "finding", finding: f });
    return f;
  }

  /** Run one phase; an exception fails it and is a finding. False when the phase failed. */
  async phase(name: PhaseName, body: PhaseBody): Promise<boolean> {
    const rec: PhaseRecord = { name, startedAt: this.at(), status: "passed" };
    this.journal.phases.push(rec);
    this.bus.emit({ type: "phase-begin", phase: name });
    try {
      rec.status = await body(rec);
    } catch (err) {
      rec.status = "failed";
      rec.detail = err instanceof Error ? err.message : String(err);
      this.finding(name, rec.detail);
    }
    rec.endedAt = this.at();
    this.bus.emit({ type: "phase-end", phase: rec });
    return rec.status !== "failed";
  }

  /** The record of a phase already run, to add to its detail. */
  phaseRecord(name: PhaseName): PhaseRecord | undefined {
    return this.journal.phases.find((p) => p.name === name);
  }

  stepBegin(step: Pick<StepRecord, "id" | "title" | "mode">): void {
    this.bus.emit({ type: "step-begin", step });
  }

  stepOutput(id: string, chunk: string): void {
    this.bus.emit({ type: "step-output", id, chunk });
  }

  step(rec: StepRecord): void {
    this.journal.steps.push(rec);
    this.bus.emit({ type: "step-end", step: rec });
  }

  symptom(rec: CheckRecord): void {
    this.journal.symptoms.push(rec);
    this.bus.emit({ type: "check", check: rec });
  }

  recoveryCheck(rec: CheckRecord): void {
    this.journal.recovery.checks.push(rec);
    this.bus.emit({ type: "check", check: rec });
  }

  integrity(r: { check: string; passed: boolean; detail: string }): void {
    this.journal.integrity.push(r);
    this.bus.emit({ type: "check", check: { ...r, at: this.at() } });
  }
}
