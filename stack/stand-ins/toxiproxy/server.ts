// Toxiproxy stand-in: the Shopify/toxiproxy v2 HTTP API (api.go) in front of a TCP proxy
// with toxics, in plain Node (node: built-ins only, Node >= 18) so it can be bundled into
// one file and run where the real image cannot be pulled. It is a STAND-IN: results
// obtained with it must say so (see README.md).
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Direction, ToxicRecord } from "./link.js";
import { silentLogger, type Logger } from "./log.js";
import { Proxy, bindListener, joinHostPort, toxicJson } from "./proxy.js";
import { TOXIC_TYPES, isToxicType } from "./toxics.js";

/** Reported by GET /version. "+stand-in" is semver build metadata: it orders like 2.12.0. */
export const VERSION = "2.12.0+stand-in";

/** An error with the HTTP status the real server uses for it. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

// The messages of api.go, so clients matching on them keep working.
const badBody = (detail: string) => new ApiError(`bad request body: ${detail}`, 400);
const missingField = (field: string) => new ApiError(`missing required field: ${field}`, 400);
const proxyNotFound = () => new ApiError("proxy not found", 404);
const proxyExists = () => new ApiError("proxy already exists", 409);
const invalidStream = () =>
  new ApiError("stream was invalid, can be either upstream or downstream", 400);
const invalidToxicType = () => new ApiError("invalid toxic type", 400);
const toxicExists = () => new ApiError("toxic already exists", 409);
const toxicNotFound = () => new ApiError("toxic not found", 404);

// ---- JSON decoding with Go's encoding/json rules --------------------------------------
// Unknown keys are ignored, keys match case-insensitively, null leaves the default, and a
// value of the wrong type is a 400 "bad request body: json: cannot unmarshal ...".

type JsonObject = Record<string, unknown>;

function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  return typeof v; // string | number | object
}

function parseBody(text: string): unknown {
  if (text.trim() === "") throw badBody("EOF");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badBody((err as Error).message);
  }
}

function asStruct(value: unknown, goType: string): JsonObject {
  if (value === null) return {};
  if (jsonKind(value) !== "object") {
    throw badBody(`json: cannot unmarshal ${jsonKind(value)} into Go value of type ${goType}`);
  }
  return value as JsonObject;
}

function field(obj: JsonObject, key: string): unknown {
  if (key in obj) return obj[key] ?? undefined;
  const k = Object.keys(obj).find((candidate) => candidate.toLowerCase() === key);
  return k === undefined ? undefined : (obj[k] ?? undefined);
}

function typed<T>(obj: JsonObject, key: string, kind: string, goField: string): T | undefined {
  const v = field(obj, key);
  if (v === undefined) return undefined;
  if (jsonKind(v) !== kind) {
    const goType = kind === "bool" ? "bool" : kind === "number" ? "float32" : "string";
    throw badBody(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${goField} of type ${goType}`);
  }
  return v as T;
}

/** Toxic attributes are int64/int fields of the toxic's Go struct. */
function decodeAttributes(type: string, raw: unknown, base: Record<string, number>) {
  const attrs = { ...base };
  if (raw === undefined || raw === null) return attrs;
  if (jsonKind(raw) !== "object") {
    throw badBody(`json: cannot unmarshal ${jsonKind(raw)} into Go struct field ToxicWrapper.attributes`);
  }
  for (const name of TOXIC_TYPES[type]?.attributes ?? []) {
    const v = field(raw as JsonObject, name);
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      const what = typeof v === "number" ? `number ${v}` : jsonKind(v);
      throw badBody(`json: cannot unmarshal ${what} into Go struct field ${type}.attributes.${name} of type int64`);
    }
    attrs[name] = v;
  }
  return attrs;
}

// ---- The proxy collection ------------------------------------------------------------

