// The evidence interface: journal.json, one per drill run. Every report is rendered
// from it alone. Fields may grow; the ones here are the contract.

export type DrillStatus = "passed" | "failed" | "not-run";
export type PhaseStatus = "passed" | "failed" | "skipped";
export type PhaseName =
  | "preflight"
  | "stack-up"
  | "steady-state"
  | "inject"
  | "detect"
  | "notify"
  | "symptoms"
  | "runbook"
  | "recover"
  | "integrity"
  | "teardown";

export interface PhaseRecord {
  name: PhaseName;
  startedAt: string;
  endedAt?: string;
  status: PhaseStatus;
  detail?: string;
}

export interface StepRecord {
  id: string;
  title: string;
  location: string;
  mode: "drilled" | "adapted" | "manual";
  result: "passed" | "failed" | "skipped";
  exitCode?: number;
  seconds?: number;
  reason?: string;
  /** What ran (verbatim runbook text, or the adapted equivalent), secrets redacted. */
  command?: string;
  stdout?: string;
  stderr?: string;
  timedOut?: boolean;
  /** Why the expectation failed, when it did. */
  failures?: string[];
  refusals?: string[];
  startedAt?: string;
}

export interface CheckRecord {
  check: string;
  passed: boolean;
  detail: string;
  at: string;
}

export interface Finding {
  id: string;
  phase: PhaseName;
  step?: string;
  summary: string;
  /** Declared in the scenario (knownFindings): expected, and does not fail the drill. */
  acknowledged: boolean;
}

/** A Prometheus range query over the drill, kept so reports can draw detection without the stack. */
export interface DetectionRange {
  /** What was sampled: the alert's expression without its final comparison, so values show against the threshold. */
  expr: string;
  /** The comparison the alert applies to those values (`< 0.10` is { op: "<", value: 0.1 }). */
  threshold?: { op: "<" | ">" | "<=" | ">=" | "==" | "!="; value: number };
  start: string;
  end: string;
  stepSeconds: number;
  /** One entry per series; values are [unix seconds, value], null where Prometheus gave NaN or ±Inf. */
  series: { labels: Record<string, string>; values: [number, number | null][] }[];
  /** Why there are no samples, when the query failed. */
  error?: string;
}

export interface Journal {
  schemaVersion: 1;
  scenario: string;
  variant?: string;
  title?: string;
  status: DrillStatus;
  reason?: string;
  startedAt: string;
  endedAt?: string;
  profile?: string;
  profileReason?: string;
  runbook: { file: string; section: number; title?: string; revision: string };
  scenarioSource: string;
  fault?: { kind: string; params: Record<string, unknown>; injectedAt?: string; revertedAt?: string; detail?: string };
  timing?: { scrapeIntervalSeconds: number; evaluationIntervalSeconds: number; alertForSeconds: number; productionAlertFor?: string };
  phases: PhaseRecord[];
  detection: {
    query?: string;
    alert?: string;
    pendingAt?: string;
    firedAt?: string;
    secondsToDetect?: number;
    lowerBoundSeconds?: number;
    inactiveBeforeFault?: boolean;
    /** The query's values around the fault, sampled from Prometheus before teardown (report.html draws them). */
    range?: DetectionRange;
  };
  notification?: { receiver: string; deliveredAt?: string; secondsToNotify?: number };
  symptoms: CheckRecord[];
  steps: StepRecord[];
  recovery: { recoveredAt?: string; secondsToRecover?: number; alertResolvedAt?: string; checks: CheckRecord[] };
  integrity: { check: string; passed: boolean; detail: string }[];
  recoveryPoint?: { lastBackupAt?: string; rowsWrittenSinceBackup: number; rowsLost: number };
  findings: Finding[];
  /** Declared intermittent findings that did not occur in this run. */
  intermittentNotSeen?: { id: string; summary: string }[];
  implementations: { service: string; image: string; digest: string; standIn: boolean; note: string }[];
  leftOut: { service: string; reason: string }[];
  engine?: { serverVersion: string; apiVersion: string; compose: string };
  bringUpSeconds?: number;
  teardown?: { seconds: number; leftBehind: number };
}

export function newJournal(init: Pick<Journal, "scenario" | "variant" | "title" | "runbook" | "scenarioSource">): Journal {
  return {
    schemaVersion: 1,
    ...init,
    status: "not-run",
    startedAt: new Date().toISOString(),
    phases: [],
    detection: {},
    symptoms: [],
    steps: [],
    recovery: { checks: [] },
    integrity: [],
    findings: [],
    implementations: [],
    leftOut: [],
  };
}
