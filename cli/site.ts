import { runSite } from '../synth/run-site';

process.exitCode = runSite(process.argv.slice(2));
