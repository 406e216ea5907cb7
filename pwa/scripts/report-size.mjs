// Prints the gzipped size of the JavaScript the browser downloads (dist/assets/*.js and dist/sw.js) and
// fails the build when it passes the budget, so growth is noticed.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 150 * 1024;
const files = [
  ...readdirSync('dist/assets').filter((f) => f.endsWith('.js')).map((f) => `dist/assets/${f}`),
  'dist/sw.js',
];
let appTotal = 0;
for (const f of files) {
  const raw = readFileSync(f);
  const gz = gzipSync(raw, { level: 9 }).length;
  if (f.startsWith('dist/assets/')) appTotal += gz;
  console.log(`${f.padEnd(48)} ${(raw.length / 1024).toFixed(1).padStart(7)} KiB  gzip ${(gz / 1024).toFixed(1).padStart(6)} KiB`);
}
console.log(`page JS total (gzip): ${(appTotal / 1024).toFixed(1)} KiB of ${BUDGET / 1024} KiB budget`);
if (appTotal > BUDGET) {
  console.error('JS budget exceeded');
  process.exit(1);
}
