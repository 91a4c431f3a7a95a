// The evidence interface: journal.json, one per drill run. Every report is rendered
// from it alone. Fields may grow; the ones here are the contract.
import type { ShellDetectionProbe } from "../detect/shell-detection.js";
import type { LogDetectionRecord } from "../detect/log-detection.js";
import type { ContactSubmission } from "./contact.js";
import type { LoadRecord } from "./load.js";
import type { StepResources } from "../ops/resource-audit.js";

export type { ResourceChange, StepResources } from "../ops/resource-audit.js";

export type DrillStatus = "passed" | "failed" | "not-run" | "interrupted";
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
  /** operator-fix: the runbook gives no command; what ran is the operator's own fix, not the runbook's. */
  mode: "drilled" | "adapted" | "operator-fix" | "manual";
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
  /** HTTP status lines the step's commands printed (curl -I/-i), in order. */
  httpStatus?: string[];
  /** Those that were 4xx/5xx: shown on the step even when it passed, so an error answer is never read as a clean pass. */
  httpErrors?: string[];
  /** Every answer the operator shell's curl received during the step (observed, not parsed from output), and what the runbook said it should be. */
  http?: HttpAnswer[];
  /** What the step did to Docker resources, as the scope guard saw it (harness/ops/resource-audit.ts). */
  resources?: StepResources;
}

export interface HttpAnswer {
  /** The URL curl was given. */
  url: string;
  /** The final status (after redirects); 0 when no answer came (connection refused, timeout). */
  status: number;
  statusLine?: string;
  /** "Should return 200" in the runbook's text for this call. */
  expected?: number;
  /** curl's exit code, when no answer came. */
  curlExit?: number;
}

/** Something the drill gives that production does not, and who relied on it. */
export interface Provision {
  id: string;
  /** What the drill provides. */
  provision: string;
  /** What production has instead. */
  production: string;
  /** Why the drill provides it. */
  why: string;
  /** Steps (ids) and phases that relied on it in this run. */
  reliedOnBy: string[];
  /** How reliance was decided (e.g. "the step's command names myminio"). */
  evidence?: string;
}

export interface SymptomSighting {
  check: string;
  /** What one probe saw before the fault. */
  baseline: string;
  heldBeforeFault: boolean;
  appearedAt?: string;
  secondsAfterFault?: number;
  /** What the last probe saw. */
  detail: string;
}

export interface ProseSighting {
  /** The Detection line as written. */
  says: string;
  /** How the machine checked it. */
  how: string;
  /** What one check saw before the fault. */
  baseline: string;
  heldBeforeFault: boolean;
  observedAt?: string;
  secondsAfterFault?: number;
  /** What the last check saw. */
  detail: string;
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
  /** `sectionSha256`: the section's text as the drill read it (lines `line`..`endLine`), so evidence names the exact text even in an uncommitted file. */
  runbook: { file: string; section: number; title?: string; revision: string; sectionSha256?: string };
  scenarioSource: string;
  fault?: { kind: string; params: Record<string, unknown>; injectedAt?: string; revertedAt?: string; detail?: string; observations?: string[]; revertedBy?: string };
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
    /** The query's values around the fault, sampled from Prometheus before teardown (report.html draws them). */
    range?: DetectionRange;
    /** A section without Detection: its symptoms watched from outside the stack (symptom-watch.ts). */
    symptomWatch?: SymptomSighting[];
    /** A bash Detection block run verbatim: what it printed before and during the fault. */
    shell?: { baseline?: ShellDetectionProbe; during?: ShellDetectionProbe };
    /** Logs not showing (section 9): the Detection command and the section's log query (log-detection.ts). */
    logs?: LogDetectionRecord;
    /** A prose Detection, each line checked as a person would (prose-detection.ts). */
    prose?: ProseSighting[];
  };
  notification?: { receiver: string; deliveredAt?: string; secondsToNotify?: number };
  symptoms: CheckRecord[];
  steps: StepRecord[];
  /** Steps of the section the drill did not run, with why (every step of the section is accounted for). */
  stepsNotRun?: { id: string; title: string; location: string; reason: string }[];
  /** Where the drill differs from production (provisions.ts): every convenience, and the steps that relied on it. */
  provisions?: Provision[];
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
  /** The service slowest from its container's start to healthy (bring-up's floor); `upperBound` when the engine's health log no longer held its first passing check. */
  slowestServiceStart?: { service: string; seconds: number; upperBound: boolean };
  /** leftBehind counts what teardown could not remove; `left` names each (and why). A leftover fails the drill. */
  teardown?: { seconds: number; leftBehind: number; left?: { kind: string; name: string; reason: string }[] };
  /** Set when a signal (Ctrl-C, SIGTERM) ended the run: which, when, in which phase; the stack was torn down on the way out. */
  interrupted?: { signal: string; at: string; phase?: PhaseName; betweenPhases?: boolean };
  /**
   * The runbook's own verdict, apart from `status` (the gate's: no new finding, so the
   * runbook did not regress). A drill can pass the gate with known findings while the
   * runbook did not detect the failure or lost data; this says so.
   */
  runbookVerdict?: RunbookVerdict;
}