/** Deterministic randomness for toxicity/jitter when a seed is given (like -seed). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    // mulberry32
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface PopulateResult {
  proxies: Proxy[];
  error?: ApiError;
}

class ToxiproxyStandIn {
  readonly proxies = new Map<string, Proxy>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly log: Logger,
    private readonly random: () => number,
  ) {}

  /** API calls run one at a time: a start (bind) is async and must not interleave. */
  serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  get(name: string): Proxy {
    const proxy = this.proxies.get(name);
    if (!proxy) throw proxyNotFound();
    return proxy;
  }

  newProxy(name: string, listen: string, upstream: string): Proxy {
    return new Proxy(name, listen, upstream, this.log, this.random);
  }

  async start(proxy: Proxy): Promise<void> {
    try {
      await proxy.start();
    } catch (err) {
      // Not an ApiError in Go either, hence 500 with the listen error text.
      throw new ApiError((err as Error).message, 500);
    }
  }

  /** POST /populate and -config: create or replace; identical proxies are kept as they are. */
  async populate(body: unknown): Promise<PopulateResult> {
    if (!Array.isArray(body)) {
      return { proxies: [], error: badBody(`json: cannot unmarshal ${jsonKind(body)} into Go value of type []toxiproxy.Proxy`) };
    }
    const inputs: { name: string; listen: string; upstream: string; enabled: boolean }[] = [];
    try {
      body.forEach((item, i) => {
        const obj = asStruct(item, "toxiproxy.Proxy");
        const name = typed<string>(obj, "name", "string", "Proxy.name") ?? "";
        const listen = typed<string>(obj, "listen", "string", "Proxy.listen") ?? "";
        const upstream = typed<string>(obj, "upstream", "string", "Proxy.upstream") ?? "";
        const enabled = typed<boolean>(obj, "enabled", "bool", "Proxy.enabled") ?? true;
        if (!name) throw missingField(`name at proxy ${i + 1}`);
        if (!upstream) throw missingField(`upstream at proxy ${i + 1}`);
        inputs.push({ name, listen, upstream, enabled });
      });
    } catch (err) {
      return { proxies: [], error: err as ApiError };
    }
    const proxies: Proxy[] = [];
    for (const input of inputs) {
      const existing = this.proxies.get(input.name);
      if (existing && existing.listen === input.listen && existing.upstream === input.upstream) {
        proxies.push(existing);
        continue;
      }
      existing?.stop();
      const proxy = this.newProxy(input.name, input.listen, input.upstream);
      if (input.enabled) {
        try {
          await this.start(proxy);
        } catch (err) {
          return { proxies, error: err as ApiError };
        }
      }
      this.proxies.set(input.name, proxy);
      proxies.push(proxy);
    }
    return { proxies };
  }

  stopAll(): void {
    for (const proxy of this.proxies.values()) proxy.stop();
  }
}

// ---- HTTP ----------------------------------------------------------------------------

interface Reply {
  status: number;
  contentType?: string;
  body?: string;
}

type Handler = (api: ToxiproxyStandIn, params: string[], body: () => Promise<unknown>) => Promise<Reply>;

interface Route {
  pattern: RegExp;
  methods: Record<string, Handler>;
}

const json = (status: number, value: unknown): Reply => ({
  status,
  contentType: "application/json",
  body: JSON.stringify(value),
});
const noContent = (): Reply => ({ status: 204 });

const version: Handler = async () => ({
  status: 200,
  contentType: "application/json;charset=utf-8",
  body: `{"version": "${VERSION}"}\n`,
});

const reset: Handler = async (api) => {
  for (const proxy of api.proxies.values()) {
    if (!proxy.enabled) await api.start(proxy);
    proxy.resetToxics();
  }
  return noContent();
};

const populate: Handler = async (api, _params, body) => {
  let result: PopulateResult;
  try {
    result = await api.populate(await body());
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    result = { proxies: [], error: err };
  }
  const { proxies, error } = result;
  const list = proxies.length > 0 ? proxies : null; // Go marshals an empty slice as null
  if (error) return json(error.status, { error: error.message, status: error.status, proxies: list });
  return json(201, { proxies: list });
};

const listProxies: Handler = async (api) => {
  const names = [...api.proxies.keys()].sort(); // Go sorts map keys
  return json(200, Object.fromEntries(names.map((n) => [n, api.proxies.get(n)])));
};

const createProxy: Handler = async (api, _params, body) => {
  const input = asStruct(await body(), "toxiproxy.Proxy");
  const name = typed<string>(input, "name", "string", "Proxy.name") ?? "";
  const listen = typed<string>(input, "listen", "string", "Proxy.listen") ?? "";
  const upstream = typed<string>(input, "upstream", "string", "Proxy.upstream") ?? "";
  const enabled = typed<boolean>(input, "enabled", "bool", "Proxy.enabled") ?? true;
  if (!name) throw missingField("name");
  if (!upstream) throw missingField("upstream");
  if (api.proxies.has(name)) throw proxyExists();
  const proxy = api.newProxy(name, listen, upstream);
  if (enabled) await api.start(proxy);
  api.proxies.set(name, proxy);
  return json(201, proxy);
};

const showProxy: Handler = async (api, [name]) => json(200, api.get(name!));

