// Which services a file under stack/ feeds, and in which image profile it takes effect.
// Derived from the project's own sources of truth rather than a hand-kept table: bind
// mounts in stack/docker-compose.yml (config files), the image catalog (air-gapped
// build contexts and stand-in bundles, harness/stack/catalog.ts), and the import
// graph of each stand-in bundle (a shared helper counts for every bundle that imports
// it).
import { existsSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { parse } from "yaml";
import { implementationOf, type ProfileName } from "../stack/catalog.js";
import { parseComposeText } from "../stack/compose-file.js";

export const PROFILES: ProfileName[] = ["upstream", "airgapped"];

/** Services every drill stack runs besides the compose file's (drill-stack.ts adds them
 *  to each drill; a test keeps this list equal to its `drillOnlyServices`). */
export const DRILL_ONLY_SERVICES: Record<string, { bundle: string; profiles: ProfileName[] }> = {
  // The webhook receiver standing for Slack: a stand-in in both profiles.
  "alert-sink": { bundle: "stand-ins/alert-sink/main.ts", profiles: ["upstream", "airgapped"] },
  // Toxiproxy: the upstream image, or this stand-in when air-gapped.
  toxiproxy: { bundle: "stand-ins/toxiproxy/main.ts", profiles: ["airgapped"] },
};

/** The base image every stand-in bundle runs on (images.ts copies its Dockerfile). */
const STAND_IN_IMAGE_DIR = "stack/images/node-stand-in/";

export interface ServiceImpact {
  services: string[];
  profiles: ProfileName[];
  why: string;
}

export interface ComposeDoc {
  services?: Record<string, Record<string, unknown>>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, unknown>;
  [key: string]: unknown;
}

export function parseCompose(text: string | undefined): ComposeDoc | undefined {
  if (text === undefined) return undefined;
  const { compose, diagnostics } = parseComposeText(text, "docker-compose.yml");
  return diagnostics.some((d) => d.severity === "error") ? undefined : (compose as ComposeDoc | undefined);
}

/** JSON with sorted keys, so reordering keys in YAML is not a change. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

export interface ComposeDiff {
  /** Services whose definition changed (or that appeared or disappeared), with why. */
  services: Map<string, string>;
  /** Top-level keys other than services/volumes/networks changed: every service. */
  global: string[];
}

export function diffCompose(before: ComposeDoc | undefined, after: ComposeDoc | undefined): ComposeDiff {
  const services = new Map<string, string>();
  const global: string[] = [];
  const o = before?.services ?? {};
  const n = after?.services ?? {};
  for (const name of new Set([...Object.keys(o), ...Object.keys(n)])) {
    if (!(name in o)) services.set(name, `service ${name} added to the compose file`);
    else if (!(name in n)) services.set(name, `service ${name} removed from the compose file`);
    else if (canonical(o[name]) !== canonical(n[name])) services.set(name, `compose service ${name} changed`);
  }
  // A changed volume or network counts for the services that use it.
  for (const kind of ["volumes", "networks"] as const) {
    const ov = (before?.[kind] ?? {}) as Record<string, unknown>;
    const nv = (after?.[kind] ?? {}) as Record<string, unknown>;
    for (const name of new Set([...Object.keys(ov), ...Object.keys(nv)])) {
      if (canonical(ov[name]) === canonical(nv[name])) continue;
      for (const [svc, def] of Object.entries(n)) {
        if (usesResource(def, kind, name) && !services.has(svc)) services.set(svc, `compose ${kind.slice(0, -1)} ${name} (used by ${svc}) changed`);
      }
    }
  }
  for (const key of new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])) {
    if (["services", "volumes", "networks"].includes(key)) continue;
    if (canonical(before?.[key]) !== canonical(after?.[key])) global.push(key);
  }
  return { services, global };
}

function usesResource(def: Record<string, unknown>, kind: "volumes" | "networks", name: string): boolean {
  const list = def[kind];
  if (kind === "volumes") return Array.isArray(list) && list.some((v) => typeof v === "string" && v.split(":")[0] === name);
  if (Array.isArray(list)) return list.includes(name);
  return !!list && typeof list === "object" && name in list;
}

/** Repo-relative sources (files or directories) each service bind-mounts from stack/. */
export function composeMounts(compose: ComposeDoc | undefined): { service: string; source: string }[] {
  const out: { service: string; source: string }[] = [];
  for (const [service, def] of Object.entries(compose?.services ?? {})) {
    for (const v of (Array.isArray(def.volumes) ? def.volumes : []) as unknown[]) {
      if (typeof v !== "string") continue;
      const src = v.split(":")[0] ?? "";
      if (!src.startsWith("./") && !src.startsWith("../")) continue;
      out.push({ service, source: posix.normalize(posix.join("stack", src)) });
    }
  }
  return out;
}

/** Repo-relative files a TypeScript entry point imports, transitively (relative
 *  imports only: npm packages change through package-lock.json, which selects all). */