export interface RunbookVerdict {
  detected: "yes" | "no" | "not-applicable";
  recovered: "yes" | "no" | "not-checked";
  dataIntact: "yes" | "no" | "not-checked";
  /** `passed` counts the runbook's own steps; a passed operator's fix (the runbook gave no command) is counted apart. */
  steps: { passed: number; failed: number; skipped: number; operatorFixes?: number };
  /** One line, e.g. "detected, recovered, DATA LOST (documents-rows: 0/3 seeded rows present)". */
  summary: string;
}

/** The runbook's verdict, from the journal alone. */
export function runbookVerdict(j: Journal): RunbookVerdict {
  const phase = (name: PhaseName) => j.phases.find((p) => p.name === name);
  const detectPhase = phase("detect");
  const detected: RunbookVerdict["detected"] =
    j.detection.firedAt !== undefined ? "yes" : detectPhase === undefined || detectPhase.status === "skipped" ? "not-applicable" : "no";
  const recoverPhase = phase("recover");
  // A service that came back only after the drill reverted the fault (the steps could not
  // remove the cause) was not recovered by the runbook, whatever the recover phase found.
  const revertedByDrill = j.fault?.revertedBy === "drill";
  const recovered: RunbookVerdict["recovered"] =
    recoverPhase === undefined || recoverPhase.status === "skipped" ? "not-checked" : recoverPhase.status === "passed" && !revertedByDrill ? "yes" : "no";
  const dataIntact: RunbookVerdict["dataIntact"] = j.integrity.length === 0 ? "not-checked" : j.integrity.every((c) => c.passed) ? "yes" : "no";
  const fixes = j.steps.filter((s) => s.mode === "operator-fix" && s.result === "passed").length;
  const steps = {
    passed: j.steps.filter((s) => s.result === "passed" && s.mode !== "operator-fix").length,
    failed: j.steps.filter((s) => s.result === "failed").length,
    skipped: j.steps.filter((s) => s.result === "skipped").length,
    ...(fixes ? { operatorFixes: fixes } : {}),
  };
  const lost = j.integrity.filter((c) => !c.passed).map((c) => `${c.check}: ${c.detail}`);
  const parts = [
    detected === "yes" ? "detected" : detected === "no" ? "NOT DETECTED" : "no detection to check",
    recovered === "yes"
      ? "recovered"
      : recovered === "no"
        ? revertedByDrill && recoverPhase?.status === "passed"
          ? "NOT RECOVERED by its steps (the service came back once the drill reverted the fault)"
          : "NOT RECOVERED"
        : "recovery not checked",
    dataIntact === "yes" ? "data intact" : dataIntact === "no" ? `DATA LOST (${lost.join("; ")})` : "data not checked",
    `steps ${steps.passed} passed, ${steps.failed} failed${fixes ? `, ${fixes} only by the operator's own fix` : ""}, ${steps.skipped} not run`,
  ];
  return { detected, recovered, dataIntact, steps, summary: parts.join(", ") };
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