const updateProxy: Handler = async (api, [name], body) => {
  const proxy = api.get(name!);
  const input = asStruct(await body(), "toxiproxy.Proxy");
  const listen = typed<string>(input, "listen", "string", "Proxy.listen") ?? proxy.listen;
  const upstream = typed<string>(input, "upstream", "string", "Proxy.upstream") ?? proxy.upstream;
  const enabled = typed<boolean>(input, "enabled", "bool", "Proxy.enabled") ?? proxy.enabled;
  // Same order as proxy.Update in Go: an address change restarts the listener.
  if (listen !== proxy.listen || upstream !== proxy.upstream) {
    proxy.stop();
    proxy.listen = listen;
    proxy.upstream = upstream;
  }
  if (enabled !== proxy.enabled) {
    if (enabled) await api.start(proxy);
    else proxy.stop();
  }
  return json(200, proxy);
};

const deleteProxy: Handler = async (api, [name]) => {
  api.get(name!).stop();
  api.proxies.delete(name!);
  return noContent();
};

const listToxics: Handler = async (api, [name]) => json(200, api.get(name!).toxicList().map(toxicJson));

const createToxic: Handler = async (api, [proxyName], body) => {
  const proxy = api.get(proxyName!); // 404 before the body is looked at, as in Go
  const input = asStruct(await body(), "toxics.ToxicWrapper");
  const type = typed<string>(input, "type", "string", "ToxicWrapper.type") ?? "";
  const stream = typed<string>(input, "stream", "string", "ToxicWrapper.stream") ?? "downstream";
  const toxicity = typed<number>(input, "toxicity", "number", "ToxicWrapper.toxicity") ?? 1.0;
  let name = typed<string>(input, "name", "string", "ToxicWrapper.name") ?? "";
  const rawAttributes = field(input, "attributes");

  // Validation order of ToxicCollection.AddToxicJson.
  const direction = stream.toLowerCase();
  if (direction !== "upstream" && direction !== "downstream") throw invalidStream();
  if (!name) name = `${type}_${stream}`;
  if (!isToxicType(type)) throw invalidToxicType();
  if (proxy.findToxic(name)) throw toxicExists();
  const defaults = Object.fromEntries(TOXIC_TYPES[type]!.attributes.map((a) => [a, 0]));
  const toxic: ToxicRecord = {
    name,
    type,
    stream,
    direction: direction as Direction,
    toxicity,
    attributes: decodeAttributes(type, rawAttributes, defaults),
  };
  proxy.addToxic(toxic);
  api.log("info", "Created toxic", { proxy: proxy.name, toxic: name, type, stream });
  return json(200, toxicJson(toxic)); // 200, not 201: the real ToxicCreate never sets a status
};

function findToxic(api: ToxiproxyStandIn, proxyName: string, toxicName: string) {
  const proxy = api.get(proxyName);
  const toxic = proxy.findToxic(toxicName);
  if (!toxic) throw toxicNotFound();
  return { proxy, toxic };
}

const showToxic: Handler = async (api, [p, t]) => json(200, toxicJson(findToxic(api, p!, t!).toxic));

const updateToxic: Handler = async (api, [p, t], body) => {
  const { proxy, toxic } = findToxic(api, p!, t!);
  const input = asStruct(await body(), "toxics.ToxicWrapper");
  const toxicity = typed<number>(input, "toxicity", "number", "ToxicWrapper.toxicity") ?? toxic.toxicity;
  // Only attributes and toxicity can change; given attributes merge into the current ones.
  const attributes = decodeAttributes(toxic.type, field(input, "attributes"), toxic.attributes);
  toxic.toxicity = toxicity;
  toxic.attributes = attributes;
  proxy.updateToxic(toxic);
  return json(200, toxicJson(toxic));
};

const deleteToxic: Handler = async (api, [p, t]) => {
  const { proxy, toxic } = findToxic(api, p!, t!);
  proxy.removeToxic(toxic);
  return noContent();
};

// The routes of api.go. Since v2.6 updates also accept PATCH (POST is deprecated, still works).
const ROUTES: Route[] = [
  { pattern: /^\/version$/, methods: { GET: version } },
  { pattern: /^\/reset$/, methods: { POST: reset } },
  { pattern: /^\/populate$/, methods: { POST: populate } },
  { pattern: /^\/proxies$/, methods: { GET: listProxies, POST: createProxy } },
  {
    pattern: /^\/proxies\/([^/]+)$/,
    methods: { GET: showProxy, POST: updateProxy, PATCH: updateProxy, DELETE: deleteProxy },
  },
  { pattern: /^\/proxies\/([^/]+)\/toxics$/, methods: { GET: listToxics, POST: createToxic } },
  {
    pattern: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
    methods: { GET: showToxic, POST: updateToxic, PATCH: updateToxic, DELETE: deleteToxic },
  },
];

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (b: Buffer) => parts.push(b));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.contentType) res.setHeader("Content-Type", reply.contentType);
  res.writeHead(reply.status);
  res.end(reply.body ?? "");
}

