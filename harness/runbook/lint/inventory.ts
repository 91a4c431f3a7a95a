// Does the runbook talk about the stack we have? Steps name containers (`docker exec
// caddy`), compose services (`docker-compose restart minio`), volumes and networks
// (`docker-compose_postgres-data`), ports (`localhost:7700`) and paths inside containers
// (`/etc/caddy/Caddyfile`). A name the stack does not have makes the step fail in a real
// incident, so each one is a finding. The inventory comes from the compose file.
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join, posix } from "node:path";
import type { Finding } from "./findings.js";
import { hostOf } from "../resolve/commands.js";
import { parseShell, type Pipeline, type SimpleCommand, type Word } from "../parse/shell-syntax.js";
import type { Diagnostic, Runbook } from "../types.js";
import { parseComposeText } from "../../stack/compose-file.js";

export interface Mount {
  type: "bind" | "volume" | "tmpfs";
  /** Host path (bind, resolved against the compose folder) or volume name. */
  source?: string;
  target: string;
}

export interface ServiceInventory {
  name: string;
  containerName: string;
  mounts: Mount[];
  aliases: string[];
  environment: Record<string, string>;
}

export interface StackInventory {
  /** As given, for messages. */
  composeFile: string;
  /** Absolute folder of the compose file: bind sources are relative to it. */
  composeDir: string;
  project: string;
  services: Map<string, ServiceInventory>;
  /** Short name -> name on the engine (`postgres-data` -> `docker-compose_postgres-data`). */
  volumes: Map<string, string>;
  networks: Map<string, string>;
  publishedPorts: Set<number>;
}

interface ComposeService {
  container_name?: string;
  environment?: string[] | Record<string, string | number | boolean | null>;
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  ports?: (string | number | { published?: string | number })[];
  networks?: string[] | Record<string, { aliases?: string[] } | null>;
}

interface ComposeFile {
  services?: Record<string, ComposeService | null>;
  volumes?: Record<string, { name?: string; external?: boolean } | null>;
  networks?: Record<string, { name?: string; external?: boolean } | null>;
}

export function parseCompose(
  text: string,
  composeFile: string,
  composeDir: string,
  project: string,
): { inventory?: StackInventory; diagnostics: Diagnostic[] } {
  // Read as the drill reads it (stack/compose-file.ts); this module looks at more fields.
  const parsed = parseComposeText(text, composeFile);
  const doc = parsed.compose as ComposeFile | undefined;
  if (!doc) return { diagnostics: parsed.diagnostics };
  const services = new Map<string, ServiceInventory>();
  const publishedPorts = new Set<number>();
  for (const [name, svc] of Object.entries(doc.services ?? {})) {
    const s = svc ?? {};
    const mounts = (s.volumes ?? []).map((v) => parseMount(v, composeDir)).filter((m): m is Mount => m !== undefined);
    const aliases = Array.isArray(s.networks) || !s.networks ? [] : Object.values(s.networks).flatMap((n) => n?.aliases ?? []);
    services.set(name, { name, containerName: s.container_name ?? `${project}_${name}_1`, mounts, aliases, environment: environment(s) });
    for (const p of s.ports ?? []) {
      const published = publishedPort(p);
      if (published !== undefined) publishedPorts.add(published);
    }
  }
  const named = (m: Record<string, { name?: string } | null> | undefined, defaults: string[]): Map<string, string> => {
    const out = new Map<string, string>(defaults.map((d) => [d, `${project}_${d}`]));
    for (const [k, v] of Object.entries(m ?? {})) out.set(k, v?.name ?? `${project}_${k}`);
    return out;
  };
  return {
    inventory: {
      composeFile,
      composeDir,
      project,
      services,
      volumes: named(doc.volumes ?? undefined, []),
      networks: named(doc.networks ?? undefined, ["default"]),
      publishedPorts,
    },
    diagnostics: parsed.diagnostics,
  };
}

