// Fill a size-limited volume (the drill's host disk is a tmpfs with a size) to a real
// ENOSPC, with files that look like what fills disks in production: old rotated logs,
// or (writer: runaway) a log written now by a process that keeps writing, the common
// case of debug logging left on or an error loop.
import { param, type Fault, type FaultModule } from "./fault.js";
import { runChecked } from "../util/run.js";
import { baseImage } from "../stack/base-image.js";
import { labelProject } from "../stack/labels.js";

export const volumeFill: Fault = async (ctx, params) => {
  const { stack } = ctx;
  if (params.writer !== undefined) {
    if (params.writer !== "runaway") throw new Error(`fault parameter "writer" must be "runaway", got ${JSON.stringify(params.writer)}`);
    return runawayLogger(ctx, params);
  }
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

/**
 * A runaway logger: a process in a service's container appends log lines to a file on
 * the host disk until ENOSPC and tries again every second, so space freed elsewhere is
 * taken again. Nothing is backdated: the file is as new as the lines in it.
 */
const runawayLogger: Fault = async ({ stack, log }, params) => {
  const service = param<string>(params, "target", "string", "fastapi-app");
  const file = param<string>(params, "file", "string", "/mnt/logs/app-debug.log");
  const container = stack.containerName(service);
  const dir = file.replace(/\/[^/]*$/, "") || "/";
  const line = '{"level":"DEBUG","logger":"app.upstream","message":"retrying upstream call after connection reset"}';
  const loop =
    `echo $$ > /tmp/.runaway-logger.pid; ` +
    `while :; do yes '${line}' >> '${file}' 2>/dev/null & echo $! > /tmp/.runaway-logger.child; wait $!; sleep 1; done`;
  await runChecked("docker", ["exec", "-d", container, "sh", "-c", loop]);
  // Full when the file system has no block left for an unprivileged write.
  let df = "";
  for (let i = 0; i < 120; i++) {
    const r = await runChecked("docker", ["exec", container, "sh", "-c", `df -P '${dir}' | tail -1`]);
    df = r.stdout.trim();
    if (df.split(/\s+/)[3] === "0") break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (df.split(/\s+/)[3] !== "0") log(`runaway logger: ${dir} not full after 60 s (df: ${df})`);
  return {
    detail: `a runaway logger in ${service} appends DEBUG lines to ${file} (on the host disk) until ENOSPC and retries every second; nothing is backdated (df: ${df})`,
    revert: async () => {
      await runChecked("docker", [
        "exec", container, "sh", "-c",
        `kill $(cat /tmp/.runaway-logger.pid) $(cat /tmp/.runaway-logger.child) 2>/dev/null; rm -f '${file}' /tmp/.runaway-logger.pid /tmp/.runaway-logger.child`,
      ]).catch(() => {});
    },
  };
};

/** `kind: volume-fill` in a scenario. */
export const volumeFillFault: FaultModule = {
  kind: "volume-fill",
  parameters: {
    volume: { type: "string", about: "the drill volume filled (default host-disk)" },
    dir: { type: "string", about: "the folder the files go into (default archive)" },
    ageDays: { type: "integer", about: "the files' age in days (default 60)" },
    files: { type: "integer", about: "how many files (default 8)" },
    writer: { type: "string", about: "runaway: the app itself writes until ENOSPC instead of old files" },
    target: { type: "string", about: "the runaway writer's service (default fastapi-app)" },
    file: { type: "string", about: "the file the runaway writer appends to" },
  },
  serviceParameters: ["target"],
  apply: volumeFill,
};
