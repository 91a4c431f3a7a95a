#!/usr/bin/env node
/**
 * Entry point of the mc stand-in (see cli.ts for what it implements). Bundled
 * into one file, installed as `mc` on PATH in the S3 stand-in image and the
 * minio-init job image, and run by Debian's nodejs 18.
 */
import { run } from "./cli.js";

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mc: <ERROR> ${String(err)}\n`);
    process.exitCode = 1;
  },
);
