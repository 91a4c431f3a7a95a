// A minimal ustar writer: enough to copy a few small files into a container with the
// Engine's archive API (PUT /containers/{id}/archive), so the operator shell's files
// (the compose file, the .env with the drill's secrets) never sit in a host directory.

export interface TarEntry {
  /** Relative path; directories end with "/". At most 100 bytes. */
  path: string;
  content?: string | Buffer;
  mode?: number;
}

function header(path: string, size: number, mode: number, type: "0" | "5"): Buffer {
  if (Buffer.byteLength(path) > 100) throw new Error(`tar: path too long: ${path}`);
  const h = Buffer.alloc(512, 0);
  const put = (offset: number, length: number, value: string) => h.write(value, offset, length, "utf8");
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, "0");
  put(0, 100, path);
  put(100, 8, octal(mode, 8));
  put(108, 8, octal(0, 8)); // uid root
  put(116, 8, octal(0, 8)); // gid root
  put(124, 12, octal(size, 12));
  put(136, 12, octal(Math.floor(Date.now() / 1000), 12));
  put(148, 8, "        "); // checksum is computed over spaces here
  put(156, 1, type);
  put(257, 6, "ustar\0");
  put(263, 2, "00");
  let sum = 0;
  for (const byte of h) sum += byte;
  put(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return h;
}

export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    if (e.path.endsWith("/")) {
      blocks.push(header(e.path, 0, e.mode ?? 0o755, "5"));
      continue;
    }
    const data = Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content ?? "", "utf8");
    blocks.push(header(e.path, data.length, e.mode ?? 0o644, "0"), data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad > 0) blocks.push(Buffer.alloc(pad, 0));
  }
  blocks.push(Buffer.alloc(1024, 0));
  return Buffer.concat(blocks);
}
