/**
 * Entry point of the Meilisearch stand-in container.
 *
 * Reads MEILI_HTTP_ADDR (default 0.0.0.0:7700) and MEILI_MASTER_KEY like real
 * Meilisearch, logs one JSON line once listening (never the key), and shuts
 * down cleanly on SIGTERM/SIGINT. Node handles those signals itself because it
 * may run as PID 1 in the container, where the kernel's defaults do not apply.
 */
import { readConfig } from "./config.js";
import { STANDIN_PKG_VERSION, startMeilisearchStandIn } from "./server.js";

function log(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), service: "meilisearch-stand-in", ...fields })}\n`);
}

async function main(): Promise<void> {
  let config;
  try {
    config = readConfig(process.env);
  } catch (err) {
    log({ level: "error", msg: "invalid configuration", error: (err as Error).message });
    process.exitCode = 2;
    return;
  }

  const server = await startMeilisearchStandIn({
    host: config.host,
    port: config.port,
    masterKey: config.masterKey,
    taskDelayMs: config.taskDelayMs,
  });
  const hostForAddr = config.host.includes(":") ? `[${config.host}]` : config.host;
  log({
    level: "info",
    msg: "meilisearch stand-in listening",
    standIn: true,
    pkgVersion: STANDIN_PKG_VERSION,
    httpAddr: `${hostForAddr}:${server.port}`,
    // Only whether auth is on: the key itself must never reach a log.
    auth: config.masterKey !== undefined ? "master-key" : "disabled",
    storage: "in-memory",
  });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log({ level: "info", msg: "shutting down", signal });
    // Backstop: never hang a container stop if something keeps the loop alive.
    setTimeout(() => process.exit(1), 5_000).unref();
    server.close().then(
      () => {
        log({ level: "info", msg: "stopped" });
        process.exitCode = 0;
      },
      (err: unknown) => {
        log({ level: "error", msg: "error while stopping", error: String(err) });
        process.exitCode = 1;
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  log({ level: "error", msg: "failed to start", error: String(err) });
  process.exitCode = 1;
});
