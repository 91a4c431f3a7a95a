import { describe, expect, it } from "vitest";
import { splitThreshold } from "./range.js";

describe("splitThreshold", () => {
  it("splits the alert rules' comparisons into the sampled values and the threshold", () => {
    expect(splitThreshold('node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes < 0.10')).toEqual({
      expr: 'node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes',
      threshold: { op: "<", value: 0.1 },
    });
    expect(splitThreshold('up{job="postgresql"} == 0')).toEqual({ expr: 'up{job="postgresql"}', threshold: { op: "==", value: 0 } });
    expect(splitThreshold("histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m])) > 1.0").threshold).toEqual({ op: ">", value: 1 });
  });

  it("leaves expressions without a top-level numeric comparison whole", () => {
    expect(splitThreshold("rate(x[5m])")).toEqual({ expr: "rate(x[5m])" });
    expect(splitThreshold("sum(x > 3)")).toEqual({ expr: "sum(x > 3)" });
    expect(splitThreshold("x > bool 3")).toEqual({ expr: "x > bool 3" });
    expect(splitThreshold('x{l="a > 3"}')).toEqual({ expr: 'x{l="a > 3"}' });
    expect(splitThreshold("a > 1 or b > 2")).toEqual({ expr: "a > 1 or b > 2" });
    expect(splitThreshold("(a > 1) * b < 2")).toEqual({ expr: "(a > 1) * b", threshold: { op: "<", value: 2 } });
    expect(splitThreshold('x{l="a"} and y < 2')).toEqual({ expr: 'x{l="a"} and y < 2' });
  });
});
