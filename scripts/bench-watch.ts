/**
 * For `npm run bench`: how long `synth --watch` takes from a site edit to the per-component diff on the
 * terminal. Starts the executable with `synth --watch` on a YAML site, waits for its first synth, then
 * edits the site `runs` times (one replica more, one fewer: every component is compiled again and
 * nothing is destroyed, which the replacement review would refuse) and times each edit until the
 * diff's first line appears on stdout. Prints WATCH_MS=<ms,ms,…> (edit to diff), RESYNTH_MS=<…> (the
 * re-synth as the watcher reports it, writing included) and, on Linux, WATCH_CPU_MS=<…> (the CPU time
 * the watcher spent from edit to diff: what the wall time comes to on an idle machine) on stdout.
 *
 *   tsx scripts/bench-watch.ts <site.yaml> <runs>
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';

const ROOT = path.resolve(__dirname, '..');

/** CPU time (user + system) the process has used, ms, from /proc; undefined where there is none (not Linux). */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    // utime and stime (fields 14 and 15 of stat, 12 and 13 after the command name) in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Lines of a stream, each handed to the current waiter (or dropped when nobody waits). */
function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const l of parts) onLine(l);
  });
}

async function main(): Promise<void> {
  const [site, runsArg] = process.argv.slice(2);
  const runs = Number(runsArg ?? 5);
  const out = path.join(path.dirname(site), 'watch-out');
  const doc = parse(fs.readFileSync(site, 'utf8')) as { apps: { name: string; replicas?: number }[] };
  const app = doc.apps.find((a) => typeof a.replicas === 'number');
  if (!app || app.replicas === undefined) throw new Error('no app with replicas to edit');

  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'site-compiler.js'), 'synth', '--watch', '--quiet', '--site', site, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  let waiter: ((line: string, from: 'out' | 'err') => void) | undefined;
  const until = (test: (line: string, from: 'out' | 'err') => boolean): Promise<number> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`synth --watch did not answer in 120 s:\n${log.slice(-10).join('\n')}`)), 120_000);
      waiter = (line, from) => {
        if (!test(line, from)) return;
        clearTimeout(timer);
        waiter = undefined;
        resolve(performance.now());
      };
    });
  lines(child.stdout, (l) => (log.push(l), waiter?.(l, 'out')));
  lines(child.stderr, (l) => (log.push(l), waiter?.(l, 'err')));
  child.on('exit', (code) => waiter?.(`exited with ${code}`, 'err'));

  try {
    await until((l, from) => from === 'err' && (l.startsWith('watching ') || l.startsWith('exited')));
    if (child.exitCode !== null) throw new Error(`synth --watch ended: ${log.slice(-10).join('\n')}`);
    const watch: number[] = [];
    const resynth: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      app.replicas = (app.replicas ?? 1) + (i % 2 === 0 ? 1 : -1);
      const diffShown = until((_l, from) => from === 'out');
      const started = performance.now();
      const cpuBefore = cpuMs(child.pid);
      fs.writeFileSync(site, stringify(doc, { lineWidth: 0 }));
      watch.push((await diffShown) - started);
      const cpuAfter = cpuMs(child.pid);
      if (cpuBefore !== undefined && cpuAfter !== undefined) cpu.push(cpuAfter - cpuBefore);
      let reported = 0;
      await until((l) => {
        const m = /^re-synth after the edit: (\d+) ms/.exec(l);
        if (m) reported = Number(m[1]);
        return m !== null || l.startsWith('exited');
      });
      resynth.push(reported);
    }
    process.stdout.write(`WATCH_MS=${watch.map((t) => t.toFixed(1)).join(',')}\nRESYNTH_MS=${resynth.join(',')}\n${cpu.length > 0 ? `WATCH_CPU_MS=${cpu.join(',')}\n` : ''}`);
  } finally {
    child.kill('SIGINT');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
