// The operator's SSH key with permissions too open (runbook section 11, "Permission
// denied"): the .pem as it lands after a copy or an unzip under the usual umask, 0644,
// instead of the 0400 AWS asks for. OpenSSH then refuses to use it ("UNPROTECTED
// PRIVATE KEY FILE! ... This private key will be ignored.") and the server, offered no
// key, answers "Permission denied (publickey)". The file is the operator shell's own
// copy (harness/ops/ec2-access.ts), so the fault changes the operator's machine only.
import type { Fault, FaultModule } from "./fault.js";
import { operatorShellName } from "../ops/operator-shell.js";
import { operatorKeyPath } from "../stack/ec2-host.js";
import { runChecked } from "../util/run.js";

export interface KeyModeParams {
  /** Octal mode, e.g. "644". */
  mode: string;
}

export function keyModeParams(params: Record<string, unknown>): KeyModeParams {
  const unknown = Object.keys(params).filter((k) => k !== "mode");
  if (unknown.length > 0) throw new Error(`ssh-key-mode: unknown parameter ${unknown.join(", ")} (it takes: mode)`);
  const mode = params.mode ?? "644";
  if (typeof mode !== "string" || !/^[0-7]{3}$/.test(mode)) throw new Error(`ssh-key-mode: mode must be three octal digits as a string, got ${JSON.stringify(mode)}`);
  // A mode ssh accepts would inject nothing: the owner must not be the only one who can read it.
  if ((parseInt(mode, 8) & 0o077) === 0) throw new Error(`ssh-key-mode: mode ${mode} gives group and others nothing; ssh accepts that key`);
  return { mode };
}

export const sshKeyMode: Fault = async ({ stack }, params) => {
  const p = keyModeParams(params);
  if (!stack.ec2Host) throw new Error("ssh-key-mode: the drill's stack has no EC2 host stand-in (stack: { ec2Host: true })");
  const shell = operatorShellName(stack.project);
  const key = `/root/${operatorKeyPath}`;
  const mode = async () => (await runChecked("docker", ["exec", shell, "stat", "-c", "%a", key])).stdout.trim();
  const before = await mode();
  await runChecked("docker", ["exec", shell, "chmod", p.mode, key]);
  const after = await mode();
  if (after !== p.mode) throw new Error(`ssh-key-mode: ${key} is ${after} after chmod ${p.mode}`);
  return {
    detail: `the operator's key ~/${operatorKeyPath} in the operator shell is mode ${after} (was ${before}): readable by others, so ssh refuses it`,
    // 0400 is what AWS asks for; put it back whatever it was.
    revert: async () => void (await runChecked("docker", ["exec", shell, "chmod", "400", key]).catch(() => undefined)),
  };
};

/** `kind: ssh-key-mode` in a scenario. */
export const sshKeyModeFault: FaultModule = {
  kind: "ssh-key-mode",
  parameters: { mode: { type: "string", about: "the key file's mode, in octal (default 644)" } },
  apply: sshKeyMode,
};
