// Meilisearch stand-in: hTTP plumbing.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createHash, timingSafeEqual } from "node:crypto";
import { MeiliError } from "./errors.js";
import { STANDIN_HEADER, STANDIN_PKG_VERSION } from "./identity.js";

export function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Constant-time key comparison (hashing first equalizes the lengths). */
export function keyMatches(candidate: string, masterKey: string): boolean {
  return timingSafeEqual(sha256(candidate), sha256(masterKey));
}

/** Upstream's Authorization handling: no header or a non-Bearer scheme is 401, a wrong key 403. */
export function authenticate(header: string | undefined, masterKey: string): void {
  if (header === undefined) {
    throw new MeiliError(
      "missing_authorization_header",
      "The Authorization header is missing. It must use the bearer authorization method.",
    );
  }
  const space = header.indexOf(" ");
  const scheme = space === -1 ? header : header.slice(0, space);
  if (scheme !== "Bearer") {
    throw new MeiliError(
      "missing_authorization_header",
      "The Authorization header is missing. It must use the bearer authorization method.",
    );
  }
  const token = space === -1 ? undefined : header.slice(space + 1);
  if (token === undefined || !keyMatches(token, masterKey)) {
    throw new MeiliError("invalid_api_key", "The provided API key is invalid.");
  }
}

export class PayloadTooLarge extends Error {}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true; // keep draining so the reply can be written cleanly
      else chunks.push(chunk);
    });
    req.on("end", () => (tooLarge ? reject(new PayloadTooLarge()) : resolve(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

export function send(res: ServerResponse, status: number, body?: unknown): void {
  res.setHeader(STANDIN_HEADER, STANDIN_PKG_VERSION);
  if (body === undefined) {
    res.writeHead(status, { "content-length": "0" });
    res.end();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(payload)),
  });
  res.end(payload);
}
