import { describe, expect, it } from "vitest";
import { judgeReady, linesOf } from "./log-detection.js";

describe("log detection", () => {
  it("reads the section's 'Should return 200 OK' from what curl printed", () => {
    expect(judgeReady(0, "ready\n", "ready")).toMatchObject({ ready: true });
    // curl without -f exits 0 on a 503: the body says what Loki thinks.
    expect(judgeReady(0, "Ingester not ready: waiting for 15s after being ready\n", "ready")).toMatchObject({ ready: false });
    expect(judgeReady(7, "", "ready")).toMatchObject({ ready: false, verdict: expect.stringContaining("exit 7") });
    expect(judgeReady(52, "", "ready").ready).toBe(false);
  });

  it("takes the lines of every stream of a query_range answer", () => {
    const body = {
      status: "success",
      data: {
        resultType: "streams",
        result: [
          { stream: { job: "fastapi", level: "INFO" }, values: [["1700000000000000000", '{"message":"a"}'], ["1700000000000000001", '{"message":"b"}']] },
          { stream: { job: "fastapi", level: "ERROR" }, values: [["1700000000000000002", '{"message":"c"}']] },
        ],
      },
    };
    expect(linesOf(body)).toEqual(['{"message":"a"}', '{"message":"b"}', '{"message":"c"}']);
    expect(linesOf({ status: "success", data: { resultType: "streams", result: [] } })).toEqual([]);
    expect(linesOf({})).toEqual([]);
  });
});
