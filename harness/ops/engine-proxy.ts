// Transport of the scope guard: requests forwarded to the engine's unix socket, and
// hijacked connections piped byte for byte.
//
// Hijacking: `docker exec`/`attach` (CLI 20.10, client/hijack.go) and docker-py
// (exec_start, attach: the library docker-compose 1.29 uses) send `Connection: Upgrade`
// and `Upgrade: tcp`; the engine answers `101 UPGRADED` and the HTTP connection becomes
// a raw bidirectional stream (stdin one way, multiplexed stdout/stderr the other). Node
// hands such a request to the server's `upgrade` event with the client's socket; the
// guard then writes the checked request (its own head, the re-serialised body) to a
// fresh engine connection. Nothing else the client sends reaches the engine until the
// engine has answered 101: after that every byte is the process's stdin, never a
// request. If the engine answers anything else, the client gets that answer and the
// connection is closed, so a second request smuggled behind the first is never read.
// Half-closes pass through (the CLI closes its write side at stdin EOF and keeps
// reading output).
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import net from "node:net";
import type { Duplex, Readable } from "node:stream";

// Headers that describe one hop, not the message: the guard sets its own.
const hopByHop = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"]);
// The only request headers the engine gets from a client: the rest (X-Registry-Auth,
// X-Forwarded-*, anything new) carry nothing a drill's call needs.
const forwardedRequestHeaders = new Set(["content-type", "user-agent", "accept"]);

function requestHeaders(from: IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(from)) {
    if (value !== undefined && forwardedRequestHeaders.has(name)) headers[name] = value;
  }
  return headers;
}

export interface EngineRequest {
  method: string;
  /** Path and query, with the client's /v1.xx prefix. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The checked body re-serialised, or (only for a raw-stream call such as `docker cp`) the client's request streamed through. */
  body?: Buffer | Readable;
}

export function engineRequest(engineSocket: string, target: EngineRequest): { response: Promise<IncomingMessage>; abort(): void } {
  const headers = requestHeaders(target.headers);
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

/** Read a request body that follows an upgrade request's head (exec start sends `{"Detach":false,"Tty":false}`). */
export async function readUpgradeBody(req: IncomingMessage, client: Duplex, head: Buffer, limit = 64 * 1024): Promise<{ body: Buffer; rest: Buffer }> {
  if (req.headers["transfer-encoding"] !== undefined) throw new Error("a chunked body on an upgrade request");
  const length = Number(req.headers["content-length"] ?? 0);
  if (!Number.isInteger(length) || length < 0 || length > limit) throw new Error(`an upgrade request body of ${req.headers["content-length"]} bytes`);
  let buffered = head;
  while (buffered.length < length) {
    const chunk = await new Promise<Buffer | undefined>((resolve) => {
      const onData = (c: Buffer) => done(c);
      const onEnd = () => done(undefined);
      const done = (c: Buffer | undefined) => {
        client.off("data", onData);
        client.off("end", onEnd);
        client.off("close", onEnd);
        client.pause();
        resolve(c);
      };
      client.on("data", onData);
      client.once("end", onEnd);
      client.once("close", onEnd);
      client.resume();
    });
    if (chunk === undefined) throw new Error("the client closed before sending its body");
    buffered = Buffer.concat([buffered, chunk]);
  }
  return { body: buffered.subarray(0, length), rest: buffered.subarray(length) };
}

export interface UpgradeRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body?: Buffer;
}

/**
 * Forward a checked upgrade request on a new engine connection. The client's further
 * bytes (`pending`, then whatever it sends) are held until the engine answers 101; on
 * any other answer the client gets it and both connections close.
 */
export function tunnel(engineSocket: string, target: UpgradeRequest, client: Duplex, pending: Buffer): Duplex {
  const headers = requestHeaders(target.headers);
  const lines = [`${target.method} ${target.url} HTTP/1.1`, "Host: docker", "Connection: Upgrade", "Upgrade: tcp"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${String(value)}`);
  lines.push(`Content-Length: ${target.body?.length ?? 0}`);
  const engine = net.createConnection({ path: engineSocket, allowHalfOpen: true });
  const held: Buffer[] = pending.length > 0 ? [pending] : [];
  let clientEnded = false;
  const hold = (chunk: Buffer) => held.push(chunk);
  const holdEnd = () => (clientEnded = true);
  client.on("data", hold);
  client.once("end", holdEnd);
  const fail = () => {
    engine.destroy();
    client.destroy();
  };
  engine.on("error", fail);
  client.on("error", fail);
  engine.on("connect", () => {
    engine.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (target.body && target.body.length > 0) engine.write(target.body);
  });
  let answer = Buffer.alloc(0);
  const onAnswer = (chunk: Buffer) => {
    answer = Buffer.concat([answer, chunk]);
    const end = answer.indexOf("\r\n\r\n");
    if (end < 0) {
      if (answer.length > 64 * 1024) fail();
      return;
    }
    engine.off("data", onAnswer);
    engine.pause();
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer.subarray(0, end).toString("latin1"))?.[1];
    client.off("data", hold);
    client.off("end", holdEnd);
    if (status !== "101") {
      // Not upgraded: the engine would read the next bytes as a new request. Give the
      // client the whole answer, then close both; nothing more goes to the engine.
      client.pause();
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(answer.subarray(0, end).toString("latin1"))?.[1] ?? 0);
      const close = () => {
        engine.destroy();
        client.end(answer);
      };
      const timer = setTimeout(close, 2000);
      timer.unref();
      const complete = () => answer.length >= end + 4 + length;
      if (complete()) {
        clearTimeout(timer);
        return close();
      }
      engine.on("data", (more: Buffer) => {
        answer = Buffer.concat([answer, more]);
        if (complete()) {
          clearTimeout(timer);
          close();
        }
      });
      engine.resume();
      return;
    }
    client.write(answer);
    for (const chunk of held) engine.write(chunk);
    if (clientEnded) engine.end();
    else client.pipe(engine);
    engine.pipe(client);
    engine.resume();
  };
  engine.on("data", onAnswer);
  return engine;
}
