import { runSynth } from '../synth/run-synth';

process.exitCode = runSynth(process.argv.slice(2));
