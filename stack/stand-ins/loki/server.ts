// Loki stand-in: the HTTP API of single-binary Loki 3.x that the stack uses.
//   GET  /ready                          "ready" once the WAL is replayed
//   GET  /metrics                        Prometheus exposition (loki_* names Loki uses)
//   POST /loki/api/v1/push               protobuf+snappy (Promtail) or JSON; 204
//   GET  /loki/api/v1/query_range        log queries -> streams, metric queries -> matrix
//   GET  /loki/api/v1/query              metric queries -> vector (log queries: 400, as Loki 3)
//   GET  /loki/api/v1/labels             label names;  /loki/api/v1/label/<name>/values
//   GET  /loki/api/v1/status/buildinfo   version, marked as the stand-in
// Errors are plain text with Loki's status codes (400 for bad queries/pushes, 500 for
// storage errors). See README.md for what is not implemented.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { EXPOSITION_CONTENT_TYPE, Registry } from "../exposition.js";
import type { Logger } from "../logfmt.js";
import { LogQLParseError, parseQuery, type MetricQuery } from "./logql.js";
import { decodeJsonPush, decodeProtobufPush, PushFormatError } from "./push.js";
import { LokiStore, TENANT } from "./store.js";
import { HttpError } from "../http-error.js";

export const STANDIN_VERSION = "3.2.0-standin";
export const STANDIN_HEADER = "x-runbook-drills-stand-in";

export interface LokiStandInOptions {
  host?: string;
  port: number;
  chunksDir: string;
  walDir: string;
  walEnabled?: boolean;
  chunkIdleMs?: number;
  maxChunkAgeMs?: number;
  flushCheckMs?: number;
  log: Logger;
}

export interface LokiStandIn {
  url: string;
  port: number;
  store: LokiStore;
  metrics: Registry;
  close(): Promise<void>;
}

const NS_PER_MS = 1_000_000n;

