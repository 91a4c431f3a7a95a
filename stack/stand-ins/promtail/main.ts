/**
 * Entry point of the Promtail stand-in container: `-config.file=/etc/promtail/config.yml`
 * like grafana/promtail, logfmt lines on stderr, positions saved on SIGTERM/SIGINT.
 */
import { logfmtLogger, type Logger } from "../logfmt.js";
import { stopOnSignals } from "../shutdown.js";
import { readPromtailConfig } from "./config.js";
import { STANDIN_VERSION, startPromtailStandIn } from "./server.js";

const levels = ["debug", "info", "warn", "error"] as const;
const raw = logfmtLogger();
let minLevel = 1;
const log: Logger = (level, msg, fields) => {
  if (levels.indexOf(level) >= minLevel) raw(level, msg, fields);
};

async function main(): Promise<void> {
  let config;
  try {
    config = readPromtailConfig(process.argv.slice(2), process.env);
  } catch (err) {
    log("error", "error loading config", { err: (err as Error).message });
    process.exitCode = 1;
    return;
  }
  minLevel = levels.indexOf(config.logLevel);
  log("info", "Starting Promtail", { version: `(version=${STANDIN_VERSION}, branch=stand-in, revision=stand-in)`, standIn: true });
  const promtail = await startPromtailStandIn(config, log);
  stopOnSignals(
    () => promtail.close(),
    (f) => log(f.level === "error" ? "error" : "info", f.msg === "shutting down" ? "received shutdown signal" : String(f.msg), { sig: f.signal as string | undefined, error: f.error as string | undefined }),
  );
}

main().catch((err: unknown) => {
  log("error", "error creating promtail", { error: String(err) });
  process.exitCode = 1;
});
