// What the drill's own compose file allows that the scope guard otherwise refuses: the
// host paths its bind mounts use, the privileges a service declares, the driver options
// of its volumes and networks, and the images its services run. A runbook step may do
// through the guard what the drill's compose file itself does (compose `up -d` in the
// operator shell recreates services exactly so), and nothing beyond it.
import { existsSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, sep } from "node:path";
import type { ComposeFile, ComposeService } from "../stack/compose-file.js";

/** HostConfig fields that widen a container's reach; refused unless the service declares them. */
export const privilegedFields = [
  "Privileged",
  "CapAdd",
  "Devices",
  "DeviceCgroupRules",
  "DeviceRequests",
  "SecurityOpt",
  "PidMode",
  "IpcMode",
  "UTSMode",
  "UsernsMode",
  "CgroupnsMode",
  "Cgroup",
  "CgroupParent",
  "Sysctls",
  "Runtime",
  "OomKillDisable",
  "MaskedPaths",
  "ReadonlyPaths",
  "StorageOpt",
] as const;
export type PrivilegedField = (typeof privilegedFields)[number];

export interface DeclaredService {
  /** The container name compose gives it (`<project>-<service>`). */
  containerName: string;
  image?: string;
  /** Privileged HostConfig values its compose entry declares, in the engine's shape. */
  privileges: Partial<Record<PrivilegedField, unknown>>;
}

export interface DrillPolicy {
  /** Host paths (resolved, no symlinks) under which a bind mount's source may lie. */
  bindRoots: string[];
  /** By compose service name. */
  services: Record<string, DeclaredService>;
  /** By the drill's volume name (`<project>_<volume>`): its declared driver and options. */
  volumes: Record<string, { driver?: string; driverOpts?: Record<string, string> }>;
  /** By the drill's network name: its declared driver and options. */
  networks: Record<string, { driver?: string; driverOpts?: Record<string, string> }>;
  /** Image references the drill's services run. */
  images: string[];
}

export const emptyPolicy = (): DrillPolicy => ({ bindRoots: [], services: {}, volumes: {}, networks: {}, images: [] });

/** compose keys -> the engine's HostConfig field and value shape. */
function declaredPrivileges(svc: ComposeService): Partial<Record<PrivilegedField, unknown>> {
  const out: Partial<Record<PrivilegedField, unknown>> = {};
  const str = (k: string) => (typeof svc[k] === "string" ? (svc[k] as string) : undefined);
  const list = (k: string) => (Array.isArray(svc[k]) ? (svc[k] as unknown[]).map(String) : undefined);
  if (svc.privileged === true) out.Privileged = true;
  if (list("cap_add")) out.CapAdd = list("cap_add");
  if (list("security_opt")) out.SecurityOpt = list("security_opt");
  if (list("device_cgroup_rules")) out.DeviceCgroupRules = list("device_cgroup_rules");
  if (list("devices")) {
    out.Devices = (list("devices") ?? []).map((spec) => {
      const [host = "", container = host, perms = "rwm"] = spec.split(":");
      return { PathOnHost: host, PathInContainer: container, CgroupPermissions: perms };
    });
  }
  if (str("pid")) out.PidMode = str("pid");
  if (str("ipc")) out.IpcMode = str("ipc");
  if (str("userns_mode")) out.UsernsMode = str("userns_mode");
  if (str("cgroup_parent")) out.CgroupParent = str("cgroup_parent");
  if (str("runtime")) out.Runtime = str("runtime");
  const sysctls = svc.sysctls;
  if (Array.isArray(sysctls)) out.Sysctls = Object.fromEntries(sysctls.map((s) => String(s).split("=", 2)));
  else if (sysctls && typeof sysctls === "object") out.Sysctls = Object.fromEntries(Object.entries(sysctls).map(([k, v]) => [k, String(v)]));
  return out;
}

function driverOf(def: Record<string, unknown> | null | undefined): { driver?: string; driverOpts?: Record<string, string> } {
  const driver = typeof def?.driver === "string" ? def.driver : undefined;
  const opts = def?.driver_opts;
  const driverOpts =
    opts && typeof opts === "object" ? Object.fromEntries(Object.entries(opts as Record<string, unknown>).map(([k, v]) => [k, String(v)])) : undefined;
  return { driver, driverOpts };
}

/** Resolve a host path through symlinks; a path that does not exist yet resolves through its nearest existing parent. */
export function resolveHostPath(path: string): string {
  let existing = path;
  const tail: string[] = [];
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) break;
    tail.unshift(basename(existing));
    existing = parent;
  }
  return join(realpathSync(existing), ...tail);
}

/** Is `path` (already resolved) `root` or inside it? */
export function within(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * The policy of one drill, from its derived compose file. `stateDir` is the drill's own
 * folder (`.drill-state/<project>`); `images` resolves a service's image reference
 * (the derived file names images through variables bring-up set).
 */
export function policyFromCompose(derived: ComposeFile, project: string, stateDir: string, env: Record<string, string> = {}): DrillPolicy {
  const policy = emptyPolicy();
  const roots = new Set<string>([resolveHostPath(stateDir)]);
  const interpolate = (s: string) => s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_, name: string, dflt?: string) => env[name] ?? dflt ?? "");
  for (const [name, svc] of Object.entries(derived.services)) {
    const image = svc.image ? interpolate(svc.image) : undefined;
    if (image) policy.images.push(image);
    policy.services[name] = { containerName: svc.container_name ?? `${project}-${name}`, image, privileges: declaredPrivileges(svc) };
    for (const spec of svc.volumes ?? []) {
      const source = String(spec).split(":")[0] ?? "";
      if (isAbsolute(source)) roots.add(resolveHostPath(source));
    }
  }
  for (const [name, def] of Object.entries(derived.volumes ?? {})) policy.volumes[`${project}_${name}`] = driverOf(def);
  for (const [name, def] of Object.entries(derived.networks ?? {})) policy.networks[`${project}_${name}`] = driverOf(def);
  policy.bindRoots = [...roots];
  return policy;
}
