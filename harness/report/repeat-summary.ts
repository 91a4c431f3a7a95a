// Repeatability of one drill over several runs: pass rate, and the spread of time to
// detect and time to recover (min, median, max), for `npm run bench:repeat`. A flake
// shows up as a pass rate under 1 with the findings that failed the odd run.
import type { Journal } from "../drill/journal.js";

export interface Spread {
  n: number;
  min: number;
  median: number;
  max: number;
}

export interface RepeatSummary {
  drill: string;
  runs: number;
  passed: number;
  passRate: string;
  wallSeconds: Spread | null;
  secondsToDetect: Spread | null;
  secondsToRecover: Spread | null;
  /** One line per run that did not pass: its status and the findings that failed it. */
  failures: string[];
}

export function spread(values: readonly (number | undefined)[]): Spread | null {
  const xs = values.filter((v): v is number => typeof v === "number").sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = Math.floor(xs.length / 2);
  const median = xs.length % 2 ? (xs[mid] ?? 0) : ((xs[mid - 1] ?? 0) + (xs[mid] ?? 0)) / 2;
  return { n: xs.length, min: xs[0] ?? 0, median, max: xs[xs.length - 1] ?? 0 };
}

export function summariseRepeats(drill: string, runs: readonly { journal: Journal; wallSeconds: number }[]): RepeatSummary {
  const passed = runs.filter((r) => r.journal.status === "passed").length;
  return {
    drill,
    runs: runs.length,
    passed,
    passRate: `${passed}/${runs.length}`,
    wallSeconds: spread(runs.map((r) => r.wallSeconds)),
    secondsToDetect: spread(runs.map((r) => r.journal.detection.secondsToDetect)),
    secondsToRecover: spread(runs.map((r) => r.journal.recovery.secondsToRecover)),
    failures: runs.flatMap((r, i) =>
      r.journal.status === "passed"
        ? []
        : [`run ${i + 1}: ${r.journal.status}: ${r.journal.findings.filter((f) => !f.acknowledged).map((f) => `[${f.phase}${f.step ? ` ${f.step}` : ""}] ${f.summary}`).join("; ").slice(0, 400) || r.journal.reason || "no finding"}`],
    ),
  };
}

export function formatSpread(s: Spread | null): string {
  return s ? `${s.min.toFixed(1)} / ${s.median.toFixed(1)} / ${s.max.toFixed(1)} s (n=${s.n})` : "—";
}
