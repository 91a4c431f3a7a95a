// The drill list CI builds its job matrix from (`npm run scenario -- --list --json`):
// each drill with what it needs and a time budget derived from its own timeouts, so a
// runner job can be given a timeout that a healthy drill never reaches and a hung one
// does not outlive by hours.
import { mergeAnnotations, overrideAnnotations } from "../runbook/resolve/annotations.js";
import { loadRunbook, type LoadedRunbook } from "../runbook/resolve/load.js";
import { DEFAULT_TIMEOUT_MS, resolveStepsWithDiagnostics } from "../runbook/resolve/resolve.js";
import { seconds, type Drill } from "../scenario/types.js";

/** What the drill runner waits at most, per phase, when the scenario does not say. These
 *  mirror harness/drill/run-drill.ts and harness/stack/drill-stack.ts. */
export const RUNNER_DEFAULTS = {
  detectSeconds: 180,
  recoverSeconds: 120,
  notifySeconds: 90,
  symptomSeconds: 30,
  /** Bring-up waits up to 180 s each for health, one-shot jobs and scrape targets. */
  bringUpSeconds: 3 * 180,
};

/** Bounds the drill itself does not set: a runner's checkout, `npm ci`, the engine
 *  preflight and pulling about fifteen upstream images (about 10 min on a cold hosted
 *  runner), plus the phases with no timeout of their own (steady state, inject,
 *  integrity, teardown). Generous on purpose: the job timeout is a guard against a
 *  hung runner, not a performance goal. */
export const FIXED_ALLOWANCE_SECONDS = {
  setup: 15 * 60,
  unboundedPhases: 10 * 60,
};

export interface DrillTimeouts {
  detectSeconds: number;
  recoverSeconds: number;
  notifySeconds: number;
  symptomsSeconds: number;
  /** Sum of the timeouts of the steps that run (manual steps run nothing). */
  stepsSeconds: number;
  /** Recovery checks (each polled up to its `within`) plus the alert resolving. */
  recoverPhaseSeconds: number;
  bringUpSeconds: number;
  allowanceSeconds: number;
  totalSeconds: number;
}

export interface DrillListEntry {
  id: string;
  scenario: string;
  variant?: string;
  title?: string;
  runbook: string;
  section: number;
  needs: string[];
  steps: string[];
  source: string;
  /** The id with characters that artifact and file names refuse replaced. */
  slug: string;
  timeouts: DrillTimeouts;
  /** The runner job's timeout: the drill's budget rounded up to whole minutes. */
  timeoutMinutes: number;
}

export const slugOf = (id: string): string => id.replace(/[^A-Za-z0-9._-]/g, "_");

export function drillTimeouts(drill: Drill, loaded: LoadedRunbook | undefined): DrillTimeouts {
  const detectSeconds = seconds(drill.timeouts?.detect, RUNNER_DEFAULTS.detectSeconds);
  const recoverSeconds = seconds(drill.timeouts?.recover, RUNNER_DEFAULTS.recoverSeconds);
  const symptomsSeconds = (drill.detection.symptoms ?? []).reduce((t, c) => t + seconds(c.within, RUNNER_DEFAULTS.symptomSeconds), 0);
  const recoverPhaseSeconds = drill.recovery.reduce((t, c) => t + seconds(c.within, recoverSeconds), 0) + (drill.detection.alert ? recoverSeconds : 0);

  let stepsSeconds = 0;
  if (loaded) {
    const [file, line] = drill.source.split(":");
    const annotations = mergeAnnotations(loaded.annotations, overrideAnnotations(drill.overrides, { file: file ?? drill.source, line: Number(line ?? 1) }));
    const { steps } = resolveStepsWithDiagnostics(loaded.runbook, annotations);
    for (const id of drill.steps) {
      const step = steps.find((s) => s.id === id);
      // An unknown step fails the drill at preflight; count the default so the
      // budget never shrinks because of a typo.
      if (!step) stepsSeconds += DEFAULT_TIMEOUT_MS / 1000;
      else if (step.mode !== "manual") stepsSeconds += step.timeoutMs / 1000;
    }
  } else {
    stepsSeconds = (drill.steps.length * DEFAULT_TIMEOUT_MS) / 1000;
  }
  const allowanceSeconds = FIXED_ALLOWANCE_SECONDS.setup + FIXED_ALLOWANCE_SECONDS.unboundedPhases;
  const totalSeconds =
    RUNNER_DEFAULTS.bringUpSeconds + detectSeconds + RUNNER_DEFAULTS.notifySeconds + symptomsSeconds + stepsSeconds + recoverPhaseSeconds + allowanceSeconds;
  return {
    detectSeconds,
    recoverSeconds,
    notifySeconds: RUNNER_DEFAULTS.notifySeconds,
    symptomsSeconds,
    stepsSeconds,
    recoverPhaseSeconds,
    bringUpSeconds: RUNNER_DEFAULTS.bringUpSeconds,
    allowanceSeconds,
    totalSeconds,
  };
}

/** List entries for drills; runbooks are parsed once each, relative to `root`. */
export function drillListEntries(drills: Drill[], root: string): DrillListEntry[] {
  const runbooks = new Map<string, LoadedRunbook | undefined>();
  const runbookFor = (file: string): LoadedRunbook | undefined => {
    if (!runbooks.has(file)) {
      try {
        runbooks.set(file, loadRunbook(root, file));
      } catch {
        runbooks.set(file, undefined); // a missing runbook fails the drill's preflight, with the reason
      }
    }
    return runbooks.get(file);
  };
  return drills.map((d) => {
    const timeouts = drillTimeouts(d, runbookFor(d.runbook.file));
    return {
      id: d.id,
      scenario: d.scenario,
      ...(d.variant !== undefined ? { variant: d.variant } : {}),
      ...(d.title !== undefined ? { title: d.title } : {}),
      runbook: d.runbook.file,
      section: d.runbook.section,
      needs: d.needs ?? [],
      steps: d.steps,
      source: d.source,
      slug: slugOf(d.id),
      timeouts,
      timeoutMinutes: Math.ceil(timeouts.totalSeconds / 60),
    };
  });
}
