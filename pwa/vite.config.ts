import { defineConfig } from 'vitest/config';
import { build as viteBuild, type Plugin } from 'vite';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mockApi } from './mock/mockApi';

const root = fileURLToPath(new URL('.', import.meta.url));
const appVersion = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;

/**
 * Builds src/sw.ts into a single classic script at dist/sw.js (not under /assets: its scope must be "/", and
 * classic because module service workers are not supported everywhere). The precache list is injected from the
 * finished bundle, so the worker's bytes (and so its update) change exactly when the shell changes.
 */
function serviceWorker(): Plugin {
  return {
    name: 'webphone-service-worker',
    apply: 'build',
    async generateBundle(_options, bundle) {
      const bundled = Object.keys(bundle).filter((f) => !f.endsWith('.map') && f !== 'index.html');
      const publicFiles = readdirSync(`${root}public`).filter((f) => !f.startsWith('.'));
      const precache = ['/', ...publicFiles.map((f) => `/${f}`), ...bundled.map((f) => `/${f}`)];
      const hash = createHash('sha256');
      for (const name of Object.keys(bundle).sort()) {
        const item = bundle[name];
        hash.update(name);
        hash.update(item.type === 'chunk' ? item.code : item.source);
      }
      const version = hash.digest('hex').slice(0, 12);
      const result = await viteBuild({
        configFile: false,
        root,
        logLevel: 'warn',
        define: {
          __PRECACHE__: JSON.stringify(precache),
          __SW_VERSION__: JSON.stringify(version),
        },
        build: {
          write: false,
          emptyOutDir: false,
          target: 'es2020',
          minify: true,
          lib: { entry: `${root}src/sw.ts`, formats: ['iife'], name: 'webphoneServiceWorker', fileName: () => 'sw.js' },
        },
      });
      const outputs = Array.isArray(result) ? result : [result];
      const first = outputs[0];
      if (!('output' in first)) throw new Error('service worker build returned a watcher');
      this.emitFile({ type: 'asset', fileName: 'sw.js', source: first.output[0].type === 'chunk' ? first.output[0].code : '' });
    },
  };
}

export default defineConfig({
  define: { __APP_VERSION__: JSON.stringify(appVersion) },
  plugins: [serviceWorker(), ...(process.env.WEBPHONE_MOCK_API === '1' ? [mockApi()] : [])],
  build: {
    target: 'es2020',
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    // Develop against a running server: WEBPHONE_SERVER=https://localhost:8443 npm run dev
    proxy: process.env.WEBPHONE_SERVER
      ? { '/api': { target: process.env.WEBPHONE_SERVER, secure: false, changeOrigin: true } }
      : undefined,
  },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
  },
});
