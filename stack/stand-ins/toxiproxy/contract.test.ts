// Runs the Toxiproxy contract against the in-process stand-in, and against a real
// Toxiproxy when one is reachable (TOXIPROXY_UPSTREAM_URL, e.g. a ghcr.io/shopify/toxiproxy
// container on the host network; TOXIPROXY_UPSTREAM_HOST_FOR_PROXY if it must reach this
// host under another name).
import { afterAll, beforeAll, describe, it } from "vitest";
import { toxiproxyContract } from "./contract.js";
import { startToxiproxyStandIn, type ToxiproxyStandInHandle } from "./server.js";

describe("toxiproxy stand-in (TypeScript, in-process)", () => {
  let standIn: ToxiproxyStandInHandle | undefined;
  beforeAll(async () => {
    standIn = await startToxiproxyStandIn({ apiPort: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await standIn?.close();
  });
  toxiproxyContract(() => ({ apiUrl: standIn!.apiUrl, upstreamHostForProxy: "127.0.0.1" }));
});

const upstreamUrl = process.env.TOXIPROXY_UPSTREAM_URL;
if (upstreamUrl) {
  describe(`upstream toxiproxy at ${upstreamUrl}`, () => {
    toxiproxyContract(() => ({
      apiUrl: upstreamUrl.replace(/\/$/, ""),
      upstreamHostForProxy: process.env.TOXIPROXY_UPSTREAM_HOST_FOR_PROXY ?? "127.0.0.1",
    }));
  });
} else {
  describe("upstream ghcr.io/shopify/toxiproxy", () => {
    it.skip("upstream ghcr.io/shopify/toxiproxy: skipped, no registry reachable (set TOXIPROXY_UPSTREAM_URL)", () => {});
  });
}
