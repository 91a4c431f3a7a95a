// The known-findings ledger: which failure a scenario's declared finding stands for.
// A known finding is matched by its cause, not only by its place: the same phase, the
// same step, and a failure text its `matches` pattern recognises. A second, different
// failure in the same place (a Prometheus API error where the scenario expects "did not
// fire", another error of step 4.4) is a new finding and fails the drill.
import type { KnownFinding } from "../scenario/types.js";
import type { Finding, PhaseName } from "./journal.js";

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

/** A failure as the journal records it: the declared finding it is, or a new one. */
export function findingOf(known: KnownFinding | undefined, failure: FailureText): Finding {
  const { phase, step, summary } = failure;
  return { id: known?.id ?? `${phase}${step ? `-${step}` : ""}-failed`, phase, step, summary, acknowledged: known !== undefined };
}

/**
 * A scenario's declared findings for one run: which of them apply to the run's profile,
 * which failure is which, and, at the end, which declared ones did not happen.
 */
export class KnownFindingsLedger {
  constructor(
    private readonly declared: readonly KnownFinding[],
    private readonly profile: () => string | undefined,
  ) {}

  /** The declared findings this run's profile can show. */
  expected(): KnownFinding[] {
    const p = this.profile();
    return this.declared.filter((k) => !k.profiles || (p !== undefined && k.profiles.includes(p as "upstream" | "airgapped")));
  }

  /** Whether this failure would be acknowledged (the detect phase waits less for an alert declared not to fire). */
  expects(failure: FailureText): boolean {
    return acknowledge(this.expected(), failure) !== undefined;
  }

  /** The journal's finding for a failure; `canBeKnown` false for failures no declaration may excuse (leftovers, a finding gone). */
  classify(failure: FailureText, canBeKnown = true): Finding {
    return findingOf(canBeKnown ? acknowledge(this.expected(), failure) : undefined, failure);
  }

  /**
   * After the drill: declared findings that did not happen. An intermittent one is noted;
   * any other is a failure of its own (the runbook or the stack changed). A drill that
   * stopped early proves nothing either way.
   */
  notSeen(findings: readonly Finding[], aborted: boolean, scenarioFile: string): { failures: FailureText[]; intermittent: { id: string; summary: string }[] } {
    const failures: FailureText[] = [];
    const intermittent: { id: string; summary: string }[] = [];
    if (aborted) return { failures, intermittent };
    for (const k of this.expected()) {
      if (findings.some((f) => f.acknowledged && f.id === k.id)) continue;
      if (k.intermittent) intermittent.push({ id: k.id, summary: k.summary.trim() });
      else
        failures.push({
          phase: k.phase,
          step: k.step,
          summary: `known finding "${k.id}" did not reproduce (${k.summary.trim()}); if the runbook or the stack changed, update ${scenarioFile}`,
        });
    }
    return { failures, intermittent };
  }
}
