// Behavioural contract of the Toxiproxy v2 HTTP API + TCP proxy, written against an API
// URL only, so the same suite can run against the TypeScript stand-in and against the
// real ghcr.io/shopify/toxiproxy. Mostly driven through toxiproxy-node-client (what the
// drills use), with raw HTTP where status codes and error bodies matter. Every effect is
// measured on a real TCP echo server; timing checks have lower bounds only.
// Proxies are uniquely named and deleted afterwards, but the /reset case resets every
// proxy of the target: run it against a dedicated instance.
import { randomBytes } from "node:crypto";
import net from "node:net";
import { performance } from "node:perf_hooks";
import { Toxiproxy, type Proxy, type ICreateToxicBody } from "toxiproxy-node-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

export interface ToxiproxyTarget {
  /** Base URL of the API, e.g. http://127.0.0.1:8474 */
  apiUrl: string;
  /** Host the proxy must dial to reach the echo server this suite starts on the test host. */
  upstreamHostForProxy: string;
}

const TEST_TIMEOUT = 20_000;
/** setTimeout/loopback granularity; lower bounds are checked with this much slack. */
const SLACK_MS = 5;

/** Socket wrapper that records everything received, plus how and when it closed. */
class Peer {
  private chunks: Buffer[] = [];
  length = 0;
  error: NodeJS.ErrnoException | undefined;
  closedAt: number | undefined;
  private waiters = new Set<() => void>();

  constructor(readonly socket: net.Socket) {
    socket.on("data", (d: Buffer) => {
      this.chunks.push(d);
      this.length += d.length;
      this.notify();
    });
    socket.on("error", (e) => (this.error = e));
    socket.on("close", () => {
      this.closedAt = performance.now();
      this.notify();
    });
  }

  private notify(): void {
    for (const w of this.waiters) w();
  }

