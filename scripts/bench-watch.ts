/**
 * For `npm run bench`: what `synth --watch` costs after an edit. Loads the compiler once, synthesizes the
 * site, then edits it `runs` times (one worker more, one fewer) and times each in-process re-synth with
 * the per-component diff it prints, as the watcher runs it. Prints RESYNTH_MS=<ms,ms,…> on stderr.
 *
 *   tsx scripts/bench-watch.ts <site.yaml> <runs>
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { runSynth } from '../synth/run-synth';

const [site, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
const out = path.join(path.dirname(site), 'watch-out');
const io = { out: () => undefined, err: () => undefined, cwd: path.dirname(site) };
if (runSynth(['--site', site, '--out', out, '--quiet'], io) !== 0) throw new Error('the first synth failed');
const doc = parse(fs.readFileSync(site, 'utf8')) as { kubernetes: { nodePools: { role: string; count: number }[] } };
const workers = doc.kubernetes.nodePools.find((p) => p.role === 'worker');
if (!workers) throw new Error('no worker pool to edit');
const times: number[] = [];
for (let i = 0; i < runs; i += 1) {
  workers.count += i % 2 === 0 ? 1 : -1;
  fs.writeFileSync(site, stringify(doc, { lineWidth: 0 }));
  const started = performance.now();
  if (runSynth(['--site', site, '--out', out, '--quiet', '--show-diff'], io) !== 0) throw new Error('a re-synth failed');
  times.push(performance.now() - started);
}
process.stderr.write(`RESYNTH_MS=${times.map((t) => t.toFixed(1)).join(',')}\n`);
