/**
 * Entry point of the Meilisearch stand-in container.
 *
 * Reads MEILI_HTTP_ADDR (default 0.0.0.0:7700), MEILI_MASTER_KEY and MEILI_DB_PATH
 * (default /meili_data/data.ms) like real Meilisearch, logs one JSON line once
 * listening (never the key), and shuts down cleanly on SIGTERM/SIGINT
 * (../shutdown.ts).
 */
import { readConfig } from "./config.js";
import { STANDIN_PKG_VERSION, startMeilisearchStandIn } from "./server.js";
import { jsonLog, listenAddress, runStandIn } from "../entry.js";

const log = jsonLog("meilisearch-stand-in");

runStandIn({
  log,
  readConfig: () => readConfig(process.env),
  badConfigExitCode: 2,
  start: async (config) => {
    const server = await startMeilisearchStandIn(config);
    log({
      level: "info",
      msg: "meilisearch stand-in listening",
      standIn: true,
      pkgVersion: STANDIN_PKG_VERSION,
      httpAddr: listenAddress(config.host, server.port),
      // Only whether auth is on: the key itself must never reach a log.
      auth: config.masterKey !== undefined ? "master-key" : "disabled",
      storage: config.dbPath,
    });
    return server;
  },
});
