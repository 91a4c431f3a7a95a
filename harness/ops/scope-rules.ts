// The scope guard's policy: for one Docker Engine API request, forward it (its names
// mapped onto the drill's, listings and prunes narrowed to the drill's label), answer
// it here, or refuse it with a reason. Transport lives in engine-proxy.ts; this file
// decides only, so every rule can be tested without an engine.
import { withLabelFilter } from "./engine-filters.js";
import type { DrillScope } from "./drill-scope.js";
import type { DrillPolicy } from "./drill-policy.js";
import {
  Refused,
  checkObject,
  containerCreateFields,
  containerUpdateFields,
  execCreateFields,
  execStartFields,
  networkConnectFields,
  networkCreateFields,
  networkDisconnectFields,
  volumeCreateFields,
  type BodyContext,
} from "./api-bodies.js";
import { labelImage, labelProject } from "../stack/labels.js";

export interface ApiRequest {
  method: string;
  /** Path without the `/v1.xx` prefix, still URL-encoded. */
  path: string;
  query: URLSearchParams;
  /** The JSON body, parsed, when the request has one. */
  body?: unknown;
  /** The API version the client asked for (`1.41` from `/v1.41/...`), if any. */
  version?: string;
}

/** What the guard must do besides forwarding. */
export type Effect =
  /** Drop the harness's own containers from a container listing. */
  | "hide-containers"
  /** Drop the harness's own containers from a network's members. */
  | "hide-network-members"
  /** Narrow `docker system df` to the drill's containers and volumes and the image cache. */
  | "narrow-disk-usage"
  /** Remember the exec ID the engine answers with. */
  | "record-exec"
  /** May remove one of the drill's networks (the operator shell steps off it first). */
  | "network-removal"
  /** Created one of the drill's networks (the operator shell joins it). */
  | "network-created"
  /** Created, renamed or removed a container: cached listings are stale. */
  | "containers-changed"
  /** `docker info`: engine-wide facts narrowed to what a drill may know. */
  | "narrow-info";

export type Decision =
  | {
      kind: "forward";
      path: string;
      query: URLSearchParams;
      /** The body to send, re-serialised from what was checked. A request body the rules did not check is never forwarded. */
      body?: unknown;
      /** The request body is a stream the engine reads raw (a tar for `docker cp`), not JSON. */
      rawBody?: boolean;
      effect?: Effect;
      /** The connection may be upgraded to a raw stream (exec start, attach); nothing else may. */
      hijack?: boolean;
    }
  | { kind: "answer"; status: number; body: unknown }
  | { kind: "refuse"; reason: string };

export interface RuleContext {
  scope: DrillScope;
  /** What the drill's own compose file declares (bind roots, privileges, driver options). */
  policy: DrillPolicy;
  /** Labels stamped on whatever is created through the guard, so teardown sweeps it. */
  labels: Readonly<Record<string, string>>;
}

const refuse = (reason: string): Decision => ({ kind: "refuse", reason });
/**
 * What the engine says of a name it does not have. Inspecting something that is not
 * the drill's answers this rather than a refusal: within the drill it does not exist,
 * compose probes names expecting the 404, and `docker inspect NAME` tries container,
 * image, network and volume in turn, going on only after a "not found".
 */
const notFound = (kind: "container" | "volume" | "network", name: string): Decision => ({
  kind: "answer",
  status: 404,
  body: {
    message:
      kind === "container" ? `No such container: ${name}` : kind === "volume" ? `get ${name}: no such volume` : `network ${name} not found`,
  },
});

const segmentsOf = (path: string): string[] => path.split("/").slice(1).map((s) => decodeURIComponent(s));
const pathOf = (...segments: string[]): string => "/" + segments.map((s) => encodeURIComponent(s)).join("/");

function narrowed(req: ApiRequest, label: string): URLSearchParams {
  const query = new URLSearchParams(req.query);
  query.set("filters", withLabelFilter(req.query.get("filters"), label));
  return query;
}

const forward = (req: ApiRequest, extra: Partial<Extract<Decision, { kind: "forward" }>> = {}): Decision => ({
  kind: "forward",
  path: req.path,
  query: req.query,
  ...extra,
});

