import { spawn } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleStandIn, standInNode } from "../s3/bundle.js";
import type { Logger } from "../logfmt.js";
import { startLokiStandIn, type LokiStandIn } from "../loki/server.js";
import { promtailConfigFromYaml, type PromtailConfig } from "./config.js";
import { lokiLines, promtailContract, waitFor } from "./contract.js";
import { runPipeline } from "./pipeline.js";
import { startPromtailStandIn, type PromtailStandIn } from "./server.js";
import { expandGlob, globToRegExp } from "./targets.js";

const here = dirname(fileURLToPath(import.meta.url));
const stackConfigFile = join(here, "..", "..", "config", "promtail", "config.yml");
const stackConfigText = readFileSync(stackConfigFile, "utf8");

function memoryLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (level, msg, fields) => lines.push(`level=${level} msg="${msg}" ${JSON.stringify(fields ?? {})}`) };
}

/** The stack's own promtail config, pointed at a temp log dir and a local Loki, fast timings. */
function stackConfig(logDir: string, lokiUrl: string, positionsFile: string): PromtailConfig {
  const c = promtailConfigFromYaml(stackConfigText, stackConfigFile);
  const target = c.scrapeConfigs[0]?.targets[0];
  if (!target || !c.clients[0]) throw new Error("stack promtail config has no target or client");
  target.path = target.path.replace("/mnt/logs", logDir);
  c.clients[0] = { ...c.clients[0], url: `${lokiUrl}/loki/api/v1/push`, batchWaitMs: 100, backoff: { minMs: 100, maxMs: 400, maxRetries: 50 } };
  return { ...c, port: 0, positionsFile, targetSyncMs: 200, positionsSyncMs: 200 };
}

async function tempLoki(): Promise<{ loki: LokiStandIn; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "promtail-loki-"));
  const loki = await startLokiStandIn({ port: 0, host: "127.0.0.1", chunksDir: join(dir, "chunks"), walDir: join(dir, "wal"), log: () => {} });
  return { loki, dir };
}

describe("promtail stand-in, in-process, shipping to the Loki stand-in", () => {
  let loki: LokiStandIn | undefined;
  let promtail: PromtailStandIn | undefined;
  let dir = "";
  let lokiDir = "";
  beforeAll(async () => {
    ({ loki, dir: lokiDir } = await tempLoki());
    dir = await mkdtemp(join(tmpdir(), "promtail-logs-"));
    writeFileSync(join(dir, "app.log"), "");
    promtail = await startPromtailStandIn(stackConfig(dir, loki.url, join(dir, "positions.yaml")), memoryLog().log, "127.0.0.1");
  });
  afterAll(async () => {
    await promtail?.close();
    await loki?.close();
    await rm(dir, { recursive: true, force: true });
    await rm(lokiDir, { recursive: true, force: true });
  });
  promtailContract(() => {
    if (!promtail || !loki) throw new Error("not started");
    return { promtailUrl: promtail.url, lokiUrl: loki.url, logDir: dir, job: "fastapi" };
  });
});

const upstream = process.env.PROMTAIL_UPSTREAM_URL;
describe.skipIf(!upstream)(
  upstream ? `upstream grafana/promtail at ${upstream}` : "upstream grafana/promtail:3.2.0: skipped, no registry reachable to pull it (set PROMTAIL_UPSTREAM_URL, PROMTAIL_UPSTREAM_LOKI_URL, PROMTAIL_UPSTREAM_LOG_DIR)",
  () => {
    promtailContract(() => ({
      promtailUrl: upstream ?? "",
      lokiUrl: process.env.PROMTAIL_UPSTREAM_LOKI_URL ?? "",
      logDir: process.env.PROMTAIL_UPSTREAM_LOG_DIR ?? "",
      job: process.env.PROMTAIL_UPSTREAM_JOB ?? "fastapi",
    }));
  },
);

