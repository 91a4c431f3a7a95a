// A steady state that the stack's own start-up can spoil: a rule over a long rate window
// (section 10: p95 over 5 minutes, per route and status) still sees the slow answers of
// bring-up (health checks waiting on dependencies that were starting) for as long as they
// are in its window, and the drill's short `for` lets them fire it. In production the
// 5-minute `for` hides them. A scenario may let them leave the window first: the drill
// waits, bounded, for the alert to be inactive, and says which series held and how long
// it waited. The threshold and the expression stay as they are.
import type { PrometheusClient, PromSample } from "../detect/prometheus.js";

export interface SettleResult {
  state: "inactive" | "pending" | "firing";
  waitedSeconds: number;
  /** The series the alert's expression held for when the wait began, with their values. */
  heldBy: string;
}

export const describeSeries = (samples: readonly PromSample[]): string =>
  samples
    .map((s) => {
      const labels = Object.entries(s.metric)
        .filter(([k]) => !["instance", "job"].includes(k))
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      return `{${labels}} ${Number(s.value[1]).toFixed(2)}`;
    })
    .join("; ");

export async function settleAlert(
  prometheus: PrometheusClient,
  alertExpr: string | undefined,
  alertState: () => Promise<"inactive" | "pending" | "firing">,
  maxSeconds: number,
): Promise<SettleResult> {
  const t0 = Date.now();
  const heldBy = alertExpr ? describeSeries(await prometheus.query(alertExpr).catch(() => [])) : "";
  let state = await alertState();
  while (state !== "inactive" && Date.now() - t0 < maxSeconds * 1000) {
    await new Promise((r) => setTimeout(r, 5000));
    state = await alertState();
  }
  return { state, waitedSeconds: (Date.now() - t0) / 1000, heldBy };
}
