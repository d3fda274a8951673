import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runSynth } from '../synth/run-synth';

/**
 * The one golden of the project: the committed trees themselves. Whole-output snapshots kept a second and third copy
 * of them that drifted from dist/ unnoticed; here a change to the output fails until the tree is regenerated and
 * committed, so every output change is reviewed as a diff of dist/ (or dist-homelab/).
 */
const GOLDEN = [
  { site: 'sites/hookprobe.ts', out: 'dist', regenerate: 'npm run synth' },
  { site: 'sites/homelab.ts', out: 'dist-homelab', regenerate: 'npm run synth -- --site sites/homelab.ts --out dist-homelab' },
] as const;

describe('the committed output', () => {
  it.each(GOLDEN.map((g) => [`${g.out}/ is what ${g.site} produces`, g] as const))('%s (npm run synth -- --check)', (_name, { site, out, regenerate }) => {
    const err: string[] = [];
    const code = runSynth(['--check', '--quiet', '--site', site, '--out', out], { out: () => undefined, err: (l) => err.push(l), cwd: PROJECT_ROOT });
    expect(code, `${err.join('\n')}\nregenerate with: ${regenerate}`).toBe(0);
  });
});
