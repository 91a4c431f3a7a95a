// The Docker scope guard: a Docker endpoint (an HTTP server on a unix socket) that
// stands between the operator shell and the engine, so a runbook step like
// `docker system prune -a --volumes -f` or `docker rm -f postgresql` only ever touches
// the drill's own containers, volumes and networks (DESIGN.md, principle 4).
//
// Every request is decided by scope-rules.ts (forward mapped and narrowed, answer
// here, or refuse) and carried by engine-proxy.ts. A refusal is an HTTP 403 whose
// message the docker CLI prints as "Error response from daemon: scope guard refused
// ..."; each is recorded with the runbook step that was running.
import { existsSync, rmSync } from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import Docker from "dockerode";
import { labelProject } from "../stack/labels.js";
import type { Logger } from "../util/log.js";
import { DrillScope, dockerLookup, type EngineLookup } from "./drill-scope.js";
import { emptyPolicy, type DrillPolicy } from "./drill-policy.js";
import { engineRequest, rawJsonResponse, readAll, readUpgradeBody, sendBody, sendJson, streamBack, tunnel } from "./engine-proxy.js";
import { decide, narrowAnswer, type Decision, type Effect } from "./scope-rules.js";
import { isMutating, type GuardCall } from "./resource-audit.js";

export interface Refusal {
  /** The runbook step running when the call was refused (undefined: none). */
  step: string | undefined;
  method: string;
  path: string;
  reason: string;
  at: string;
}

export interface NetworkHooks {
  /** Before a request that may remove one of the drill's networks. */
  beforeRemoval(): Promise<void>;
  /** After any request that removed or created one of the drill's networks. */
  afterChange(): Promise<void>;
}

export interface ScopeGuardOptions {
  /** The drill's compose project, e.g. drill-20261128t133958-5a5a. */
  project: string;
  /** Where the guard listens; mount this as /var/run/docker.sock. */
  listenSocket: string;
  engineSocket?: string;
  /** Production's compose project name (its volumes are `docker-compose_*`). */
  productionProject?: string;
  /** Production container names, which are also the compose service names. */
  services: string[];
  /** Labels stamped on everything created through the guard; the project label at least. */
  labels?: Record<string, string>;
  /** The harness's own containers (the operator shell): not listed, not touchable. */
  hiddenContainers?: string[];
  networkHooks?: NetworkHooks;
  /** How the guard finds the drill's resources; the engine by default. */
  lookup?: EngineLookup;
  /** What the drill's compose file declares (bind roots, privileges, driver options, images). Without it nothing of the kind is allowed. */
  policy?: DrillPolicy;
  log?: Logger;
  /** Log every request and what the guard did with it (debugging a client's calls). */
  trace?: boolean;
}

export interface ScopeGuard {
  readonly socket: string;
  readonly refusals: readonly Refusal[];
  /** Every mutating call forwarded to the engine, with its status (resource-audit.ts reads them per step). */
  readonly calls: readonly GuardCall[];
  setCurrentStep(id: string | undefined): void;
  close(): Promise<void>;
}

const versionPrefix = /^(\/v(\d+(?:\.\d+)?))(\/.*)?$/;

/** `/v1.41/containers/json?all=1` -> { prefix: "/v1.41", version: "1.41", path: "/containers/json", query } */
export function splitUrl(url: string): { prefix: string; version?: string; path: string; query: URLSearchParams } {
  const parsed = new URL(url, "http://docker");
  const m = versionPrefix.exec(parsed.pathname);
  return m
    ? { prefix: m[1] ?? "", version: m[2], path: m[3] ?? "/", query: parsed.searchParams }
    : { prefix: "", path: parsed.pathname, query: parsed.searchParams };
}

/** `docker cp` into a container: the one call whose body is a raw stream (a tar), not JSON. */
const rawStreamCall = (method: string, path: string) => method === "PUT" && /^\/containers\/[^/]+\/archive$/.test(path);

/** Effects that need the whole answer before the client gets it. */
const buffered: ReadonlySet<Effect> = new Set([
  "hide-containers",
  "hide-network-members",
  "narrow-disk-usage",
  "record-exec",
  "network-removal",
  "network-created",
  "narrow-info",
]);

class Guard implements ScopeGuard {
  readonly refusals: Refusal[] = [];
  readonly calls: GuardCall[] = [];
  private step: string | undefined;
  private readonly server: http.Server;
  private readonly scope: DrillScope;
  private readonly engineSocket: string;
  private readonly labels: Record<string, string>;
  private readonly policy: DrillPolicy;
  private readonly tunnels = new Set<Duplex>();
  private closed?: Promise<void>;