describe("promtail stand-in specifics", () => {
  it("reads the stack's config.yml: port 9080, /tmp/positions.yaml, the loki client, __path__ and the JSON pipeline", () => {
    const c = promtailConfigFromYaml(stackConfigText, stackConfigFile);
    expect(c).toMatchObject({ port: 9080, positionsFile: "/tmp/positions.yaml", healthCheckTarget: true });
    expect(c.clients[0]).toMatchObject({ url: "http://loki:3100/loki/api/v1/push", batchWaitMs: 1000, backoff: { minMs: 500, maxMs: 300_000, maxRetries: 10 } });
    expect(c.scrapeConfigs[0]?.targets[0]).toMatchObject({ path: "/mnt/logs/*.log", labels: { job: "fastapi" } });
    expect(c.scrapeConfigs[0]?.stages).toEqual([
      { kind: "json", expressions: { level: "levelname" }, dropMalformed: false },
      { kind: "labels", labels: { level: "" } },
    ]);
    expect(() => promtailConfigFromYaml(stackConfigText.replace("- json:", "- logfmt:"), "x")).toThrow(/"logfmt" is not implemented by the Promtail stand-in/);
  });

  it("matches globs like promtail (*, ?, **)", async () => {
    expect(globToRegExp("/mnt/logs/*.log").test("/mnt/logs/app.log")).toBe(true);
    expect(globToRegExp("/mnt/logs/*.log").test("/mnt/logs/sub/app.log")).toBe(false);
    expect(globToRegExp("/mnt/**/*.log").test("/mnt/logs/sub/app.log")).toBe(true);
    const dir = await mkdtemp(join(tmpdir(), "glob-"));
    try {
      writeFileSync(join(dir, "a.log"), "");
      writeFileSync(join(dir, "b.txt"), "");
      expect(expandGlob(`${dir}/*.log`)).toEqual([join(dir, "a.log")]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("runs the json stage with JMESPath field paths and passes non-JSON through", () => {
    const stages = promtailConfigFromYaml(stackConfigText, "x").scrapeConfigs[0]?.stages ?? [];
    const log = memoryLog();
    expect(runPipeline(stages, { line: '{"levelname":"WARNING"}', labels: { job: "j" }, extracted: {} }, log.log)?.labels).toEqual({ job: "j", level: "WARNING" });
    expect(runPipeline(stages, { line: "INFO: plain", labels: { job: "j" }, extracted: {} }, log.log)?.labels).toEqual({ job: "j" });
    expect(log.lines.join("\n")).toMatch(/level=debug msg="failed to unmarshal log line"/);
  });

  it("is not ready when __path__ matches no file (upstream: ready only while tailing)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "promtail-nopath-"));
    const { loki, dir: lokiDir } = await tempLoki();
    const p = await startPromtailStandIn(stackConfig(join(dir, "wrong"), loki.url, join(dir, "positions.yaml")), memoryLog().log, "127.0.0.1");
    try {
      const res = await fetch(`${p.url}/ready`);
      expect(res.status).toBe(500);
      expect((await res.text()).trim()).toBe("Not ready");
    } finally {
      await p.close();
      await loki.close();
      await rm(dir, { recursive: true, force: true });
      await rm(lokiDir, { recursive: true, force: true });
    }
  });

  it("retries while Loki is down (logging Go-style errors) and delivers once it is back; positions resume without duplicates", async () => {
    const dir = await mkdtemp(join(tmpdir(), "promtail-retry-"));
    let { loki, dir: lokiDir } = await tempLoki();
    const lokiPort = loki.port;
    const file = join(dir, "app.log");
    writeFileSync(file, '{"levelname":"INFO","message":"first"}\n');
    const log = memoryLog();
    const cfg = stackConfig(dir, loki.url, join(dir, "positions.yaml"));
    let p = await startPromtailStandIn(cfg, log.log, "127.0.0.1");
    try {
      await waitFor("first line", 10_000, async () => ((await lokiLines(loki.url, '{job="fastapi"}')).length === 1 ? true : undefined));
      await loki.close();
      appendFileSync(file, '{"levelname":"INFO","message":"during the outage"}\n');
      await waitFor("a retry warning", 10_000, async () => (log.lines.some((l) => l.includes("error sending batch, will retry")) ? true : undefined));
      expect(log.lines.join("\n")).toMatch(/Post \\"http:\/\/127\.0\.0\.1:\d+\/loki\/api\/v1\/push\\": dial tcp 127\.0\.0\.1:\d+: connect: connection refused/);
      // Loki back on the same port and volume: the retried batch lands.
      loki = await startLokiStandIn({ port: lokiPort, host: "127.0.0.1", chunksDir: join(lokiDir, "chunks"), walDir: join(lokiDir, "wal"), log: () => {} });
      await waitFor("the outage line", 15_000, async () => ((await lokiLines(loki.url, '{job="fastapi"}')).length === 2 ? true : undefined));
      await p.close();
      // A restart resumes from the positions file: old lines are not sent twice.
      appendFileSync(file, '{"levelname":"INFO","message":"after restart"}\n');
      p = await startPromtailStandIn(cfg, log.log, "127.0.0.1");
      await waitFor("the line after restart", 10_000, async () => ((await lokiLines(loki.url, '{job="fastapi"}')).length >= 3 ? true : undefined));
      await new Promise((r) => setTimeout(r, 500));
      expect((await lokiLines(loki.url, '{job="fastapi"}')).map((l) => JSON.parse(l.line).message).sort()).toEqual(["after restart", "during the outage", "first"]);
      expect(readFileSync(join(dir, "positions.yaml"), "utf8")).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: "\\d+"`));
    } finally {
      await p.close();
      await loki.close();
      await rm(dir, { recursive: true, force: true });
      await rm(lokiDir, { recursive: true, force: true });
    }
  });

  it("bundles for node18, reads -config.file, logs 'Adding target' in logfmt, stops on SIGTERM", async () => {
    const dir = await mkdtemp(join(tmpdir(), "promtail-bundle-"));
    try {
      const out = join(dir, "promtail.mjs");
      await bundleStandIn(join(here, "main.ts"), out);
      const config = join(dir, "config.yml");
      writeFileSync(config, stackConfigText.replace("http_listen_port: 9080", "http_listen_port: 0").replace("/tmp/positions.yaml", join(dir, "positions.yaml")).replace("__path__: /mnt/logs", `__path__: ${dir}`));
      const child = spawn(standInNode(), [out, `-config.file=${config}`], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      try {
        await waitFor("Adding target", 10_000, async () => (stderr.includes("Adding target") ? true : undefined));
        const line = stderr.split("\n").find((l) => l.includes("Adding target")) ?? "";
        expect(line.replace(/ ts=\S+/, "")).toBe(`level=info msg="Adding target" key=${JSON.stringify(`${dir}/*.log:{job="fastapi"}`)}`);
      } finally {
        child.kill("SIGTERM");
      }
      expect(await exited).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
