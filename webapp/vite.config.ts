/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'
import tailwindcss from '@tailwindcss/vite'
import { fileURLToPath } from 'node:url'
import { shopBuild } from './vite-plugin-shop.ts'

// The Go binary embeds service/web/dist (service/web/web.go), so the shop is
// built straight into it; the Makefile recreates dist/.keep afterwards.
export default defineConfig({
  plugins: [react(), tailwindcss(), shopBuild()],
  base: '/',
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    outDir: '../service/web/dist',
    emptyOutDir: true,
    target: 'es2022',
    // The server gzips every asset itself; reporting it here would only
    // slow the build.
    reportCompressedSize: false,
    rolldownOptions: {
      output: {
        // Libraries change far less often than the shop: in their own chunk
        // they stay cached across deploys (assets are immutable by hash).
        codeSplitting: {
          groups: [{ name: 'vendor', test: /node_modules[\\/](react|react-dom|react-router|scheduler|@tanstack)[\\/]/ }],
        },
      },
    },
  },
  server: {
    // `npm run dev` talks to a locally running `flashscale serve`.
    proxy: {
      '/api': process.env.FLASHSCALE_URL ?? 'http://localhost:8080',
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/testing/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    // Forms are typed into key by key, on two cores shared with the Go and
    // browser suites.
    testTimeout: 15_000,
  },
})
