// Clean shutdown shared by the stand-ins' entry points: on SIGTERM or SIGINT close the
// server once, log the outcome as JSON, and exit non-zero if it cannot close in 5 s.
// They may run as PID 1 in a container, where the kernel's default signal handling
// does not apply, so the handlers are explicit.
export type JsonLog = (fields: Record<string, unknown>) => void;

export function stopOnSignals(close: () => Promise<void>, log: JsonLog): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log({ level: "info", msg: "shutting down", signal });
    // Backstop: never hang a container stop if something keeps the loop alive.
    setTimeout(() => process.exit(1), 5_000).unref();
    close().then(
      () => {
        log({ level: "info", msg: "stopped" });
        process.exitCode = 0;
      },
      (err: unknown) => {
        log({ level: "error", msg: "error while stopping", error: String(err) });
        process.exitCode = 1;
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
