// Go-kit style logfmt lines, as Loki, Promtail and Grafana print them
// (`level=info ts=2024-10-10T10:00:00.123Z msg="Adding target" key=...`), so a runbook
// step that greps their `docker logs` sees the same shape as upstream's.
export type LogValue = string | number | boolean | undefined;

function quote(value: string): string {
  // Bare when it has no space, quote, equals sign or control character, like go-logfmt.
  if (value !== "" && !/[\s"=\\\u0000-\u001f]/.test(value)) return value;
  return JSON.stringify(value);
}

export function logfmt(fields: Record<string, LogValue>): string {
  return Object.entries(fields)
    .filter((e): e is [string, string | number | boolean] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${quote(String(v))}`)
    .join(" ");
}

export type Logger = (level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, LogValue>) => void;

/** A logger writing one logfmt line per call to `out` (stderr by default, where Go programs log). */
export function logfmtLogger(extra: Record<string, LogValue> = {}, out: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return (level, msg, fields = {}) => {
    out(`${logfmt({ level, ts: new Date().toISOString(), ...extra, msg, ...fields })}\n`);
  };
}