/**
 * The oldest API version the guard speaks. Before 1.24 the engine still takes host
 * configuration on `start`, and older versions read other fields in other places.
 */
export const minimumApiVersion = "1.25";

function olderThan(version: string, minimum: string): boolean {
  const [a = 0, b = 0] = version.split(".").map(Number);
  const [c = 0, d = 0] = minimum.split(".").map(Number);
  return a < c || (a === c && b < d);
}

export async function decide(req: ApiRequest, ctx: RuleContext): Promise<Decision> {
  if (req.version !== undefined && olderThan(req.version, minimumApiVersion)) {
    return refuse(`API version ${req.version} is older than ${minimumApiVersion}, the oldest the scope guard checks`);
  }
  try {
    return await route(req, ctx);
  } catch (err) {
    if (err instanceof Refused) return refuse(err.message);
    throw err;
  }
}

async function route(req: ApiRequest, ctx: RuleContext): Promise<Decision> {
  const segments = segmentsOf(req.path);
  const [root = "", ...rest] = segments;
  const read = req.method === "GET" || req.method === "HEAD";
  switch (root) {
    case "_ping":
    case "version":
      if (read && rest.length === 0) return forward(req);
      break;
    case "info":
      // Engine-wide facts, narrowed: `docker info` would show the engine's proxy settings,
      // labels and registry configuration, and count every container on the engine.
      if (read && rest.length === 0) return forward(req, { effect: "narrow-info" });
      break;
    case "system":
      if (read && rest.join("/") === "df") return forward(req, { effect: "narrow-disk-usage" });
      break;
    case "events":
      if (read && rest.length === 0) return forward(req, { query: narrowed(req, ctx.scope.projectLabel) });
      break;
    case "containers":
      return containers(req, rest, ctx);
    case "exec":
      return execs(req, rest, ctx);
    case "volumes":
      return volumes(req, rest, ctx);
    case "networks":
      return networks(req, rest, ctx);
    case "images":
      return images(req, rest, ctx);
    case "plugins":
      // A drill has no plugins: listing shows none and inspecting finds none (generic
      // `docker inspect NAME` asks for a plugin last). Anything else is refused below.
      if (req.method === "GET" && rest.length === 0) return { kind: "answer", status: 200, body: [] };
      if (req.method === "GET" && rest.length >= 2 && rest[rest.length - 1] === "json") {
        return { kind: "answer", status: 404, body: { message: `plugin "${rest.slice(0, -1).join("/")}" not found` } };
      }
      break;
    case "build":
      // The build cache is shared by every drill (and the image cache behind it): a
      // prune leaves it alone and says so, rather than failing `docker system prune`.
      if (req.method === "POST" && rest.join("/") === "prune") {
        return { kind: "answer", status: 200, body: { CachesDeleted: [], SpaceReclaimed: 0 } };
      }
      return refuse("building images is outside a drill's scope (images are the drills' shared build cache)");
  }
  return refuse(`${req.method} /${root} is not scoped to drill ${ctx.scope.project}`);
}

// --- containers ---------------------------------------------------------------------

const containerActions: Readonly<Record<string, ReadonlySet<string>>> = {
  GET: new Set(["json", "top", "logs", "changes", "export", "stats", "archive"]),
  HEAD: new Set(["archive"]),
  PUT: new Set(["archive"]),
  POST: new Set(["start", "stop", "restart", "kill", "pause", "unpause", "wait", "resize", "update", "rename", "attach", "exec"]),
};

