#!/usr/bin/env node
// The site-compiler executable: runs the CLI from a bundle that bin/bundle.js keeps in step with the sources.
'use strict';
const { run } = require('./bundle');

// npm run bench reads a child's peak memory from here (spawnSync cannot see it).
if (process.env.SITE_COMPILER_BENCH_RSS) process.once('exit', () => process.stderr.write(`SITE_COMPILER_MAX_RSS=${process.resourceUsage().maxRSS * 1024}\n`));

run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
