// Whether Alertmanager delivered a firing notification for an alert to the drill's
// webhook receiver (the alert-sink, standing for Slack), and when it arrived.
import { pollUntil } from "../util/poll.js";

interface Received {
  receivedAt: string;
  payload: { status?: string; alerts?: { labels?: Record<string, string>; status?: string }[] };
}

/** The first firing notification for `alertName` the sink at `receivedUrl` holds; throws after `timeoutMs`. */
export async function untilNotified(receivedUrl: string, alertName: string, timeoutMs = 90_000): Promise<{ deliveredAt: string }> {
  return pollUntil("notification delivered", timeoutMs, 1000, async () => {
    const res = await fetch(receivedUrl);
    const got = (await res.json()) as Received[];
    const hit = got.find((g) => g.payload.alerts?.some((a) => a.labels?.alertname === alertName && a.status === "firing"));
    return hit ? { value: { deliveredAt: hit.receivedAt }, reason: "" } : { reason: `${got.length} notifications so far, none firing for ${alertName}` };
  });
}
