// The drill's copy of stack/config/prometheus: the same files, less the scrape jobs of
// services the profile left out (a job for an absent service would only ever be down,
// and "every target up" is part of the health gate). What was dropped is reported.
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse, stringify } from "yaml";
import { stackDir } from "../util/paths.js";

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets?: string[] }[];
  relabel_configs?: { target_label?: string; replacement?: string }[];
}

interface PrometheusConfig {
  scrape_configs?: ScrapeConfig[];
  alerting?: { alertmanagers?: { static_configs?: { targets?: string[] }[] }[] };
  [key: string]: unknown;
}

export const productionPrometheusDir = resolve(stackDir, "config/prometheus");

function hostOf(target: string): string {
  const withoutScheme = target.replace(/^[a-z]+:\/\//, "");
  return withoutScheme.split(/[:/]/)[0] ?? withoutScheme;
}

/** The hosts a job really scrapes: the relabelled __address__ for probe-style jobs. */
function scrapedHosts(job: ScrapeConfig): string[] {
  const addressRewrite = job.relabel_configs?.find((r) => r.target_label === "__address__")?.replacement;
  if (addressRewrite) return [hostOf(addressRewrite)];
  return (job.static_configs ?? []).flatMap((s) => s.targets ?? []).map(hostOf);
}

export interface DerivedPrometheusConfig {
  dir: string;
  /** Each alert's expression and its `for`, in production and in this drill. */
  alerts: { alert: string; expr: string; productionFor: string; drillFor: string }[];
  droppedJobs: { job: string; reason: string }[];
  keptJobs: string[];
}

/** Drill timing: shorter intervals than production make drills quicker; reports state them. */
export interface PrometheusTiming {
  scrapeInterval: string;
  evaluationInterval: string;
  /** Replaces every alert rule's `for` (the expressions stay verbatim). */
  alertFor?: string;
}

interface RuleFile {
  groups?: { name: string; rules?: { alert?: string; expr: string; for?: string }[] }[];
}

export function derivePrometheusConfig(
  outDir: string,
  servedServices: ReadonlySet<string>,
  timing?: PrometheusTiming,
): DerivedPrometheusConfig {
  mkdirSync(outDir, { recursive: true });
  cpSync(productionPrometheusDir, outDir, { recursive: true });
  const file = join(outDir, "prometheus.yml");
  const config = parse(readFileSync(file, "utf8")) as PrometheusConfig;
  const served = (host: string) => host === "localhost" || servedServices.has(host);

  const droppedJobs: DerivedPrometheusConfig["droppedJobs"] = [];
  config.scrape_configs = (config.scrape_configs ?? []).filter((job) => {
    const missing = scrapedHosts(job).filter((h) => !served(h));
    if (missing.length > 0) droppedJobs.push({ job: job.job_name, reason: `${missing.join(", ")} not in this drill's stack` });
    return missing.length === 0;
  });
  if (!servedServices.has("alertmanager")) delete config.alerting;
  if (timing) {
    const global = (config.global ?? {}) as Record<string, unknown>;
    config.global = { ...global, scrape_interval: timing.scrapeInterval, evaluation_interval: timing.evaluationInterval };
  }

  writeFileSync(file, `# Derived for a drill from stack/config/prometheus/prometheus.yml\n${stringify(config)}`);

  const alerts: DerivedPrometheusConfig["alerts"] = [];
  const rulesDir = join(outDir, "rules");
  for (const name of readdirSync(rulesDir).filter((f) => f.endsWith(".yml"))) {
    const rules = parse(readFileSync(join(rulesDir, name), "utf8")) as RuleFile;
    for (const rule of (rules.groups ?? []).flatMap((g) => g.rules ?? [])) {
      if (!rule.alert) continue;
      const productionFor = rule.for ?? "0s";
      if (timing?.alertFor) rule.for = timing.alertFor;
      alerts.push({ alert: rule.alert, expr: rule.expr, productionFor, drillFor: rule.for ?? "0s" });
    }
    writeFileSync(join(rulesDir, name), `# Derived for a drill: \`for\` set to the drill's timing\n${stringify(rules)}`);
  }
  return { dir: outDir, alerts, droppedJobs, keptJobs: config.scrape_configs.map((j) => j.job_name) };
}
