import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { explainDiff, formatDiff } from '../synth/output-diff';
import { REVIEW_FILE } from '../synth/review-report';
import { runDiff } from '../synth/run-diff';
import { writeTree } from '../synth/write-tree';
import { committedCompile } from './support/compiled';
import { tempDir } from './support/sites';

// The tree synth writes (REVIEW.md with the scheduling check's operator pods), as diff compares against it.
const tree = committedCompile('sites/hookprobe.ts', { enforceChecks: false }).tree;

let dir: string;
beforeEach(() => {
  dir = path.join(tempDir('site-compiler-diff-'), 'dist');
  writeTree(tree, dir);
});
afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

function firstFile(prefix: string, kind: string): string {
  const file = [...tree.keys()].find((f) => f.startsWith(prefix) && (parse(tree.get(f) as string) as { kind?: string }).kind === kind);
  if (!file) throw new Error(`no ${kind} under ${prefix}`);
  return file;
}

function editYaml(file: string, edit: (obj: Record<string, any>) => void): void {
  const abs = path.join(dir, file);
  const obj = parse(fs.readFileSync(abs, 'utf8')) as Record<string, any>;
  edit(obj);
  fs.writeFileSync(abs, stringify(obj));
}

describe('explainDiff', () => {
  it('finds nothing when the folder is what the site produces', () => {
    expect(explainDiff(tree, dir)).toEqual([]);
  });

  it('names a changed Kubernetes object and the field that changed, under its component', () => {
    const file = firstFile('kubernetes/qsecbit-backend/', 'Deployment');
    editYaml(file, (d) => {
      d.spec.replicas = 5;
    });
    expect(explainDiff(tree, dir)).toEqual([
      { component: 'kubernetes/qsecbit-backend', added: [], removed: [], changed: [{ id: 'Deployment hookprobe/qsecbit-backend', details: ['spec.replicas: 5 -> 3'] }] },
    ]);
  });

  it('reports objects synth would add (deleted on disk) and remove (stale on disk)', () => {
    const file = firstFile('kubernetes/redis/', 'Service');
    const name = (parse(tree.get(file) as string) as { metadata: { name: string } }).metadata.name;
    fs.rmSync(path.join(dir, file));
    fs.writeFileSync(path.join(dir, 'kubernetes/redis/configmap-stale.yaml'), stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'stale', namespace: 'hookprobe' }, data: { a: 'b' } }));
    const [redis] = explainDiff(tree, dir);
    expect(redis.component).toBe('kubernetes/redis');
    expect(redis.added).toEqual([`Service hookprobe/${name}`]);
    expect(redis.removed).toEqual(['ConfigMap hookprobe/stale']);
    expect(redis.changed).toEqual([]);
  });

  it('reports a file whose objects are unchanged (an edited comment) as a text change', () => {
    const file = firstFile('kubernetes/redis/', 'StatefulSet');
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    fs.writeFileSync(path.join(dir, file), text.replace(/^# .*\n/, '# edited by hand\n'));
    expect(explainDiff(tree, dir)).toEqual([
      { component: 'kubernetes/redis', added: [], removed: [], changed: [{ id: file, details: ['same objects, different text (formatting or comments)'] }] },
    ]);
  });

  it('names Terraform changes by resource address', () => {
    const file = [...tree.keys()].find((f) => f.startsWith('terraform/') && f.endsWith('.json')) as string;
    const doc = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    const vms = doc.resource.proxmox_virtual_environment_vm;
    const [first, second] = Object.keys(vms).sort();
    vms[first].description = 'edited';
    delete vms[second];
    vms['extra-vm'] = { name: 'extra' };
    fs.writeFileSync(path.join(dir, file), JSON.stringify(doc, null, 2));
    const [tf] = explainDiff(tree, dir);
    expect(tf.component).toBe(path.dirname(file));
    expect(tf.added).toEqual([`proxmox_virtual_environment_vm.${second}`]);
    expect(tf.removed).toEqual(['proxmox_virtual_environment_vm.extra-vm']);
    expect(tf.changed.map((c) => c.id)).toEqual([`proxmox_virtual_environment_vm.${first}`]);
    expect(tf.changed[0].details[0]).toMatch(/^description: "edited" -> /);
  });

  it('counts lines for REVIEW.md and says when a file cannot be parsed', () => {
    fs.appendFileSync(path.join(dir, REVIEW_FILE), 'a line added by hand\n');
    const file = firstFile('kubernetes/redis/', 'StatefulSet');
    fs.writeFileSync(path.join(dir, file), 'kind: [unclosed\n');
    const diffs = explainDiff(tree, dir);
    expect(diffs.map((d) => d.component)).toEqual([REVIEW_FILE, 'kubernetes/redis']);
    expect(diffs[0].changed).toEqual([{ id: REVIEW_FILE, details: ['0 lines added, 1 removed'] }]);
    expect(diffs[1].changed[0].id).toBe(file);
    expect(diffs[1].changed[0].details[0]).toMatch(/^cannot be parsed: /);
  });

  it('formats one heading per component and one line per object', () => {
    editYaml(firstFile('kubernetes/qsecbit-backend/', 'Deployment'), (d) => {
      d.spec.replicas = 5;
    });
    expect(formatDiff(explainDiff(tree, dir))).toEqual(['kubernetes/qsecbit-backend (1 changed)', '  ~ Deployment hookprobe/qsecbit-backend', '      spec.replicas: 5 -> 3']);
  });
});