async function containers(req: ApiRequest, rest: string[], ctx: RuleContext): Promise<Decision> {
  const { scope } = ctx;
  const [first = "", ...more] = rest;
  if (more.length === 0) {
    if (req.method === "GET" && first === "json") {
      return forward(req, { query: narrowed(req, scope.projectLabel), effect: "hide-containers" });
    }
    if (req.method === "POST" && first === "prune") {
      return forward(req, { query: narrowed(req, scope.projectLabel), effect: "containers-changed" });
    }
    if (req.method === "POST" && first === "create") return createContainer(req, ctx);
  }
  const action = more.join("/");
  const allowed = action === "" ? req.method === "DELETE" : containerActions[req.method]?.has(action) === true;
  if (!allowed) return refuse(`${req.method} on a container's ${action || "root"} is not scoped to drill ${scope.project}`);
  const target = await scope.container(first);
  if (target === undefined && req.method === "GET" && action === "json") return notFound("container", first);
  if (target === undefined) return refuse(`container "${first}" is not one of drill ${scope.project}'s containers`);
  const path = pathOf("containers", target, ...more);
  const cx: BodyContext = { scope, policy: ctx.policy };
  if (action === "exec") return forward(req, { path, body: await checkObject(req.body, execCreateFields, "", cx), effect: "record-exec" });
  if (action === "update") return forward(req, { path, body: await checkObject(req.body, containerUpdateFields, "", cx) });
  if (action === "attach") return forward(req, { path, hijack: true });
  if (action === "archive" && req.method === "PUT") return forward(req, { path, rawBody: true });
  if (action === "rename") {
    const query = new URLSearchParams(req.query);
    const name = query.get("name");
    if (name) query.set("name", scope.containerName(name));
    return forward(req, { path, query, effect: "containers-changed" });
  }
  if (req.method === "DELETE") {
    // Removing a drill container takes its anonymous volumes with it (v=1): nothing labels
    // them, so after `docker-compose down` they would outlive the drill unnoticed.
    const query = new URLSearchParams(req.query);
    query.set("v", "1");
    return forward(req, { path, query, effect: "containers-changed" });
  }
  return forward(req, { path });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A label, looked up the way the engine would not: the guard reads labels by their exact key. */
const labelOf = (body: Record<string, unknown>, key: string): string | undefined => {
  const labels = Object.entries(body).find(([k]) => k.toLowerCase() === "labels")?.[1];
  const value = isObject(labels) ? labels[key] : undefined;
  return typeof value === "string" ? value : undefined;
};

/**
 * Container create: only in the drill's namespace or with its label; every field on the
 * allow-list and checked (bind sources, privileges, namespaces, networks, volumes,
 * image); the body re-serialised from what was checked, stamped with the drill's labels.
 */
async function createContainer(req: ApiRequest, ctx: RuleContext): Promise<Decision> {
  const { scope, policy } = ctx;
  if (!isObject(req.body)) return refuse("container create without a JSON body");
  const query = new URLSearchParams(req.query);
  const requested = query.get("name") ?? "";
  const name = requested ? scope.containerName(requested) : "";
  const labelled = labelOf(req.body, labelProject);
  if (labelled !== undefined && labelled !== scope.project) {
    return refuse(`container create labelled for another drill (${labelProject}=${labelled})`);
  }
  if (!scope.ownsName(name) && labelled !== scope.project) {
    return refuse(
      `container create outside drill ${scope.project} (name "${requested}" is not ${scope.project}-*, ` +
        `and the labels lack ${scope.projectLabel})`,
    );
  }
  if (name) query.set("name", name);
  // A compose service's declared privileges apply only to that service's own container:
  // its name, its compose label and its image all say so.
  const serviceName = labelOf(req.body, "com.docker.compose.service");
  const declared = serviceName !== undefined ? policy.services[serviceName] : undefined;
  const imageField = Object.entries(req.body).find(([k]) => k.toLowerCase() === "image")?.[1];
  const service = declared && declared.containerName === name && declared.image === imageField ? declared : undefined;
  const body = await checkObject(req.body, containerCreateFields, "", { scope, policy, service });
  body.Labels = { ...((body.Labels as Record<string, string> | null) ?? {}), ...ctx.labels };
  return { kind: "forward", path: req.path, query, body, effect: "containers-changed" };
}

// --- exec instances -----------------------------------------------------------------

async function execs(req: ApiRequest, rest: string[], ctx: RuleContext): Promise<Decision> {
  const [id = "", action = "", ...more] = rest;
  const allowed =
    more.length === 0 &&
    ((req.method === "POST" && (action === "start" || action === "resize")) || (req.method === "GET" && action === "json"));
  if (!allowed) return refuse(`${req.method} on an exec instance's ${action || "root"} is not supported by the scope guard`);
  if (!ctx.scope.ownsExec(id)) return refuse(`exec instance ${id} was not created through the scope guard`);
  if (action === "start") {
    return forward(req, { body: await checkObject(req.body ?? {}, execStartFields, "", { scope: ctx.scope, policy: ctx.policy }), hijack: true });
  }
  if (action === "resize") return forward(req);
  return forward(req);
}

// --- volumes ------------------------------------------------------------------------

/**
 * Volume and network create: allowed in the namespace or with the label; driver, options
 * and IPAM only as the drill's compose file declares them; stamped with the drill's labels.
 */
async function createNamed(req: ApiRequest, ctx: RuleContext, kind: "volume" | "network"): Promise<Decision> {
  const { scope } = ctx;
  if (!isObject(req.body)) return refuse(`${kind} create without a JSON body`);
  const rawName = Object.entries(req.body).find(([k]) => k.toLowerCase() === "name")?.[1];
  const requested = typeof rawName === "string" ? rawName : "";
  const name = scope.composeName(requested);
  const labelled = labelOf(req.body, labelProject);
  if (labelled !== undefined && labelled !== scope.project) {
    return refuse(`${kind} create labelled for another drill (${labelProject}=${labelled})`);
  }
  if (!scope.ownsName(name) && labelled !== scope.project) {
    return refuse(
      `${kind} create outside drill ${scope.project} (name "${requested}" is not ${scope.project}_*, ` +
        `and the labels lack ${scope.projectLabel})`,
    );
  }
  const fields = kind === "volume" ? volumeCreateFields(name) : networkCreateFields(name);
  const body = await checkObject(req.body, fields, "", { scope, policy: ctx.policy });
  if (requested) body.Name = name;
  body.Labels = { ...((body.Labels as Record<string, string> | null) ?? {}), ...ctx.labels };
  return forward(req, { body, effect: kind === "network" ? "network-created" : undefined });
}

async function volumes(req: ApiRequest, rest: string[], ctx: RuleContext): Promise<Decision> {
  const { scope } = ctx;
  const [first, ...more] = rest;
  if (first === undefined) {
    if (req.method === "GET") return forward(req, { query: narrowed(req, scope.projectLabel) });
  } else if (more.length === 0) {
    if (req.method === "POST" && first === "create") return await createNamed(req, ctx, "volume");
    if (req.method === "POST" && first === "prune") return forward(req, { query: narrowed(req, scope.projectLabel) });
    if (req.method === "GET" || req.method === "DELETE") {
      const volume = await scope.volume(first);
      if (volume === undefined && req.method === "GET") return notFound("volume", first);
      if (volume === undefined) return refuse(`volume "${first}" is not one of drill ${scope.project}'s volumes`);
      return forward(req, { path: pathOf("volumes", volume) });
    }
  }
  return refuse(`${req.method} ${req.path} is not scoped to drill ${scope.project}`);
}

// --- networks -----------------------------------------------------------------------

async function networks(req: ApiRequest, rest: string[], ctx: RuleContext): Promise<Decision> {
  const { scope } = ctx;
  const [first, ...more] = rest;
  if (first === undefined) {
    if (req.method === "GET") return forward(req, { query: narrowed(req, scope.projectLabel) });
    return refuse(`${req.method} ${req.path} is not scoped to drill ${scope.project}`);
  }
  if (more.length === 0 && req.method === "POST" && first === "create") return await createNamed(req, ctx, "network");
  if (more.length === 0 && req.method === "POST" && first === "prune") {
    return forward(req, { query: narrowed(req, scope.projectLabel), effect: "network-removal" });
  }
  const action = more.join("/");
  const known =
    (action === "" && (req.method === "GET" || req.method === "DELETE")) ||
    (req.method === "POST" && (action === "connect" || action === "disconnect"));
  if (!known) return refuse(`${req.method} ${req.path} is not scoped to drill ${scope.project}`);
  const net = await scope.network(first);
  if (net === undefined && action === "" && req.method === "GET") return notFound("network", first);
  if (net === undefined) return refuse(`network "${first}" is not one of drill ${scope.project}'s networks`);
  const path = pathOf("networks", net, ...more);
  if (action === "") return forward(req, { path, effect: req.method === "DELETE" ? "network-removal" : "hide-network-members" });
  if (!isObject(req.body)) return refuse(`network ${action} without a JSON body`);
  const fields = action === "connect" ? networkConnectFields : networkDisconnectFields;
  const body = await checkObject(req.body, fields, "", { scope, policy: ctx.policy });
  if (typeof body.Container !== "string") return refuse(`network ${action} names no container`);
  return forward(req, { path, body });
}

// --- images -------------------------------------------------------------------------

async function images(req: ApiRequest, rest: string[], ctx: RuleContext): Promise<Decision> {
  const last = rest[rest.length - 1];
  // Listing shows the drills' image cache. Inspecting is for the drill's images only
  // (compose inspects the image of every service it compares); another image's config
  // holds its owner's environment, so within the drill it does not exist.
  if (req.method === "GET" && rest.length === 1 && last === "json") {
    return forward(req, { query: narrowed(req, labelImage) });
  }
  if (req.method === "GET" && rest.length >= 2 && (last === "json" || last === "history")) {
    const ref = rest.slice(0, -1).join("/");
    if (!(await ctx.scope.image(ref))) return { kind: "answer", status: 404, body: { message: `No such image: ${ref}` } };
    return forward(req);
  }
  // Images are shared by every drill and are not labelled per project, so a prune is
  // narrowed to a label no image carries: it reports nothing deleted.
  if (req.method === "POST" && rest.length === 1 && last === "prune") {
    return forward(req, { query: narrowed(req, ctx.scope.projectLabel) });
  }
  return refuse("images are the drills' shared build cache: removing, pulling, tagging or building them is outside a drill's scope");
}

// --- answers --------------------------------------------------------------------------

/** What `docker info` keeps: the engine's kind and version, not its settings, proxies, labels or counts. */
const infoFields = new Set([
  "ID",
  "Driver",
  "DriverStatus",
  "MemoryLimit",
  "SwapLimit",
  "CpuCfsPeriod",
  "CpuCfsQuota",
  "CPUShares",
  "CPUSet",
  "PidsLimit",
  "OomKillDisable",
  "IPv4Forwarding",
  "Debug",
  "LoggingDriver",
  "CgroupDriver",
  "CgroupVersion",
  "KernelVersion",
  "OperatingSystem",
  "OSVersion",
  "OSType",
  "Architecture",
  "NCPU",
  "MemTotal",
  "ServerVersion",
  "Runtimes",
  "DefaultRuntime",
  "Isolation",
  "InitBinary",
  "SecurityOptions",
  "Warnings",
]);

interface Labelled {
  Labels?: Record<string, string> | null;
  Names?: string[];
}

/**
 * Rewrite a successful answer the client must see narrowed: container listings and
 * network members lose the harness's own containers; `system df` (which takes no
 * filters) keeps the drill's containers and volumes and the image cache, and no build
 * cache, so its totals and "reclaimable" figures speak of the drill.
 */
export function narrowAnswer(effect: Effect, answer: unknown, scope: DrillScope): unknown {
  const ours = (x: Labelled) => x.Labels?.[labelProject] === scope.project && !scope.isHidden(x.Names ?? []);
  if (effect === "hide-containers" && Array.isArray(answer)) {
    return (answer as Labelled[]).filter((c) => !scope.isHidden(c.Names ?? []));
  }
  if (effect === "hide-network-members" && isObject(answer) && isObject(answer.Containers)) {
    const members = Object.entries(answer.Containers).filter(([, m]) => !(isObject(m) && scope.isHidden([String(m.Name ?? "")])));
    return { ...answer, Containers: Object.fromEntries(members) };
  }
  if (effect === "narrow-info" && isObject(answer)) {
    const kept = Object.fromEntries(Object.entries(answer).filter(([k]) => infoFields.has(k)));
    return { ...kept, Name: "drill-engine", Labels: [] };
  }
  if (effect === "narrow-disk-usage" && isObject(answer)) {
    const list = (key: string) => (Array.isArray(answer[key]) ? (answer[key] as Labelled[]) : []);
    return {
      ...answer,
      Containers: list("Containers").filter(ours),
      Volumes: list("Volumes").filter(ours),
      Images: list("Images").filter((i) => i.Labels?.[labelImage] !== undefined),
      BuildCache: [],
    };
  }
  return answer;
}
