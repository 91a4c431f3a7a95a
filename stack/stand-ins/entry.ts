// The common start-up of the stand-ins that log JSON lines (meilisearch, s3, ses): read
// the configuration (a bad one is logged and exits with the upstream binary's code),
// start the server, stop it cleanly on SIGTERM/SIGINT (shutdown.ts), and log a failed
// start instead of dying with a stack trace.
import { stopOnSignals, type JsonLog } from "./shutdown.js";

/** One JSON line per event on stdout, stamped with the time and the stand-in's name. */
export function jsonLog(service: string): JsonLog {
  return (fields) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), service, ...fields })}\n`);
}

/** host:port as a log line shows a listen address (an IPv6 host in brackets). */
export function listenAddress(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

export interface StandInEntry<Config> {
  log: JsonLog;
  readConfig: () => Config;
  /** The exit code for a configuration the stand-in refuses. */
  badConfigExitCode: number;
  /** Starts the server and logs that it listens; returns what closes it. */
  start: (config: Config) => Promise<{ close(): Promise<void> }>;
}

export function runStandIn<Config>(entry: StandInEntry<Config>): void {
  const { log } = entry;
  const main = async (): Promise<void> => {
    let config: Config;
    try {
      config = entry.readConfig();
    } catch (err) {
      log({ level: "error", msg: "invalid configuration", error: (err as Error).message });
      process.exitCode = entry.badConfigExitCode;
      return;
    }
    const server = await entry.start(config);
    stopOnSignals(() => server.close(), log);
  };
  main().catch((err: unknown) => {
    log({ level: "error", msg: "failed to start", error: String(err) });
    process.exitCode = 1;
  });
}