export function loadInventory(
  repoRoot: string,
  composeFile: string,
  project: string,
): { inventory?: StackInventory; diagnostics: Diagnostic[] } | undefined {
  const abs = join(repoRoot, composeFile);
  if (!existsSync(abs)) return undefined;
  return parseCompose(readFileSync(abs, "utf8"), composeFile, posix.dirname(abs), project);
}

function environment(s: ComposeService): Record<string, string> {
  const env = s.environment;
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => [e.split("=")[0]!, e.includes("=") ? e.slice(e.indexOf("=") + 1) : ""]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? "" : String(v)]));
}

function parseMount(v: string | { type?: string; source?: string; target?: string }, composeDir: string): Mount | undefined {
  if (typeof v === "object") {
    if (!v.target) return undefined;
    const type = v.type === "bind" ? "bind" : v.type === "tmpfs" ? "tmpfs" : "volume";
    const source = type === "bind" && v.source ? posix.resolve(composeDir, v.source) : v.source;
    return { type, ...(source !== undefined ? { source } : {}), target: v.target };
  }
  const parts = v.split(":");
  if (parts.length === 1) return { type: "volume", target: parts[0]! };
  const [src, target] = parts as [string, string];
  const isPath = src.startsWith(".") || src.startsWith("/") || src.startsWith("~");
  return isPath ? { type: "bind", source: posix.resolve(composeDir, src), target } : { type: "volume", source: src, target };
}

function publishedPort(p: string | number | { published?: string | number }): number | undefined {
  if (typeof p === "number") return p;
  if (typeof p === "object") return p.published === undefined ? undefined : Number(p.published);
  // "8080:80", "127.0.0.1:8080:80", "8080:80/tcp"; a lone "80" publishes a random port.
  const parts = p.replace(/\/\w+$/, "").split(":");
  return parts.length >= 2 ? Number(parts[parts.length - 2]) : undefined;
}

/** The compose project the runbook works in: `cd ~/app/docker-compose` -> docker-compose. */
export function composeProjectFromRunbook(runbook: Runbook): string | undefined {
  for (const section of runbook.sections) {
    for (const step of section.steps) {
      const cmds = parseShell(step.text).commands;
      if (!cmds.some((c) => c.argv[0] === "docker-compose" || (c.argv[0] === "docker" && c.argv[1] === "compose"))) continue;
      const cd = cmds.find((c) => c.argv[0] === "cd" && c.argv[1]);
      if (cd) return basename(cd.argv[1]!.replace(/\/+$/, ""));
    }
  }
  return undefined;
}

type RefKind =
  | "container"
  | "container-grep"
  | "service"
  | "volume"
  | "network"
  | "port"
  | "host"
  | "container-path"
  | "host-path"
  | "db-user";

interface Reference {
  kind: RefKind;
  value: string;
  line: number;
  /** For container paths: the container the path is inside. */
  container?: string;
  caseInsensitive?: boolean;
}

const DOCKER_VALUE_FLAGS = new Set([
  "-e", "--env", "--env-file", "-u", "--user", "-w", "--workdir", "--detach-keys", "--tail", "-n", "--since", "--until",
  "--format", "-f", "--filter", "--signal", "-s", "-t", "--time",
]);
const COMPOSE_GLOBAL_VALUE_FLAGS = new Set(["-f", "--file", "-p", "--project-name", "--env-file", "--project-directory", "--profile"]);
const COMPOSE_VALUE_FLAGS = new Set([
  "-e", "--env", "-u", "--user", "-w", "--workdir", "--entrypoint", "-v", "--volume", "--name", "-p", "--publish", "-l", "--label",
  "-t", "--timeout", "--scale", "--tail", "--index",
]);
const COMPOSE_SERVICE_LIST = new Set(["restart", "up", "stop", "start", "logs", "rm", "kill", "pause", "unpause", "ps", "pull", "create", "top", "build"]);
const DOCKER_CONTAINER_LIST = new Set(["logs", "port", "restart", "stop", "start", "kill", "top", "pause", "unpause", "stats", "rm"]);
const GREP_VALUE_FLAGS = new Set(["-A", "-B", "-C", "-e", "-f", "-m", "--max-count"]);

