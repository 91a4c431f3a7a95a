/**
 * Contract suite for the Loki API the stack, Promtail, Grafana and runbook section 9
 * use. Written against a base URL, so the same assertions run against the in-process
 * stand-in and, when a registry lets someone run it, grafana/loki:3.2.0 (LOKI_UPSTREAM_URL).
 * Each run pushes under a fresh `job` label, so it works on a Loki that already holds data.
 * Stand-in-only behaviour (WAL replay, chunk files, a full disk) is in contract.test.ts.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeProtobufPush } from "./push.js";

export interface LokiTarget {
  url: string;
}

interface StreamsResponse {
  status: string;
  data: { resultType: string; result: { stream: Record<string, string>; values: [string, string][] }[] };
}

export function lokiContract(target: () => LokiTarget): void {
  const job = `contract-${randomBytes(4).toString("hex")}`;
  const base = () => target().url.replace(/\/+$/, "");
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const lines = [
    '{"levelname": "INFO", "message": "upload stored doc-1"}',
    '{"levelname": "ERROR", "message": "upload failed doc-2: timeout"}',
    '{"levelname": "INFO", "message": "GET /health 200"}',
  ];

  async function queryRange(query: string, extra: Record<string, string> = {}): Promise<StreamsResponse> {
    const qs = new URLSearchParams({ query, start: String(nowNs - 60_000_000_000n), end: String(nowNs + 60_000_000_000n), ...extra });
    const res = await fetch(`${base()}/loki/api/v1/query_range?${qs}`);
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as StreamsResponse;
  }
  const allLines = (r: StreamsResponse) => r.data.result.flatMap((s) => s.values.map((v) => v[1]));

  describe("Loki HTTP API contract", () => {
    it("GET /ready answers 200 ready", async () => {
      const res = await fetch(`${base()}/ready`);
      expect(res.status).toBe(200);
      expect((await res.text()).trim()).toBe("ready");
    });

    it("GET /metrics is Prometheus exposition with loki_build_info", async () => {
      const res = await fetch(`${base()}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await res.text()).toMatch(/^loki_build_info\{.*version=".+".*\} 1$/m);
    });

    it("accepts a protobuf+snappy push as Promtail sends it (204)", async () => {
      const body = encodeProtobufPush([
        { labels: { job, level: "INFO" }, entries: [{ ts: nowNs - 3000n, line: lines[0] ?? "" }, { ts: nowNs - 1000n, line: lines[2] ?? "" }] },
        { labels: { job, level: "ERROR" }, entries: [{ ts: nowNs - 2000n, line: lines[1] ?? "" }] },
      ]);
      const res = await fetch(`${base()}/loki/api/v1/push`, { method: "POST", headers: { "content-type": "application/x-protobuf" }, body: new Uint8Array(body) });
      expect(res.status, await res.text()).toBe(204);
    });

    it("accepts a JSON push (204)", async () => {
      const res = await fetch(`${base()}/loki/api/v1/push`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ streams: [{ stream: { job, source: "json" }, values: [[String(nowNs), "plain text line from curl"]] }] }),
      });
      expect(res.status, await res.text()).toBe(204);
    });

    it("rejects a push that is not snappy-compressed protobuf with 400", async () => {
      const res = await fetch(`${base()}/loki/api/v1/push`, { method: "POST", headers: { "content-type": "application/x-protobuf" }, body: "not snappy" });
      expect(res.status).toBe(400);
    });

    it("query_range with a stream selector returns every pushed line, newest first by default", async () => {
      const r = await queryRange(`{job="${job}"}`);
      expect(r.status).toBe("success");
      expect(r.data.resultType).toBe("streams");
      expect(allLines(r).sort()).toEqual([...lines, "plain text line from curl"].sort());
      const info = r.data.result.find((s) => s.stream.level === "INFO");
      expect(info?.stream).toEqual({ job, level: "INFO" });
      expect(info?.values.map((v) => v[1])).toEqual([lines[2], lines[0]]);
      expect(info?.values[0]?.[0]).toBe(String(nowNs - 1000n));
    });

    it("query_range honours direction=forward and limit", async () => {
      const r = await queryRange(`{job="${job}"}`, { direction: "forward", limit: "2" });
      expect(allLines(r).sort()).toEqual([lines[0], lines[1]].sort());
    });

    it("applies line filters |=, != and |~, and label matchers =~", async () => {
      expect(allLines(await queryRange(`{job="${job}"} |= "upload"`)).sort()).toEqual([lines[0], lines[1]].sort());
      expect(allLines(await queryRange(`{job="${job}"} |= "upload" != "failed"`))).toEqual([lines[0]]);
      expect(allLines(await queryRange(`{job="${job}"} |~ "doc-[0-9]: time"`))).toEqual([lines[1]]);
      expect(allLines(await queryRange(`{job="${job}", level=~"ERR.*"}`))).toEqual([lines[1]]);
      expect(allLines(await queryRange(`{job="${job}", level=~"ERR"}`))).toEqual([]); // label regexes are anchored
    });

    it("answers an unparsable query with 400", async () => {
      const res = await fetch(`${base()}/loki/api/v1/query_range?${new URLSearchParams({ query: `{job="${job}"` })}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/parse error/);
    });

    it("refuses a log query as an instant query and runs count_over_time", async () => {
      const log = await fetch(`${base()}/loki/api/v1/query?${new URLSearchParams({ query: `{job="${job}"}` })}`);
      expect(log.status).toBe(400);
      expect(await log.text()).toMatch(/log queries are not supported as an instant query type/);
      const qs = new URLSearchParams({ query: `sum(count_over_time({job="${job}"}[5m]))`, time: String(nowNs + 1_000_000_000n) });
      const res = await fetch(`${base()}/loki/api/v1/query?${qs}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
      expect(body.data.resultType).toBe("vector");
      expect(body.data.result).toHaveLength(1);
      expect(body.data.result[0]?.value[1]).toBe("4");
    });

    it("lists label names and values", async () => {
      const window = `start=${nowNs - 60_000_000_000n}&end=${nowNs + 60_000_000_000n}`;
      const labels = (await (await fetch(`${base()}/loki/api/v1/labels?${window}`)).json()) as { status: string; data: string[] };
      expect(labels.status).toBe("success");
      expect(labels.data).toEqual(expect.arrayContaining(["job", "level", "source"]));
      const values = (await (await fetch(`${base()}/loki/api/v1/label/level/values?${window}&query=${encodeURIComponent(`{job="${job}"}`)}`)).json()) as { data: string[] };
      expect(values.data).toEqual(["ERROR", "INFO"]);
      const jobs = (await (await fetch(`${base()}/loki/api/v1/label/job/values?${window}`)).json()) as { data: string[] };
      expect(jobs.data).toContain(job);
    });
  });
}
