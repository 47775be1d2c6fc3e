import { defineConfig } from 'vite';

/**
 * The portal's build (`npm run portal:build`, into apps/portal/dist, which the API serves at `/`) and
 * its dev server (`npm run portal:dev`, with the API of `npm start` behind /graphql and /auth).
 * JSX goes through Vite's own oxc transform (React's automatic runtime).
 */
const api = 'http://127.0.0.1:4000';

export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1600,
    rolldownOptions: {
      // Ant Design's modules start with "use client" (for React Server Components): nothing to keep here.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/graphql': { target: api, ws: true },
      '/auth': { target: api },
      '/healthz': { target: api },
    },
  },
});