/** Positional arguments, skipping flags (and the values of flags that take one). */
function positionals(args: readonly Word[], valueFlags: ReadonlySet<string>): Word[] {
  const out: Word[] = [];
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!.value;
    if (a === "--") return [...out, ...args.slice(k + 1)];
    if (a.startsWith("-") && a.length > 1) {
      if (valueFlags.has(a)) k++;
      continue;
    }
    out.push(args[k]!);
  }
  return out;
}

function commandRefs(cmd: SimpleCommand, next: SimpleCommand | undefined): Reference[] {
  const refs: Reference[] = [];
  const [name, ...rest] = cmd.words;
  const argv0 = name?.value === "sudo" ? rest.shift()?.value : name?.value;
  const words = rest;
  const ref = (kind: RefKind, w: Word, extra: Partial<Reference> = {}): void => {
    refs.push({ kind, value: w.value, line: w.line, ...extra });
  };

  if (argv0 === "docker") {
    const sub = words[0]?.value;
    const args = words.slice(1);
    if (sub === "exec") {
      const pos = positionals(args, DOCKER_VALUE_FLAGS);
      const container = pos[0];
      if (container) {
        ref("container", container);
        const inner = args.slice(args.indexOf(container) + 1);
        // `psql -U postgres` inside the database container names a role the image creates.
        if (["psql", "pg_isready", "pg_dump", "pg_restore"].includes(inner[0]?.value ?? "")) {
          const u = inner.findIndex((w) => w.value === "-U" || w.value === "--username");
          const user = u >= 0 ? inner[u + 1] : undefined;
          if (user) refs.push({ kind: "db-user", value: user.value, line: user.line, container: container.value });
        }
        for (const w of inner) {
          const path = /^(?:--?[\w-]+=)?(\/[^\s:;|]*)$/.exec(w.value)?.[1];
          if (path && path.length > 1) refs.push({ kind: "container-path", value: path, line: w.line, container: container.value });
        }
      }
    } else if (sub && DOCKER_CONTAINER_LIST.has(sub)) {
      for (const w of positionals(args, DOCKER_VALUE_FLAGS)) ref("container", w);
    } else if (sub === "ps" && next && (next.argv[0] === "grep" || next.argv[0] === "egrep")) {
      const grepArgs = next.words.slice(1);
      const pattern = positionals(grepArgs, GREP_VALUE_FLAGS)[0];
      const insensitive = grepArgs.some((w) => /^-[a-zA-Z]*i/.test(w.value));
      if (pattern) ref("container-grep", pattern, { caseInsensitive: insensitive });
    } else if (sub === "volume" || sub === "network") {
      const action = args[0]?.value;
      const pos = positionals(args.slice(1), DOCKER_VALUE_FLAGS);
      if (action && action !== "ls" && action !== "create" && action !== "prune") {
        const kind: RefKind = sub === "volume" ? "volume" : "network";
        pos.slice(0, sub === "network" && (action === "connect" || action === "disconnect") ? 1 : undefined).forEach((w) => ref(kind, w));
        if (sub === "network" && (action === "connect" || action === "disconnect") && pos[1]) ref("container", pos[1]);
      }
    }
  } else if (argv0 === "docker-compose" || (argv0 === "docker" && words[0]?.value === "compose")) {
    const args = argv0 === "docker" ? words.slice(1) : words;
    let k = 0;
    while (k < args.length && args[k]!.value.startsWith("-")) k += COMPOSE_GLOBAL_VALUE_FLAGS.has(args[k]!.value) ? 2 : 1;
    const sub = args[k]?.value;
    const pos = positionals(args.slice(k + 1), COMPOSE_VALUE_FLAGS);
    if (sub && COMPOSE_SERVICE_LIST.has(sub)) pos.forEach((w) => ref("service", w));
    else if ((sub === "exec" || sub === "run") && pos[0]) ref("service", pos[0]);
  } else if (argv0 === "curl" || argv0 === "wget" || argv0 === "aws") {
    for (const w of words) {
      if (w.value.startsWith("-") || (argv0 === "aws" && !/^https?:/.test(w.value))) continue;
      const host = hostOf(w.value);
      if (!host) continue;
      if (host === "localhost" || /^127\./.test(host)) {
        const port = /^[a-z]+:\/\/[^/]*:(\d+)/i.exec(w.value)?.[1] ?? (w.value.startsWith("https") ? "443" : "80");
        refs.push({ kind: "port", value: port, line: w.line });
      } else if (!host.includes(".")) refs.push({ kind: "host", value: host, line: w.line });
    }
  } else if ((argv0 === "chown" || argv0 === "chmod") && words.some((w) => /^-[a-zA-Z]*R$|^--recursive$/.test(w.value))) {
    // A recursive ownership/permission change only makes sense on a data directory.
    for (const w of positionals(words, new Set()).slice(1)) if (w.value.startsWith("/")) ref("host-path", w);
  }
  return refs;
}

