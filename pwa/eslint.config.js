import pluginVue from 'eslint-plugin-vue'
import { defineConfigWithVueTs, vueTsConfigs } from '@vue/eslint-config-typescript'
import skipFormatting from '@vue/eslint-config-prettier/skip-formatting'
import globals from 'globals'

export default defineConfigWithVueTs(
  {
    name: 'app/files-to-lint',
    files: ['**/*.{ts,mts,tsx,vue}'],
  },
  {
    name: 'app/files-to-ignore',
    ignores: [
      '**/dist/**',
      '**/coverage/**',
      'node_modules/**',
      'src/components.d.ts',
      // Generated from openapi.json by `npm run gen:api`.
      'src/api/schema.d.ts',
    ],
  },
  pluginVue.configs['flat/recommended'],
  vueTsConfigs.recommended,
  skipFormatting,
  {
    rules: {
      // Vue style guide (priority A/B): multi-word component names (App.vue is
      // exempt by the rule), PascalCase for our components in templates. Base
      // components carry the `Base` prefix (components/Base*.vue); no lint rule
      // exists for that convention.
      'vue/multi-word-component-names': 'error',
      'vue/component-name-in-template-casing': [
        'error',
        'PascalCase',
        { registeredComponentsOnly: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The seam of issue #8: the platform (chat, stores, realtime, 工作台, 待办)
    // knows no card app; apps register into src/apps/registry.ts instead.
    name: 'app/platform-knows-no-app',
    files: [
      'src/views/ChatView.vue',
      'src/views/WorkbenchView.vue',
      'src/views/TodoView.vue',
      'src/components/chat/**',
      'src/composables/**',
      'src/stores/**',
      'src/realtime/**',
      'src/apps/registry.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@/apps/*/*',
                '@/views/approvals/*',
                '@/components/approval/*',
                '@/lib/approval*',
              ],
              message: 'The platform imports no card app: register it in src/apps/registry.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    name: 'app/service-worker',
    files: ['build/sw-template.js'],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
)
