// A steady, bounded load through Caddy for the whole drill (section 10: the latency
// histogram needs requests to have data). A few workers each send one request, wait for
// its answer (or its timeout), pause, and repeat, so the rate can never run away however
// slow the app gets. Every request is kept (time, latency, status) and summarised per
// window: before the fault, during it, after recovery.
import type { RunningStack } from "../stack/drill-stack.js";

export interface LoadSpec {
  /** Path through Caddy, e.g. /api/documents. */
  path: string;
  /** Requests in flight at most (default 2). */
  concurrency?: number;
  /** Pause of each worker between requests, ms (default 250). */
  pauseMs?: number;
  /** Per-request timeout, ms (default 15000); a timed-out request counts as an error. */
  timeoutMs?: number;
}

export interface LoadSample {
  /** ms since the epoch when the request started. */
  at: number;
  ms: number;
  /** HTTP status, or 0 when the request failed or timed out. */
  status: number;
}

export interface LatencySummary {
  window: string;
  from: string;
  to: string;
  requests: number;
  errors: number;
  /** Latency percentiles, ms (undefined with no requests). */
  p50?: number;
  p95?: number;
  p99?: number;
  /** The same percentiles from Prometheus's histogram over the window, ms. */
  prometheus?: { p50?: number; p95?: number; p99?: number; query: string };
}

