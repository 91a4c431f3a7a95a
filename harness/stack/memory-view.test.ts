// The drill's host-memory view: the numbers node-exporter will read, and that the file
// keeps one length so an in-place rewrite never leaves a stale tail.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { meminfoText, MemoryView, sampleFromStats } from "./memory-view.js";
import { testTempDir } from "../util/test-temp.js";

const MiB = 1024 * 1024;
const field = (text: string, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(text)?.[1]) * 1024;

describe("memory view", () => {
  it("reports the cgroup's limit as MemTotal and counts inactive file cache as available", () => {
    const t = meminfoText({ limitBytes: 160 * MiB, usageBytes: 150 * MiB, inactiveFileBytes: 6 * MiB });
    expect(field(t, "MemTotal")).toBe(160 * MiB);
    expect(field(t, "MemFree")).toBe(10 * MiB);
    expect(field(t, "MemAvailable")).toBe(16 * MiB);
    // The runbook's query on this view: 16/160 = 0.10, not yet < 0.10.
    expect(field(t, "MemAvailable") / field(t, "MemTotal")).toBeCloseTo(0.1);
  });

  it("never reports more used than the limit or negative numbers", () => {
    const t = meminfoText({ limitBytes: 100 * MiB, usageBytes: 120 * MiB, inactiveFileBytes: 200 * MiB });
    expect(field(t, "MemFree")).toBe(0);
    expect(field(t, "MemAvailable")).toBe(100 * MiB);
  });

  it("reads Docker's cgroup v1 stats, and a stopped container as no usage", () => {
    expect(sampleFromStats({ memory_stats: { usage: 5, limit: 9, stats: { total_inactive_file: 2 } } }, 100)).toEqual({ limitBytes: 100, usageBytes: 5, inactiveFileBytes: 2 });
    expect(sampleFromStats({ memory_stats: {} }, 100)).toEqual({ limitBytes: 100, usageBytes: 0, inactiveFileBytes: 0 });
  });

  it("rewrites the file in place with the same length", () => {
    const file = join(testTempDir("meminfo-"), "meminfo");
    const view = new MemoryView(file, 160 * MiB);
    const first = readFileSync(file, "utf8");
    expect(field(first, "MemAvailable")).toBe(160 * MiB);
    view.write({ limitBytes: 160 * MiB, usageBytes: 1, inactiveFileBytes: 0 });
    view.write({ limitBytes: 160 * MiB, usageBytes: 159 * MiB, inactiveFileBytes: 0 });
    const last = readFileSync(file, "utf8");
    expect(last.length).toBe(first.length);
    expect(field(last, "MemAvailable")).toBe(1 * MiB);
  });
});
