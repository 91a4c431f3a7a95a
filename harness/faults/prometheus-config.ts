// A bad edit to prometheus.yml, applied the way production applies config changes: the
// drill's copy of the file (bind-mounted into Prometheus) is rewritten and Prometheus is
// told to reload (POST /-/reload, --web.enable-lifecycle). The drill then checks that
// Prometheus really runs the new config, so a reload that silently kept the old one
// cannot pass for the fault.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { AppliedFault, Fault, FaultModule } from "./fault.js";

export interface PrometheusConfigParams {
  find: string;
  replace: string;
}

export function prometheusConfigParams(params: Record<string, unknown>): PrometheusConfigParams {
  const unknown = Object.keys(params).filter((k) => k !== "find" && k !== "replace");
  if (unknown.length > 0) throw new Error(`prometheus-config: unknown parameter ${unknown.join(", ")} (it takes: find, replace)`);
  const { find, replace } = params;
  if (typeof find !== "string" || find.length === 0) throw new Error(`prometheus-config: find must be a non-empty string, got ${JSON.stringify(find)}`);
  if (typeof replace !== "string") throw new Error(`prometheus-config: replace must be a string, got ${JSON.stringify(replace)}`);
  if (find === replace) throw new Error("prometheus-config: find and replace are the same: that is no fault");
  return { find, replace };
}

/** The edited config: every occurrence replaced; still valid YAML (Prometheus would reject the reload otherwise). */
export function editConfig(original: string, p: PrometheusConfigParams): string {
  const count = original.split(p.find).length - 1;
  if (count === 0) throw new Error(`prometheus-config: prometheus.yml has no "${p.find}"`);
  const edited = original.split(p.find).join(p.replace);
  parse(edited);
  return edited;
}

export interface ReloadingPrometheus {
  /** The directory bind-mounted as /etc/prometheus. */
  configDir: string;
  /** POST /-/reload; resolves to the HTTP status. */
  reload(): Promise<{ status: number; body: string }>;
  /** The config Prometheus runs (GET /api/v1/status/config). */
  runningConfig(): Promise<string>;
}

export async function breakPrometheusConfig(prom: ReloadingPrometheus, p: PrometheusConfigParams): Promise<AppliedFault> {
  const file = join(prom.configDir, "prometheus.yml");
  const original = readFileSync(file, "utf8");
  writeFileSync(file, editConfig(original, p));
  const r = await prom.reload();
  if (r.status !== 200) {
    writeFileSync(file, original);
    throw new Error(`prometheus-config: Prometheus refused the reload (${r.status}): ${r.body.trim()}`);
  }
  const running = await prom.runningConfig();
  if (!running.includes(p.replace)) throw new Error(`prometheus-config: after the reload Prometheus still does not run a config with "${p.replace}"`);
  return {
    detail: `replaced "${p.find}" with "${p.replace}" in prometheus.yml and reloaded Prometheus (POST /-/reload answered 200; the running config has the change)`,
    revert: async () => {
      writeFileSync(file, original);
      await prom.reload().catch(() => undefined);
    },
  };
}

export const prometheusConfig: Fault = async ({ stack }, params) => {
  const configDir = stack.report.prometheus?.dir;
  if (!configDir) throw new Error("prometheus-config: this drill's stack has no Prometheus");
  return breakPrometheusConfig(
    {
      configDir,
      reload: () => stack.prometheus().reload(),
      runningConfig: () => stack.prometheus().runningConfig(),
    },
    prometheusConfigParams(params),
  );
};

/** `kind: prometheus-config` in a scenario. */
export const prometheusConfigFault: FaultModule = {
  kind: "prometheus-config",
  parameters: {
    find: { type: "string", required: true, about: "text in prometheus.yml" },
    replace: { type: "string", required: true, about: "what it becomes" },
  },
  apply: prometheusConfig,
};
