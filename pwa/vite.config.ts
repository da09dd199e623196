/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { VantResolver } from '@vant/auto-import-resolver'
import Components from 'unplugin-vue-components/vite'
import { defineConfig } from 'vite'
import { precompress } from './build/compress-plugin'
import { noCdnFonts } from './build/no-cdn-fonts'
import { serviceWorker } from './build/sw-plugin'
import pkg from './package.json' with { type: 'json' }

// The Django server (REST + WebSocket). Override with ZT_BACKEND=http://127.0.0.1:8765
const backend = process.env.ZT_BACKEND ?? 'http://127.0.0.1:8000'

export default defineConfig({
  base: '/',
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  plugins: [
    vue(),
    Components({ resolvers: [VantResolver()], dts: 'src/components.d.ts' }),
    serviceWorker(fileURLToPath(new URL('./build/sw-template.js', import.meta.url))),
    precompress(),
  ],
  css: { postcss: { plugins: [noCdnFonts()] } },
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    // The server checks Origin (CSRF and the WebSocket allow-list): present
    // ourselves as the backend's own origin.
    proxy: {
      '/api': { target: backend, changeOrigin: true, headers: { origin: backend } },
      '/ws': {
        target: backend.replace(/^http/, 'ws'),
        ws: true,
        changeOrigin: true,
        headers: { origin: backend },
      },
    },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2020',
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (/node_modules\/(@vue|vue|vue-router|pinia)\//.test(id)) return 'vue'
          if (/node_modules\/(vue-i18n|@intlify)\//.test(id)) return 'i18n'
          return undefined
        },
      },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/unit/**/*.test.ts'],
    restoreMocks: true,
  },
})
