// Grafana stand-in: what a person (or runbook step 9.7, "Grafana > Explore > Loki
// datasource > {job="fastapi"}") does through Grafana's HTTP API, served under the sub
// path as production serves it behind Caddy.
//   GET  /api/health                    {"database":"ok","version":...} without auth
//   GET  /login  POST /login            session cookie grafana_session (admin user/password)
//   GET  /                              302 to /login, or the app shell when signed in
//   GET  /api/datasources[/uid/:uid|/name/:name|/:id]   the provisioned datasources
//   ANY  /api/datasources/proxy/uid/:uid/*  and /proxy/:id/*   forwarded to the datasource
//   POST /api/ds/query                  Explore's query API: Loki and Prometheus queries
//                                       answered as data frames
//   GET  /metrics                       grafana_build_info
// The API takes basic auth or the session cookie. Not implemented: dashboards, users,
// orgs, alerting, plugins, the UI itself (the shell is a placeholder page).
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../logfmt.js";
import type { Datasource, GrafanaConfig } from "./config.js";
import { HttpError } from "../http-error.js";

export const STANDIN_VERSION = "11.2.2-standin";
export const STANDIN_HEADER = "x-runbook-drills-stand-in";
const SESSION_COOKIE = "grafana_session";

export interface GrafanaStandIn {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Grafana's time range strings: epoch ms, `now`, `now-1h`, `now-15m`. */
export function parseGrafanaTime(value: unknown, nowMs: number): number {
  const v = String(value ?? "now");
  if (/^\d+$/.test(v)) return Number(v);
  const m = /^now(?:-(\d+)(s|m|h|d|w))?$/.exec(v);
  if (!m) throw new HttpError(400, `invalid time range "${v}"`);
  if (!m[1]) return nowMs;
  const unit = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }[m[2] as "s" | "m" | "h" | "d" | "w"];
  return nowMs - Number(m[1]) * unit;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readBody(req: IncomingMessage, limit = 10 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new HttpError(413, "request body too large");
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(req)).toString("utf8");
  try {
    const v = JSON.parse(text || "{}") as unknown;
    if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
    return v as Record<string, unknown>;
  } catch {
    throw new HttpError(400, "bad request data");
  }
}

type Frame = { schema: Record<string, unknown>; data: { values: unknown[][] } };

async function queryLoki(ds: Datasource, q: Record<string, unknown>, fromMs: number, toMs: number): Promise<Frame[]> {
  const expr = String(q.expr ?? "");
  const instant = q.queryType === "instant";
  const params = new URLSearchParams({ query: expr });
  let path: string;
  if (instant) {
    path = "/loki/api/v1/query";
    params.set("time", `${toMs}000000`);
  } else {
    path = "/loki/api/v1/query_range";
    params.set("start", `${fromMs}000000`);
    params.set("end", `${toMs}000000`);
    params.set("limit", String(q.maxLines ?? 1000));
    params.set("direction", q.direction === "forward" ? "forward" : "backward");
    if (q.step) params.set("step", String(q.step));
  }
  const res = await fetch(`${ds.url.replace(/\/+$/, "")}${path}?${params}`);
  const text = await res.text();
  if (res.status !== 200) throw new HttpError(res.status >= 500 ? 500 : 400, text.trim() || `loki answered ${res.status}`);
  const body = JSON.parse(text) as { data: { resultType: string; result: { stream?: Record<string, string>; metric?: Record<string, string>; values?: [unknown, string][]; value?: [number, string] }[] } };
  const refId = String(q.refId ?? "A");
  if (body.data.resultType === "streams") {
    // One frame of log rows, newest first, as Grafana's Loki datasource returns them.
    const rows = body.data.result.flatMap((s) => (s.values ?? []).map((v) => ({ labels: s.stream ?? {}, ts: String(v[0]), line: v[1] })));
    rows.sort((a, b) => (BigInt(b.ts) > BigInt(a.ts) ? 1 : BigInt(b.ts) < BigInt(a.ts) ? -1 : 0));
    return [
      {
        schema: {
          refId,
          meta: { typeVersion: [0, 0], custom: { frameType: "LabeledTimeValues" }, executedQueryString: `Expr: ${expr}` },
          fields: [
            { name: "labels", type: "other", typeInfo: { frame: "json.RawMessage" } },
            { name: "Time", type: "time", typeInfo: { frame: "time.Time" } },
            { name: "Line", type: "string", typeInfo: { frame: "string" } },
            { name: "tsNs", type: "string", typeInfo: { frame: "string" } },
            { name: "id", type: "string", typeInfo: { frame: "string" } },
          ],
        },
        data: {
          values: [
            rows.map((r) => r.labels),
            rows.map((r) => Number(BigInt(r.ts) / 1_000_000n)),
            rows.map((r) => r.line),
            rows.map((r) => r.ts),
            rows.map((r, i) => `${r.ts}_${i}`),
          ],
        },
      },
    ];
  }
  return metricFrames(refId, expr, body.data.result);
}

