/**
 * Entry point of the Loki stand-in container: `-config.file=/etc/loki/config.yml` like
 * grafana/loki, logfmt lines on stderr like Loki's, clean stop on SIGTERM/SIGINT.
 */
import { logfmtLogger } from "../logfmt.js";
import { stopOnSignals } from "../shutdown.js";
import { readLokiConfig } from "./config.js";
import { STANDIN_VERSION, startLokiStandIn } from "./server.js";

const log = logfmtLogger();

async function main(): Promise<void> {
  let config;
  try {
    config = readLokiConfig(process.argv.slice(2), process.env);
  } catch (err) {
    log("error", "error loading config", { err: (err as Error).message });
    process.exitCode = 1;
    return;
  }
  const t0 = Date.now();
  log("info", "Starting Loki", { version: `(version=${STANDIN_VERSION}, branch=stand-in, revision=stand-in)`, standIn: true });
  const loki = await startLokiStandIn({
    port: config.port,
    chunksDir: config.chunksDir,
    walDir: config.walDir,
    walEnabled: config.walEnabled,
    chunkIdleMs: config.chunkIdleMs,
    maxChunkAgeMs: config.maxChunkAgeMs,
    flushCheckMs: config.flushCheckMs,
    log,
  });
  log("info", "server listening on addresses", { http: `[::]:${loki.port}`, config: config.configFile });
  log("info", "Loki started", { startup_time: `${Date.now() - t0}ms` });
  stopOnSignals(
    () => loki.close(),
    (f) => log(f.level === "error" ? "error" : "info", String(f.msg), { signal: f.signal as string | undefined, error: f.error as string | undefined }),
  );
}

main().catch((err: unknown) => {
  log("error", "error initialising module", { err: String(err) });
  process.exitCode = 1;
});
