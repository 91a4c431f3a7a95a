// Promtail's configuration file (`-config.file=/etc/promtail/config.yml`), the keys the
// stand-in honours, with Promtail's defaults. Unsupported pipeline stages and scrape
// mechanisms are refused at start with the reason, never silently ignored.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { expandEnv, parseGoFlags } from "../flags.js";
import { parseDurationMs } from "../loki/logql.js";

export type Stage =
  | { kind: "json"; expressions: Record<string, string>; source?: string; dropMalformed: boolean }
  | { kind: "regex"; expression: RegExp; source?: string }
  | { kind: "labels"; labels: Record<string, string> }
  | { kind: "static_labels"; labels: Record<string, string> }
  | { kind: "output"; source: string };

export interface ScrapeConfig {
  jobName: string;
  targets: { labels: Record<string, string>; path: string; pathExclude?: string }[];
  stages: Stage[];
}

export interface ClientConfig {
  url: string;
  batchWaitMs: number;
  batchSizeBytes: number;
  timeoutMs: number;
  backoff: { minMs: number; maxMs: number; maxRetries: number };
  externalLabels: Record<string, string>;
  tenantId?: string;
}

export interface PromtailConfig {
  configFile: string;
  port: number;
  healthCheckTarget: boolean;
  positionsFile: string;
  positionsSyncMs: number;
  targetSyncMs: number;
  clients: ClientConfig[];
  scrapeConfigs: ScrapeConfig[];
  logLevel: "debug" | "info" | "warn" | "error";
}

type Doc = Record<string, unknown>;
const obj = (v: unknown): Doc => (v && typeof v === "object" && !Array.isArray(v) ? (v as Doc) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const dur = (v: unknown, def: string): number => parseDurationMs(typeof v === "string" ? v : def);

function stringMap(v: unknown, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) {
    if (x !== null && typeof x !== "string" && typeof x !== "number" && typeof x !== "boolean") throw new Error(`${where}.${k}: must be a string`);
    out[k] = x === null ? "" : String(x);
  }
  return out;
}

function parseStage(raw: unknown, where: string): Stage {
  const entries = Object.entries(obj(raw));
  if (entries.length !== 1) throw new Error(`${where}: a pipeline stage has exactly one key`);
  const [kind, body] = entries[0] as [string, unknown];
  const b = obj(body);
  switch (kind) {
    case "json":
      return {
        kind,
        expressions: stringMap(b.expressions, `${where}.json.expressions`),
        ...(typeof b.source === "string" ? { source: b.source } : {}),
        dropMalformed: b.drop_malformed === true,
      };
    case "regex": {
      if (typeof b.expression !== "string") throw new Error(`${where}.regex.expression: required`);
      // Go's (?P<name>...) is JavaScript's (?<name>...).
      return { kind, expression: new RegExp(b.expression.replace(/\(\?P</g, "(?<"), "s"), ...(typeof b.source === "string" ? { source: b.source } : {}) };
    }
    case "labels":
      return { kind, labels: stringMap(body, `${where}.labels`) };
    case "static_labels":
      return { kind, labels: stringMap(body, `${where}.static_labels`) };
    case "output":
      if (typeof b.source !== "string") throw new Error(`${where}.output.source: required`);
      return { kind, source: b.source };
    default:
      throw new Error(`${where}: pipeline stage "${kind}" is not implemented by the Promtail stand-in (json, regex, labels, static_labels, output are)`);
  }
}

export function promtailConfigFromYaml(text: string, configFile: string): PromtailConfig {
  const doc = obj(parse(text));
  const server = obj(doc.server);
  const positions = obj(doc.positions);
  const clientsRaw = arr(doc.clients).length > 0 ? arr(doc.clients) : doc.client ? [doc.client] : [];
  if (clientsRaw.length === 0) throw new Error("at least one client config must be provided");
  const clients = clientsRaw.map((c, i) => {
    const co = obj(c);
    if (typeof co.url !== "string") throw new Error(`clients[${i}].url: required`);
    const backoff = obj(co.backoff_config);
    return {
      url: co.url,
      batchWaitMs: dur(co.batchwait, "1s"),
      batchSizeBytes: typeof co.batchsize === "number" ? co.batchsize : 1_048_576,
      timeoutMs: dur(co.timeout, "10s"),
      backoff: {
        minMs: dur(backoff.min_period, "500ms"),
        maxMs: dur(backoff.max_period, "5m"),
        maxRetries: typeof backoff.max_retries === "number" ? backoff.max_retries : 10,
      },
      externalLabels: stringMap(co.external_labels, `clients[${i}].external_labels`),
      ...(typeof co.tenant_id === "string" ? { tenantId: co.tenant_id } : {}),
    };
  });
  const scrapeConfigs = arr(doc.scrape_configs).map((s, i) => {
    const so = obj(s);
    const where = `scrape_configs[${i}]`;
    for (const key of Object.keys(so)) {
      if (!["job_name", "static_configs", "pipeline_stages"].includes(key)) {
        throw new Error(`${where}.${key}: not implemented by the Promtail stand-in (static_configs with __path__ is)`);
      }
    }
    const targets = arr(so.static_configs).map((sc, j) => {
      const labels = stringMap(obj(sc).labels, `${where}.static_configs[${j}].labels`);
      const path = labels.__path__;
      if (!path) throw new Error(`${where}.static_configs[${j}].labels.__path__: required for a file target`);
      const pathExclude = labels.__path_exclude__;
      return { labels, path, ...(pathExclude ? { pathExclude } : {}) };
    });
    return { jobName: String(so.job_name ?? ""), targets, stages: arr(so.pipeline_stages).map((st, k) => parseStage(st, `${where}.pipeline_stages[${k}]`)) };
  });
  const level = String(obj(server).log_level ?? "info");
  return {
    configFile,
    // Promtail's default HTTP port is 80; the stack's config sets 9080.
    port: typeof server.http_listen_port === "number" ? server.http_listen_port : 80,
    healthCheckTarget: server.health_check_target !== false,
    positionsFile: typeof positions.filename === "string" ? positions.filename : "/var/log/positions.yaml",
    positionsSyncMs: dur(positions.sync_period, "10s"),
    targetSyncMs: dur(obj(doc.target_config).sync_period, "10s"),
    clients,
    scrapeConfigs,
    logLevel: (["debug", "info", "warn", "error"].includes(level) ? level : "info") as PromtailConfig["logLevel"],
  };
}

export function readPromtailConfig(argv: string[], env: Record<string, string | undefined>): PromtailConfig {
  const flags = parseGoFlags(argv, ["config.file", "log.level", "client.url", "positions.file"], ["config.expand-env", "dry-run", "print-config-stderr", "check-syntax"]);
  const file = flags["config.file"] ?? "/etc/promtail/config.yml";
  let text = readFileSync(file, "utf8");
  if (flags["config.expand-env"] === "true") text = expandEnv(text, env);
  const config = promtailConfigFromYaml(text, file);
  if (flags["log.level"]) config.logLevel = flags["log.level"] as PromtailConfig["logLevel"];
  if (flags["positions.file"]) config.positionsFile = flags["positions.file"];
  return config;
}
