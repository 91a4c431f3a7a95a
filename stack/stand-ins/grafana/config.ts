// Grafana's environment and provisioning, the parts the stack uses:
//   GF_SERVER_HTTP_PORT (3000), GF_SERVER_ROOT_URL + GF_SERVER_SERVE_FROM_SUB_PATH (the
//   stack serves Grafana under /grafana/ behind Caddy), GF_SECURITY_ADMIN_USER (admin) and
//   GF_SECURITY_ADMIN_PASSWORD, GF_PATHS_PROVISIONING (/etc/grafana/provisioning),
//   GF_PATHS_DATA (/var/lib/grafana); datasources from provisioning/datasources/*.y(a)ml
//   with $VAR / ${VAR} expanded from the environment, as Grafana does.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export interface GrafanaConfig {
  port: number;
  rootUrl: string;
  /** "/grafana" when served from a sub path, else "". */
  subPath: string;
  adminUser: string;
  adminPassword: string;
  provisioningDir: string;
  dataDir: string;
}

export interface Datasource {
  id: number;
  uid: string;
  orgId: number;
  name: string;
  type: string;
  typeName: string;
  typeLogoUrl: string;
  access: string;
  url: string;
  user: string;
  database: string;
  basicAuth: boolean;
  isDefault: boolean;
  jsonData: Record<string, unknown>;
  readOnly: boolean;
}

export function readGrafanaConfig(env: Record<string, string | undefined>): GrafanaConfig {
  const port = Number(env.GF_SERVER_HTTP_PORT || 3000);
  const rootUrl = env.GF_SERVER_ROOT_URL || `http://localhost:${port}/`;
  const subFromUrl = new URL(rootUrl.replace("%(http_port)s", String(port))).pathname.replace(/\/+$/, "");
  const servesSubPath = (env.GF_SERVER_SERVE_FROM_SUB_PATH ?? "false").toLowerCase() === "true";
  return {
    port,
    rootUrl,
    subPath: servesSubPath ? subFromUrl : "",
    adminUser: env.GF_SECURITY_ADMIN_USER || "admin",
    adminPassword: env.GF_SECURITY_ADMIN_PASSWORD || "admin",
    provisioningDir: env.GF_PATHS_PROVISIONING || "/etc/grafana/provisioning",
    dataDir: env.GF_PATHS_DATA || "/var/lib/grafana",
  };
}

function expand(value: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof value === "string") return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string | undefined, b: string | undefined) => env[a ?? b ?? ""] ?? "");
  if (Array.isArray(value)) return value.map((v) => expand(v, env));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v, env)]));
  return value;
}

const typeNames: Record<string, string> = { prometheus: "Prometheus", loki: "Loki" };

/** Datasources from provisioning/datasources, ids in file order from 1. */
export function provisionDatasources(provisioningDir: string, env: Record<string, string | undefined>): Datasource[] {
  const dir = join(provisioningDir, "datasources");
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch {
    return [];
  }
  const out: Datasource[] = [];
  for (const file of files) {
    const doc = expand(parse(readFileSync(join(dir, file), "utf8")), env) as { datasources?: Record<string, unknown>[] } | null;
    for (const ds of doc?.datasources ?? []) {
      const name = String(ds.name ?? "");
      const type = String(ds.type ?? "");
      if (!name || !type) throw new Error(`${join(dir, file)}: datasource needs a name and a type`);
      if (out.some((d) => d.name === name)) throw new Error(`${join(dir, file)}: datasource "${name}" is provisioned twice`);
      out.push({
        id: out.length + 1,
        // Grafana stores a generated uid in its database; the stand-in derives a stable one from the name.
        uid: typeof ds.uid === "string" ? ds.uid : createHash("sha256").update(name).digest("hex").slice(0, 14),
        orgId: Number(ds.orgId ?? 1),
        name,
        type,
        typeName: typeNames[type] ?? type,
        typeLogoUrl: `public/app/plugins/datasource/${type}/img/${type}_icon.svg`,
        access: String(ds.access ?? "proxy"),
        url: String(ds.url ?? ""),
        user: String(ds.user ?? ""),
        database: String(ds.database ?? ""),
        basicAuth: ds.basicAuth === true,
        isDefault: ds.isDefault === true,
        jsonData: (ds.jsonData as Record<string, unknown> | undefined) ?? {},
        readOnly: ds.editable !== true,
      });
    }
  }
  return out;
}
