// A named TCP proxy: a listener plus the toxics that apply to its connections.
import { lookup } from "node:dns/promises";
import { isIP, createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";
import { Connection, type Direction, type ToxicRecord } from "./link.js";
import type { Logger } from "./log.js";

/** Go's net.SplitHostPort, enough of it for "host:port", "[v6]:port" and ":port". */
export function splitHostPort(address: string): { host: string; port: string } {
  const missingPort = new Error(`address ${address}: missing port in address`);
  if (address.startsWith("[")) {
    const close = address.indexOf("]");
    if (close < 0) throw new Error(`address ${address}: missing ']' in address`);
    if (address[close + 1] !== ":") throw missingPort;
    return { host: address.slice(1, close), port: address.slice(close + 2) };
  }
  const colon = address.lastIndexOf(":");
  if (colon < 0) throw missingPort;
  const host = address.slice(0, colon);
  if (host.includes(":")) throw new Error(`address ${address}: too many colons in address`);
  return { host, port: address.slice(colon + 1) };
}

export function joinHostPort(host: string, port: number | string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function parsePort(address: string, port: string): number {
  if (port === "") return 0; // Go treats "host:" as port 0
  const n = /^\d+$/.test(port) ? Number(port) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new Error(`address ${address}: invalid port`);
  return n;
}

const WILDCARDS = new Set(["", "0.0.0.0", "::"]);

/**
 * Addresses to try for a listen host, in order. Go listens dual-stack ("[::]:port") for
 * wildcard hosts and takes the first IPv4 address of a name (so "localhost" is 127.0.0.1).
 */
async function listenCandidates(host: string): Promise<string[]> {
  if (WILDCARDS.has(host)) return ["::", "0.0.0.0"];
  if (isIP(host)) return [host];
  const addrs = await lookup(host, { all: true });
  const v4 = addrs.find((a) => a.family === 4);
  return [(v4 ?? addrs[0])!.address];
}

function listenOn(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once("error", onError);
    server.listen({ host, port, ipv6Only: false }, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/** Bind like Go's net.Listen("tcp", address) and return the actual bound address. */
export async function bindListener(server: Server, address: string): Promise<string> {
  const { host, port: portText } = splitHostPort(address);
  const port = parsePort(address, portText);
  const candidates = await listenCandidates(host);
  let lastError: unknown;
  for (const candidate of candidates) {
    try {
      await listenOn(server, candidate, port);
      const bound = server.address() as AddressInfo;
      return joinHostPort(bound.address, bound.port);
    } catch (err) {
      lastError = err;
      // Only the IPv6 wildcard may fall back (kernel without IPv6).
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EAFNOSUPPORT" && code !== "EADDRNOTAVAIL") break;
    }
  }
  throw lastError;
}

/** Go-style message for a failed listen, e.g. "listen tcp 127.0.0.1:80: bind: permission denied". */
export function listenErrorMessage(address: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    EADDRINUSE: "bind: address already in use",
    EACCES: "bind: permission denied",
    EADDRNOTAVAIL: "bind: cannot assign requested address",
    ENOTFOUND: "no such host",
    EAI_AGAIN: "temporary failure in name resolution",
  };
  const reason = (e.code && reasons[e.code]) ?? e.message;
  return reason.startsWith("address ") ? `listen tcp: ${reason}` : `listen tcp ${address}: ${reason}`;
}

/** Dial like Go's net.Dial: every resolved address in turn until one connects. */
async function dial(upstream: string): Promise<Socket> {
  const { host, port: portText } = splitHostPort(upstream);
  const port = parsePort(upstream, portText);
  const addrs = isIP(host)
    ? [{ address: host }]
    : await lookup(host === "" ? "localhost" : host, { all: true });
  let lastError: unknown = new Error(`dial tcp ${upstream}: no addresses`);
  for (const { address } of addrs) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect({ host: address, port, allowHalfOpen: true });
        socket.pause(); // nothing may be read before the toxic chain exists
        socket.once("error", reject);
        socket.once("connect", () => {
          socket.off("error", reject);
          resolve(socket);
        });
      });
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

/** Go enables TCP_NODELAY and 15 s keepalives on every connection; do the same. */
function tune(socket: Socket): void {
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 15_000);
  socket.on("error", () => {}); // resets by peers are normal for a chaos proxy; 'close' follows
}

export class Proxy {
  enabled = false;
  readonly toxics: Record<Direction, ToxicRecord[]> = { upstream: [], downstream: [] };
  private server: Server | undefined;
  private readonly connections = new Set<Connection>();
  /** Clients accepted while their upstream is still being dialed. */
  private readonly pending = new Set<Socket>();
  /** Bumped on every start/stop so a dial that finishes after a stop is discarded. */
  private generation = 0;

  constructor(
    readonly name: string,
    public listen: string,
    public upstream: string,
    private readonly log: Logger,
    private readonly random: () => number,
  ) {}

  toJSON() {
    return {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
      toxics: this.toxicList().map(toxicJson),
    };
  }

  /** Upstream toxics first, then downstream, each in chain order (as the real API lists them). */
  toxicList(): ToxicRecord[] {
    return [...this.toxics.upstream, ...this.toxics.downstream];
  }

  findToxic(name: string): ToxicRecord | undefined {
    return this.toxicList().find((t) => t.name === name);
  }

  async start(): Promise<void> {
    if (this.enabled) return;
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) =>
      this.accept(client),
    );
    try {
      this.listen = await bindListener(server, this.listen);
    } catch (err) {
      server.close();
      throw new Error(listenErrorMessage(this.listen, err));
    }
    server.on("error", (err) => this.log("warn", "Proxy listener error", { name: this.name, err: err.message }));
    this.server = server;
    this.enabled = true;
    this.generation++;
    this.log("info", "Started proxy", { name: this.name, proxy: this.listen, upstream: this.upstream });
  }

  /** Closes the listener and every connection (the real proxy does too). */
  stop(): void {
    if (!this.enabled) return;
    this.enabled = false;
    this.generation++;
    this.server?.close();
    this.server = undefined;
    for (const conn of this.connections) conn.close();
    this.connections.clear();
    for (const client of this.pending) client.destroy();
    this.pending.clear();
    this.log("info", "Terminated proxy", { name: this.name, proxy: this.listen, upstream: this.upstream });
  }

  private accept(client: Socket): void {
    tune(client);
    const generation = this.generation;
    const fields = { name: this.name, client: joinHostPort(client.remoteAddress ?? "", client.remotePort ?? 0), proxy: this.listen, upstream: this.upstream };
    this.log("info", "Accepted client", fields);
    this.pending.add(client);
    dial(this.upstream).then(
      (upstream) => {
        this.pending.delete(client);
        tune(upstream);
        if (generation !== this.generation || client.destroyed) {
          upstream.destroy();
          client.destroy();
          return;
        }
        const conn = new Connection(client, upstream, this.toxics, this.random, (c) =>
          this.connections.delete(c),
        );
        this.connections.add(conn);
      },
      (err: Error) => {
        this.pending.delete(client);
        this.log("error", "Unable to open connection to upstream", { ...fields, err: err.message });
        client.destroy();
      },
    );
  }

  addToxic(toxic: ToxicRecord): void {
    this.toxics[toxic.direction].push(toxic);
    for (const conn of this.connections) conn.link(toxic.direction).addToxic(toxic);
  }

  updateToxic(toxic: ToxicRecord): void {
    for (const conn of this.connections) conn.link(toxic.direction).updateToxic(toxic);
  }

  removeToxic(toxic: ToxicRecord): void {
    const chain = this.toxics[toxic.direction];
    const i = chain.indexOf(toxic);
    if (i >= 0) chain.splice(i, 1);
    for (const conn of this.connections) conn.link(toxic.direction).removeToxic(toxic);
  }

  resetToxics(): void {
    for (const toxic of this.toxicList()) this.removeToxic(toxic);
  }
}

/** JSON shape of a toxic, key order as Go marshals ToxicWrapper. */
export function toxicJson(t: ToxicRecord) {
  return {
    attributes: t.attributes,
    name: t.name,
    type: t.type,
    stream: t.stream,
    toxicity: t.toxicity,
  };
}