export function validateLoad(spec: LoadSpec): Required<LoadSpec> {
  const out = { concurrency: 2, pauseMs: 250, timeoutMs: 15_000, ...spec };
  if (!/^\/[A-Za-z0-9/_.?=&%-]*$/.test(out.path)) throw new Error(`load.path must be a path through Caddy, got ${JSON.stringify(out.path)}`);
  if (!Number.isInteger(out.concurrency) || out.concurrency < 1 || out.concurrency > 20) throw new Error(`load.concurrency must be 1-20, got ${out.concurrency}`);
  if (!Number.isInteger(out.pauseMs) || out.pauseMs < 0) throw new Error(`load.pauseMs must be a non-negative integer, got ${out.pauseMs}`);
  if (!Number.isInteger(out.timeoutMs) || out.timeoutMs < 100) throw new Error(`load.timeoutMs must be at least 100, got ${out.timeoutMs}`);
  return out;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarise(samples: readonly LoadSample[], window: string, from: number, to: number): LatencySummary {
  const inWindow = samples.filter((s) => s.at >= from && s.at < to);
  const ok = inWindow.map((s) => s.ms).sort((a, b) => a - b);
  const round = (v: number | undefined) => (v === undefined ? undefined : Math.round(v));
  return {
    window,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    requests: inWindow.length,
    errors: inWindow.filter((s) => s.status === 0 || s.status >= 500).length,
    p50: round(percentile(ok, 50)),
    p95: round(percentile(ok, 95)),
    p99: round(percentile(ok, 99)),
  };
}

export class LoadGenerator {
  readonly samples: LoadSample[] = [];
  private readonly spec: Required<LoadSpec>;
  private stopped = false;
  private workers: Promise<void>[] = [];

  constructor(
    private readonly url: string,
    spec: LoadSpec,
  ) {
    this.spec = validateLoad(spec);
  }

  get description(): string {
    const s = this.spec;
    return `GET ${s.path} through Caddy, ${s.concurrency} in flight at most, ${s.pauseMs} ms pause per worker, ${s.timeoutMs} ms timeout`;
  }

  start(): void {
    for (let i = 0; i < this.spec.concurrency; i++) this.workers.push(this.worker());
  }

  private async worker(): Promise<void> {
    while (!this.stopped) {
      const at = Date.now();
      let status = 0;
      try {
        const res = await fetch(this.url, { signal: AbortSignal.timeout(this.spec.timeoutMs) });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = 0;
      }
      this.samples.push({ at, ms: Date.now() - at, status });
      if (this.spec.pauseMs > 0 && !this.stopped) await new Promise((r) => setTimeout(r, this.spec.pauseMs));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers);
  }
}

export function startLoad(stack: RunningStack, spec: LoadSpec): LoadGenerator {
  const g = new LoadGenerator(stack.url("caddy", 8080, spec.path), spec);
  g.start();
  return g;
}

/** p50/p95/p99 (ms) of the app's histogram for `route` over the last `seconds`, now. */
export async function prometheusPercentiles(stack: RunningStack, route: string, seconds: number): Promise<LatencySummary["prometheus"]> {
  const range = Math.max(15, Math.round(seconds));
  const expr = (q: number) => `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{route="${route}"}[${range}s])))`;
  const one = async (q: number) => {
    const r = await stack.prometheus().query(expr(q)).catch(() => []);
    const v = Number(r[0]?.value[1]);
    return Number.isFinite(v) ? Math.round(v * 1000) : undefined;
  };
  return { p50: await one(0.5), p95: await one(0.95), p99: await one(0.99), query: expr(0.95) };
}

export interface DrillLoadSpec extends LoadSpec {
  /** The app's route template for the path (the histogram's `route` label). */
  route: string;
  /** Load before the fault, for the "before" window (default 30 s). */
  beforeSeconds?: number;
  /** Load after recovery, for the "after" window (default 30 s). */
  afterSeconds?: number;
}

export interface LoadRecord {
  description: string;
  windows: LatencySummary[];
}

/**
 * The load as the drill runner uses it: begin() after the steady state (returns once the
 * "before" window has data), injected() and recovered() mark the windows, finish()
 * collects the "after" window and stops. Prometheus's figures are read at each mark
 * (its scrape interval later, so the last requests are in).
 */
export class DrillLoad {
  private gen?: LoadGenerator;
  private t0 = 0;
  private tInject = 0;
  private tRecovered = 0;
  readonly record: LoadRecord;

  constructor(
    private readonly stack: RunningStack,
    private readonly spec: DrillLoadSpec,
    private readonly scrapeSeconds: number,
  ) {
    validateLoad(spec);
    if (!/^\/[A-Za-z0-9/_{}.-]*$/.test(spec.route)) throw new Error(`load.route must be a route template, got ${JSON.stringify(spec.route)}`);
    this.record = { description: new LoadGenerator("http://unused", spec).description, windows: [] };
  }

  private async window(name: string, from: number, to: number): Promise<LatencySummary> {
    await sleep(this.scrapeSeconds * 1000);
    const w = summarise(this.gen?.samples ?? [], name, from, to);
    w.prometheus = await prometheusPercentiles(this.stack, this.spec.route, (to - from) / 1000);
    this.record.windows.push(w);
    return w;
  }

  async begin(): Promise<LatencySummary> {
    this.gen = startLoad(this.stack, this.spec);
    this.t0 = Date.now();
    await sleep((this.spec.beforeSeconds ?? 30) * 1000);
    return this.window("before the fault", this.t0, Date.now());
  }

  injected(): void {
    this.tInject = Date.now();
  }

  async recovered(at: number): Promise<LatencySummary> {
    this.tRecovered = at;
    return this.window("during the fault", this.tInject || this.t0, this.tRecovered);
  }

  async finish(): Promise<LatencySummary | undefined> {
    if (!this.gen) return undefined;
    const from = this.tRecovered || Date.now();
    await sleep((this.spec.afterSeconds ?? 30) * 1000);
    const to = Date.now();
    await this.gen.stop();
    return this.tRecovered ? this.window("after recovery", from, to) : undefined;
  }

  /** Stop without measuring (a failed drill's teardown). */
  async abort(): Promise<void> {
    await this.gen?.stop();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const formatWindow = (w: LatencySummary): string =>
  `${w.window}: ${w.requests} requests, ${w.errors} errors, p50/p95/p99 ${w.p50 ?? "-"}/${w.p95 ?? "-"}/${w.p99 ?? "-"} ms (load generator); ` +
  `${w.prometheus?.p50 ?? "-"}/${w.prometheus?.p95 ?? "-"}/${w.prometheus?.p99 ?? "-"} ms (Prometheus histogram)`;
