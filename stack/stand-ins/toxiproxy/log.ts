// Logging for the stand-in: a plain callback, so the in-process tests can stay silent
// and the container entry point can print zerolog-style JSON lines like the real server.
export type LogLevel = "debug" | "info" | "warn" | "error";

export type Logger = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

export const silentLogger: Logger = () => {};

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function parseLogLevel(value: string | undefined): LogLevel {
  const v = (value ?? "").toLowerCase();
  if (v === "warning") return "warn";
  return v in RANK ? (v as LogLevel) : "info";
}

/** One JSON object per line: {"level","time",...fields,"message"} (zerolog's field names). */
export function jsonLogger(
  minLevel: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  return (level, message, fields) => {
    if (RANK[level] < RANK[minLevel]) return;
    const entry = { level, time: new Date().toISOString(), ...fields, message };
    write(JSON.stringify(entry) + "\n");
  };
}
