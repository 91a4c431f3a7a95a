// The load generator: bounded (never more requests in flight than asked), every request
// kept with its latency and status, and percentiles per window.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoadGenerator, percentile, summarise, validateLoad } from "./load.js";

describe("load percentiles", () => {
  it("nearest rank", () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(v, 50), percentile(v, 95), percentile(v, 99)]).toEqual([50, 95, 99]);
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([7], 99)).toBe(7);
  });

  it("summarises one window and counts 5xx and failed requests as errors", () => {
    const samples = [
      { at: 1000, ms: 10, status: 200 },
      { at: 2000, ms: 3000, status: 503 },
      { at: 2500, ms: 15000, status: 0 },
      { at: 9000, ms: 20, status: 200 },
    ];
    const w = summarise(samples, "during", 1500, 5000);
    expect(w).toMatchObject({ requests: 2, errors: 2, p50: 3000, p99: 15000 });
  });

  it("refuses an unbounded or odd load", () => {
    expect(() => validateLoad({ path: "http://elsewhere/" })).toThrow(/path/);
    expect(() => validateLoad({ path: "/api/documents", concurrency: 0 })).toThrow(/concurrency/);
    expect(() => validateLoad({ path: "/api/documents", concurrency: 100 })).toThrow(/concurrency/);
  });
});

describe("load generator", () => {
  let server: Server;
  let inFlight = 0;
  let maxInFlight = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        res.end("ok");
      }, 50);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("keeps at most `concurrency` requests in flight and records each", async () => {
    const { port } = server.address() as AddressInfo;
    const g = new LoadGenerator(`http://127.0.0.1:${port}/x`, { path: "/x", concurrency: 3, pauseMs: 10, timeoutMs: 2000 });
    g.start();
    // Until a dozen answers are in (a loaded machine may be slow to start).
    for (let i = 0; i < 200 && g.samples.length < 12; i++) await new Promise((r) => setTimeout(r, 50));
    await g.stop();
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(g.samples.length).toBeGreaterThanOrEqual(12);
    expect(g.samples.every((s) => s.status === 200 && s.ms >= 45)).toBe(true);
  });

  it("records a timed-out request as status 0", async () => {
    const g = new LoadGenerator("http://127.0.0.1:9/unreachable", { path: "/unreachable", concurrency: 1, pauseMs: 50, timeoutMs: 500 });
    g.start();
    await new Promise((r) => setTimeout(r, 200));
    await g.stop();
    expect(g.samples.length).toBeGreaterThan(0);
    expect(g.samples.every((s) => s.status === 0)).toBe(true);
  });
});
