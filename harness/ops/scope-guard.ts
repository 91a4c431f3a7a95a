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
import { labelProject } from "../stack/compose-file.js";
import type { Logger } from "../util/log.js";
import { DrillScope, dockerLookup, type EngineLookup } from "./drill-scope.js";
import { engineRequest, rawJsonResponse, readAll, sendBody, sendJson, streamBack, tunnel } from "./engine-proxy.js";
import { decide, narrowAnswer, type Decision, type Effect } from "./scope-rules.js";

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
  log?: Logger;
  /** Log every request and what the guard did with it (debugging a client's calls). */
  trace?: boolean;
}

export interface ScopeGuard {
  readonly socket: string;
  readonly refusals: readonly Refusal[];
  setCurrentStep(id: string | undefined): void;
  close(): Promise<void>;
}

const versionPrefix = /^(\/v\d+(?:\.\d+)?)(\/.*)?$/;

/** `/v1.41/containers/json?all=1` -> { prefix: "/v1.41", path: "/containers/json", query } */
export function splitUrl(url: string): { prefix: string; path: string; query: URLSearchParams } {
  const parsed = new URL(url, "http://docker");
  const m = versionPrefix.exec(parsed.pathname);
  return m ? { prefix: m[1] ?? "", path: m[2] ?? "/", query: parsed.searchParams } : { prefix: "", path: parsed.pathname, query: parsed.searchParams };
}

const isJson = (req: IncomingMessage) => (req.headers["content-type"] ?? "").includes("json");

/** Effects that need the whole answer before the client gets it. */
const buffered: ReadonlySet<Effect> = new Set([
  "hide-containers",
  "hide-network-members",
  "narrow-disk-usage",
  "record-exec",
  "network-removal",
  "network-created",
]);

class Guard implements ScopeGuard {
  readonly refusals: Refusal[] = [];
  private step: string | undefined;
  private readonly server: http.Server;
  private readonly scope: DrillScope;
  private readonly engineSocket: string;
  private readonly labels: Record<string, string>;
  private readonly tunnels = new Set<Duplex>();
  private closed?: Promise<void>;

  constructor(private readonly opts: ScopeGuardOptions) {
    this.engineSocket = opts.engineSocket ?? "/var/run/docker.sock";
    this.labels = { ...(opts.labels ?? {}), [labelProject]: opts.project };
    this.scope = new DrillScope({
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
    const { prefix, path, query } = splitUrl(url);
    const pathname = new URL(url, "http://docker").pathname;
    const decision = await decide({ method, path, query, body }, { scope: this.scope, labels: this.labels }).catch(
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
    // JSON bodies are small (create, connect) and some must be checked and rewritten.
    const raw = isJson(req) ? await readAll(req) : undefined;
    let body: unknown;
    if (raw && raw.length > 0) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        body = undefined;
      }
    }
    const { decision, prefix, pathname } = await this.decide(method, url, body);
    if (decision.kind === "refuse") return sendJson(res, 403, this.refusal(method, pathname, decision.reason));
    if (decision.kind === "answer") return sendJson(res, decision.status, decision.body);

    const query = decision.query.toString();
    const target = {
      method,
      url: `${prefix}${decision.path}${query ? `?${query}` : ""}`,
      headers: req.headers,
      body: decision.body !== undefined ? Buffer.from(JSON.stringify(decision.body)) : (raw ?? (hasBody(req) ? req : undefined)),
    };
    const effect = decision.effect;
    if (effect === "network-removal") await this.opts.networkHooks?.beforeRemoval();
    try {
      const { response, abort } = engineRequest(this.engineSocket, target);
      const engineRes = await response;
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
    if (effect === "hide-containers" || effect === "hide-network-members" || effect === "narrow-disk-usage") {
      const narrowed = narrowAnswer(effect, JSON.parse(answer.toString("utf8")), this.scope);
      return Buffer.from(JSON.stringify(narrowed));
    }
    if (effect === "record-exec") {
      const { Id } = JSON.parse(answer.toString("utf8")) as { Id?: string };
      if (Id) this.scope.addExec(Id);
    }
    return answer;
  }

  private async hijack(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const method = req.method ?? "POST";
    const { decision, prefix, pathname } = await this.decide(method, req.url ?? "/", undefined);
    if (decision.kind !== "forward") {
      const message =
        decision.kind === "refuse"
          ? this.refusal(method, pathname, decision.reason)
          : { message: `scope guard: ${method} ${pathname} cannot be hijacked` };
      return rawJsonResponse(socket, 403, "Forbidden", message);
    }
    const query = decision.query.toString();
    const engine = tunnel(this.engineSocket, req, socket, head, `${prefix}${decision.path}${query ? `?${query}` : ""}`);
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
