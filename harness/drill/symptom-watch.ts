// Detection for a section that has none (e.g. a complete outage, where Prometheus and
// Alertmanager die with everything else): the section's symptoms are watched from
// outside the stack, as an external uptime check would, and the time each appears after
// the fault is recorded. Each symptom is probed once before the fault: one that already
// holds then cannot be attributed to the fault, and the drill says so instead of
// counting it.
import type { Check } from "../scenario/types.js";
import { probeOnce, type CheckContext } from "./checks.js";
import type { SymptomSighting } from "./journal.js";

export type { SymptomSighting } from "./journal.js";

/** How often the watch probes, and so the resolution of each time it records. */
export const watchIntervalMs = 500;

export class SymptomWatch {
  private constructor(
    private readonly checks: Check[],
    private readonly ctx: CheckContext,
    private readonly baseline: Map<string, { ok: boolean; detail: string }>,
  ) {}

  /** Probe every symptom once, before the fault. */
  static async baseline(checks: Check[], ctx: CheckContext): Promise<SymptomWatch> {
    const seen = await Promise.all(checks.map((c) => probeOnce(c, ctx).catch((err: unknown) => ({ ok: false, detail: err instanceof Error ? err.message : String(err) }))));
    return new SymptomWatch(checks, ctx, new Map(checks.map((c, i) => [c.name, seen[i] ?? { ok: false, detail: "not probed" }])));
  }

  /** Whether a symptom already held before the fault, and what was seen then. */
  before(name: string): { ok: boolean; detail: string } | undefined {
    return this.baseline.get(name);
  }

  /**
   * Probe every symptom not held before the fault until each has appeared or `timeoutMs`
   * has passed since the call. Times are measured from `injectedAt`.
   */
  async watch(injectedAt: string, timeoutMs: number): Promise<SymptomSighting[]> {
    const t0 = Date.parse(injectedAt);
    const deadline = Date.now() + timeoutMs;
    const sightings = this.checks.map((c): SymptomSighting => {
      const b = this.baseline.get(c.name) ?? { ok: false, detail: "not probed" };
      return { check: c.name, baseline: b.detail, heldBeforeFault: b.ok, detail: b.detail };
    });
    const pending = () => sightings.filter((s) => !s.heldBeforeFault && !s.appearedAt);
    while (pending().length > 0 && Date.now() <= deadline) {
      const round = Date.now();
      await Promise.all(
        pending().map(async (s) => {
          const check = this.checks.find((c) => c.name === s.check);
          if (!check) return;
          const r = await probeOnce(check, this.ctx).catch((err: unknown) => ({ ok: false, detail: err instanceof Error ? err.message : String(err) }));
          // A probe that waits for a timeout shows the symptom only at its end: say how long
          // it took, so "seen 0.0 s after the fault" is not read as "known at once".
          const took = (Date.now() - round) / 1000;
          s.detail = r.ok && took >= 1 ? `${r.detail}; the probe took ${took.toFixed(1)} s to show it` : r.detail;
          if (r.ok) {
            // The probe's start: the symptom held at the latest then.
            s.appearedAt = new Date(round).toISOString();
            s.secondsAfterFault = Math.max(0, (round - t0) / 1000);
          }
        }),
      );
      const wait = watchIntervalMs - (Date.now() - round);
      if (pending().length > 0 && wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    return sightings;
  }
}

/** One line per symptom for the detect phase's detail. */
export function describeSightings(sightings: SymptomSighting[]): string {
  return sightings
    .map((s) =>
      s.heldBeforeFault
        ? `"${s.check}" already held before the fault (${s.baseline})`
        : s.appearedAt
          ? `"${s.check}" seen ${s.secondsAfterFault?.toFixed(1)} s after the fault (${s.detail})`
          : `"${s.check}" not seen (last: ${s.detail})`,
    )
    .join("; ");
}

/** The services that could alert on their own: while none runs, nothing in the stack can. */
const alertingServices = ["prometheus", "alertmanager"] as const;

export interface SymptomDetection {
  status: "passed" | "failed";
  detail: string;
  sightings: SymptomSighting[];
  /** Findings to raise in the detect phase (each names its cause). */
  findings: string[];
}

/**
 * The detect phase of a section without Detection: watch the symptoms, then say what
 * the stack itself could have seen. A missing detection is always a finding; its cause
 * is shown by the alerting services' state, not assumed.
 */
export async function detectBySymptoms(watch: SymptomWatch, ctx: CheckContext, injectedAt: string, timeoutMs: number): Promise<SymptomDetection> {
  const sightings = await watch.watch(injectedAt, timeoutMs);
  const states = await Promise.all(
    alertingServices.map(async (service) => {
      try {
        const { State } = await ctx.stack.docker.getContainer(ctx.stack.containerName(service)).inspect();
        return { service, running: State.Running, said: State.Running ? "running" : `${State.Status}, exit ${State.ExitCode}` };
      } catch {
        return { service, running: false, said: "not in the stack" };
      }
    }),
  );
  const findings: string[] = [];
  const missing = sightings.filter((s) => !s.heldBeforeFault && !s.appearedAt);
  for (const s of missing) findings.push(`symptom "${s.check}" did not appear within ${Math.round(timeoutMs / 1000)} s of the fault (last: ${s.detail})`);
  const first = sightings.filter((s) => s.secondsAfterFault !== undefined).sort((a, b) => (a.secondsAfterFault ?? 0) - (b.secondsAfterFault ?? 0))[0];
  const alerting = states.map((s) => `${s.service} ${s.said}`).join(", ");
  const down = states.every((s) => !s.running);
  findings.push(
    `no detection: the section has no Detection${down ? `, and nothing in the stack could alert (${alerting})` : ` (${alerting})`}; ` +
      (first ? `the outage was seen only by the drill's probes from outside the stack, ${first.secondsAfterFault?.toFixed(1)} s after the fault` : "and the drill's probes from outside saw no symptom"),
  );
  return {
    status: "failed",
    sightings,
    findings,
    detail: `watched from outside the stack every ${watchIntervalMs / 1000} s: ${describeSightings(sightings)}; alerting services: ${alerting}`,
  };
}
