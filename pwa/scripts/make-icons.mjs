// Renders the app icons (public/icon-*.png) from one SVG with Debian's headless chromium.
// The PNGs are committed; run this only when the design changes: `npm run icons`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const THEME = '#0b6e4f';
// The same handset path as the app's "phone" icon (24x24 box).
const HANDSET =
  'M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z';

/** maskable: full-bleed background, glyph inside the 80% safe zone; otherwise a rounded tile. */
function svg(size, maskable) {
  const glyph = maskable ? 0.46 : 0.56;
  const scale = (size * glyph) / 24;
  const offset = (size - 24 * scale) / 2;
  const radius = maskable ? 0 : size * 0.22;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">
  <rect width="${size}" height="${size}" rx="${radius}" fill="${THEME}"/>
  <g transform="translate(${offset} ${offset}) scale(${scale})"><path d="${HANDSET}" fill="#fff"/></g>
  <circle cx="${size * 0.7}" cy="${size * 0.3}" r="${size * 0.055}" fill="#9be3c4"/>
</svg>`;
}

const dir = mkdtempSync(join(tmpdir(), 'icons-'));
const targets = [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['icon-maskable-512.png', 512, true],
];
for (const [name, size, maskable] of targets) {
  const html = join(dir, `${name}.html`);
  writeFileSync(html, `<!doctype html><html><body style="margin:0;background:transparent">${svg(size, maskable)}</body></html>`);
  execFileSync('chromium', [
    '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--default-background-color=00000000',
    `--window-size=${size},${size}`, `--screenshot=${join(process.cwd(), 'public', name)}`, `file://${html}`,
  ], { stdio: 'ignore' });
  console.log(`public/${name}`);
}
writeFileSync(join(process.cwd(), 'public', 'icon.svg'), svg(512, false));
