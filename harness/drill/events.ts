// What a drill run tells its observers as it goes. The runner only emits events;
// the terminal view, the journal writer and the reports subscribe (see report/).
import type { CheckRecord, Finding, Journal, PhaseName, PhaseRecord, StepRecord } from "./journal.js";

export type DrillEvent =
  | { type: "drill-begin"; journal: Journal }
  | { type: "phase-begin"; phase: PhaseName }
  | { type: "phase-end"; phase: PhaseRecord }
  | { type: "log"; message: string }
  | { type: "step-begin"; step: Pick<StepRecord, "id" | "title" | "mode"> }
  | { type: "step-output"; id: string; chunk: string }
  | { type: "step-end"; step: StepRecord }
  | { type: "check"; check: CheckRecord }
  | { type: "finding"; finding: Finding }
  | { type: "drill-end"; journal: Journal };

export interface Reporter {
  onEvent(event: DrillEvent): void;
}

export class EventBus {
  private readonly reporters: Reporter[] = [];

  subscribe(r: Reporter): this {
    this.reporters.push(r);
    return this;
  }

  emit(event: DrillEvent): void {
    for (const r of this.reporters) {
      try {
        r.onEvent(event);
      } catch {
        // A broken reporter must never change a drill's outcome.
      }
    }
  }
}
