import { runSynth } from '../synth/run-synth';
import { watchSite } from '../synth/watch-site';

const argv = process.argv.slice(2);
if (argv.includes('--watch')) void watchSite(argv).then((code) => (process.exitCode = code));
else process.exitCode = runSynth(argv);
