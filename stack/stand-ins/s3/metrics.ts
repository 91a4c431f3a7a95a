/**
 * MinIO v2 Prometheus metrics for the S3 stand-in, computed for real.
 *
 * Only metric names that MinIO RELEASE.2024-10-13T13-34-11Z (the image the
 * compose file pins) emits, with its types, HELP texts and labels, on the same
 * endpoints (docs/metrics/prometheus/list.md, cmd/metrics-v2.go upstream):
 *
 *   /minio/v2/metrics/cluster  capacity (raw/usable), usage, bucket count,
 *                              drive and node counts, S3 request counters
 *   /minio/v2/metrics/node     per-drive bytes/inodes (label `drive`), S3 counters
 *   /minio/v2/metrics/bucket   per-bucket usage (label `bucket`)
 *
 * Facts behind that split: drive metrics were renamed from `disk` to `drive`
 * in 2023 (minio/minio#17854) and left the cluster endpoint for the node one
 * in RELEASE.2024-01-28 (minio/minio#19046); bucket metrics moved to their
 * own endpoint in 2023 (RELEASE.2023-07-21 / 2023-08-31).
 *
 * Nothing here emits `minio_disk_storage_available` / `minio_disk_storage_total`
 * (the runbook's Detection query): MinIO does not emit them, and a stand-in
 * that did would hide the runbook's bug.
 *
 * Capacity comes from statfs(2) of the data directory, like MinIO's drive
 * info (total excludes root-reserved blocks, free is what an unprivileged
 * writer can use). Usage is summed live from the stored objects; real MinIO
 * reports usage from its data scanner, so its figures lag by a scan cycle.
 */
import { statfs } from "node:fs/promises";

export type MetricType = "gauge" | "counter";

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

export interface DriveStats {
  totalBytes: number;
  freeBytes: number;
  usedBytes: number;
  freeInodes: number;
}

export async function driveStats(path: string): Promise<DriveStats> {
  const s = await statfs(path);
  const reserved = Math.max(0, s.bfree - s.bavail);
  const totalBytes = s.bsize * (s.blocks - reserved);
  const freeBytes = s.bsize * s.bavail;
  return { totalBytes, freeBytes, usedBytes: Math.max(0, totalBytes - freeBytes), freeInodes: s.ffree };
}

export interface BucketUsage {
  bucket: string;
  objects: number;
  bytes: number;
}

/** Counts of S3 requests per API name, as MinIO's HTTP stats keep them. */
export class RequestStats {
  readonly total = new Map<string, number>();
  readonly errors = new Map<string, number>();
  readonly errors4xx = new Map<string, number>();
  readonly errors5xx = new Map<string, number>();
  rejectedAuth = 0;
  receivedBytes = 0;
  sentBytes = 0;

  record(api: string, status: number, received: number, sent: number): void {
    inc(this.total, api);
    if (status >= 400) inc(this.errors, api);
    if (status >= 400 && status < 500) inc(this.errors4xx, api);
    if (status >= 500) inc(this.errors5xx, api);
    this.receivedBytes += received;
    this.sentBytes += sent;
  }
}

function inc(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * MinIO's API name for an S3 request (the `api` label): its handler names,
 * lower-cased. Covers the operations the stack and drills use; anything else
 * is reported as "other" (a stand-in label value, not a MinIO one).
 */
export function s3ApiName(method: string, path: string, query: URLSearchParams): string {
  const segments = path.split("/").filter((s) => s !== "");
  const m = method.toUpperCase();
  if (segments.length === 0) return m === "GET" ? "listbuckets" : "other";
  if (segments.length === 1) {
    if (query.has("location")) return "getbucketlocation";
    if (query.has("versioning")) return m === "PUT" ? "putbucketversioning" : "getbucketversioning";
    if (query.has("policy")) return m === "PUT" ? "putbucketpolicy" : m === "DELETE" ? "deletebucketpolicy" : "getbucketpolicy";
    if (query.has("delete") && m === "POST") return "deletemultipleobjects";
    if (query.has("uploads")) return "listmultipartuploads";
    switch (m) {
      case "GET":
        return query.get("list-type") === "2" ? "listobjectsv2" : "listobjectsv1";
      case "HEAD":
        return "headbucket";
      case "PUT":
        return "putbucket";
      case "DELETE":
        return "deletebucket";
      default:
        return "other";
    }
  }
  if (query.has("uploads") && m === "POST") return "newmultipartupload";
  if (query.has("uploadId")) {
    if (m === "PUT") return "putobjectpart";
    if (m === "POST") return "completemultipartupload";
    if (m === "DELETE") return "abortmultipartupload";
    if (m === "GET") return "listobjectparts";
  }
  if (query.has("tagging")) return m === "PUT" ? "putobjecttagging" : m === "DELETE" ? "deleteobjecttagging" : "getobjecttagging";
  switch (m) {
    case "GET":
      return "getobject";
    case "HEAD":
      return "headobject";
    case "PUT":
      return "putobject";
    case "DELETE":
      return "deleteobject";
    default:
      return "other";
  }
}

export interface MetricsInput {
  server: string;
  dataDir: string;
  drive: DriveStats;
  buckets: BucketUsage[];
  requests: RequestStats;
  startedAtMs: number;
  nowMs: number;
  version: string;
}

const gauge = (name: string, help: string, samples: Sample[]): MetricFamily => ({ name, help, type: "gauge", samples });
const counter = (name: string, help: string, samples: Sample[]): MetricFamily => ({ name, help, type: "counter", samples });

function perApi(map: Map<string, number>, server: string): Sample[] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([api, value]) => ({ labels: { api, server }, value }));
}

