/**
 * Entry point of the S3 stand-in container (stand-in for minio/minio).
 *
 * Takes the `minio` binary's command line (`server /data --console-address
 * :9001`, `--address`) and environment (MINIO_ROOT_USER, MINIO_ROOT_PASSWORD,
 * MINIO_PROMETHEUS_AUTH_TYPE), writes the `myminio` alias for the local
 * server into ~/.mc/config.json (so the runbook's `docker exec minio mc ...`
 * works with the mc stand-in in the same image), logs JSON lines (never a
 * credential), and stops cleanly on SIGTERM/SIGINT: it may run as PID 1,
 * where the kernel's default signal actions do not apply.
 */
import { readConfig } from "./config.js";
import { STANDIN_VERSION, startS3StandIn } from "./server.js";
import { mcConfigDir, setAlias } from "../mc/config.js";
import { jsonLog, listenAddress, runStandIn } from "../entry.js";

const log = jsonLog("s3-stand-in");

runStandIn({
  log,
  readConfig: () => readConfig(process.argv.slice(2), process.env),
  badConfigExitCode: 1,
  start: async (config) => {
    if (config.defaultCredentials) {
      log({
        level: "warn",
        msg: "Detected default credentials 'minioadmin:minioadmin', set MINIO_ROOT_USER and MINIO_ROOT_PASSWORD to change them",
      });
    }

    const server = await startS3StandIn({
      host: config.host,
      port: config.port,
      consoleHost: config.consoleHost,
      consolePort: config.consolePort,
      dataDir: config.dataDir,
      accessKey: config.accessKey,
      secretKey: config.secretKey,
      prometheusAuthType: config.prometheusAuthType,
      log,
    });

    let mcConfig: string | undefined;
    if (config.mcAlias !== undefined) {
      // Real MinIO images need the same alias configured before `docker exec minio mc ls myminio/` works.
      mcConfig = mcConfigDir(process.env);
      try {
        const wildcard = config.host === "0.0.0.0" || config.host === "::";
        const aliasHost = wildcard ? "127.0.0.1" : config.host.includes(":") ? `[${config.host}]` : config.host;
        await setAlias(mcConfig, config.mcAlias, {
          url: `http://${aliasHost}:${server.port}`,
          accessKey: config.accessKey,
          secretKey: config.secretKey,
          api: "s3v4",
          path: "auto",
        });
      } catch (err) {
        log({ level: "warn", msg: "could not write the mc alias", mcConfigDir: mcConfig, error: (err as Error).message });
        mcConfig = undefined;
      }
    }

    log({
      level: "info",
      msg: "s3 stand-in listening",
      standIn: true,
      implementation: "s3rver",
      version: STANDIN_VERSION,
      s3Addr: listenAddress(config.host, server.port),
      consoleAddr: server.consolePort !== undefined ? listenAddress(config.consoleHost, server.consolePort) : null,
      console: "none (placeholder answers 501)",
      dataDir: config.dataDir,
      prometheusAuthType: config.prometheusAuthType,
      mcAlias: mcConfig !== undefined ? config.mcAlias : null,
      mcConfigDir: mcConfig ?? null,
      ignoredFlags: config.ignoredFlags,
    });
    return server;
  },
});