function metricFrames(refId: string, expr: string, result: { metric?: Record<string, string>; values?: [unknown, string][]; value?: [number, string] }[]): Frame[] {
  return result.map((s) => {
    const points = s.values ?? (s.value ? [s.value] : []);
    return {
      schema: {
        refId,
        meta: { executedQueryString: `Expr: ${expr}` },
        fields: [
          { name: "Time", type: "time", typeInfo: { frame: "time.Time" } },
          { name: "Value", type: "number", typeInfo: { frame: "float64" }, labels: s.metric ?? {} },
        ],
      },
      data: { values: [points.map((p) => Math.round(Number(p[0]) * 1000)), points.map((p) => Number(p[1]))] },
    };
  });
}

async function queryPrometheus(ds: Datasource, q: Record<string, unknown>, fromMs: number, toMs: number): Promise<Frame[]> {
  const expr = String(q.expr ?? "");
  const instant = q.instant === true || q.queryType === "instant";
  const params = new URLSearchParams({ query: expr });
  if (instant) params.set("time", String(toMs / 1000));
  else {
    params.set("start", String(fromMs / 1000));
    params.set("end", String(toMs / 1000));
    params.set("step", String(q.step ?? Math.max(1, Math.ceil((toMs - fromMs) / 1000 / 250))));
  }
  const res = await fetch(`${ds.url.replace(/\/+$/, "")}/api/v1/${instant ? "query" : "query_range"}?${params}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: { metric?: Record<string, string>; values?: [unknown, string][]; value?: [number, string] }[] } };
  if (body.status !== "success") throw new HttpError(res.status >= 500 ? 500 : 400, body.error ?? `prometheus answered ${res.status}`);
  return metricFrames(String(q.refId ?? "A"), expr, body.data?.result ?? []);
}

export async function startGrafanaStandIn(cfg: GrafanaConfig, datasources: Datasource[], log: Logger, host = "0.0.0.0"): Promise<GrafanaStandIn> {
  const sessions = new Set<string>();
  const base = cfg.subPath;

  function authenticated(req: IncomingMessage): boolean {
    const auth = req.headers.authorization ?? "";
    if (auth.startsWith("Basic ")) {
      const [user, ...rest] = Buffer.from(auth.slice(6), "base64").toString("utf8").split(":");
      return safeEqual(user ?? "", cfg.adminUser) && safeEqual(rest.join(":"), cfg.adminPassword);
    }
    const cookie = (req.headers.cookie ?? "").split(/;\s*/).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    return cookie !== undefined && sessions.has(cookie.slice(SESSION_COOKIE.length + 1));
  }

  function findDatasource(key: { uid?: string; id?: number; name?: string }): Datasource {
    const ds = datasources.find((d) => (key.uid !== undefined && d.uid === key.uid) || (key.id !== undefined && d.id === key.id) || (key.name !== undefined && d.name === key.name));
    if (!ds) throw new HttpError(404, "Data source not found");
    return ds;
  }

  async function proxy(req: IncomingMessage, res: ServerResponse, ds: Datasource, rest: string, search: string): Promise<void> {
    // Only the datasource's own URL is reachable, never an arbitrary host.
    const target = new URL(`${ds.url.replace(/\/+$/, "")}/${rest.replace(/^\/+/, "")}${search}`);
    if (new URL(ds.url).host !== target.host || rest.split("/").includes("..")) throw new HttpError(400, "invalid proxy path");
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : new Uint8Array(await readBody(req));
    const headers: Record<string, string> = {};
    for (const h of ["content-type", "accept"]) if (typeof req.headers[h] === "string") headers[h] = req.headers[h] as string;
    const upstream = await fetch(target, { method: req.method ?? "GET", headers, ...(body ? { body } : {}) }).catch((err: unknown) => {
      log("error", "Proxy request failed", { logger: "data-proxy-log", err: String((err as { cause?: unknown }).cause ?? err) });
      throw new HttpError(502, "Bad Gateway");
    });
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/octet-stream" });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  }

  async function dsQuery(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await jsonBody(req);
    const now = Date.now();
    const fromMs = parseGrafanaTime(body.from ?? "now-1h", now);
    const toMs = parseGrafanaTime(body.to ?? "now", now);
    const queries = Array.isArray(body.queries) ? (body.queries as Record<string, unknown>[]) : [];
    if (queries.length === 0) throw new HttpError(400, "No queries found");
    const results: Record<string, unknown> = {};
    let status = 200;
    for (const q of queries) {
      const refId = String(q.refId ?? "A");
      const dsRef = (q.datasource ?? {}) as { uid?: string; type?: string };
      const dsId = typeof q.datasourceId === "number" ? q.datasourceId : undefined;
      let ds: Datasource;
      try {
        ds = findDatasource({ ...(dsRef.uid ? { uid: dsRef.uid } : {}), ...(dsId !== undefined ? { id: dsId } : {}) });
      } catch {
        throw new HttpError(400, `invalid data source ID or uid`);
      }
      try {
        const frames = ds.type === "loki" ? await queryLoki(ds, q, fromMs, toMs) : ds.type === "prometheus" ? await queryPrometheus(ds, q, fromMs, toMs) : undefined;
        if (!frames) throw new HttpError(400, `the Grafana stand-in cannot query datasources of type ${ds.type}`);
        results[refId] = { status: 200, frames };
      } catch (err) {
        const s = err instanceof HttpError ? err.status : 500;
        const message = err instanceof HttpError ? err.message : `${ds.type}: ${String((err as { cause?: unknown }).cause ?? err)}`;
        results[refId] = { status: s, error: message, errorSource: "downstream", frames: [] };
        if (status === 200) status = s;
        log("error", "Query data error", { logger: "tsdb.loki", refId, err: message });
      }
    }
    json(res, status, { results });
  }

  const server: Server = createServer((req, res) => {
    res.setHeader(STANDIN_HEADER, STANDIN_VERSION);
    const url = new URL(req.url ?? "/", "http://grafana");
    // As Grafana's router does with serve_from_sub_path: the prefix is stripped when present.
    let path = url.pathname;
    if (base && (path === base || path.startsWith(`${base}/`))) path = path.slice(base.length) || "/";
    handle(req, res, path, url).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status >= 500) log("error", "Request error", { logger: "context", path: url.pathname, error: String(err) });
      if (!res.headersSent) json(res, status, { message: err instanceof HttpError ? err.message : "Internal Server Error" });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    if (path === "/api/health") return json(res, 200, { commit: "stand-in", database: "ok", version: STANDIN_VERSION });
    if (path === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(`# HELP grafana_build_info A metric with a constant '1' value labeled by version, revision, branch, and goversion from which Grafana was built\n# TYPE grafana_build_info gauge\ngrafana_build_info{branch="stand-in",edition="oss",goversion="none (TypeScript stand-in)",revision="stand-in",version="${STANDIN_VERSION}"} 1\n`);
      return;
    }
    if (path === "/login" && method === "POST") {
      const body = await jsonBody(req);
      if (!safeEqual(String(body.user ?? ""), cfg.adminUser) || !safeEqual(String(body.password ?? ""), cfg.adminPassword)) {
        log("info", "Invalid username or password", { logger: "authn.service", client: "auth.client.form" });
        return json(res, 401, { message: "Invalid username or password", messageId: "password-auth.failed", statusCode: 401 });
      }
      const token = randomBytes(16).toString("hex");
      sessions.add(token);
      res.setHeader("set-cookie", `${SESSION_COOKIE}=${token}; Path=${base || "/"}; Max-Age=2592000; HttpOnly; SameSite=Lax`);
      log("info", "Successful Login", { logger: "http.server", User: `${cfg.adminUser}@localhost` });
      return json(res, 200, { message: "Logged in", redirectUrl: `${base}/` });
    }
    if (path === "/login" || path === "/" || path === "/explore") {
      if (path !== "/login" && !authenticated(req)) {
        res.writeHead(302, { location: `${base}/login` });
        res.end();
        return;
      }
      res.writeHead(200, { "content-type": "text/html; charset=UTF-8" });
      res.end(`<!DOCTYPE html><html><head><base href="${base}/"><title>Grafana (stand-in)</title></head><body>Grafana stand-in ${STANDIN_VERSION}: the HTTP API only, no UI.</body></html>\n`);
      return;
    }
    if (!path.startsWith("/api/")) return json(res, 404, { message: "Not found" });
    if (!authenticated(req)) return json(res, 401, { extra: null, message: "Unauthorized", messageId: "auth.unauthorized", statusCode: 401, traceID: "" });

    let m: RegExpExecArray | null;
    if (path === "/api/datasources" && method === "GET") return json(res, 200, datasources);
    if ((m = /^\/api\/datasources\/uid\/([^/]+)$/.exec(path))) return json(res, 200, findDatasource({ uid: decodeURIComponent(m[1] ?? "") }));
    if ((m = /^\/api\/datasources\/name\/([^/]+)$/.exec(path))) return json(res, 200, findDatasource({ name: decodeURIComponent(m[1] ?? "") }));
    if ((m = /^\/api\/datasources\/(\d+)$/.exec(path))) return json(res, 200, findDatasource({ id: Number(m[1]) }));
    if ((m = /^\/api\/datasources\/proxy\/uid\/([^/]+)(\/.*)?$/.exec(path))) return proxy(req, res, findDatasource({ uid: decodeURIComponent(m[1] ?? "") }), m[2] ?? "/", url.search);
    if ((m = /^\/api\/datasources\/proxy\/(\d+)(\/.*)?$/.exec(path))) return proxy(req, res, findDatasource({ id: Number(m[1]) }), m[2] ?? "/", url.search);
    if (path === "/api/ds/query" && method === "POST") return dsQuery(req, res);
    return json(res, 404, { message: "Not found" });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(cfg.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log("info", "HTTP Server Listen", { logger: "http.server", address: `[::]:${port}`, protocol: "http", subUrl: base, socket: "" });
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}${base}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
