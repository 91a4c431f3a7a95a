// Break a scrape target: take the exporter off the drill network, so Prometheus (and
// everything else) can no longer reach it while the process itself keeps running.
import { param, type Fault, type FaultModule, targetParameter } from "./fault.js";

export const scrapeBreak: Fault = async ({ stack }, params) => {
  const service = param<string>(params, "target", "string");
  const network = stack.docker.getNetwork(`${stack.project}_app-network`);
  const container = stack.containerName(service);
  await network.disconnect({ Container: container });
  return {
    detail: `disconnected ${service} from the drill network (its scrape target becomes unreachable)`,
    // Compose's DNS name for the service is its network alias: give it back.
    revert: async () => void (await network.connect({ Container: container, EndpointConfig: { Aliases: [service] } }).catch(() => {})),
  };
};


/** `kind: scrape-break` in a scenario. */
export const scrapeBreakFault: FaultModule = {
  kind: "scrape-break",
  parameters: { target: targetParameter },
  serviceParameters: ["target"],
  apply: scrapeBreak,
};
