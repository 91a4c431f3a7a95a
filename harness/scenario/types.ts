// The scenario file's shape (scenarios/scenario.schema.json is the checked contract;
// these types mirror it for the engine).
import type { StepAnnotation } from "../runbook/resolve/annotations.js";
import type { ShellDetectionSpec } from "../detect/shell-detection.js";
import type { LogDetectionSpec } from "../detect/log-detection.js";
import type { ContactSpec } from "../drill/contact.js";
import type { DrillLoadSpec } from "../drill/load.js";

export type Duration = number | string;

export interface HttpCheck {
  service: string;
  port: number;
  path: string;
  method?: "GET" | "HEAD" | "POST";
  status?: number | number[];
  /** Dot path into the JSON body -> expected value. */
  json?: Record<string, unknown>;
  bodyContains?: string;
  /**
   * A symptom of the service being down instead of an answer: "refused" holds only when
   * the connection is refused; "unavailable" also when it resets, times out, or the
   * answer is a 5xx or 404 (nothing serves the page).
   */
  down?: "refused" | "unavailable";
}

export interface Check {
  name: string;
  http?: HttpCheck;
  alert?: { name: string; state: "firing" | "pending" | "inactive" };
  sql?: { query: string; equals?: unknown; error?: boolean };
  shell?: { run: string; exit?: number; contains?: string };
  /** How long the check may take to hold (it is polled). */
  within?: Duration;
}

export interface FaultSpec {
  kind: string;
  [param: string]: unknown;
}

export interface KnownFinding {
  id: string;
  phase: "detect" | "symptoms" | "runbook" | "recover" | "integrity";
  step?: string;
  summary: string;
  /**
   * The cause, as a regular expression (case-insensitive) over the failure's text. Only a
   * failure in the same phase and step whose text matches is this finding; any other is new.
   */
  matches: string;
  /** For an intermittent finding: why it happens in some runs only. */
  mechanism?: string;
  /** Only expected in these profiles (e.g. a stand-in's limit). */
  profiles?: ("upstream" | "airgapped")[];
  /** Regex the finding's summary must match (several findings in one phase and step). */
  match?: string;
  /** Happens in some runs only: acknowledged when seen, not a failure when absent. */
  intermittent?: boolean;
}

export type IntegrityCheck = "documents-rows" | "documents-objects" | "search-index" | "search-index-documents";

export interface Detection {
  alert?: string;
  query?: string;
  expectExit?: number;
  expectOutput?: string;
  /**
   * The section has no Detection: watch its symptoms from outside the stack instead,
   * from before the fault, and time when each appears (harness/drill/symptom-watch.ts).
   */
  watchSymptoms?: boolean;
  /** A Detection that says "visit the targets page": read it through Caddy, timed (targets-detection.ts). */
  targetsPage?: { job: string; path?: string };
  /** Run the section's bash Detection block verbatim and compare the count it prints. */
  runbookCommand?: ShellDetectionSpec;
  /**
   * Logs not showing: the section's bash Detection (a readiness URL) run verbatim, and its
   * log query returning nothing for the app's lines since the fault (harness/drill/log-detection.ts).
   */
  logs?: LogDetectionSpec;
  /** The section has no alert rule: record that as a finding, saying what should alert. */
  missingAlert?: string;
  /** The section's Detection is prose: each line checked as a person would, timed (harness/drill/prose-detection.ts). */
  prose?: ProseDetection[];
  symptoms?: Check[];
}

/** One line of a prose Detection ("Browser shows 404 or 502"), and how a machine checks it. */
export interface ProseDetection {
  /** The line as the runbook writes it; it must be in the section's Detection. */
  says: string;
  /** Probe these routes as a browser would; the line holds when one answers one of `status`. */
  browser?: { service: string; port: number; paths: string[]; status: number[] };
  /** Read the container's logs; the line holds when a line written since the fault matches. */
  logs?: { container: string; matches: string };
}

export interface ScenarioBody {
  fault: FaultSpec;
  detection: Detection;
  steps: string[];
  /** Steps of the section this drill does not run, with why: the report lists every step of the section. */
  stepsNotRun?: Record<string, string>;
  overrides?: Record<string, StepAnnotation>;
  recovery: Check[];
  integrity?: IntegrityCheck[];
  knownFindings?: KnownFinding[];
  /** Measure the recovery point against the backup job (postgres-backup). */
  recoveryPoint?: boolean;
  timeouts?: { detect?: Duration; recover?: Duration; step?: Duration };
  /** What users do while the fault is on (right after inject). */
  duringFault?: { contact?: ContactSpec };
  /**
   * The section's steps cannot remove the cause (no remedy step; the fix is outside the
   * stack): the drill reverts the fault after the steps, says why, and records it.
   */
  revertFaultAfterSteps?: string;
  /** A steady, bounded load through Caddy from the steady state to the end (harness/drill/load.ts). */
  load?: DrillLoadSpec;
}

export interface ScenarioFile extends ScenarioBody {
  scenario: string;
  title?: string;
  description?: string;
  runbook: { file: string; section: number };
  needs?: string[];
  seed?: { documents?: number };
  timing?: { scrapeInterval?: string; evaluationInterval?: string; alertFor?: string };
  /** A variant may change the drill's stack too (e.g. a volume of its own to fill). */
  variants?: (Partial<ScenarioBody> & { name: string; description?: string; stack?: ScenarioStack })[];
  /** How the drill's stack differs from production for this scenario (stated in its report). */
  stack?: ScenarioStack;
  /**
   * An alert over a long window may still hold bring-up's slow answers: wait up to
   * settleSeconds for it to be inactive before the fault (harness/drill/settle.ts).
   */
  steadyState?: { settleSeconds?: number };
}

export interface ScenarioStack {
  /** Drill-only environment per service (e.g. the switch of the app's leak endpoint). */
  environment?: Record<string, Record<string, string>>;
  /** Memory limit per service, in MiB. */
  memoryLimitsMb?: Record<string, number>;
  /** node-exporter's /proc/meminfo shows this service's memory cgroup as the host's memory (harness/stack/memory-view.ts). */
  hostMemoryFrom?: string;
  /** A production volume on a disk of its own, this many MiB (a tmpfs), so a fault can fill it to a real ENOSPC. */
  volumeSizesMb?: Record<string, number>;
  /** Run the drill-only stand-in for the EC2 instance: sshd reached from the operator shell (harness/stack/ec2-host.ts). */
  ec2Host?: boolean;
}

/** One runnable drill: a scenario, or one variant of it, with the variant applied. */
export interface Drill extends ScenarioFile {
  /** `postgres-down` or `postgres-down:corrupted-data`. */
  id: string;
  variant?: string;
  /** file:line of the scenario (or variant) in its YAML, for reports. */
  source: string;
  /** Line of each step override in the YAML, for annotation errors. */
  overrideLines: Record<string, number>;
}

export function seconds(d: Duration | undefined, fallback: number): number {
  if (d === undefined) return fallback;
  if (typeof d === "number") return d;
  const m = /^(\d+)(ms|s|m)$/.exec(d);
  if (!m) throw new Error(`bad duration "${d}"`);
  const n = Number(m[1]);
  return m[2] === "ms" ? n / 1000 : m[2] === "m" ? n * 60 : n;
}
