// Loki's own configuration file (`-config.file=/etc/loki/config.yml`), the keys the
// stand-in honours: server.http_listen_port, common.path_prefix,
// common.storage.filesystem.chunks_directory, ingester.wal.{enabled,dir},
// ingester.{chunk_idle_period,max_chunk_age,flush_check_period} with Loki's defaults.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { expandEnv, parseGoFlags } from "../flags.js";
import { parseDurationMs } from "./logql.js";

export interface LokiConfig {
  configFile: string;
  port: number;
  pathPrefix: string;
  chunksDir: string;
  walEnabled: boolean;
  walDir: string;
  chunkIdleMs: number;
  maxChunkAgeMs: number;
  flushCheckMs: number;
}

type Doc = Record<string, unknown>;
function get(doc: unknown, path: string[]): unknown {
  let cur = doc;
  for (const p of path) cur = cur && typeof cur === "object" ? (cur as Doc)[p] : undefined;
  return cur;
}
function duration(doc: unknown, path: string[], fallback: string): number {
  const v = get(doc, path);
  return parseDurationMs(typeof v === "string" ? v : fallback);
}

export function lokiConfigFromYaml(text: string, configFile: string): LokiConfig {
  const doc = (parse(text) ?? {}) as Doc;
  const pathPrefix = String(get(doc, ["common", "path_prefix"]) ?? "/loki");
  const chunksDir = String(
    get(doc, ["common", "storage", "filesystem", "chunks_directory"]) ??
      get(doc, ["storage_config", "filesystem", "directory"]) ??
      join(pathPrefix, "chunks"),
  );
  const walEnabled = get(doc, ["ingester", "wal", "enabled"]);
  return {
    configFile,
    port: Number(get(doc, ["server", "http_listen_port"]) ?? 3100),
    pathPrefix,
    chunksDir,
    walEnabled: walEnabled === undefined ? true : walEnabled === true,
    walDir: String(get(doc, ["ingester", "wal", "dir"]) ?? join(pathPrefix, "wal")),
    // Loki's defaults (pkg/ingester: chunk_idle_period 30m, max_chunk_age 2h, flush_check_period 30s).
    chunkIdleMs: duration(doc, ["ingester", "chunk_idle_period"], "30m"),
    maxChunkAgeMs: duration(doc, ["ingester", "max_chunk_age"], "2h"),
    flushCheckMs: duration(doc, ["ingester", "flush_check_period"], "30s"),
  };
}

export function readLokiConfig(argv: string[], env: Record<string, string | undefined>): LokiConfig {
  const flags = parseGoFlags(argv, ["config.file", "target", "log.level"], ["config.expand-env", "print-config-stderr", "verify-config"]);
  const file = flags["config.file"] ?? "/etc/loki/local-config.yaml";
  let text = readFileSync(file, "utf8");
  if (flags["config.expand-env"] === "true") text = expandEnv(text, env);
  return lokiConfigFromYaml(text, file);
}
