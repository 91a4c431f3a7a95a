/**
 * Entry point of the SES stand-in container (stand-in for localstack/localstack
 * with SERVICES=ses). Listens on LocalStack's edge port 4566, logs JSON lines
 * (no credentials, no message contents, not even SMTP_TRANSPORT, which may hold
 * a password), and stops cleanly on SIGTERM/SIGINT: it may run as PID 1, where
 * the kernel's default signal actions do not apply.
 */
import { readConfig } from "./config.js";
import { STANDIN_VERSION, startSesStandIn } from "./server.js";
import { jsonLog, listenAddress, runStandIn } from "../entry.js";

const log = jsonLog("ses-stand-in");

runStandIn({
  log,
  readConfig: () => readConfig(process.argv.slice(2), process.env),
  badConfigExitCode: 2,
  start: async (config) => {
    const server = await startSesStandIn({ ...config, log });
    log({
      level: "info",
      msg: "ses stand-in listening",
      standIn: true,
      implementation: "aws-ses-v2-local",
      version: STANDIN_VERSION,
      httpAddr: listenAddress(config.host, server.port),
      defaultRegion: config.defaultRegion,
      sendQuota: { max24HourSend: config.max24HourSend, maxSendRate: config.maxSendRate },
      autoVerify: config.autoVerify,
      requireVerifiedSender: config.requireVerifiedSender,
      verifiedIdentities: config.verifiedIdentities.length,
      deny: config.deny ?? null,
      smtpRelay: Boolean(process.env.SMTP_TRANSPORT?.trim()),
      ...(config.unservedServices.length > 0 ? { unservedServices: config.unservedServices } : {}),
    });
    return server;
  },
});