describe('npm run diff', () => {
  const run = (args: string[]): { code: number; out: string[]; err: string[] } => {
    const out: string[] = [];
    const err: string[] = [];
    const code = runDiff(args, { out: (l) => out.push(l), err: (l) => err.push(l), cwd: path.dirname(dir) });
    return { code, out, err };
  };

  it('exits 0 when the folder is up to date and 1, explaining per component, when it is not', () => {
    const same = run(['--out', 'dist']);
    expect(same.out).toEqual(['dist/ is what sites/hookprobe.ts produces']);
    expect(same.code).toBe(0);

    editYaml(firstFile('kubernetes/qsecbit-backend/', 'Deployment'), (d) => {
      d.spec.replicas = 5;
    });
    fs.rmSync(path.join(dir, REVIEW_FILE));
    const changed = run(['--out', 'dist']);
    expect(changed.code).toBe(1);
    expect(changed.out).toEqual([
      'dist/ differs from what sites/hookprobe.ts produces in 2 components (+ added, - removed, ~ changed by npx site-compiler synth):',
      `${REVIEW_FILE} (1 added)`,
      `  + ${REVIEW_FILE}`,
      'kubernetes/qsecbit-backend (1 changed)',
      '  ~ Deployment hookprobe/qsecbit-backend',
      '      spec.replicas: 5 -> 3',
    ]);
  });

  it('exits 2 on a bad argument', () => {
    expect(run(['--no-such-option']).code).toBe(2);
  });
});

describe('long strings in the diff', () => {
  it('shows the changed lines inside a long string (a dashboard), not its first characters', () => {
    const file = firstFile('kubernetes/monitoring/', 'ConfigMap');
    let key = '';
    editYaml(file, (d) => {
      key = Object.keys(d.data).find((k) => String(d.data[k]).length > 200) as string;
      d.data[key] = String(d.data[key]).replace(/"title": ?"([^"]+)"/, '"title": "$1 (edited by hand)"');
    });
    const lines = formatDiff(explainDiff(tree, dir));
    const at = lines.findIndex((l) => l.includes(`data.${key}: text changed:`));
    expect(at, lines.join('\n')).toBeGreaterThan(0);
    const hunk = lines.slice(at + 1, at + 12).join('\n');
    expect(hunk).toMatch(/- .*"title": ".* \(edited by hand\)"/);
    expect(hunk).toMatch(/\+ .*"title": "/);
  });
});
