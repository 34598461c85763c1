#!/usr/bin/env node
// The `guildhall` command. npm runs bin scripts with node_modules/.bin first on PATH,
// so `node` here is the pinned Node 24, which runs the TypeScript sources directly.
const { main } = await import('../src/cli.ts');
await main(process.argv.slice(2));
