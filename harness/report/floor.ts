// A drill's floor: the time no harness could save, given the stack, the rule and the
// runbook. bench:scenarios prints wall time against it; what is above it (readiness
// polling, waits that could start earlier, work done twice) is the harness's to remove.
import type { Journal, PhaseName } from "../drill/journal.js";

export interface DrillFloor {
  /** The slowest service, container start to healthy. */
  slowestServiceSeconds: number;
  /** Scrape + evaluation + `for` of the section's alert rule; 0 without a rule. */
  ruleBoundSeconds: number;
  /** The runbook steps' own run time. */
  stepsSeconds: number;
  /** The recover phase (the service coming back, as measured). */
  recoverSeconds: number;
  teardownSeconds: number;
  totalSeconds: number;
  /** Parts the journal does not hold (an older journal, a drill cut short). */
  missing: string[];
}

/** A finished phase's duration in seconds; undefined while it runs or when it never ran. */
export function phaseSeconds(journal: Journal, name: PhaseName): number | undefined {
  const p = journal.phases.find((x) => x.name === name);
  if (!p?.endedAt) return undefined;
  return (Date.parse(p.endedAt) - Date.parse(p.startedAt)) / 1000;
}

export function drillFloor(journal: Journal): DrillFloor {
  const missing: string[] = [];
  const slowestServiceSeconds = journal.slowestServiceStart?.seconds ?? (missing.push("slowest service start"), 0);
  const ruleBoundSeconds = journal.detection.lowerBoundSeconds ?? 0;
  const stepsSeconds = journal.steps.reduce((sum, s) => sum + (s.seconds ?? 0), 0);
  const recoverSeconds = phaseSeconds(journal, "recover") ?? (missing.push("recover phase"), 0);
  const teardownSeconds = journal.teardown?.seconds ?? (missing.push("teardown"), 0);
  return {
    slowestServiceSeconds,
    ruleBoundSeconds,
    stepsSeconds,
    recoverSeconds,
    teardownSeconds,
    totalSeconds: slowestServiceSeconds + ruleBoundSeconds + stepsSeconds + recoverSeconds + teardownSeconds,
    missing,
  };
}
