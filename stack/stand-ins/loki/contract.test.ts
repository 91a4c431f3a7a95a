import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleStandIn, standInNode } from "../s3/bundle.js";
import type { Logger } from "../logfmt.js";
import { lokiConfigFromYaml } from "./config.js";
import { lokiContract } from "./contract.js";
import { parseQuery, LogQLParseError } from "./logql.js";
import { decodeProtobufPush, encodeProtobufPush } from "./push.js";
import { parseLokiTime, startLokiStandIn, type LokiStandIn } from "./server.js";

const here = dirname(fileURLToPath(import.meta.url));
const stackConfig = join(here, "..", "..", "config", "loki", "config.yml");

function memoryLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (level, msg, fields) => lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`) };
}

describe("loki stand-in, in-process on an ephemeral port", () => {
  let standIn: LokiStandIn | undefined;
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "loki-standin-"));
    standIn = await startLokiStandIn({ port: 0, host: "127.0.0.1", chunksDir: join(dir, "chunks"), walDir: join(dir, "wal"), log: memoryLog().log });
  });
  afterAll(async () => {
    await standIn?.close();
    await rm(dir, { recursive: true, force: true });
  });
  lokiContract(() => {
    if (!standIn) throw new Error("stand-in not started");
    return { url: standIn.url };
  });
});

// The same contract against a real Loki, once a registry lets someone run grafana/loki:3.2.0.
const upstreamUrl = process.env.LOKI_UPSTREAM_URL;
describe.skipIf(!upstreamUrl)(
  upstreamUrl ? `upstream grafana/loki at ${upstreamUrl}` : "upstream grafana/loki:3.2.0: skipped, no registry reachable to pull it (set LOKI_UPSTREAM_URL)",
  () => {
    lokiContract(() => ({ url: upstreamUrl ?? "" }));
  },
);

describe("loki stand-in specifics", () => {
  const push = (s: LokiStandIn, job: string, line: string, ts = BigInt(Date.now()) * 1_000_000n) =>
    fetch(`${s.url}/loki/api/v1/push`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf" },
      body: new Uint8Array(encodeProtobufPush([{ labels: { job }, entries: [{ ts, line }] }])),
    });
  const lines = async (s: LokiStandIn, job: string) => {
    const res = await fetch(`${s.url}/loki/api/v1/query_range?${new URLSearchParams({ query: `{job="${job}"}` })}`);
    const body = (await res.json()) as { data: { result: { values: [string, string][] }[] } };
    return body.data.result.flatMap((r) => r.values.map((v) => v[1])).sort();
  };

  it("round-trips protobuf+snappy pushes with nanosecond timestamps and structured metadata", () => {
    const ts = 1_732_000_000_123_456_789n;
    const decoded = decodeProtobufPush(encodeProtobufPush([{ labels: { job: "a", level: "INFO" }, entries: [{ ts, line: "x", structuredMetadata: { trace: "t1" } }] }]));
    expect(decoded).toEqual([{ labels: { job: "a", level: "INFO" }, entries: [{ ts, line: "x", structuredMetadata: { trace: "t1" } }] }]);
  });

  it("parses the LogQL subset and rejects the rest with a parse error", () => {
    expect(parseQuery(`{job="fastapi"} |= "a" != "b" |~ "c+" !~ "d"`)).toMatchObject({ kind: "log", filters: [{ op: "|=" }, { op: "!=" }, { op: "|~" }, { op: "!~" }] });
    expect(parseQuery(`sum by (level) (rate({job="x"}[1m]))`)).toMatchObject({ kind: "metric", fn: "rate", rangeMs: 60_000, sum: { by: ["level"] } });
    expect(() => parseQuery(`{job=~".*"}`)).toThrow(/empty-compatible/);
    expect(() => parseQuery(`{job="x"} | json`)).toThrow(LogQLParseError);
    expect(() => parseQuery(`{job="x"`)).toThrow(/parse error at line 1/);
  });

  it("reads Loki's timestamp forms: RFC3339, seconds, float seconds, nanoseconds", () => {
    expect(parseLokiTime("2024-01-01T00:00:00.5Z", 0n)).toBe(1_704_067_200_500_000_000n);
    expect(parseLokiTime("1704067200", 0n)).toBe(1_704_067_200_000_000_000n);
    expect(parseLokiTime("1704067200.25", 0n)).toBe(1_704_067_200_250_000_000n);
    expect(parseLokiTime("1704067200000000001", 0n)).toBe(1_704_067_200_000_000_001n);
    expect(parseLokiTime(null, 7n)).toBe(7n);
  });

  it("reads the stack's own config.yml (path prefix /loki, chunks under /loki/chunks, WAL under /loki/wal)", () => {
    const c = lokiConfigFromYaml(readFileSync(stackConfig, "utf8"), stackConfig);
    expect(c).toMatchObject({ port: 3100, pathPrefix: "/loki", chunksDir: "/loki/chunks", walDir: "/loki/wal", walEnabled: true, chunkIdleMs: 1_800_000 });
  });

  it("keeps acknowledged lines across a restart: WAL replay, then chunk files after a flush", async () => {
    const dir = await mkdtemp(join(tmpdir(), "loki-wal-"));
    const opts = { port: 0, host: "127.0.0.1", chunksDir: join(dir, "chunks"), walDir: join(dir, "wal"), log: memoryLog().log };
    try {
      const first = await startLokiStandIn(opts);
      expect((await push(first, "restart", "before restart")).status).toBe(204);
      await first.close();
      expect(readdirSync(join(dir, "chunks", "fake"))).toEqual([]); // idle period not reached: only the WAL has it

      const second = await startLokiStandIn(opts);
      expect(await lines(second, "restart")).toEqual(["before restart"]);
      expect(second.store.flush(Date.now(), true)).toEqual({ flushed: 1, failed: 0 });
      expect(readdirSync(join(dir, "chunks", "fake"))).toHaveLength(1);
      await second.close();

      const third = await startLokiStandIn(opts);
      expect(await lines(third, "restart")).toEqual(["before restart"]);
      await third.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("flushes idle chunks on its own schedule (chunk_idle_period, flush_check_period)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "loki-flush-"));
    const s = await startLokiStandIn({ port: 0, host: "127.0.0.1", chunksDir: join(dir, "chunks"), walDir: join(dir, "wal"), chunkIdleMs: 100, flushCheckMs: 50, log: memoryLog().log });
    try {
      await push(s, "idle", "a line");
      const deadline = Date.now() + 5_000;
      while (readdirSync(join(dir, "chunks", "fake")).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      expect(readdirSync(join(dir, "chunks", "fake"))).toHaveLength(1);
      expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(/^loki_ingester_chunks_flushed_total\{reason="idle"\} 1$/m);
    } finally {
      await s.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  // A real ENOSPC from the kernel: the WAL segment is /dev/full.
  it.skipIf(!existsSync("/dev/full"))("on a full WAL disk still accepts pushes (as Loki does), counts and logs it, and loses the lines on restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "loki-full-"));
    const { log, lines: logLines } = memoryLog();
    const walDir = join(dir, "wal");
    mkdirSync(walDir, { recursive: true });
    // The stand-in opens segment max+1 = 00000002 after the last regular segment 00000001.
    writeFileSync(join(walDir, "00000001"), "");
    symlinkSync("/dev/full", join(walDir, "00000002"));
    const opts = { port: 0, host: "127.0.0.1", chunksDir: join(dir, "chunks"), walDir, log };
    try {
      const s = await startLokiStandIn(opts);
      expect((await push(s, "full", "written while the disk is full")).status).toBe(204);
      expect(await lines(s, "full")).toEqual(["written while the disk is full"]);
      expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(/^loki_ingester_wal_disk_full_failures_total 1$/m);
      expect(logLines.join("\n")).toMatch(/Error writing to WAL, disk full.*ENOSPC/);
      await s.close();
      const again = await startLokiStandIn({ ...opts, walDir: join(dir, "wal-after") });
      expect(await lines(again, "full")).toEqual([]);
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("bundles for node18, reads -config.file, logs logfmt on stderr, stops on SIGTERM", async () => {
    const dir = await mkdtemp(join(tmpdir(), "loki-bundle-"));
    try {
      const out = join(dir, "loki.mjs");
      await bundleStandIn(join(here, "main.ts"), out);
      const config = join(dir, "config.yml");
      writeFileSync(config, readFileSync(stackConfig, "utf8").replace("/loki", join(dir, "data")).replace("http_listen_port: 3100", "http_listen_port: 0").replace(/\/loki\//g, `${join(dir, "data")}/`));
      const child = spawn(standInNode(), [out, `-config.file=${config}`], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      try {
        const deadline = Date.now() + 10_000;
        while (!stderr.includes("Loki started") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        expect(stderr).toMatch(/^level=info ts=\S+ msg="Starting Loki" version=.*standIn=true$/m);
        const port = /http=\[::\]:(\d+)/.exec(stderr)?.[1];
        expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
        expect(existsSync(join(dir, "data", "chunks", "fake"))).toBe(true);
        expect(existsSync(join(dir, "data", "wal"))).toBe(true);
      } finally {
        child.kill("SIGTERM");
      }
      expect(await exited).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
