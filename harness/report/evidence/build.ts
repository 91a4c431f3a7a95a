// `npm run report:evidence` end to end: gather and validate the journals, keep the
// period's, write evidence.html, SHA256SUMS and (through headless Chromium) evidence.pdf.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureTools, launchChromium } from "../../engine/chromium.js";
import type { Logger } from "../../util/log.js";
import { EvidenceError, gatherJournals, inPeriod, resolvePeriod } from "./gather.js";
import { renderEvidenceHtml } from "./html.js";
import { buildEvidence, sha256sums, type Evidence } from "./model.js";

export interface EvidenceOptions {
  from: string;
  out?: string;
  since?: string;
  until?: string;
  repoRoot: string;
  /** Skip the PDF (and Chromium). */
  noPdf?: boolean;
  log: Logger;
}

export interface EvidenceResult {
  evidence: Evidence;
  html: string;
  pdf?: string;
  sums: string;
}

export async function writeEvidence(o: EvidenceOptions): Promise<EvidenceResult> {
  const period = resolvePeriod(o.since, o.until);
  const from = resolve(o.from);
  const all = gatherJournals(from);
  const picked = inPeriod(all, period);
  if (picked.length === 0) {
    throw new EvidenceError(
      `no drill journals under ${o.from} started between ${period.since.toISOString()} and ${period.until.toISOString()} (${all.length} journal(s) found in all); ` +
        "widen --since/--until, or point --from at the folder where the runs or the unpacked CI artifacts are",
    );
  }
  const evidence = buildEvidence(all, picked, period, o.from, o.repoRoot);
  const outDir = resolve(o.out ?? join(o.repoRoot, "reports", "evidence", `${period.since.toISOString().slice(0, 10)}_${period.until.toISOString().slice(0, 10)}`));
  mkdirSync(outDir, { recursive: true });
  const html = join(outDir, "evidence.html");
  const sums = join(outDir, "SHA256SUMS");
  writeFileSync(html, await renderEvidenceHtml(evidence));
  writeFileSync(sums, sha256sums(evidence));
  if (o.noPdf) return { evidence, html, sums };
  const pdf = join(outDir, "evidence.pdf");
  await printPdf(html, pdf, o.log);
  return { evidence, html, pdf, sums };
}

/** Prints an HTML file to A4 PDF in headless Chromium (installed by the preflight where it may). */
export async function printPdf(htmlFile: string, pdfFile: string, log: Logger): Promise<void> {
  await ensureTools(["chromium"], log);
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: "load" });
    await page.pdf({ path: pdfFile, format: "A4", printBackground: true, margin: { top: "14mm", bottom: "14mm", left: "12mm", right: "12mm" }, displayHeaderFooter: true, headerTemplate: "<span></span>", footerTemplate: `<div style="font-size:8px;width:100%;text-align:center;color:#666">page <span class="pageNumber"></span> of <span class="totalPages"></span></div>` });
  } finally {
    await browser.close();
  }
}