  constructor(private readonly opts: ScopeGuardOptions) {
    this.engineSocket = opts.engineSocket ?? "/var/run/docker.sock";
    this.labels = { ...(opts.labels ?? {}), [labelProject]: opts.project };
    this.policy = opts.policy ?? emptyPolicy();
    this.scope = new DrillScope({
      images: this.policy.images,
      project: opts.project,
      productionProject: opts.productionProject ?? "docker-compose",
      services: opts.services,
      hiddenContainers: opts.hiddenContainers,
      lookup: opts.lookup ?? dockerLookup(new Docker({ socketPath: this.engineSocket }), opts.project),
    });
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 502, { message: `scope guard: ${errorText(err)}` });
        else res.destroy();
      });
    });
    // Streams (logs -f, events, a long exec) may last as long as a step does.
    this.server.requestTimeout = 0;
    this.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.hijack(req, socket, head).catch(() => socket.destroy());
    });
  }

  get socket(): string {
    return this.opts.listenSocket;
  }

  async listen(): Promise<void> {
    if (existsSync(this.opts.listenSocket)) rmSync(this.opts.listenSocket);
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.opts.listenSocket, () => {
        this.server.off("error", reject);
        // An idle guard never keeps the harness alive (its owner may forget close()).
        this.server.unref();
        resolve();
      });
    });
  }

  setCurrentStep(id: string | undefined): void {
    this.step = id;
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      for (const t of this.tunnels) t.destroy();
      this.server.closeAllConnections();
      this.server.close(() => {
        rmSync(this.opts.listenSocket, { force: true });
        resolve();
      });
    });
    return this.closed;
  }

  private refusal(method: string, path: string, reason: string): { message: string } {
    const step = this.step;
    this.refusals.push({ step, method, path, reason, at: new Date().toISOString() });
    const when = step === undefined ? "outside any step" : `during step ${step}`;
    const message = `scope guard refused ${method} ${path} ${when}: ${reason}`;
    this.opts.log?.(`ops: ${message}`);
    return { message };
  }

  private async decide(method: string, url: string, body: unknown): Promise<{ decision: Decision; prefix: string; pathname: string }> {
    const { prefix, version, path, query } = splitUrl(url);
    const pathname = new URL(url, "http://docker").pathname;
    const decision = await decide({ method, path, query, body, version }, { scope: this.scope, policy: this.policy, labels: this.labels }).catch(
      (err: unknown): Decision => ({ kind: "refuse", reason: `the guard could not check this request: ${errorText(err)}` }),
    );
    if (this.opts.trace) {
      const what = decision.kind === "forward" ? `-> ${decision.path}?${decision.query.toString()}` : decision.kind;
      this.opts.log?.(`ops: guard ${method} ${url} ${what}`);
    }
    return { decision, prefix, pathname };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const pathname = new URL(url, "http://docker").pathname;
    // Every body is read and parsed before the decision (JSON bodies are small), except
    // the raw tar of `docker cp`; the engine gets only what the rules checked.
    let raw: Buffer | undefined;
    let unreadable: string | undefined;
    if (!rawStreamCall(method, splitUrl(url).path)) {
      raw = await readAll(req, 4 * 1024 * 1024).catch(() => {
        unreadable = "the request body is larger than the 4 MiB the guard reads and checks";
        return undefined;
      });
    }
    let body: unknown;
    if (raw && raw.length > 0) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        unreadable = "the request body is not JSON, and the guard forwards only bodies it has checked";
      }
    }
    if (unreadable !== undefined) {
      // Say why the call itself is refused when it is (a build's tar context), else why the body is.
      const { decision } = await this.decide(method, url, undefined);
      return sendJson(res, 403, this.refusal(method, pathname, decision.kind === "refuse" ? decision.reason : unreadable));
    }
    const { decision, prefix } = await this.decide(method, url, body);
    if (decision.kind === "refuse") return sendJson(res, 403, this.refusal(method, pathname, decision.reason));
    if (decision.kind === "answer") return sendJson(res, decision.status, decision.body);
    if (raw && raw.length > 0 && decision.body === undefined) {
      return sendJson(res, 403, this.refusal(method, pathname, `the guard forwards no request body on ${method} ${pathname}`));
    }

    const query = decision.query.toString();
    const target = {
      method,
      url: `${prefix}${decision.path}${query ? `?${query}` : ""}`,
      headers: decision.body !== undefined ? { ...req.headers, "content-type": "application/json" } : req.headers,
      body: decision.body !== undefined ? Buffer.from(JSON.stringify(decision.body)) : decision.rawBody && hasBody(req) ? req : undefined,
    };
    const effect = decision.effect;
    if (effect === "network-removal") await this.opts.networkHooks?.beforeRemoval();
    try {
      const { response, abort } = engineRequest(this.engineSocket, target);
      const engineRes = await response;
      if (isMutating(method, decision.path)) {
        this.calls.push({ step: this.step, method, path: decision.path, status: engineRes.statusCode ?? 0, at: new Date().toISOString() });
      }
      if (effect === "containers-changed" || effect === "network-removal" || effect === "network-created") this.scope.invalidate();
      if (effect === undefined || !buffered.has(effect)) return streamBack(res, engineRes, abort);
      const answer = await readAll(engineRes);
      sendBody(res, engineRes, this.transform(effect, engineRes.statusCode ?? 0, answer));
    } finally {
      if (effect === "network-removal" || effect === "network-created") await this.opts.networkHooks?.afterChange();
    }
  }

  /** Rewrite or learn from an answer before the client sees it. */
  private transform(effect: Effect, status: number, answer: Buffer): Buffer {
    if (status < 200 || status >= 300) return answer;
    if (effect === "hide-containers" || effect === "hide-network-members" || effect === "narrow-disk-usage" || effect === "narrow-info") {
      const narrowed = narrowAnswer(effect, JSON.parse(answer.toString("utf8")), this.scope);
      return Buffer.from(JSON.stringify(narrowed));
    }
    if (effect === "record-exec") {
      const { Id } = JSON.parse(answer.toString("utf8")) as { Id?: string };
      if (Id) this.scope.addExec(Id);
    }
    return answer;
  }

  /**
   * An upgrade request. Only exec start and attach may upgrade; the body is read, checked
   * and re-serialised like any other, and the tunnel holds the client's further bytes
   * until the engine has upgraded the connection.
   */
  private async hijack(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const method = req.method ?? "POST";
    const url = req.url ?? "/";
    const pathname = new URL(url, "http://docker").pathname;
    let read: { body: Buffer; rest: Buffer };
    try {
      read = await readUpgradeBody(req, socket, head);
    } catch (err) {
      return rawJsonResponse(socket, 403, "Forbidden", this.refusal(method, pathname, `unreadable upgrade request: ${errorText(err)}`));
    }
    let body: unknown;
    if (read.body.length > 0) {
      try {
        body = JSON.parse(read.body.toString("utf8"));
      } catch {
        return rawJsonResponse(socket, 403, "Forbidden", this.refusal(method, pathname, "the request body is not JSON"));
      }
    }
    const { decision, prefix } = await this.decide(method, url, body);
    if (decision.kind !== "forward" || !decision.hijack) {
      const reason =
        decision.kind === "refuse" ? decision.reason : "only exec start and container attach may upgrade a connection to a raw stream";
      return rawJsonResponse(socket, 403, "Forbidden", this.refusal(method, pathname, reason));
    }
    if (read.body.length > 0 && decision.body === undefined) {
      return rawJsonResponse(socket, 403, "Forbidden", this.refusal(method, pathname, `the guard forwards no request body on ${method} ${pathname}`));
    }
    const query = decision.query.toString();
    const engine = tunnel(
      this.engineSocket,
      {
        method,
        url: `${prefix}${decision.path}${query ? `?${query}` : ""}`,
        headers: decision.body !== undefined ? { ...req.headers, "content-type": "application/json" } : req.headers,
        body: decision.body !== undefined ? Buffer.from(JSON.stringify(decision.body)) : undefined,
      },
      socket,
      read.rest,
    );
    this.tunnels.add(socket);
    this.tunnels.add(engine);
    const forget = () => {
      this.tunnels.delete(socket);
      this.tunnels.delete(engine);
    };
    socket.on("close", forget);
    engine.on("close", forget);
  }
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers["content-length"] !== undefined ? req.headers["content-length"] !== "0" : req.headers["transfer-encoding"] !== undefined;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function startScopeGuard(opts: ScopeGuardOptions): Promise<ScopeGuard> {
  // A unix socket path is limited to 107 bytes; say so rather than fail obscurely.
  if (Buffer.byteLength(opts.listenSocket) > 100) {
    throw new Error(`scope guard socket path too long for a unix socket (${opts.listenSocket}); use a shorter checkout path`);
  }
  const guard = new Guard(opts);
  await guard.listen();
  return guard;
}
