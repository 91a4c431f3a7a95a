/**
 * Entry point of the Grafana stand-in container: configured by the GF_* environment
 * like grafana/grafana, datasources provisioned from /etc/grafana/provisioning,
 * logfmt lines (logger=...) like Grafana's, clean stop on SIGTERM/SIGINT.
 * The admin password is never logged.
 */
import { mkdirSync } from "node:fs";
import { logfmt, type Logger } from "../logfmt.js";
import { stopOnSignals } from "../shutdown.js";
import { provisionDatasources, readGrafanaConfig } from "./config.js";
import { STANDIN_VERSION, startGrafanaStandIn } from "./server.js";

// Grafana's own line shape: `logger=provisioning.datasources t=... level=info msg=... name=Loki`.
const log: Logger = (level, msg, fields = {}) => {
  const { logger, ...rest } = fields;
  process.stdout.write(`${logfmt({ logger: logger ?? "server", t: new Date().toISOString(), level, msg, ...rest })}\n`);
};

async function main(): Promise<void> {
  const cfg = readGrafanaConfig(process.env);
  log("info", "Starting Grafana", { logger: "server", version: STANDIN_VERSION, standIn: true });
  mkdirSync(cfg.dataDir, { recursive: true });
  const datasources = provisionDatasources(cfg.provisioningDir, process.env);
  for (const d of datasources) log("info", "inserting datasource from configuration", { logger: "provisioning.datasources", name: d.name, uid: d.uid });
  const grafana = await startGrafanaStandIn(cfg, datasources, log);
  stopOnSignals(
    () => grafana.close(),
    (f) => log(f.level === "error" ? "error" : "info", f.msg === "shutting down" ? "Shutdown started" : String(f.msg), { logger: "server", reason: f.signal as string | undefined, error: f.error as string | undefined }),
  );
}

main().catch((err: unknown) => {
  log("error", "Server shutdown", { logger: "cli", error: String(err) });
  process.exitCode = 1;
});
