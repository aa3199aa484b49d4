import type * as PdfJsModule from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { PDFPageProxy } from 'pdfjs-dist';
import { NodeError, type NodeContext } from '../engine/engine.types.ts';

/**
 * PDF text and metadata, as n8n's `extractDataFromPDF`: pdfjs-dist's legacy build (the version
 * n8n ships), without eval, loaded on the first PDF only. In Node pdfjs parses on the calling
 * thread (its "fake worker"): no worker thread is left to keep a process alive, and the
 * document is destroyed after each file so nothing it holds outlives the run.
 */

type PdfJs = typeof PdfJsModule;
type TextContent = Awaited<ReturnType<PDFPageProxy['getTextContent']>>;

let loading: Promise<PdfJs> | undefined;

/** pdfjs, with n8n's `DOMMatrix` polyfill (pdfjs needs one outside browsers). */
function pdfjs(): Promise<PdfJs> {
  loading ??= (async () => {
    const global = globalThis as { DOMMatrix?: unknown };
    if (typeof global.DOMMatrix === 'undefined') {
      global.DOMMatrix = (await import('@thednp/dommatrix')).default;
    }
    return import('pdfjs-dist/legacy/build/pdf.mjs');
  })();
  return loading;
}

/** n8n's `parseText`: text items joined, a new line where the baseline moves. */
function pageText(content: TextContent): string {
  let lastY: number | undefined;
  const parts: string[] = [];
  for (const item of content.items) {
    if (!('str' in item)) continue;
    const y = item.transform[5] as number;
    // n8n compares with == and treats a baseline of 0 as "none yet".
    parts.push(lastY === y || !lastY ? item.str : `\n${item.str}`);
    lastY = y;
  }
  return parts.join('');
}

export interface PdfOptions {
  password?: string;
  maxPages?: number;
  joinPages?: boolean;
}

/** What n8n puts in the item: pages, metadata, text (one string or one per page), pdfjs's version. */
export interface PdfData {
  numpages: number;
  numrender: number;
  info: unknown;
  metadata: Record<string, unknown> | undefined;
  text: string | string[];
  version: string;
}

/** pdfjs's password errors keep its message (as n8n's) and say what to do. */
function passwordError(error: unknown): NodeError | undefined {
  if (!(error instanceof Error) || error.name !== 'PasswordException') return undefined;
  const incorrect = (error as Error & { code?: number }).code === 2;
  return new NodeError(error.message, {
    description: incorrect
      ? "The PDF is encrypted and the option 'Password' is not its password."
      : "The PDF is encrypted: set the option 'Password' to its password.",
    cause: error,
  });
}

/**
 * Reads a PDF: its text from the first `maxPages` pages (all when unset; none when 0), pages
 * joined by a blank line unless `joinPages` is false. Stops between pages when the execution is
 * cancelled.
 */
export async function extractPdf(
  ctx: NodeContext,
  bytes: Buffer,
  options: PdfOptions,
): Promise<PdfData> {
  const { getDocument, version } = await pdfjs();
  const task = getDocument({
    password: options.password,
    isEvalSupported: false,
    data: new Uint8Array(bytes),
    // Errors only: pdfjs warns on the console about fonts it draws without their data.
    verbosity: 0,
  });
  try {
    const document = await task.promise.catch((error: unknown) => {
      throw passwordError(error) ?? error;
    });
    const { info, metadata } = await document
      .getMetadata()
      .catch(() => ({ info: null, metadata: null }));
    const pages: string[] = [];
    const { maxPages, joinPages = true } = options;
    if (maxPages !== 0) {
      let pagesToRead = document.numPages;
      if (maxPages && maxPages < document.numPages) pagesToRead = maxPages;
      for (let n = 1; n <= pagesToRead; n++) {
        if (ctx.signal?.aborted) throw new NodeError('The execution was cancelled');
        const page = await document.getPage(n);
        pages.push(pageText(await page.getTextContent()));
        page.cleanup();
      }
    }
    const data: PdfData = {
      numpages: document.numPages,
      numrender: document.numPages,
      info,
      metadata: (metadata && Object.fromEntries([...metadata])) ?? undefined,
      text: joinPages ? pages.join('\n\n') : pages,
      version,
    };
    // As the item stores it: plain JSON (pdfjs's dictionaries hold class instances).
    return JSON.parse(JSON.stringify(data)) as PdfData;
  } finally {
    await task.destroy();
  }
}
