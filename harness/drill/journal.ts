// The evidence interface: journal.json, one per drill run. Every report is rendered
// from it alone. Fields may grow; the ones here are the contract.
import type { ShellDetectionProbe } from "../detect/shell-detection.js";
import type { ContactSubmission } from "./contact.js";
import type { LoadRecord } from "./load.js";

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
  fault?: { kind: string; params: Record<string, unknown>; injectedAt?: string; revertedAt?: string; detail?: string; revertedBy?: string };
  /** What the drill did as a user while the fault was on, and what the app answered. */
  duringFault?: { contact?: ContactSubmission };
  /** The drill's load generator: latency percentiles before, during and after the fault. */
  load?: LoadRecord;
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
    /** A bash Detection block run verbatim: what it printed before and during the fault. */
    shell?: { baseline?: ShellDetectionProbe; during?: ShellDetectionProbe };
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
