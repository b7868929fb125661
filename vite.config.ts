import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { compression } from 'vite-plugin-compression2';

const apiTarget = `http://127.0.0.1:${process.env.PORT ?? '3000'}`;
const page = (name: string) => fileURLToPath(new URL(`./client/${name}`, import.meta.url));

/** In development, join links get the patient's page as they do from the server (server/middleware/client-files.ts). */
function patientPageInDev(): Plugin {
  return {
    name: 'alcove:patient-page-in-dev',
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        if (req.url?.startsWith('/join/')) req.url = '/join.html';
        next();
      });
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('./client', import.meta.url)),
  plugins: [
    react(),
    patientPageInDev(),
    // Every script, style sheet and image list is written beside itself as .br and .gz at build
    // time; the server picks one from Accept-Encoding, so nothing is compressed per request.
    compression({ algorithms: ['brotliCompress', 'gzip'], include: /\.(js|mjs|css|svg|json)$/, threshold: 1024, logLevel: 'silent' }),
  ],
  resolve: {
    alias: { '@shared': fileURLToPath(new URL('./shared', import.meta.url)) },
  },
  build: {
    outDir: fileURLToPath(new URL('./dist/client', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    // .vite/manifest.json: which chunks each page and lazy import needs (scripts/check-size.mjs reads it).
    manifest: true,
    rolldownOptions: {
      // Two pages: the staff app (index.html) and the patient's join page (join.html), which shares
      // no code with the staff pages beyond React and the small common libraries.
      input: { index: page('index.html'), join: page('join.html') },
      output: {
        codeSplitting: {
          groups: [
            // What every page runs first, in one file rather than a dozen small ones (a slow phone pays
            // a round trip per file): React, zod, TanStack Query, the socket and the i18n libraries.
            {
              name: 'framework',
              test: /[\\/]node_modules[\\/](react|react-dom|scheduler|zod|@tanstack|socket\.io-client|socket\.io-parser|engine\.io-client|engine\.io-parser|@socket\.io|i18next|react-i18next|use-sync-external-store|html-parse-stringify|void-elements)[\\/]/,
              priority: 20,
            },
          ],
        },
      },
    },
  },
  worker: { format: 'es' },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target: apiTarget },
      '/healthz': { target: apiTarget },
      '/readyz': { target: apiTarget },
      '/socket.io': { target: apiTarget, ws: true },
    },
  },
});
