// Break a Caddy route the way a bad deploy does: rewrite the drill's copy of the
// Caddyfile (in place, so the bind mount sees it) and reload Caddy.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { param, type Fault, type FaultModule } from "./fault.js";
import { runChecked } from "../util/run.js";

export const caddyRoute: Fault = async ({ stack }, params) => {
  const find = param<string>(params, "find", "string");
  const replace = param<string>(params, "replace", "string");
  const file = join(stack.dir, "caddy", "Caddyfile");
  const original = readFileSync(file, "utf8");
  if (!original.includes(find)) throw new Error(`caddy-route: the Caddyfile has no "${find}"`);
  const reload = () =>
    runChecked("docker", ["exec", stack.containerName("caddy"), "caddy", "reload", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]);
  writeFileSync(file, original.split(find).join(replace));
  await reload();
  return {
    detail: `replaced "${find}" with "${replace}" in the Caddyfile and reloaded Caddy`,
    revert: async () => {
      writeFileSync(file, original);
      await reload().catch(() => {});
    },
  };
};

/** `kind: caddy-route` in a scenario. */
export const caddyRouteFault: FaultModule = {
  kind: "caddy-route",
  parameters: {
    find: { type: "string", required: true, about: "text in the Caddyfile" },
    replace: { type: "string", required: true, about: "what it becomes" },
  },
  apply: caddyRoute,
};
