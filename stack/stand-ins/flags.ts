// Go `flag`-style command lines, as Loki, Promtail and Grafana's images take them:
// `-config.file=/etc/loki/config.yml`, `--config.file /x`, `-config.expand-env=true`.
export function parseGoFlags(argv: string[], known: readonly string[], booleans: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const m = /^--?([A-Za-z0-9._-]+)(?:=(.*))?$/s.exec(arg);
    if (!m?.[1]) throw new Error(`unexpected argument "${arg}"`);
    const name = m[1];
    if (!known.includes(name) && !booleans.includes(name)) throw new Error(`flag provided but not defined: -${name}`);
    if (m[2] !== undefined) out[name] = m[2];
    else if (booleans.includes(name)) out[name] = "true";
    else {
      const value = argv[++i];
      if (value === undefined) throw new Error(`flag needs an argument: -${name}`);
      out[name] = value;
    }
  }
  return out;
}

/** `${VAR}` and `${VAR:-default}` from the environment, like -config.expand-env. */
export function expandEnv(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, def: string | undefined) => env[name] || def || "");
}
