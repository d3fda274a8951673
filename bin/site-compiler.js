#!/usr/bin/env node
// The site-compiler executable: runs the CLI from a bundle that bin/bundle.js keeps in step with the sources.
'use strict';
const { loadCli } = require('./bundle');

loadCli()
  .then((cli) => cli.main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  });
