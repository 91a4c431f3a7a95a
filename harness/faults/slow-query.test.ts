import { describe, expect, it } from "vitest";
import { slowQuerySpec, slowQuerySql } from "./slow-query.js";

describe("slow-query fault parameters", () => {
  it("defaults to a 10-minute report holding a lock on documents", () => {
    const spec = slowQuerySpec({});
    expect(spec).toEqual({ table: "documents", seconds: 600, applicationName: "nightly-report" });
    expect(slowQuerySql(spec)).toBe("LOCK TABLE documents IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600)");
  });

  it("refuses anything that would put other SQL into the statement", () => {
    expect(() => slowQuerySpec({ table: "documents; DROP TABLE documents" })).toThrow(/plain lower-case identifier/);
    expect(() => slowQuerySpec({ seconds: 0 })).toThrow(/1 to 3600/);
    expect(() => slowQuerySpec({ seconds: 1.5 })).toThrow(/1 to 3600/);
    expect(() => slowQuerySpec({ seconds: "600" })).toThrow(/must be a number/);
    expect(() => slowQuerySpec({ applicationName: "x'; --" })).toThrow(/applicationName/);
  });
});
