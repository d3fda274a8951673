import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';

/**
 * Renders Mermaid the way a reader sees it: Debian's Chromium, headless, mermaid's own browser bundle from
 * node_modules, a page 1,000 px wide (a pull-request page on a laptop). Nothing is downloaded: puppeteer-core only
 * drives the browser that the machine has.
 */

export const CHROMIUM = '/usr/bin/chromium';
export const PAGE_WIDTH_PX = 1000;

/** What one diagram measures once the page has fitted it into its width. */
export interface DiagramMeasure {
  /** Parse or render error, when Mermaid refused the text. */
  readonly error?: string;
  /** The SVG's own width (viewBox), before fitting. */
  readonly naturalWidthPx: number;
  /** Width and height on the page after fitting (Mermaid's useMaxWidth scales a wide diagram down to the page). */
  readonly renderedWidthPx: number;
  readonly renderedHeightPx: number;
  /** Rendered width / natural width. */
  readonly scale: number;
  /** The smallest font size of any text in the diagram times the scale: what the eye gets. */
  readonly minEffectiveFontPx: number;
  /** The text that has it. */
  readonly smallestText: string;
  readonly textCount: number;
}

/** Whether this machine can run the browser checks; the reason when not. */
export function chromiumMissing(): string | undefined {
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} is absent: install Debian's chromium (apt-get install -y chromium; .ci/run does) to render the REVIEW.md diagrams`;
  try {
    require.resolve('puppeteer-core');
  } catch {
    return 'puppeteer-core is not installed: run npm ci';
  }
  return undefined;
}

export interface MermaidBrowser {
  measure(text: string): Promise<DiagramMeasure>;
  close(): Promise<void>;
}

export async function openMermaidBrowser(): Promise<MermaidBrowser> {
  const puppeteer = await import('puppeteer-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'site-compiler-chromium-'));
  let browser: Browser | undefined;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // The machine has no network and no display: nothing may reach out, no GPU, no first-run or sync.
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
      ],
    });
    const page = await browser.newPage();
    await page.setViewport({ width: PAGE_WIDTH_PX, height: 800 });
    await page.setContent(`<!doctype html><html><body style="margin:0"><div id="diagram" style="width:${PAGE_WIDTH_PX}px"></div></body></html>`);
    await page.addScriptTag({ path: require.resolve('mermaid/dist/mermaid.min.js') });
    await page.evaluate(() => (globalThis as unknown as { mermaid: { initialize(c: object): void } }).mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' }));
    const open = browser;
    let n = 0;
    return {
      measure: (text) => measureIn(page, text, `d${n++}`),
      close: async () => {
        await open.close();
        fs.rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await browser?.close();
    fs.rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}

async function measureIn(page: Page, text: string, id: string): Promise<DiagramMeasure> {
  return page.evaluate(
    async (source: string, svgId: string) => {
      const mermaid = (globalThis as unknown as { mermaid: { parse(t: string): Promise<unknown>; render(id: string, t: string): Promise<{ svg: string }> } }).mermaid;
      const empty = { naturalWidthPx: 0, renderedWidthPx: 0, renderedHeightPx: 0, scale: 0, minEffectiveFontPx: 0, smallestText: '', textCount: 0 };
      const host = document.getElementById('diagram') as HTMLElement;
      host.innerHTML = '';
      try {
        await mermaid.parse(source);
        host.innerHTML = (await mermaid.render(svgId, source)).svg;
      } catch (e) {
        return { ...empty, error: e instanceof Error ? e.message : String(e) };
      }
      const svg = host.querySelector('svg') as SVGSVGElement;
      const box = svg.getBoundingClientRect();
      const natural = svg.viewBox.baseVal.width;
      const scale = box.width / natural;
      let min = Infinity;
      let smallest = '';
      let count = 0;
      // Every element that shows text of its own: SVG text, and the HTML inside foreignObject labels.
      for (const el of Array.from(svg.querySelectorAll('text, tspan, foreignObject *'))) {
        const own = Array.from(el.childNodes)
          .filter((c) => c.nodeType === Node.TEXT_NODE)
          .map((c) => c.textContent ?? '')
          .join('')
          .trim();
        if (own === '') continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        count++;
        const size = parseFloat(getComputedStyle(el).fontSize) * scale;
        if (size < min) {
          min = size;
          smallest = own;
        }
      }
      return { naturalWidthPx: natural, renderedWidthPx: box.width, renderedHeightPx: box.height, scale, minEffectiveFontPx: count > 0 ? min : 0, smallestText: smallest, textCount: count };
    },
    text,
    id,
  );
}

/** Every ```mermaid block of a Markdown file, in order. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}
