/**
 * Meilisearch stand-in: a server that speaks the subset of the
 * Meilisearch v1.x HTTP API our reference app, runbook and drills use.
 *
 * It exists for machines that cannot pull getmeili/meilisearch. It is NOT
 * Meilisearch: no ranking rules, typo tolerance, settings or filters, and its
 * persistence is a JSON snapshot of the indexes (see dbPath). Anything a drill
 * proves against it must be reported as proven against the stand-in (README.md).
 *
 * Constraints: Node built-ins only (it is bundled with esbuild into one ESM
 * file and run by Debian's nodejs 18), so no npm runtime dependencies and no
 * Node-20-only APIs.
 *
 * Error bodies, status codes, task shapes and messages follow the upstream
 * source (meilisearch/meilisearch: crates/meilisearch-types/src/error.rs,
 * index-scheduler/src/error.rs, meilisearch/src/error.rs, routes/...).
 */
import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { MeiliError } from "./errors.js";
import { PayloadTooLarge, authenticate, readBody, send } from "./http.js";
import { buildRoutes, matchRoute } from "./routes.js";
import { Store } from "./store.js";

export { STANDIN_HEADER, STANDIN_PKG_VERSION } from "./identity.js";

export interface MeilisearchStandInOptions {
  /** TCP port; 0 picks an ephemeral one (read it back from the result). */
  port: number;
  /** Bind address; defaults to 127.0.0.1 so tests never listen publicly. */
  host?: string;
  /** When set (non-empty), every route except /health needs `Bearer <key>`. */
  masterKey?: string;
  /**
   * How long a task stays `enqueued`, then again `processing`, before its work
   * is applied. Real Meilisearch is asynchronous too; a delay keeps clients
   * honest about waiting for tasks. Default 5 ms.
   */
  taskDelayMs?: number;
  /** Request body limit in bytes (Meilisearch's default is 100 MB). */
  maxPayloadBytes?: number;
  /**
   * Directory that keeps the indexes and their documents across restarts, as
   * MEILI_DB_PATH does upstream. Unset: in memory only (tests).
   */
  dbPath?: string;
}

export interface MeilisearchStandIn {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startMeilisearchStandIn(opts: MeilisearchStandInOptions): Promise<MeilisearchStandIn> {
  const host = opts.host ?? "127.0.0.1";
  const masterKey = opts.masterKey !== undefined && opts.masterKey !== "" ? opts.masterKey : undefined;
  const maxPayload = opts.maxPayloadBytes ?? 100_000_000;
  const store = new Store(Math.max(0, opts.taskDelayMs ?? 5), opts.dbPath);
  const routes = buildRoutes(store);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://stand-in.invalid");
    let segments: string[];
    try {
      // Upstream trims trailing slashes, so "/indexes/" is "/indexes".
      segments = url.pathname.split("/").filter((s) => s.length > 0).map(decodeURIComponent);
    } catch {
      send(res, 404);
      return;
    }
    const match = matchRoute(routes, segments);
    // Unknown paths and methods get actix-web's bare 404/405, before any auth.
    if (match === undefined) {
      send(res, 404);
      return;
    }
    const handler = match.route.methods[method];
    if (handler === undefined) {
      send(res, 405);
      return;
    }
    try {
      if (masterKey !== undefined && !match.route.public) authenticate(req.headers.authorization, masterKey);
      const needsBody = method === "POST" || method === "PUT" || method === "PATCH";
      const body = needsBody ? await readBody(req, maxPayload) : Buffer.alloc(0);
      const reply = handler({ method, params: match.params, query: url.searchParams, headers: req.headers, body });
      send(res, reply.status, reply.body);
    } catch (err) {
      if (err instanceof MeiliError) {
        send(res, err.status, err.body());
      } else if (err instanceof PayloadTooLarge) {
        const mib = (maxPayload / 1024 / 1024).toFixed(2);
        const e = new MeiliError(
          "payload_too_large",
          `The provided payload reached the size limit. The maximum accepted payload size is ${mib} MiB.`,
        );
        send(res, e.status, e.body());
      } else {
        const e = new MeiliError("internal", `Stand-in internal error: ${String(err)}`);
        send(res, e.status, e.body());
      }
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500);
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${urlHost}:${port}`,
    close() {
      // Idempotent: drills and test teardown may both close.
      closing ??= new Promise<void>((resolve, reject) => {
        store.stop();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
        // In-flight requests get a short grace period, then are cut.
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      });
      return closing;
    },
  };
}
