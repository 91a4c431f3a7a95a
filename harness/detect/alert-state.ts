// An alert's state as Prometheus reports it, and the two waits a drill makes on it:
// until it fires (after the fault) and until it resolves (after recovery).
import { pollUntil } from "../util/poll.js";
import type { PrometheusClient } from "./prometheus.js";

export type AlertState = "firing" | "pending" | "inactive";

/** The most advanced state of any of the alert's series. */
export async function alertState(prometheus: PrometheusClient, alertName: string): Promise<AlertState> {
  const alerts = (await prometheus.alerts()).filter((a) => a.labels.alertname === alertName);
  return alerts.some((a) => a.state === "firing") ? "firing" : alerts.some((a) => a.state === "pending") ? "pending" : "inactive";
}

/** Wait until the alert fires; `onActive` is told the first time it is seen pending or firing. Throws on timeout. */
export async function untilFiring(prometheus: PrometheusClient, alertName: string, why: string, timeoutMs: number, onActive: () => void): Promise<void> {
  await pollUntil(`alert ${alertName} firing (${why})`, timeoutMs, 1000, async () => {
    const state = await alertState(prometheus, alertName);
    if (state !== "inactive") onActive();
    return state === "firing" ? { value: true, reason: "firing" } : { reason: `alert is ${state}` };
  });
}

/** Wait until the alert is inactive again. Throws on timeout. */
export async function untilResolved(prometheus: PrometheusClient, alertName: string, timeoutMs: number): Promise<void> {
  await pollUntil(`alert ${alertName} resolved`, timeoutMs, 1000, async () => {
    const state = await alertState(prometheus, alertName);
    return state === "inactive" ? { value: true, reason: "" } : { reason: `alert is ${state}` };
  });
}