/** Loki's timestamp parameters: RFC3339, float seconds, or integer (<= 10 digits seconds, else ns). */
export function parseLokiTime(value: string | null, fallbackNs: bigint): bigint {
  if (value === null || value === "") return fallbackNs;
  if (/^\d+\.\d*$/.test(value)) return BigInt(Math.round(Number(value) * 1e6)) * 1000n;
  if (/^-?\d+$/.test(value)) return value.replace("-", "").length <= 10 ? BigInt(value) * 1_000_000_000n : BigInt(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new HttpError(400, `cannot parse "${value}" to a valid timestamp`);
  // Keep sub-millisecond digits of RFC3339Nano.
  const frac = /\.(\d+)/.exec(value)?.[1] ?? "";
  const subMs = frac.length > 3 ? BigInt(frac.slice(3, 9).padEnd(6, "0")) : 0n;
  return BigInt(ms) * NS_PER_MS + subMs;
}

function parseStep(value: string | null, startNs: bigint, endNs: bigint): number {
  if (value === null || value === "") {
    // Loki's default: (end - start) / 250, at least 1 s.
    return Math.max(1000, Math.ceil(Number((endNs - startNs) / NS_PER_MS) / 250 / 1000) * 1000);
  }
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const m = /^(\d+)(ms|s|m|h)$/.exec(value);
  if (!m) throw new HttpError(400, `invalid parameter "step": cannot parse "${value}"`);
  return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"] ?? 1);
}

async function readBody(req: IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new HttpError(413, "request body too large");
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

async function params(req: IncomingMessage, url: URL): Promise<URLSearchParams> {
  const p = new URLSearchParams(url.search);
  if (req.method === "POST" && (req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
    for (const [k, v] of new URLSearchParams((await readBody(req, 1024 * 1024)).toString("utf8"))) p.append(k, v);
  }
  return p;
}

function metricSeries(store: LokiStore, q: MetricQuery, times: bigint[]): { metric: Record<string, string>; points: [bigint, number][] }[] {
  const rangeNs = BigInt(q.rangeMs) * NS_PER_MS;
  const out = new Map<string, { metric: Record<string, string>; points: Map<bigint, number> }>();
  for (const s of store.matching(q.inner)) {
    let metric = s.labels;
    if (q.sum) metric = Object.fromEntries(Object.entries(s.labels).filter(([k]) => q.sum?.by?.includes(k)));
    const key = JSON.stringify(Object.entries(metric).sort());
    const series = out.get(key) ?? { metric, points: new Map<bigint, number>() };
    for (const t of times) {
      // Loki's range vectors: (t - range, t].
      const n = s.ts.filter((ts) => ts > t - rangeNs && ts <= t).length;
      if (n === 0) continue;
      const v = q.fn === "rate" ? n / (q.rangeMs / 1000) : n;
      series.points.set(t, (series.points.get(t) ?? 0) + v);
    }
    out.set(key, series);
  }
  return [...out.values()]
    .filter((s) => s.points.size > 0)
    .map((s) => ({ metric: s.metric, points: [...s.points.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)) }));
}

function seconds(ns: bigint): number {
  return Number(ns / NS_PER_MS) / 1000;
}

export async function startLokiStandIn(opts: LokiStandInOptions): Promise<LokiStandIn> {
  const metrics = new Registry();
  const buildInfo = metrics.gauge("loki_build_info", "A metric with a constant '1' value labeled by version, revision, branch, goversion from which loki was built.");
  buildInfo.set({ version: STANDIN_VERSION, revision: "stand-in", branch: "stand-in", goversion: "none (TypeScript stand-in)" }, 1);
  const linesReceived = metrics.counter("loki_distributor_lines_received_total", "The total number of lines received per tenant");
  const bytesReceived = metrics.counter("loki_distributor_bytes_received_total", "The total number of uncompressed bytes received per tenant.");
  const streamsCreated = metrics.counter("loki_ingester_streams_created_total", "The total number of streams created per tenant.");
  const memoryStreams = metrics.gauge("loki_ingester_memory_streams", "The total number of streams in memory per tenant.");
  const walDiskFull = metrics.counter("loki_ingester_wal_disk_full_failures_total", "Total number of disk full failures.");
  const chunksFlushed = metrics.counter("loki_ingester_chunks_flushed_total", "Total flushed chunks per reason.");
  const flushFailures = metrics.counter("loki_ingester_chunks_flush_failures_total", "Total number of flush failures.");
  const requestDuration = metrics.histogram("loki_request_duration_seconds", "Time (in seconds) spent serving HTTP requests.");
  walDiskFull.inc({}, 0);
  flushFailures.inc({}, 0);

  const store = new LokiStore({
    chunksDir: opts.chunksDir,
    walDir: opts.walDir,
    walEnabled: opts.walEnabled ?? true,
    chunkIdleMs: opts.chunkIdleMs ?? 30 * 60_000,
    maxChunkAgeMs: opts.maxChunkAgeMs ?? 2 * 3_600_000,
    log: opts.log,
    events: {
      walDiskFull: () => walDiskFull.inc(),
      chunkFlushed: (reason) => chunksFlushed.inc({ reason }),
      flushFailed: () => flushFailures.inc(),
    },
  });
  const recovered = store.open();
  memoryStreams.set({ tenant: TENANT }, store.streamCount);
  opts.log("info", "WAL and chunks loaded", { chunks: recovered.chunks, wal_entries: recovered.walEntries, streams: store.streamCount });

  const flushTimer = setInterval(() => {
    store.flush();
  }, opts.flushCheckMs ?? 30_000);
  flushTimer.unref();

  const routes: { method: string[]; path: RegExp; route: string; handle: (req: IncomingMessage, res: ServerResponse, url: URL, m: RegExpExecArray) => Promise<void> }[] = [
    {
      method: ["GET"],
      path: /^\/ready$/,
      route: "ready",
      handle: async (_req, res) => text(res, 200, "ready\n"),
    },
    {
      method: ["GET"],
      path: /^\/metrics$/,
      route: "metrics",
      handle: async (_req, res) => {
        res.writeHead(200, { "content-type": EXPOSITION_CONTENT_TYPE });
        res.end(metrics.render());
      },
    },
    {
      method: ["GET"],
      path: /^\/loki\/api\/v1\/status\/buildinfo$/,
      route: "loki_api_v1_status_buildinfo",
      handle: async (_req, res) => json(res, 200, { version: STANDIN_VERSION, revision: "stand-in", branch: "stand-in", buildUser: "runbook-drills", buildDate: "", goVersion: "" }),
    },
    {
      method: ["POST"],
      path: /^\/loki\/api\/v1\/push$/,
      route: "loki_api_v1_push",
      handle: async (req, res) => {
        let body = await readBody(req);
        const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
        if ((req.headers["content-encoding"] ?? "") === "gzip") body = gunzipSync(body);
        let streams;
        try {
          streams = type === "application/json" ? decodeJsonPush(body) : decodeProtobufPush(body);
        } catch (err) {
          if (err instanceof PushFormatError) throw new HttpError(400, err.message);
          throw err;
        }
        for (const s of streams) {
          if (Object.keys(s.labels).length === 0) throw new HttpError(400, "error at least one label pair is required per stream");
        }
        const r = store.push(streams);
        linesReceived.inc({ tenant: TENANT }, r.lines);
        bytesReceived.inc({ tenant: TENANT }, r.bytes);
        if (r.streamsCreated > 0) streamsCreated.inc({ tenant: TENANT }, r.streamsCreated);
        memoryStreams.set({ tenant: TENANT }, store.streamCount);
        res.writeHead(204);
        res.end();
      },
    },
    {
      method: ["GET", "POST"],
      path: /^\/loki\/api\/v1\/query_range$/,
      route: "loki_api_v1_query_range",
      handle: async (req, res, url) => {
        const p = await params(req, url);
        const nowNs = BigInt(Date.now()) * NS_PER_MS;
        const endNs = parseLokiTime(p.get("end"), nowNs);
        const startNs = parseLokiTime(p.get("start"), endNs - 3_600_000n * NS_PER_MS);
        if (endNs < startNs) throw new HttpError(400, "end timestamp must not be before or equal to start time");
        const q = parse(p.get("query"));
        if (q.kind === "log") {
          const limit = Number(p.get("limit") ?? "100");
          if (!Number.isInteger(limit) || limit <= 0) throw new HttpError(400, "limit must be a positive value");
          const direction = (p.get("direction") ?? "backward").toLowerCase();
          if (direction !== "backward" && direction !== "forward") throw new HttpError(400, `invalid direction "${direction}"`);
          const streams = store.select(q, startNs, endNs, limit, direction);
          const entries = streams.reduce((n, s) => n + s.entries.length, 0);
          json(res, 200, {
            status: "success",
            data: {
              resultType: "streams",
              result: streams.map((s) => ({ stream: s.labels, values: s.entries.map((e) => [e.ts.toString(), e.line]) })),
              stats: { summary: { totalEntriesReturned: entries } },
            },
          });
          return;
        }
        const stepMs = parseStep(p.get("step"), startNs, endNs);
        const times: bigint[] = [];
        for (let t = startNs; t <= endNs; t += BigInt(stepMs) * NS_PER_MS) times.push(t);
        if (times.length > 11_000) throw new HttpError(400, "exceeded maximum resolution of 11,000 points per timeseries. Try increasing the value of the step parameter");
        json(res, 200, {
          status: "success",
          data: {
            resultType: "matrix",
            result: metricSeries(store, q, times).map((s) => ({ metric: s.metric, values: s.points.map(([t, v]) => [seconds(t), String(v)]) })),
            stats: { summary: {} },
          },
        });
      },
    },
    {
      method: ["GET", "POST"],
      path: /^\/loki\/api\/v1\/query$/,
      route: "loki_api_v1_query",
      handle: async (req, res, url) => {
        const p = await params(req, url);
        const at = parseLokiTime(p.get("time"), BigInt(Date.now()) * NS_PER_MS);
        const q = parse(p.get("query"));
        if (q.kind === "log") throw new HttpError(400, "log queries are not supported as an instant query type, please change your query to a range query type");
        json(res, 200, {
          status: "success",
          data: {
            resultType: "vector",
            result: metricSeries(store, q, [at]).map((s) => ({ metric: s.metric, value: [seconds(at), String(s.points[0]?.[1] ?? 0)] })),
            stats: { summary: {} },
          },
        });
      },
    },
    {
      method: ["GET", "POST"],
      path: /^\/loki\/api\/v1\/labels$/,
      route: "loki_api_v1_labels",
      handle: async (req, res, url) => {
        const p = await params(req, url);
        const [start, end] = labelWindow(p);
        json(res, 200, { status: "success", data: store.labels(start, end) });
      },
    },
    {
      method: ["GET", "POST"],
      path: /^\/loki\/api\/v1\/label\/([^/]+)\/values$/,
      route: "loki_api_v1_label_name_values",
      handle: async (req, res, url, m) => {
        const p = await params(req, url);
        const [start, end] = labelWindow(p);
        const selector = p.get("query");
        const matchers = selector ? (parse(selector) as { kind: string; matchers?: [] }).matchers ?? [] : [];
        json(res, 200, { status: "success", data: store.labels(start, end, decodeURIComponent(m[1] ?? ""), matchers) });
      },
    },
  ];

  const server: Server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? "/", "http://loki");
    res.setHeader(STANDIN_HEADER, STANDIN_VERSION);
    const route = routes.find((r) => r.path.test(url.pathname));
    const routeName = route?.route ?? "other";
    res.on("finish", () => {
      requestDuration.observe({ method: req.method ?? "", route: routeName, status_code: String(res.statusCode), ws: "false" }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    if (!route) return text(res, 404, "404 page not found\n");
    if (!route.method.includes(req.method ?? "")) return text(res, 405, "method not allowed\n");
    route.handle(req, res, url, route.path.exec(url.pathname) as RegExpExecArray).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : err instanceof LogQLParseError ? 400 : 500;
      if (status >= 500) opts.log("error", "request failed", { method: req.method, path: url.pathname, err: String(err) });
      if (!res.headersSent) text(res, status, `${(err as Error).message}\n`);
      else res.destroy();
    });
  });

  function parse(query: string | null) {
    if (!query) throw new HttpError(400, "query parameter is required");
    return parseQuery(query);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    metrics,
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(flushTimer);
        server.close(() => {
          store.close();
          resolve();
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function labelWindow(p: URLSearchParams): [bigint, bigint] {
  const end = parseLokiTime(p.get("end"), BigInt(Date.now()) * NS_PER_MS);
  // Loki's default window for label queries: the last 6 hours.
  return [parseLokiTime(p.get("start"), end - 6n * 3_600_000n * NS_PER_MS), end];
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
  res.end(JSON.stringify(body));
}
