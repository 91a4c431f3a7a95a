// The promtail-config fault on a drill directory of its own: it edits the drill's copy
// in place (the bind mount sees the same inode), restarts Promtail once, and the revert
// puts the original back and restarts it again; a `find` the config lacks changes nothing.
import { readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { promtailConfig } from "./promtail-config.js";
import type { FaultContext } from "./fault.js";
import { testTempDir } from "../util/test-temp.js";

const config = "scrape_configs:\n  - job_name: fastapi\n    static_configs:\n      - labels:\n          __path__: /mnt/logs/*.log\n";

function fakeStack() {
  const dir = testTempDir("promtail-fault-");
  mkdirSync(join(dir, "promtail"));
  writeFileSync(join(dir, "promtail", "config.yml"), config);
  const restarted: string[] = [];
  const stack = {
    dir,
    containerName: (s: string) => `drill-x-${s}`,
    docker: { getContainer: (name: string) => ({ restart: async () => void restarted.push(name) }) },
  } as unknown as FaultContext["stack"];
  return { dir, stack, restarted };
}

describe("promtail-config fault", () => {
  it("rewrites the drill's config in place, restarts Promtail, and reverts", async () => {
    const { dir, stack, restarted } = fakeStack();
    const file = join(dir, "promtail", "config.yml");
    const inode = statSync(file).ino;
    const applied = await promtailConfig({ stack, log: () => {} }, { find: "__path__: /mnt/logs/*.log", replace: "__path__: /var/log/app/*.log" });
    expect(readFileSync(file, "utf8")).toContain("__path__: /var/log/app/*.log");
    expect(statSync(file).ino).toBe(inode);
    expect(restarted).toEqual(["drill-x-promtail"]);
    await applied.revert();
    expect(readFileSync(file, "utf8")).toBe(config);
    expect(restarted).toEqual(["drill-x-promtail", "drill-x-promtail"]);
  });

  it("refuses a find the config does not have, touching nothing", async () => {
    const { dir, stack, restarted } = fakeStack();
    await expect(promtailConfig({ stack, log: () => {} }, { find: "__path__: /nowhere", replace: "x" })).rejects.toThrow(/has no "__path__: \/nowhere"/);
    expect(readFileSync(join(dir, "promtail", "config.yml"), "utf8")).toBe(config);
    expect(restarted).toEqual([]);
  });
});
