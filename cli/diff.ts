import { runDiff } from '../synth/run-diff';

process.exitCode = runDiff(process.argv.slice(2));
