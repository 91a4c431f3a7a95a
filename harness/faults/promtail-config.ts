// A bad edit to Promtail's config (runbook 9.5a, "Log path wrong"), applied the way
// Promtail applies config: the drill's copy of config.yml (bind-mounted read-only into
// Promtail) is rewritten and Promtail restarted, as a config deploy does; it has no
// reload without --server.enable-runtime-reload, which the stack does not set.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { param, type Fault, type FaultModule } from "./fault.js";

export const promtailConfig: Fault = async ({ stack }, params) => {
  const find = param<string>(params, "find", "string");
  const replace = param<string>(params, "replace", "string");
  const file = join(stack.dir, "promtail", "config.yml");
  const original = readFileSync(file, "utf8");
  if (!original.includes(find)) throw new Error(`promtail-config: config.yml has no "${find}"`);
  const edited = original.split(find).join(replace);
  parse(edited); // Promtail would refuse to start on YAML it cannot read: that is another fault.
  const promtail = stack.docker.getContainer(stack.containerName("promtail"));
  writeFileSync(file, edited);
  await promtail.restart({ t: 2 });
  return {
    detail: `replaced "${find}" with "${replace}" in Promtail's config.yml and restarted Promtail`,
    revert: async () => {
      writeFileSync(file, original);
      await promtail.restart({ t: 2 }).catch(() => {});
    },
  };
};

/** `kind: promtail-config` in a scenario. */
export const promtailConfigFault: FaultModule = {
  kind: "promtail-config",
  parameters: {
    find: { type: "string", required: true, about: "text in Promtail's config" },
    replace: { type: "string", required: true, about: "what it becomes" },
  },
  apply: promtailConfig,
};
