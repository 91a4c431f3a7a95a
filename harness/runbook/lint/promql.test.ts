import { describe, expect, it } from "vitest";
import { extractSelectors, metricNames } from "./promql.js";

const texts = (expr: string): string[] => extractSelectors(expr).map((s) => s.text);

describe("extractSelectors", () => {
  it("reads the runbook's detection queries", () => {
    expect(texts("node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.10")).toEqual([
      "node_memory_MemAvailable_bytes",
      "node_memory_MemTotal_bytes",
    ]);
    expect(texts('node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes < 0.10')).toEqual([
      'node_filesystem_avail_bytes{mountpoint="/"}',
      "node_filesystem_size_bytes",
    ]);
    expect(extractSelectors('up{job="postgresql"} == 0')).toEqual([
      { metric: "up", matchers: [{ name: "job", op: "=", value: "postgresql" }], text: 'up{job="postgresql"}' },
    ]);
    expect(texts("histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m])) > 1.0")).toEqual([
      "http_request_duration_seconds_bucket",
    ]);
  });

  it("skips functions, keywords, label lists, numbers, durations and strings", () => {
    const expr = `sum by (job, instance) (rate(http_requests_total{code=~"5..", job!="x"}[5m] offset 1h)) / on(job) group_left(team) ignoring(code) sum without (code) (rate(http_requests_total[5m])) > bool 0.05 and vector(1) or absent(up) unless label_replace(foo, "a", "$1", "b", "(.*)")`;
    expect(texts(expr)).toEqual(['http_requests_total{code=~"5..", job!="x"}', "http_requests_total", "up", "foo"]);
    expect(extractSelectors(expr)[0]!.matchers).toEqual([
      { name: "code", op: "=~", value: "5.." },
      { name: "job", op: "!=", value: "x" },
    ]);
  });

  it("handles name-less selectors, subqueries, @ and Inf", () => {
    expect(texts('{__name__=~"node_.*", job="n"}')).toEqual(['{__name__=~"node_.*", job="n"}']);
    expect(texts("max_over_time(rate(x_total[1m])[10m:1m]) @ end() > +Inf")).toEqual(["x_total"]);
    expect(metricNames('{__name__="a"} + b + b')).toEqual(["a", "b"]);
  });
});
