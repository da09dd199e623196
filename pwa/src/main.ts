import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { i18n } from './i18n'
import { registerServiceWorker } from './lib/sw'
import router from './router'
import './styles/main.css'
// Function-style Vant APIs (toast, dialog, image preview) need their CSS by hand;
// components get theirs from the on-demand resolver.
import 'vant/es/toast/style'
import 'vant/es/dialog/style'
import 'vant/es/image-preview/style'

const app = createApp(App)
app.use(createPinia())
app.use(router)
app.use(i18n)
app.mount('#app')

registerServiceWorker()
