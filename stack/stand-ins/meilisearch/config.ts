/**
 * Environment configuration of the Meilisearch stand-in. It reads the same
 * variable names as real Meilisearch so a compose file can swap the image
 * without touching the environment.
 */

export interface StandInConfig {
  host: string;
  port: number;
  /** Undefined when MEILI_MASTER_KEY is unset or empty (auth disabled, as upstream in development). */
  masterKey: string | undefined;
  taskDelayMs: number | undefined;
  /** Where indexes survive restarts (MEILI_DB_PATH). */
  dbPath: string;
}

/**
 * Upstream's image runs in /meili_data with MEILI_DB_PATH ./data.ms, and compose files
 * mount a volume at /meili_data: the stand-in keeps its data at the same place.
 */
export const DEFAULT_DB_PATH = "/meili_data/data.ms";

/** Meilisearch's default for MEILI_HTTP_ADDR. */
export const DEFAULT_HTTP_ADDR = "0.0.0.0:7700";

/** Parses `host:port`, `[ipv6]:port` (MEILI_HTTP_ADDR's format). */
export function parseHttpAddr(addr: string): { host: string; port: number } {
  const at = addr.lastIndexOf(":");
  if (at <= 0) throw new Error(`MEILI_HTTP_ADDR must look like host:port, got "${addr}"`);
  let host = addr.slice(0, at);
  const portText = addr.slice(at + 1);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535 || host.length === 0) {
    throw new Error(`MEILI_HTTP_ADDR must look like host:port, got "${addr}"`);
  }
  return { host, port };
}

export function readConfig(env: Record<string, string | undefined>): StandInConfig {
  const { host, port } = parseHttpAddr(env.MEILI_HTTP_ADDR?.trim() || DEFAULT_HTTP_ADDR);
  const key = env.MEILI_MASTER_KEY;
  // Stand-in only (not a Meilisearch variable): how long tasks stay enqueued/processing.
  const delayText = env.MEILI_STANDIN_TASK_DELAY_MS?.trim();
  let taskDelayMs: number | undefined;
  if (delayText !== undefined && delayText !== "") {
    if (!/^\d+$/.test(delayText)) throw new Error(`MEILI_STANDIN_TASK_DELAY_MS must be a whole number of ms, got "${delayText}"`);
    taskDelayMs = Number(delayText);
  }
  const dbPath = env.MEILI_DB_PATH?.trim() || DEFAULT_DB_PATH;
  return { host, port, masterKey: key !== undefined && key !== "" ? key : undefined, taskDelayMs, dbPath };
}
