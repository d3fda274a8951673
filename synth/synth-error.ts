/**
 * A refused tree: every finding of the checks that ran, not just the first. In a file of its own so that the
 * executable's result-cache path (cli/synth-cached.ts) can tell a refusal from a bug without loading the synthesizer.
 */
export class SynthError extends Error {
  constructor(public readonly findings: readonly string[]) {
    super(`synth refused to write: ${findings.length} finding${findings.length === 1 ? '' : 's'}\n  ${findings.join('\n  ')}`);
    this.name = 'SynthError';
  }
}
