/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The dev server proxies the API to a locally started stack (./agent-center up); override with AGENT_CENTER_API.
const api = process.env.AGENT_CENTER_API ?? 'http://127.0.0.1:3000';

// changeOrigin stays false (Vite's string shorthand would turn it on): the API then sees the browser's own Host
// (localhost:5173) beside its Origin (http://localhost:5173), a same-origin request under a loopback name, and
// accepts its writes and /ws with no API_ALLOWED_ORIGINS. It also keeps the API's Host check in force through the
// proxy: a page that rebinds its name to this machine still arrives as Host: evil.example:5173 and is refused.
const forward = () => ({ target: api, changeOrigin: false });

export default defineConfig({
  plugins: [react()],
  build: {
    // The web-ui jar carries the bundle; api-service serves it from classpath:/static/.
    outDir: 'target/classes/static',
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    proxy: {
      '/api': forward(),
      '/health': forward(),
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true, changeOrigin: false },
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
