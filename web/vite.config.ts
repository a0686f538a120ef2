import { defineConfig } from 'vite';

// The console is served at {apiUrl}/console locally (localstack/webconsole.go)
// and under /console/ by CloudFront in AWS (infra/console.go).
export default defineConfig({
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  // amazon-cognito-identity-js (SRP sign-in on AWS) expects Node's global.
  define: { global: 'globalThis' },
  build: { outDir: 'dist', target: 'es2020', sourcemap: false, chunkSizeWarningLimit: 600 },
  server: { port: 5173 },
});
