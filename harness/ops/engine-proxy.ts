// Transport of the scope guard: requests forwarded to the engine's unix socket, and
// hijacked connections piped byte for byte.
//
// Hijacking: `docker exec`/`attach` (CLI 20.10, client/hijack.go) and docker-py
// (exec_start, attach: the library docker-compose 1.29 uses) send `Connection: Upgrade`
// and `Upgrade: tcp`; the engine answers `101 UPGRADED` and the HTTP connection becomes
// a raw bidirectional stream (stdin one way, multiplexed stdout/stderr the other). Node
// hands such a request to the server's `upgrade` event with the client's socket; the
// guard then writes the (checked, possibly rewritten) request head to a fresh engine
// connection and pipes the two sockets. Whatever the engine answers, 101 or an error,
// reaches the client unchanged, and half-closes pass through (the CLI closes its write
// side at stdin EOF and keeps reading output).
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import net from "node:net";
import type { Duplex, Readable } from "node:stream";

// Headers that describe one hop, not the message: the guard sets its own.
const hopByHop = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"]);

export interface EngineRequest {
  method: string;
  /** Path and query, with the client's /v1.xx prefix. */
  url: string;
  headers: IncomingHttpHeaders;
  /** A rewritten body, or the client's request streamed through. */
  body?: Buffer | Readable;
}

export function engineRequest(engineSocket: string, target: EngineRequest): { response: Promise<IncomingMessage>; abort(): void } {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(target.headers)) {
    if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
  }
  headers.host = "docker";
  if (Buffer.isBuffer(target.body)) headers["content-length"] = target.body.length;
  const req = http.request({ socketPath: engineSocket, method: target.method, path: target.url, headers, agent: false });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on("response", resolve);
    req.on("error", reject);
  });
  if (target.body === undefined) req.end();
  else if (Buffer.isBuffer(target.body)) req.end(target.body);
  else target.body.pipe(req);
  return { response, abort: () => req.destroy() };
}

function responseHeaders(from: IncomingMessage, bodyLength?: number): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(from.headers)) {
    if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
  }
  if (bodyLength !== undefined) headers["content-length"] = bodyLength;
  return headers;
}

/** Stream the engine's answer back as it comes (logs -f, events, stats). */
export function streamBack(res: ServerResponse, engineRes: IncomingMessage, abort: () => void): void {
  res.writeHead(engineRes.statusCode ?? 502, responseHeaders(engineRes));
  res.flushHeaders();
  engineRes.pipe(res);
  // The client went away (docker logs -f interrupted, docker stats done): stop the engine side.
  res.on("close", () => {
    if (!engineRes.complete) abort();
  });
}

export function sendBody(res: ServerResponse, engineRes: IncomingMessage, body: Buffer): void {
  res.writeHead(engineRes.statusCode ?? 502, responseHeaders(engineRes, body.length));
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "content-type": "application/json", "content-length": text.length });
  res.end(text);
}

export async function readAll(stream: Readable, limit = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > limit) throw new Error(`body larger than ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Answer on a raw (not yet upgraded) socket, for a refused hijack request. */
export function rawJsonResponse(socket: Duplex, status: number, statusText: string, body: unknown): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/**
 * Forward a hijack request: the request head (with the checked URL) and any bytes
 * already read after it go to a new engine connection, then both sockets are piped.
 */
export function tunnel(engineSocket: string, req: IncomingMessage, client: Duplex, head: Buffer, url: string): Duplex {
  const lines = [`${req.method ?? "POST"} ${url} HTTP/1.1`];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  const engine = net.createConnection({ path: engineSocket, allowHalfOpen: true });
  const fail = () => {
    engine.destroy();
    client.destroy();
  };
  engine.on("error", fail);
  client.on("error", fail);
  engine.on("connect", () => {
    engine.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (head.length > 0) engine.write(head);
    client.pipe(engine);
    engine.pipe(client);
  });
  return engine;
}