function refsOf(text: string, firstLine: number): Reference[] {
  const script = parseShell(text, firstLine);
  return script.pipelines.flatMap((p: Pipeline) => p.commands.flatMap((c, k) => commandRefs(c, p.commands[k + 1])));
}

/** Inventory findings for every step of the runbook (and for the adapted text a drill
 *  runs instead, when given). */
export function inventoryFindings(
  runbook: Runbook,
  inv: StackInventory,
  adapted: ReadonlyMap<string, { text: string; file: string; line: number }> = new Map(),
): Finding[] {
  const findings: Finding[] = [];
  for (const section of runbook.sections) {
    for (const step of section.steps) {
      const sources = [{ text: step.text, file: step.file, line: step.line, label: "" }];
      const a = adapted.get(step.id);
      if (a) sources.push({ text: a.text, file: a.file, line: a.line, label: " (adapted text)" });
      for (const src of sources) {
        const lineFor = (l: number): number => (src.label ? src.line : l);
        for (const r of refsOf(src.text, src.line)) {
          const problem = checkRef(r, inv);
          if (!problem) continue;
          findings.push({
            kind: "inventory",
            severity: "warning",
            file: src.file,
            line: lineFor(r.line),
            section: section.number,
            step: step.id,
            message: `${step.id}${src.label}: ${problem}`,
          });
        }
      }
    }
  }
  return findings;
}

