// The operator's way onto the EC2 instance, for drills that run its stand-in
// (harness/stack/ec2-host.ts): the key pair's .pem in the operator shell's ~/.ssh, as
// on the operator's machine before anything broke. Copied in through the engine's
// archive API, so the key is the shell's own file (a chmod in a step changes only it)
// and never a bind mount a step could widen.
import { readFileSync } from "node:fs";
import type { RunningStack } from "../stack/drill-stack.js";
import { containerAddress, ec2HostService, operatorKeyPath } from "../stack/ec2-host.js";
import { tarArchive } from "./tar.js";

/**
 * The key with the mode AWS asks for (0400), and the host already in known_hosts under
 * its address and its name on the drill network (the operator has logged in before),
 * so `ssh` neither prompts nor fails on an unknown host key. Nothing when the stack has
 * no EC2 host.
 */
export async function installOperatorKey(stack: RunningStack, shellContainer: string): Promise<void> {
  const keys = stack.ec2Host?.keys;
  if (!keys) return;
  const address = await containerAddress(stack.docker, stack.containerName(ec2HostService));
  if (!address) throw new Error(`${stack.containerName(ec2HostService)} has no address on the drill network`);
  await stack.docker.getContainer(shellContainer).putArchive(
    tarArchive([
      { path: ".ssh/", mode: 0o700 },
      { path: operatorKeyPath, content: readFileSync(keys.operatorKey), mode: 0o400 },
      { path: ".ssh/known_hosts", content: `${ec2HostService},${address} ${keys.hostPublicKey}\n`, mode: 0o644 },
    ]),
    { path: "/root" },
  );
}
