// Asks a running Prometheus whether each selector of each Detection query has series,
// like pint's promql/series check: a query over a metric that no exporter emits (or a
// label value no target has) can never fire, so the drill's detection would never pass.
import { PrometheusClient } from "../../detect/prometheus.js";
import type { Finding } from "./findings.js";
import { extractSelectors } from "./promql.js";
import type { Runbook } from "../types.js";

export interface SeriesClient {
  /** How many series match the selector (0 = none). */
  countSeries(selector: string): Promise<number>;
}

/** Talks to `GET /api/v1/series` through the harness's Prometheus client; a URL with
 *  user:password@ uses basic auth. */
export class PrometheusSeriesClient implements SeriesClient {
  private readonly client: PrometheusClient;

  constructor(url: string) {
    this.client = new PrometheusClient(url);
  }

  countSeries(selector: string): Promise<number> {
    return this.client.countSeries(selector);
  }
}

export async function liveSeriesFindings(runbook: Runbook, client: SeriesClient, where: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const section of runbook.sections) {
    if (section.number === null) continue;
    for (const q of section.detection.filter((d) => d.language === "promql")) {
      for (const sel of extractSelectors(q.expr)) {
        const base = { kind: "promql-series" as const, file: q.file, line: q.line, section: section.number };
        let count: number;
        try {
          count = await client.countSeries(sel.text);
        } catch (e) {
          findings.push({ ...base, severity: "error", message: `could not ask ${where} about ${sel.text}: ${(e as Error).message}` });
          continue;
        }
        if (count > 0) continue;
        // Tell "no such metric" apart from "the metric exists, the labels match nothing".
        let metricExists = false;
        if (sel.metric && sel.matchers.length > 0) metricExists = (await client.countSeries(sel.metric).catch(() => 0)) > 0;
        const message = metricExists
          ? `section ${section.number}: ${sel.text} matches no series at ${where}; metric ${sel.metric} exists, but not with these labels`
          : `section ${section.number}: no series for ${sel.metric ? `metric ${sel.metric}` : sel.text} at ${where}: no exporter emits it, so the detection query can never fire`;
        findings.push({ ...base, severity: "error", message });
      }
    }
  }
  return findings;
}
