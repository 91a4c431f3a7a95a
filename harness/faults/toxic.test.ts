// The toxic fault's parameters are checked before Toxiproxy is called: a scenario with a
// typo fails at inject with the reason instead of adding a different toxic.
import { describe, expect, it } from "vitest";
import { toxicSpec } from "./toxic.js";

describe("toxic fault parameters", () => {
  it("defaults to a 2 s downstream latency", () => {
    expect(toxicSpec({ proxy: "postgresql" })).toEqual({ proxy: "postgresql", type: "latency", stream: "downstream", toxicity: 1, attributes: { latency: 2000, jitter: 0 } });
  });

  it("accepts a timeout toxic on the upstream stream", () => {
    expect(toxicSpec({ proxy: "ses", type: "timeout", stream: "upstream", attributes: { timeout: 10000 } }).attributes).toEqual({ timeout: 10000 });
  });

  it("refuses what Toxiproxy would not do as asked", () => {
    expect(() => toxicSpec({})).toThrow(/"proxy" is required/);
    expect(() => toxicSpec({ proxy: "x", type: "netem" })).toThrow(/type must be one of/);
    expect(() => toxicSpec({ proxy: "x", stream: "both" })).toThrow(/upstream or downstream/);
    expect(() => toxicSpec({ proxy: "x", toxicity: 2 })).toThrow(/between 0 and 1/);
    expect(() => toxicSpec({ proxy: "x", type: "timeout" })).toThrow(/needs attributes/);
    expect(() => toxicSpec({ proxy: "x", attributes: { delay: 5 } })).toThrow(/no attribute "delay"/);
    expect(() => toxicSpec({ proxy: "x", attributes: { latency: 1.5 } })).toThrow(/non-negative integer/);
    expect(() => toxicSpec({ proxy: "x", latency: 100 })).toThrow(/unknown parameter "latency"/);
  });
});
