// Which implementation serves each service of stack/docker-compose.yml in each image
// profile. Reports name these, so an auditor can see what was real and what stood in.

export type ProfileName = "upstream" | "airgapped";

export type Implementation =
  /** The pinned image named by the compose file's `${X_IMAGE:-default}`. */
  | { kind: "upstream" }
  /** The real server, built from Debian packages (stack/images/<dir>) or our own code. */
  | { kind: "local-build"; context: string; note: string }
  /**
   * Different software that speaks the same API: TypeScript bundles run by Debian's
   * Node (stack/images/node-stand-in). `main` is the server; other keys become
   * commands on PATH (e.g. `mc`).
   */
  | { kind: "stand-in"; bundles: Record<string, string>; note: string }
  /** The profile cannot serve it; the drill stack leaves it out and says why. */
  | { kind: "absent"; reason: string };

// Paths are relative to stack/.
const app: Implementation = {
  kind: "local-build",
  context: "app",
  note: "the reference FastAPI app, built from stack/app",
};

const airgapped: Record<string, Implementation> = {
  caddy: { kind: "local-build", context: "images/caddy", note: "Debian caddy 2.6" },
  postgresql: { kind: "local-build", context: "images/postgresql", note: "Debian postgresql-15 with the official image's entrypoint contract" },
  "postgres-backup": { kind: "local-build", context: "images/postgresql", note: "pg_dump loop on the Debian postgresql-15 image" },
  "postgres-exporter": { kind: "local-build", context: "images/postgres-exporter", note: "Debian prometheus-postgres-exporter" },
  prometheus: { kind: "local-build", context: "images/prometheus", note: "Debian prometheus 2.42" },
  alertmanager: { kind: "local-build", context: "images/alertmanager", note: "Debian prometheus-alertmanager" },
  "node-exporter": { kind: "local-build", context: "images/node-exporter", note: "Debian prometheus-node-exporter" },
  "blackbox-exporter": { kind: "local-build", context: "images/blackbox-exporter", note: "Debian prometheus-blackbox-exporter" },
  "fastapi-app": app,
  minio: {
    kind: "stand-in",
    bundles: { main: "stand-ins/s3/main.ts", mc: "stand-ins/mc/main.ts" },
    note: "S3 stand-in (s3rver) with MinIO's health and v2 metrics endpoints and an `mc` subset; no console",
  },
  "minio-init": {
    kind: "stand-in",
    bundles: { main: "stand-ins/mc/main.ts", mc: "stand-ins/mc/main.ts" },
    note: "`mc` subset (alias, ls, mb, rb) in TypeScript",
  },
  meilisearch: {
    kind: "stand-in",
    bundles: { main: "stand-ins/meilisearch/main.ts" },
    note: "Meilisearch API stand-in in TypeScript (index kept in /meili_data as a JSON snapshot)",
  },
  ses: {
    kind: "stand-in",
    bundles: { main: "stand-ins/ses/main.ts" },
    note: "SES stand-in (aws-ses-v2-local) on LocalStack's port 4566, with GET /store",
  },
  // No Debian packages exist for Grafana, Loki or Promtail.
  grafana: {
    kind: "stand-in",
    bundles: { main: "stand-ins/grafana/main.ts" },
    note: "Grafana HTTP API stand-in in TypeScript (health, login, provisioned datasources, Explore queries via /api/ds/query); no UI",
  },
  loki: {
    kind: "stand-in",
    bundles: { main: "stand-ins/loki/main.ts" },
    note: "Loki API stand-in in TypeScript (push protobuf+snappy/JSON, query_range with selectors and line filters; WAL and chunks under /loki)",
  },
  promtail: {
    kind: "stand-in",
    bundles: { main: "stand-ins/promtail/main.ts" },
    note: "Promtail stand-in in TypeScript (reads /etc/promtail/config.yml: __path__ globs, positions file, json/labels pipeline; ships protobuf+snappy)",
  },
};

/**
 * Drill-only stand-ins for what production runs outside the compose file, built from
 * stack/<context> (Debian packages) in both profiles. Only scenarios that ask for one
 * (and name it in `needs`) run it; reports always mark it a stand-in.
 */
export const drillOnlyStandIns: Record<string, { context: string; note: string }> = {
  "ec2-host": {
    context: "images/ec2-host",
    note:
      "stands in for the production EC2 instance: Debian's openssh-server in a container on the drill network, " +
      "reached from the operator shell (section 11); no instance, security group, SSM or AWS API behind it",
  },
};

/** The implementation of a service in a profile. Unknown services are upstream-only. */
export function implementationOf(profile: ProfileName, service: string): Implementation {
  if (service === "fastapi-app") return app;
  const drillOnly = drillOnlyStandIns[service];
  if (drillOnly) return { kind: "stand-in", bundles: {}, note: drillOnly.note };
  if (profile === "upstream") return { kind: "upstream" };
  return airgapped[service] ?? { kind: "absent", reason: `no air-gapped image is defined for ${service}` };
}