export function importClosure(root: string, entry: string): Set<string> {
  const seen = new Set<string>();
  const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)|^\s*import\s*["'](\.{1,2}\/[^"']+)["']/gm;
  const resolveSpec = (from: string, spec: string): string | undefined => {
    const base = posix.join(posix.dirname(from), spec);
    const candidates = [base.replace(/\.js$/, ".ts"), base, `${base}.ts`, posix.join(base, "index.ts")];
    return candidates.find((c) => existsSync(join(root, c)));
  };
  const visit = (file: string): void => {
    const rel = posix.normalize(file);
    if (seen.has(rel) || !existsSync(join(root, rel))) return;
    seen.add(rel);
    const text = readFileSync(join(root, rel), "utf8");
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const target = spec ? resolveSpec(rel, spec) : undefined;
      if (target) visit(target);
    }
  };
  visit(entry);
  return seen;
}

interface Bundle {
  service: string;
  profile: ProfileName;
  files: Set<string>;
}

/** Maps stack/ paths to services, for one checkout. */
export class StackMap {
  private bundles?: Bundle[];

  constructor(
    private readonly root: string,
    private readonly compose: ComposeDoc | undefined,
  ) {}

  private serviceNames(): string[] {
    return Object.keys(this.compose?.services ?? {});
  }

  private standInBundles(): Bundle[] {
    if (this.bundles) return this.bundles;
    const out: Bundle[] = [];
    for (const profile of PROFILES) {
      for (const service of this.serviceNames()) {
        const impl = implementationOf(profile, service);
        if (impl.kind !== "stand-in") continue;
        const files = new Set<string>();
        for (const entry of Object.values(impl.bundles)) for (const f of importClosure(this.root, `stack/${entry}`)) files.add(f);
        out.push({ service, profile, files });
      }
      for (const [service, d] of Object.entries(DRILL_ONLY_SERVICES)) {
        if (d.profiles.includes(profile)) out.push({ service, profile, files: importClosure(this.root, `stack/${d.bundle}`) });
      }
    }
    return (this.bundles = out);
  }

  /** Services a changed file under stack/ (not the compose file) feeds; undefined when
   *  nothing the project knows of uses it. */
  impactOf(path: string): ServiceImpact | undefined {
    const hits = new Map<string, Set<ProfileName>>();
    const add = (service: string, profile: ProfileName): void => {
      hits.set(service, (hits.get(service) ?? new Set()).add(profile));
    };
    const result = (why: string): ServiceImpact | undefined => {
      if (hits.size === 0) return undefined;
      const profiles = PROFILES.filter((p) => [...hits.values()].some((s) => s.has(p)));
      return { services: [...hits.keys()].sort(), profiles, why };
    };

    if (path.startsWith(STAND_IN_IMAGE_DIR)) {
      for (const b of this.standInBundles()) add(b.service, b.profile);
      return result("the base image of every stand-in");
    }
    if (path.startsWith("stack/stand-ins/")) {
      for (const b of this.standInBundles()) if (b.files.has(path)) add(b.service, b.profile);
      return result("part of the stand-in bundle");
    }
    // Built images: the app (both profiles) and the air-gapped Dockerfiles.
    for (const profile of PROFILES) {
      for (const service of this.serviceNames()) {
        const impl = implementationOf(profile, service);
        if (impl.kind === "local-build" && (path + "/").startsWith(`stack/${impl.context}/`)) add(service, profile);
      }
    }
    if (hits.size > 0) return result("in the image build context");
    for (const m of composeMounts(this.compose)) {
      if (path === m.source || path.startsWith(`${m.source}/`)) {
        for (const p of PROFILES) add(m.service, p);
      }
    }
    return result("mounted into the container");
  }
}

/** Alerts whose rule changed in a Prometheus rules file, and whether anything else did. */
export function diffAlertRules(oldText: string | undefined, newText: string | undefined): { alerts: string[]; other: boolean } {
  type Rules = { groups?: { name?: string; interval?: unknown; rules?: Record<string, unknown>[] }[] };
  const read = (t: string | undefined): Rules | undefined => {
    if (t === undefined) return {};
    try {
      return (parse(t) as Rules | null) ?? {};
    } catch {
      return undefined;
    }
  };
  const o = read(oldText);
  const n = read(newText);
  if (!o || !n) return { alerts: [], other: true };
  const alerts = (r: Rules) => new Map((r.groups ?? []).flatMap((g) => (g.rules ?? []).filter((x) => typeof x.alert === "string").map((x) => [String(x.alert), canonical(x)] as const)));
  const rest = (r: Rules) => canonical((r.groups ?? []).map((g) => ({ ...g, rules: (g.rules ?? []).filter((x) => typeof x.alert !== "string") })));
  const oa = alerts(o);
  const na = alerts(n);
  const changed = [...new Set([...oa.keys(), ...na.keys()])].filter((a) => oa.get(a) !== na.get(a)).sort();
  return { alerts: changed, other: rest(o) !== rest(n) };
}

export const isRulesFile = (path: string): boolean => path.startsWith("stack/config/prometheus/rules/") && /\.ya?ml$/.test(path);
