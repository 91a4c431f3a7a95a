// prometheus-config in isolation: the edit, the reload, and the refusal to count a
// reload that did not take.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { breakPrometheusConfig, editConfig, prometheusConfigParams } from "./prometheus-config.js";
import { testTempDir } from "../util/test-temp.js";

const config = `scrape_configs:\n  - job_name: fastapi\n    static_configs:\n      - targets: ["fastapi-app:9091"]\n`;

function fakePrometheus(opts: { reloadStatus?: number; applies?: boolean } = {}) {
  const dir = testTempDir("prom-config-");
  writeFileSync(join(dir, "prometheus.yml"), config);
  let running = config;
  let reloads = 0;
  return {
    dir,
    reloads: () => reloads,
    prom: {
      configDir: dir,
      reload: async () => {
        reloads++;
        if ((opts.reloadStatus ?? 200) === 200 && opts.applies !== false) running = readFileSync(join(dir, "prometheus.yml"), "utf8");
        return { status: opts.reloadStatus ?? 200, body: opts.reloadStatus ? "error loading config" : "" };
      },
      runningConfig: async () => running,
    },
  };
}

describe("prometheus-config", () => {
  it("rewrites prometheus.yml, reloads, and reverts both", async () => {
    const f = fakePrometheus();
    const applied = await breakPrometheusConfig(f.prom, { find: "fastapi-app:9091", replace: "fastapi-app:8000" });
    expect(readFileSync(join(f.dir, "prometheus.yml"), "utf8")).toContain('"fastapi-app:8000"');
    expect(f.reloads()).toBe(1);
    expect(applied.detail).toMatch(/reloaded Prometheus/);
    await applied.revert();
    expect(readFileSync(join(f.dir, "prometheus.yml"), "utf8")).toBe(config);
    expect(f.reloads()).toBe(2);
  });

  it("fails when Prometheus refuses the reload, and puts the file back", async () => {
    const f = fakePrometheus({ reloadStatus: 500 });
    await expect(breakPrometheusConfig(f.prom, { find: "fastapi-app:9091", replace: "fastapi-app:8000" })).rejects.toThrow(/refused the reload \(500\)/);
    expect(readFileSync(join(f.dir, "prometheus.yml"), "utf8")).toBe(config);
  });

  it("fails when the reload answered 200 but the old config still runs", async () => {
    const f = fakePrometheus({ applies: false });
    await expect(breakPrometheusConfig(f.prom, { find: "fastapi-app:9091", replace: "fastapi-app:8000" })).rejects.toThrow(/still does not run/);
  });

  it("validates its parameters and the edit", () => {
    expect(() => prometheusConfigParams({ find: "a" })).toThrow(/replace must be a string/);
    expect(() => prometheusConfigParams({ find: "", replace: "b" })).toThrow(/find must be a non-empty string/);
    expect(() => prometheusConfigParams({ find: "a", replace: "a" })).toThrow(/no fault/);
    expect(() => prometheusConfigParams({ find: "a", replace: "b", reload: "restart" })).toThrow(/unknown parameter reload/);
    expect(() => editConfig(config, { find: "minio:9000", replace: "minio:9001" })).toThrow(/has no "minio:9000"/);
    expect(() => editConfig(config, { find: "targets:", replace: "targets: [" })).toThrow();
  });
});
