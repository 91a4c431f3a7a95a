// The known-findings ledger: which failure a scenario's declared finding stands for.
// A known finding is matched by its cause, not only by its place: the same phase, the
// same step, and a failure text its `matches` pattern recognises. A second, different
// failure in the same place (a Prometheus API error where the scenario expects "did not
// fire", another error of step 4.4) is a new finding and fails the drill.
import type { KnownFinding } from "../scenario/types.js";
import type { PhaseName } from "./journal.js";

export interface FailureText {
  phase: PhaseName;
  step?: string;
  summary: string;
}

export function matchesCause(known: KnownFinding, failure: FailureText): boolean {
  if (known.phase !== failure.phase) return false;
  if (known.step !== undefined && known.step !== failure.step) return false;
  return new RegExp(known.matches, "i").test(failure.summary);
}

/** The declared finding a failure is, if any. */
export function acknowledge(declared: readonly KnownFinding[], failure: FailureText): KnownFinding | undefined {
  return declared.find((k) => matchesCause(k, failure));
}

/** A pattern that does not compile, said where the scenario can be fixed. */
export function invalidPattern(known: KnownFinding): string | undefined {
  try {
    new RegExp(known.matches, "i");
    return undefined;
  } catch (err) {
    return `knownFindings ${known.id}: matches is not a regular expression: ${err instanceof Error ? err.message : String(err)}`;
  }
}
