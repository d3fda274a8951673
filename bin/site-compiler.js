#!/usr/bin/env node
// The site-compiler executable: loads the TypeScript CLI through tsx (the project ships no build step yet).
'use strict';
require('tsx/cjs');
const { main } = require('../cli/main.ts');
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