function checkRef(r: Reference, inv: StackInventory): string | undefined {
  const services = [...inv.services.values()];
  const where = inv.composeFile;
  switch (r.kind) {
    case "container": {
      if (services.some((s) => s.containerName === r.value)) return undefined;
      const svc = inv.services.get(r.value);
      if (svc) return `container ${r.value}: ${where} names that service's container ${svc.containerName}`;
      return `no container ${r.value} in ${where} (containers: ${services.map((s) => s.containerName).join(", ")})`;
    }
    case "container-grep": {
      const pattern = r.caseInsensitive ? r.value.toLowerCase() : r.value;
      const match = services.some((s) => (r.caseInsensitive ? s.containerName.toLowerCase() : s.containerName).includes(pattern));
      return match ? undefined : `\`docker ps | grep ${r.value}\` matches no container in ${where}`;
    }
    case "service":
      return inv.services.has(r.value) ? undefined : `no service ${r.value} in ${where} (services: ${[...inv.services.keys()].join(", ")})`;
    case "volume":
      return [...inv.volumes.values()].includes(r.value) || inv.volumes.has(r.value)
        ? undefined
        : `no volume ${r.value} in ${where} (volumes: ${[...inv.volumes.values()].join(", ")})`;
    case "network":
      return [...inv.networks.values()].includes(r.value) || inv.networks.has(r.value)
        ? undefined
        : `no network ${r.value} in ${where} (networks: ${[...inv.networks.values()].join(", ")})`;
    case "port": {
      const port = Number(r.value);
      return inv.publishedPorts.has(port)
        ? undefined
        : `localhost:${port}: ${where} publishes no such port (published: ${[...inv.publishedPorts].sort((a, b) => a - b).join(", ")})`;
    }
    case "host": {
      const known = services.some((s) => s.name === r.value || s.containerName === r.value || s.aliases.includes(r.value));
      return known ? undefined : `host ${r.value}: no such service, container or alias in ${where}`;
    }
    case "container-path":
      return checkContainerPath(r, inv);
    case "host-path":
      return checkHostPath(r, inv);
    case "db-user": {
      const svc = services.find((s) => s.containerName === r.container);
      if (!svc) return undefined;
      // The postgres image creates POSTGRES_USER as its only role (default: postgres).
      const role = svc.environment.POSTGRES_USER ?? (svc.name.includes("postgres") ? "postgres" : undefined);
      if (role === undefined || role === r.value || role.includes("$")) return undefined;
      return `role ${r.value}: ${svc.containerName} creates only role ${role} (POSTGRES_USER in ${where})`;
    }
  }
}

function checkContainerPath(r: Reference, inv: StackInventory): string | undefined {
  const svc = [...inv.services.values()].find((s) => s.containerName === r.container);
  if (!svc) return undefined; // the unknown container is its own finding
  const path = posix.normalize(r.value);
  for (const m of svc.mounts) {
    const under = path === m.target || path.startsWith(m.target.endsWith("/") ? m.target : `${m.target}/`);
    const underIgnoringCase = path.toLowerCase() === m.target.toLowerCase() || path.toLowerCase().startsWith(`${m.target.toLowerCase()}/`);
    if (!under && underIgnoringCase) {
      const meant = m.target + path.slice(m.target.length);
      const mounted = meant === m.target ? `the stack mounts ${m.target}` : `the stack mounts ${m.target}, so the path is ${meant}`;
      return `${svc.containerName} has no ${path}: ${mounted} (paths are case-sensitive)`;
    }
    if (under && m.type === "bind" && m.source && existsSync(m.source) && statSync(m.source).isDirectory()) {
      const onHost = posix.join(m.source, path.slice(m.target.length));
      if (!existsSync(onHost)) return `${svc.containerName}: ${path} is in the bind mount of ${m.source}, which has no such file`;
    }
  }
  return undefined;
}

function checkHostPath(r: Reference, inv: StackInventory): string | undefined {
  const binds = [...inv.services.values()].flatMap((s) => s.mounts.filter((m) => m.type === "bind" && m.source).map((m) => ({ s, m })));
  // Production keeps the compose folder elsewhere, so compare the part below it.
  const rel = (abs: string): string => posix.relative(inv.composeDir, abs);
  if (binds.some(({ m }) => r.value === m.source || r.value.endsWith(`/${rel(m.source!)}`))) return undefined;
  const hint = [...inv.services.values()]
    .flatMap((s) => s.mounts.filter((m) => m.type === "volume" && m.source).map((m) => ({ s, m })))
    .filter(({ s, m }) => r.value.split("/").some((seg) => seg.length >= 4 && (s.name.startsWith(seg) || m.source!.startsWith(seg))))
    .map(({ s, m }) => `${s.name} keeps ${m.target} in volume ${m.source}`);
  return `host path ${r.value} is not bind-mounted by ${inv.composeFile}${hint.length ? ` (${hint.join("; ")})` : ""}`;
}