function requestFamilies(input: MetricsInput): MetricFamily[] {
  const { requests: r, server } = input;
  return [
    counter("minio_s3_requests_total", "Total number of S3 requests", perApi(r.total, server)),
    counter("minio_s3_requests_errors_total", "Total number of S3 requests with (4xx and 5xx) errors", perApi(r.errors, server)),
    counter("minio_s3_requests_4xx_errors_total", "Total number of S3 requests with (4xx) errors", perApi(r.errors4xx, server)),
    counter("minio_s3_requests_5xx_errors_total", "Total number of S3 requests with (5xx) errors", perApi(r.errors5xx, server)),
    counter("minio_s3_requests_rejected_auth_total", "Total number of S3 requests rejected for auth failure", [
      { labels: { server }, value: r.rejectedAuth },
    ]),
    counter("minio_s3_traffic_received_bytes", "Total number of s3 bytes received", [{ labels: { server }, value: r.receivedBytes }]),
    counter("minio_s3_traffic_sent_bytes", "Total number of s3 bytes sent", [{ labels: { server }, value: r.sentBytes }]),
  ];
}

function processFamilies(input: MetricsInput): MetricFamily[] {
  const { server } = input;
  return [
    gauge("minio_node_process_starttime_seconds", "Start time for MinIO process per node, time in seconds since Unix epoc", [
      { labels: { server }, value: input.startedAtMs / 1000 },
    ]),
    gauge("minio_node_process_uptime_seconds", "Uptime for MinIO process per node in seconds", [
      { labels: { server }, value: (input.nowMs - input.startedAtMs) / 1000 },
    ]),
    gauge("minio_software_version_info", "MinIO Release tag for the server", [{ labels: { server, version: input.version }, value: 1 }]),
  ];
}

export function clusterMetrics(input: MetricsInput): MetricFamily[] {
  const { server, drive } = input;
  const one = (value: number): Sample[] => [{ labels: { server }, value }];
  const objects = input.buckets.reduce((n, b) => n + b.objects, 0);
  const bytes = input.buckets.reduce((n, b) => n + b.bytes, 0);
  return [
    gauge("minio_cluster_capacity_raw_free_bytes", "Total free capacity online in the cluster", one(drive.freeBytes)),
    gauge("minio_cluster_capacity_raw_total_bytes", "Total capacity online in the cluster", one(drive.totalBytes)),
    // One drive, no erasure coding: usable capacity is the raw capacity.
    gauge("minio_cluster_capacity_usable_free_bytes", "Total free usable capacity online in the cluster", one(drive.freeBytes)),
    gauge("minio_cluster_capacity_usable_total_bytes", "Total usable capacity online in the cluster", one(drive.totalBytes)),
    gauge("minio_cluster_usage_object_total", "Total number of objects in a cluster", one(objects)),
    gauge("minio_cluster_usage_total_bytes", "Total cluster usage in bytes", one(bytes)),
    gauge("minio_cluster_bucket_total", "Total number of buckets in the cluster", one(input.buckets.length)),
    gauge("minio_cluster_drive_offline_total", "Total drives offline in this cluster", one(0)),
    gauge("minio_cluster_drive_online_total", "Total drives online in this cluster", one(1)),
    gauge("minio_cluster_drive_total", "Total drives in this cluster", one(1)),
    gauge("minio_cluster_nodes_offline_total", "Total number of MinIO nodes offline", one(0)),
    gauge("minio_cluster_nodes_online_total", "Total number of MinIO nodes online", one(1)),
    ...requestFamilies(input),
    ...processFamilies(input),
  ];
}

export function nodeMetrics(input: MetricsInput): MetricFamily[] {
  const { server, drive } = input;
  const perDrive = (value: number): Sample[] => [{ labels: { drive: input.dataDir, server }, value }];
  const one = (value: number): Sample[] => [{ labels: { server }, value }];
  return [
    gauge("minio_node_drive_free_bytes", "Total storage available on a drive", perDrive(drive.freeBytes)),
    gauge("minio_node_drive_free_inodes", "Free inodes on a drive", perDrive(drive.freeInodes)),
    gauge("minio_node_drive_total_bytes", "Total storage on a drive", perDrive(drive.totalBytes)),
    gauge("minio_node_drive_used_bytes", "Total storage used on a drive", perDrive(drive.usedBytes)),
    gauge("minio_node_drive_offline_total", "Total drives offline in this node", one(0)),
    gauge("minio_node_drive_online_total", "Total drives online in this node", one(1)),
    gauge("minio_node_drive_total", "Total drives in this node", one(1)),
    ...requestFamilies(input),
    // The node collector upstream carries version info but not the process group.
    gauge("minio_software_version_info", "MinIO Release tag for the server", [{ labels: { server, version: input.version }, value: 1 }]),
  ];
}

export function bucketMetrics(input: MetricsInput): MetricFamily[] {
  const { server } = input;
  const sorted = [...input.buckets].sort((a, b) => (a.bucket < b.bucket ? -1 : 1));
  return [
    gauge(
      "minio_bucket_usage_object_total",
      "Total number of objects",
      sorted.map((b) => ({ labels: { bucket: b.bucket, server }, value: b.objects })),
    ),
    gauge(
      "minio_bucket_usage_total_bytes",
      "Total bucket size in bytes",
      sorted.map((b) => ({ labels: { bucket: b.bucket, server }, value: b.bytes })),
    ),
  ];
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** Prometheus text exposition format 0.0.4. Families without samples are left out, as client_golang does. */
export function renderExposition(families: MetricFamily[]): string {
  let out = "";
  for (const f of families) {
    if (f.samples.length === 0) continue;
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(",");
      out += `${f.name}${labels ? `{${labels}}` : ""} ${formatValue(s.value)}\n`;
    }
  }
  return out;
}

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
