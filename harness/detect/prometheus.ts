// A small client for the Prometheus HTTP API (v1): targets, instant and range queries, alerts.
// Field names follow https://prometheus.io/docs/prometheus/latest/querying/api/.

export interface PromTarget {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: "up" | "down" | "unknown";
  lastError: string;
  lastScrape: string;
}

export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing" | "inactive";
  activeAt?: string;
  value: string;
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PromRangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

interface ApiEnvelope<T> {
  status: "success" | "error";
  data: T;
  error?: string;
  errorType?: string;
}

export class PrometheusClient {
  constructor(
    readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(new URL(path, this.baseUrl), { headers: this.headers, signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as ApiEnvelope<T>;
    if (body.status !== "success") throw new Error(`Prometheus ${path}: ${body.errorType ?? res.status}: ${body.error ?? ""}`);
    return body.data;
  }

  async targets(): Promise<PromTarget[]> {
    return (await this.get<{ activeTargets: PromTarget[] }>("/api/v1/targets?state=active")).activeTargets;
  }

  async query(expr: string): Promise<PromSample[]> {
    const data = await this.get<{ resultType: string; result: PromSample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    return data.result;
  }

  /** /api/v1/query_range: a matrix of [unix seconds, value] per series. */
  async queryRange(expr: string, start: Date, end: Date, stepSeconds: number): Promise<PromRangeSeries[]> {
    const q = new URLSearchParams({ query: expr, start: (start.getTime() / 1000).toFixed(3), end: (end.getTime() / 1000).toFixed(3), step: String(stepSeconds) });
    const data = await this.get<{ resultType: string; result: PromRangeSeries[] }>(`/api/v1/query_range?${q.toString()}`);
    return data.result;
  }

  async alerts(): Promise<PromAlert[]> {
    return (await this.get<{ alerts: PromAlert[] }>("/api/v1/alerts")).alerts;
  }
}

/** Poll until `check` returns a value (not undefined), or fail with the last reason. */
export async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  intervalMs: number,
  check: () => Promise<{ value?: T; reason: string }>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "not checked yet";
  for (;;) {
    try {
      const r = await check();
      if (r.value !== undefined) return r.value;
      last = r.reason;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}: ${last}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Every active target up (the health gate of a bring-up). */
export async function waitForAllTargetsUp(prom: PrometheusClient, expectedJobs: readonly string[], timeoutMs: number): Promise<PromTarget[]> {
  return pollUntil("every Prometheus target up", timeoutMs, 500, async () => {
    const targets = await prom.targets();
    const jobs = new Set(targets.map((t) => t.labels.job ?? ""));
    const missingJobs = expectedJobs.filter((j) => !jobs.has(j));
    if (missingJobs.length > 0) return { reason: `jobs not discovered yet: ${missingJobs.join(", ")}` };
    const notUp = targets.filter((t) => t.health !== "up");
    if (notUp.length === 0) return { value: targets, reason: "all up" };
    return {
      reason: notUp.map((t) => `${t.labels.job}/${t.labels.instance} ${t.health}${t.lastError ? ` (${t.lastError})` : ""}`).join("; "),
    };
  });
}