  received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Resolves true as soon as `pred` holds, false after `timeoutMs`. */
  until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    if (pred()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!pred()) return;
        cleanup();
        resolve(true);
      };
      const timer = setTimeout(() => {
        cleanup();
        resolve(false);
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  closed(timeoutMs: number): Promise<boolean> {
    return this.until(() => this.closedAt !== undefined, timeoutMs);
  }

  /** Sends `payload`, waits for as many bytes to come back; returns elapsed ms. */
  async roundTrip(payload: Buffer | string, timeoutMs = 5_000): Promise<number> {
    const size = Buffer.byteLength(payload);
    const target = this.length + size;
    const start = performance.now();
    this.socket.write(payload);
    const ok = await this.until(() => this.length >= target, timeoutMs);
    if (!ok) throw new Error(`no echo of ${size} bytes within ${timeoutMs} ms (got ${this.length - target + size})`);
    return performance.now() - start;
  }
}

interface EchoServer {
  port: number;
  close(): Promise<void>;
}

async function startEcho(host: string): Promise<EchoServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on("data", (d) => socket.write(d));
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const isLoopback = (host: string) => ["127.0.0.1", "localhost", "::1"].includes(host);
const portOf = (listen: string) => Number(listen.slice(listen.lastIndexOf(":") + 1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function toxiproxyContract(getTarget: () => ToxiproxyTarget): void {
  describe("toxiproxy contract", () => {
    let target: ToxiproxyTarget;
    let client: Toxiproxy;
    let echo: EchoServer;
    /** Host the test connects to; proxies listen there too (same host as the API). */
    let host: string;
    const prefix = `contract_${process.pid}_${randomBytes(3).toString("hex")}`;
    const created = new Set<string>();
    const peers: Peer[] = [];

    beforeAll(async () => {
      target = getTarget();
      client = new Toxiproxy(target.apiUrl);
      host = new URL(target.apiUrl).hostname.replace(/^\[|\]$/g, "");
      echo = await startEcho(isLoopback(target.upstreamHostForProxy) ? "127.0.0.1" : "0.0.0.0");
    });

    afterEach(async () => {
      for (const p of peers.splice(0)) p.socket.destroy();
      for (const name of created) await api("DELETE", `/proxies/${name}`);
      created.clear();
    });

    afterAll(async () => {
      await echo?.close();
    });

    async function api(method: string, path: string, body?: string, headers?: Record<string, string>) {
      const res = await fetch(target.apiUrl + path, { method, body, headers });
      const text = await res.text();
      return { status: res.status, text, json: () => JSON.parse(text) as unknown };
    }

    function proxyName(suffix: string): string {
      const name = `${prefix}_${suffix}`;
      created.add(name);
      return name;
    }

    async function newProxy(suffix: string): Promise<Proxy> {
      return client.createProxy({
        name: proxyName(suffix),
        listen: `${host.includes(":") ? `[${host}]` : host}:0`,
        upstream: `${target.upstreamHostForProxy}:${echo.port}`,
      });
    }

    function connect(port: number): Promise<Peer> {
      return new Promise((resolve, reject) => {
        const socket = net.connect({ host, port });
        socket.setNoDelay(true);
        socket.once("error", reject);
        socket.once("connect", () => {
          socket.off("error", reject);
          const peer = new Peer(socket);
          peers.push(peer);
          resolve(peer);
        });
      });
    }

    const connectTo = (proxy: Proxy) => connect(portOf(proxy.listen));

    function addToxic(proxy: Proxy, body: Partial<ICreateToxicBody<unknown>> & { type: string }) {
      return proxy.addToxic(body as ICreateToxicBody<unknown>);
    }

    describe("HTTP API", () => {
      it("GET /version answers 200 with a version", async () => {
        const res = await api("GET", "/version");
        expect(res.status).toBe(200);
        // v2.7+ answers {"version": "..."}; older releases answered the bare version text.
        const version = res.text.trim().startsWith("{") ? (res.json() as { version: string }).version : res.text.trim();
        expect(version).toMatch(/\d+\.\d+\.\d+/);
      });

      it("POST /proxies binds an ephemeral port and reports the bound address", async () => {
        const proxy = await newProxy("create");
        expect(proxy.enabled).toBe(true);
        expect(portOf(proxy.listen)).toBeGreaterThan(0);
        expect(proxy.upstream).toBe(`${target.upstreamHostForProxy}:${echo.port}`);

        const shown = await api("GET", `/proxies/${proxy.name}`);
        expect(shown.status).toBe(200);
        expect(shown.json()).toEqual({
          name: proxy.name,
          listen: proxy.listen,
          upstream: proxy.upstream,
          enabled: true,
          toxics: [],
        });
        const all = await client.getAll();
        expect(all[proxy.name]?.listen).toBe(proxy.listen);
      });

      it("duplicate proxy name: 409 {error, status}", async () => {
        const proxy = await newProxy("dup");
        const res = await api("POST", "/proxies", JSON.stringify({ name: proxy.name, listen: `${host}:0`, upstream: proxy.upstream }));
        expect(res.status).toBe(409);
        expect(res.json()).toEqual({ error: "proxy already exists", status: 409 });
        await expect(newProxy("dup")).rejects.toThrow(/409/);
      });

      it("unknown proxy or toxic: 404 {error, status}", async () => {
        const missing = await api("GET", `/proxies/${prefix}_nope`);
        expect(missing.status).toBe(404);
        expect(missing.json()).toEqual({ error: "proxy not found", status: 404 });
        expect((await api("DELETE", `/proxies/${prefix}_nope`)).status).toBe(404);

        const proxy = await newProxy("notoxic");
        const toxic = await api("GET", `/proxies/${proxy.name}/toxics/nope`);
        expect(toxic.status).toBe(404);
        expect(toxic.json()).toEqual({ error: "toxic not found", status: 404 });
        expect((await api("DELETE", `/proxies/${proxy.name}/toxics/nope`)).status).toBe(404);
      });

      it("bad input: 400 with the real error messages", async () => {
        const noUpstream = await api("POST", "/proxies", JSON.stringify({ name: `${prefix}_x`, listen: `${host}:0` }));
        expect(noUpstream.status).toBe(400);
        expect(noUpstream.json()).toEqual({ error: "missing required field: upstream", status: 400 });

        const noName = await api("POST", "/proxies", JSON.stringify({ upstream: "127.0.0.1:1" }));
        expect(noName.json()).toEqual({ error: "missing required field: name", status: 400 });

        const badJson = await api("POST", "/proxies", "{not json");
        expect(badJson.status).toBe(400);
        expect((badJson.json() as { error: string }).error).toMatch(/^bad request body/);

        const proxy = await newProxy("badtoxic");
        const badStream = await api("POST", `/proxies/${proxy.name}/toxics`, JSON.stringify({ type: "latency", stream: "sideways" }));
        expect(badStream.json()).toEqual({ error: "stream was invalid, can be either upstream or downstream", status: 400 });
        const badType = await api("POST", `/proxies/${proxy.name}/toxics`, JSON.stringify({ type: "gremlins" }));
        expect(badType.json()).toEqual({ error: "invalid toxic type", status: 400 });
      });

      it("toxic defaults, 409 on duplicates, show/update/delete", async () => {
        const proxy = await newProxy("toxiccrud");
        const created = await api("POST", `/proxies/${proxy.name}/toxics`, JSON.stringify({ type: "latency", attributes: { latency: 10 } }));
        expect(created.status).toBe(200);
        expect(created.json()).toEqual({
          attributes: { latency: 10, jitter: 0 },
          name: "latency_downstream",
          type: "latency",
          stream: "downstream",
          toxicity: 1,
        });

        const dup = await api("POST", `/proxies/${proxy.name}/toxics`, JSON.stringify({ type: "latency" }));
        expect(dup.status).toBe(409);
        expect(dup.json()).toEqual({ error: "toxic already exists", status: 409 });

        const toxic = await proxy.getToxic<{ latency: number; jitter: number }>("latency_downstream");
        const updated = await toxic.update({ ...toxic.toJson(), attributes: { latency: 20 } } as never);
        expect(updated.attributes).toEqual({ latency: 20, jitter: 0 }); // merged, not replaced

        const listed = await api("GET", `/proxies/${proxy.name}/toxics`);
        expect((listed.json() as unknown[]).length).toBe(1);
        expect((await client.get(proxy.name)).toJson()).toMatchObject({ name: proxy.name });

        await updated.remove();
        expect((await api("GET", `/proxies/${proxy.name}/toxics`)).json()).toEqual([]);
      });

      it("POST /populate creates proxies and keeps identical ones", async () => {
        const names = [proxyName("pop_a"), proxyName("pop_b")];
        const upstream = `${target.upstreamHostForProxy}:${echo.port}`;
        const first = await client.populate(names.map((name) => ({ name, listen: `${host}:0`, upstream })));
        expect(Object.keys(first).sort()).toEqual([...names].sort());
        const a = first[names[0]!]!;
        expect(a.enabled).toBe(true);
        await (await connectTo(a)).roundTrip("populated");

        // Same listen (the bound address) + upstream: the proxy is kept as it is.
        const again = await client.populate([{ name: a.name, listen: a.listen, upstream }]);
        expect(again[a.name]?.listen).toBe(a.listen);
      });

      it("POST /proxies/{name} updates enabled and upstream", async () => {
        const proxy = await newProxy("update");
        const disabled = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
        expect(disabled.enabled).toBe(false);
        expect(disabled.listen).toBe(proxy.listen);
        const enabled = await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
        expect(enabled.enabled).toBe(true);
        expect(enabled.listen).toBe(proxy.listen); // re-enabled on the same port
        await (await connectTo(enabled)).roundTrip("back");

        const moved = await proxy.update({ enabled: true, listen: proxy.listen, upstream: `${target.upstreamHostForProxy}:1` });
        expect(moved.upstream).toBe(`${target.upstreamHostForProxy}:1`);
      });

      it("DELETE /proxies/{name} removes it and closes its listener", async () => {
        const proxy = await newProxy("delete");
        expect((await api("DELETE", `/proxies/${proxy.name}`)).status).toBe(204);
        expect((await api("GET", `/proxies/${proxy.name}`)).status).toBe(404);
        await expect(connectTo(proxy)).rejects.toMatchObject({ code: "ECONNREFUSED" });
      });

      it("POST /reset re-enables proxies and removes all toxics", async () => {
        const proxy = await newProxy("reset");
        await addToxic(proxy, { type: "latency", attributes: { latency: 2_000, jitter: 0 } });
        await addToxic(proxy, { type: "timeout", stream: "upstream", attributes: { timeout: 0 } });
        await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });

        await client.reset();
        const after = await api("GET", `/proxies/${proxy.name}`);
        expect(after.json()).toMatchObject({ enabled: true, toxics: [] });
        const rtt = await (await connectTo(proxy)).roundTrip("after reset");
        expect(rtt).toBeLessThan(1_000); // the 2 s latency is gone
      });

      it("routing: unknown path 404, wrong method 405, browsers 403", async () => {
        expect((await api("GET", "/nothing-here")).status).toBe(404);
        expect((await api("GET", "/reset")).status).toBe(405);
        const browser = await api("GET", "/proxies", undefined, { "User-Agent": "Mozilla/5.0" });
        expect(browser.status).toBe(403);
      });
    });

    describe("proxying", () => {
      it(
        "passes data through unchanged",
        async () => {
          const proxy = await newProxy("passthrough");
          const peer = await connectTo(proxy);
          const payload = randomBytes(1024 * 1024);
          await peer.roundTrip(payload, 10_000);
          expect(peer.received().equals(payload)).toBe(true);
        },
        TEST_TIMEOUT,
      );

      it(
        "latency 200 ms (downstream) adds >= 200 ms to a round trip",
        async () => {
          const proxy = await newProxy("latency");
          await addToxic(proxy, { type: "latency", attributes: { latency: 200, jitter: 0 } });
          const peer = await connectTo(proxy);
          for (let i = 0; i < 3; i++) expect(await peer.roundTrip(`ping ${i}`)).toBeGreaterThanOrEqual(200 - SLACK_MS);
        },
        TEST_TIMEOUT,
      );

      it(
        "latency upstream delays the client -> server direction",
        async () => {
          const proxy = await newProxy("latency_up");
          await addToxic(proxy, { type: "latency", stream: "upstream", attributes: { latency: 200, jitter: 0 } });
          expect(await (await connectTo(proxy)).roundTrip("up")).toBeGreaterThanOrEqual(200 - SLACK_MS);
        },
        TEST_TIMEOUT,
      );

      it(
        "toxics added, updated and removed apply to an already open connection",
        async () => {
          const proxy = await newProxy("live");
          const peer = await connectTo(proxy); // e.g. a pooled database connection
          await peer.roundTrip("before");

          const toxic = await addToxic(proxy, { type: "latency", attributes: { latency: 300, jitter: 0 } });
          expect(await peer.roundTrip("during")).toBeGreaterThanOrEqual(300 - SLACK_MS);

          const slower = await toxic.update({ ...toxic.toJson(), attributes: { latency: 500, jitter: 0 } });
          expect(await peer.roundTrip("slower")).toBeGreaterThanOrEqual(500 - SLACK_MS);

          await slower.remove();
          expect(await peer.roundTrip("after")).toBeLessThan(300); // not a tight bound: the toxic is gone
        },
        TEST_TIMEOUT,
      );

      it(
        "timeout 0 stops all data until the toxic is removed",
        async () => {
          const proxy = await newProxy("timeout_hold");
          const peer = await connectTo(proxy);
          await peer.roundTrip("flowing");
          const toxic = await addToxic(proxy, { type: "timeout", attributes: { timeout: 0 } });
          const before = peer.length;
          peer.socket.write("held");
          expect(await peer.until(() => peer.length > before, 500)).toBe(false);
          expect(peer.closedAt).toBeUndefined();

          await toxic.remove(); // the real proxy then delivers what it held
          expect(await peer.until(() => peer.length >= before + 4, 3_000)).toBe(true);
        },
        TEST_TIMEOUT,
      );

      it(
        "timeout N closes the connection after N ms without passing data",
        async () => {
          const proxy = await newProxy("timeout_close");
          await addToxic(proxy, { type: "timeout", attributes: { timeout: 300 } });
          const peer = await connectTo(proxy);
          const start = performance.now();
          peer.socket.write("lost");
          expect(await peer.closed(5_000)).toBe(true);
          expect(peer.closedAt! - start).toBeGreaterThanOrEqual(300 - SLACK_MS);
          expect(peer.length).toBe(0);
        },
        TEST_TIMEOUT,
      );

      it(
        "limit_data closes the connection after exactly N bytes",
        async () => {
          const proxy = await newProxy("limit");
          await addToxic(proxy, { type: "limit_data", attributes: { bytes: 100 } });
          const peer = await connectTo(proxy);
          peer.socket.write(randomBytes(1_000));
          expect(await peer.closed(5_000)).toBe(true);
          expect(peer.length).toBe(100);
        },
        TEST_TIMEOUT,
      );

      it(
        "reset_peer resets the connection (ECONNRESET)",
        async () => {
          const proxy = await newProxy("reset_peer");
          await addToxic(proxy, { type: "reset_peer", attributes: { timeout: 0 } });
          const peer = await connectTo(proxy);
          peer.socket.write("boom");
          expect(await peer.closed(5_000)).toBe(true);
          expect(peer.error?.code).toBe("ECONNRESET");
        },
        TEST_TIMEOUT,
      );

      it(
        "bandwidth limits the rate (50 KB/s: 25 KB take >= ~0.5 s)",
        async () => {
          const proxy = await newProxy("bandwidth");
          await addToxic(proxy, { type: "bandwidth", attributes: { rate: 50 } });
          const rtt = await (await connectTo(proxy)).roundTrip(randomBytes(25_000), 10_000);
          expect(rtt).toBeGreaterThanOrEqual(400);
        },
        TEST_TIMEOUT,
      );

      it(
        "slow_close delays the close by `delay` ms",
        async () => {
          const proxy = await newProxy("slow_close");
          await addToxic(proxy, { type: "slow_close", attributes: { delay: 400 } });
          const peer = await connectTo(proxy);
          await peer.roundTrip("bye");
          const start = performance.now();
          peer.socket.end(); // proxy closes the upstream; the downstream close is what is delayed
          expect(await peer.closed(5_000)).toBe(true);
          expect(peer.closedAt! - start).toBeGreaterThanOrEqual(400 - SLACK_MS);
        },
        TEST_TIMEOUT,
      );

      it(
        "toxicity 0 means the toxic never applies",
        async () => {
          const proxy = await newProxy("toxicity0");
          await addToxic(proxy, { type: "timeout", toxicity: 0, attributes: { timeout: 0 } });
          for (let i = 0; i < 5; i++) await (await connectTo(proxy)).roundTrip(`conn ${i}`, 2_000);
        },
        TEST_TIMEOUT,
      );

      it(
        "disabled proxy refuses connections and drops open ones; enabling restores it",
        async () => {
          const proxy = await newProxy("disable");
          const open = await connectTo(proxy);
          await open.roundTrip("hi");

          await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
          expect(await open.closed(3_000)).toBe(true);
          await expect(connectTo(proxy)).rejects.toMatchObject({ code: "ECONNREFUSED" });

          await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
          await sleep(50);
          await (await connectTo(proxy)).roundTrip("again");
        },
        TEST_TIMEOUT,
      );
    });
  });
}
