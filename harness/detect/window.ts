// How long the detect phase waits for the runbook's alert. The rule itself bounds how
// soon it can fire: one scrape to see the fault, one evaluation, then `for`. A drill that
// expects the alert to fire waits generously (the scenario's timeout, 180 s by default,
// because a loaded machine is slow). A drill whose scenario declares that the alert
// cannot fire (a known "did not fire" finding) learns nothing more after the bound plus
// two scrape intervals of margin: waiting a fixed minute there only made it slower.

export interface DetectWindowInput {
  scrapeIntervalSeconds: number;
  evaluationIntervalSeconds: number;
  alertForSeconds: number;
  /** The scenario's timeouts.detect, if it set one (seconds). */
  configuredSeconds?: number;
  /** A failure to fire would be acknowledged as a known finding. */
  expectsNoFire: boolean;
}

export interface DetectWindow {
  seconds: number;
  /** Why this long, for the phase's detail. */
  reason: string;
}

export function ruleBoundSeconds(t: Pick<DetectWindowInput, "scrapeIntervalSeconds" | "evaluationIntervalSeconds" | "alertForSeconds">): number {
  return t.scrapeIntervalSeconds + t.evaluationIntervalSeconds + t.alertForSeconds;
}

export function detectWindow(input: DetectWindowInput): DetectWindow {
  const bound = ruleBoundSeconds(input);
  if (input.expectsNoFire) {
    const seconds = bound + 2 * input.scrapeIntervalSeconds;
    return { seconds, reason: `the alert is expected not to fire: the rule's bound (${bound} s) plus two scrape intervals` };
  }
  return { seconds: input.configuredSeconds ?? 180, reason: input.configuredSeconds === undefined ? "default detect timeout" : "the scenario's detect timeout" };
}
