// Fill a size-limited volume (the drill's host disk is a tmpfs with a size) to a real
// ENOSPC, with files that look like what fills disks in production: old rotated logs.
import { param, type Fault } from "./fault.js";
import { runChecked } from "../util/run.js";
import { baseImage } from "../stack/base-image.js";
import { labelProject } from "../stack/labels.js";

export const volumeFill: Fault = async ({ stack }, params) => {
  const volume = `${stack.project}_${param<string>(params, "volume", "string", "host-disk")}`;
  const dir = param<string>(params, "dir", "string", "archive");
  const ageDays = param<number>(params, "ageDays", "number", 60);
  const files = param<number>(params, "files", "number", 8);
  // Several files so a cleanup can be partial; each written until the disk refuses.
  const script = [
    `mkdir -p /disk/${dir}`,
    `i=0; while [ $i -lt ${files} ]; do dd if=/dev/zero of=/disk/${dir}/app-$i.log bs=1M status=none 2>/dev/null || true; i=$((i+1)); done`,
    `touch -d '${ageDays} days ago' /disk/${dir}/*.log`,
    "df -h /disk | tail -1",
  ].join(" && ");
  const r = await runChecked("docker", ["run", "--rm", "--label", `${labelProject}=${stack.project}`, "-v", `${volume}:/disk`, baseImage, "sh", "-c", script]);
  return {
    detail: `filled volume ${volume} with ${files} ${ageDays}-day-old *.log files under ${dir}/ until ENOSPC (df: ${r.stdout.trim()})`,
    revert: async () => {
      await runChecked("docker", ["run", "--rm", "--label", `${labelProject}=${stack.project}`, "-v", `${volume}:/disk`, baseImage, "rm", "-rf", `/disk/${dir}`]).catch(() => {});
    },
  };
};
