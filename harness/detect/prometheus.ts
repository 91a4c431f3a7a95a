// The one client for the Prometheus HTTP API (v1): targets, instant and range queries,
// alerts, alerting rules, series and label values, the running config, reload.
// Field names follow https://prometheus.io/docs/prometheus/latest/querying/api/.
import { pollUntil } from "../util/poll.js";

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

export interface PromRule {
  name: string;
  query: string;
  type: string;
  state?: string;
}

export class PrometheusClient {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;

  /** A URL with user:password@ uses basic auth (and the credentials leave the URL). */
  constructor(baseUrl: string, headers: Record<string, string> = {}) {
    const u = new URL(baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
    this.headers = { ...headers };
    if (u.username) {
      const creds = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
      this.headers.authorization = `Basic ${Buffer.from(creds).toString("base64")}`;
      u.username = "";
      u.password = "";
      baseUrl = u.toString();
    }
    this.baseUrl = baseUrl;
  }

  /** Paths are relative to the base URL (`api/v1/...`), so a base under a prefix keeps it. */
  private url(path: string): URL {
    return new URL(path.replace(/^\//, ""), this.baseUrl.endsWith("/") ? this.baseUrl : `${this.baseUrl}/`);
  }

  private async get<T>(path: string, timeoutMs = 10_000): Promise<T> {
    const res = await fetch(this.url(path), { headers: this.headers, signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json()) as ApiEnvelope<T>;
    if (res.status !== 200 || body.status !== "success") throw new Error(`${this.url(path).pathname}: HTTP ${res.status}${body.error ? `: ${body.error}` : ""}`);
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

  /** The alerting rules Prometheus has loaded (GET /api/v1/rules?type=alert). */
  async alertRules(): Promise<PromRule[]> {
    const data = await this.get<{ groups?: { rules?: PromRule[] }[] }>("/api/v1/rules?type=alert");
    return (data.groups ?? []).flatMap((g) => g.rules ?? []).filter((r) => r.type === "alerting");
  }

  /** How many series match a selector (GET /api/v1/series). */
  async countSeries(selector: string): Promise<number> {
    const data = await this.get<unknown[]>(`/api/v1/series?${new URLSearchParams({ "match[]": selector }).toString()}`, 15_000);
    return Array.isArray(data) ? data.length : 0;
  }

  /** The metric names of the series matching a selector. */
  async metricNames(selector: string): Promise<string[]> {
    return (await this.get<string[]>(`/api/v1/label/__name__/values?${new URLSearchParams({ "match[]": selector }).toString()}`)) ?? [];
  }

  /** The config Prometheus runs (GET /api/v1/status/config). */
  async runningConfig(): Promise<string> {
    return (await this.get<{ yaml?: string }>("/api/v1/status/config")).yaml ?? "";
  }

  /** POST /-/reload (needs --web.enable-lifecycle): the answer as it came. */
  async reload(): Promise<{ status: number; body: string }> {
    const res = await fetch(this.url("/-/reload"), { method: "POST", headers: this.headers, signal: AbortSignal.timeout(30_000) });
    return { status: res.status, body: await res.text() };
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
