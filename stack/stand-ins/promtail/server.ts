// Promtail stand-in: file targets -> pipeline -> Loki client, and promtail's HTTP port
// (server.http_listen_port): /ready ("Ready" / 500 "Not ready" while no file is
// tailed, upstream's health_check_target behaviour) and /metrics (promtail_* names).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EXPOSITION_CONTENT_TYPE, Registry } from "../exposition.js";
import type { Logger } from "../logfmt.js";
import { LokiClient } from "./client.js";
import type { PromtailConfig } from "./config.js";
import { FileTargets } from "./targets.js";

export const STANDIN_VERSION = "3.2.0-standin";

export interface PromtailStandIn {
  url: string;
  port: number;
  targets: FileTargets;
  metrics: Registry;
  /** Saves the positions file, sends what is queued (with retries), then stops. */
  close(): Promise<void>;
}

export async function startPromtailStandIn(cfg: PromtailConfig, log: Logger, host = "0.0.0.0"): Promise<PromtailStandIn> {
  const metrics = new Registry();
  metrics.gauge("promtail_build_info", "A metric with a constant '1' value labeled by version, revision, branch, and goversion from which promtail was built.").set({ version: STANDIN_VERSION, revision: "stand-in", branch: "stand-in", goversion: "none (TypeScript stand-in)" }, 1);
  const clientMetrics = {
    encodedBytes: metrics.counter("promtail_encoded_bytes_total", "Number of bytes encoded and ready to send."),
    sentBytes: metrics.counter("promtail_sent_bytes_total", "Number of bytes sent."),
    droppedBytes: metrics.counter("promtail_dropped_bytes_total", "Number of bytes dropped because failed to be sent to the ingester after all retries."),
    sentEntries: metrics.counter("promtail_sent_entries_total", "Number of log entries sent to the ingester."),
    droppedEntries: metrics.counter("promtail_dropped_entries_total", "Number of log entries dropped because failed to be sent to the ingester after all retries."),
    batchRetries: metrics.counter("promtail_batch_retries_total", "Number of times batches has had to be retried."),
    requestDuration: metrics.histogram("promtail_request_duration_seconds", "Duration of send requests."),
  };
  const targetMetrics = {
    readBytes: metrics.counter("promtail_read_bytes_total", "Number of bytes read."),
    readLines: metrics.counter("promtail_read_lines_total", "Number of lines read."),
    fileBytes: metrics.gauge("promtail_file_bytes_total", "Number of bytes total."),
    filesActive: metrics.gauge("promtail_files_active_total", "Number of active files."),
    targetsActive: metrics.gauge("promtail_targets_active_total", "Number of active total."),
  };
  if (cfg.clients.length !== 1) throw new Error("the Promtail stand-in ships to exactly one client (the stack configures one)");
  const client = new LokiClient(cfg.clients[0] as PromtailConfig["clients"][number], clientMetrics, log);
  const targets = new FileTargets(cfg, client, targetMetrics, log);

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://promtail").pathname;
    if (path === "/ready") {
      if (cfg.healthCheckTarget && !targets.ready()) {
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end("Not ready\n");
        return;
      }
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      res.end("Ready");
      return;
    }
    if (path === "/metrics") {
      res.writeHead(200, { "content-type": EXPOSITION_CONTENT_TYPE });
      res.end(metrics.render());
      return;
    }
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end("404 page not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(cfg.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log("info", "server listening on addresses", { http: `[::]:${port}`, grpc: "[::]:0" });
  targets.start();

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    targets,
    metrics,
    close() {
      closing ??= (async () => {
        targets.stop();
        // As upstream's Shutdown (client.Stop, not StopNow): queued batches are still sent,
        // with retries, until the process is killed (compose gives promtail 2 s).
        await client.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