const plain = (status: number, text: string): Reply => ({
  status,
  contentType: "text/plain; charset=utf-8",
  body: text,
});

/** Go's http.Error: the JSON error object served as text/plain with a trailing newline. */
function errorReply(err: ApiError): Reply {
  return plain(err.status, JSON.stringify({ error: err.message, status: err.status }) + "\n");
}

function handler(api: ToxiproxyStandIn) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0]!;
    const method = req.method ?? "GET";
    res.setHeader("X-Toxiproxy-Request-Id", randomBytes(10).toString("hex"));
    res.setHeader("X-Toxiproxy-Stand-In", "typescript"); // lets a report tell it apart

    // gorilla/mux: unknown path 404, known path with another method 405 (empty body).
    const route = ROUTES.find((r) => r.pattern.test(path));
    if (!route) return send(res, plain(404, "404 page not found\n"));
    const handle = route.methods[method];
    if (!handle) return send(res, { status: 405 });
    // The real server refuses browsers (CSRF protection for a localhost API).
    if ((req.headers["user-agent"] ?? "").startsWith("Mozilla/")) {
      return send(res, plain(403, "User agent not allowed\n"));
    }
    let params: string[];
    try {
      params = route.pattern.exec(path)!.slice(1).map((p) => decodeURIComponent(p));
    } catch {
      return send(res, plain(404, "404 page not found\n"));
    }

    const body = async () => parseBody(await readBody(req));
    const started = Date.now();
    api
      .serialize(() => handle(api, params, body))
      .catch((err: unknown) => {
        const apiErr = err instanceof ApiError ? err : new ApiError(String((err as Error)?.message ?? err), 500);
        if (apiErr.status >= 500) api.log("warn", "API error", { method, url: req.url, err: apiErr.message });
        res.setHeader("X-Content-Type-Options", "nosniff"); // set by Go's http.Error
        return errorReply(apiErr);
      })
      .then((reply) => {
        send(res, reply);
        api.log("debug", "", { method, url: req.url, status: reply.status, duration_ms: Date.now() - started });
      });
  };
}

export interface StandInOptions {
  /** API port; 0 = ephemeral. */
  apiPort: number;
  /** API listen host, as -host (default "localhost", like the real binary). */
  host?: string;
  logger?: Logger;
  /** Seed for toxicity/jitter randomness (like -seed); default Math.random. */
  seed?: number;
  /**
   * Proxies to create before the API starts listening, in the -config file format
   * (array of {name, listen, upstream, enabled}). Failures are logged, not thrown, like
   * the real server.
   */
  proxies?: unknown;
}

export interface ToxiproxyStandInHandle {
  apiPort: number;
  /** e.g. http://127.0.0.1:8474 */
  apiUrl: string;
  /** Same as POST /populate. */
  populate(proxies: unknown): Promise<{ proxies: number; error?: string }>;
  close(): Promise<void>;
}

export async function startToxiproxyStandIn(opts: StandInOptions): Promise<ToxiproxyStandInHandle> {
  const log = opts.logger ?? silentLogger;
  const random = opts.seed === undefined ? Math.random : seededRandom(opts.seed);
  const api = new ToxiproxyStandIn(log, random);
  if (opts.proxies !== undefined) {
    const { proxies, error } = await api.populate(opts.proxies);
    if (error) log("error", "Failed to populate proxies from file", { err: error.message });
    else log("info", "Populated proxies from file", { proxies: proxies.length });
  }
  const server = createServer(handler(api));
  let bound: string;
  try {
    bound = await bindListener(server, joinHostPort(opts.host ?? "localhost", opts.apiPort));
  } catch (err) {
    api.stopAll();
    throw err;
  }
  const { address, port } = server.address() as AddressInfo;
  const urlHost = address === "::" || address === "0.0.0.0" ? "127.0.0.1" : address;
  log("info", "Starting Toxiproxy HTTP server", { address: bound, version: VERSION, stand_in: true });

  return {
    apiPort: port,
    apiUrl: `http://${joinHostPort(urlHost, port)}`,
    populate: (proxies) =>
      api.serialize(async () => {
        const result = await api.populate(proxies);
        return { proxies: result.proxies.length, error: result.error?.message };
      }),
    close: () =>
      api.serialize(
        () =>
          new Promise<void>((resolve) => {
            api.stopAll();
            server.close(() => resolve());
            server.closeAllConnections(); // idle keep-alive clients would hold close() open
          }),
      ),
  };
}
