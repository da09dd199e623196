import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { i18n } from './i18n'
import { preloadRoute } from './lib/preload'
import { registerServiceWorker, routeNotificationTaps } from './lib/sw'
import router from './router'
import { useSessionStore } from './stores/session'
import './styles/main.css'
// Function-style Vant APIs (toast, dialog, image preview) need their CSS by hand;
// components get theirs from the on-demand resolver.
import 'vant/es/toast/style'
import 'vant/es/dialog/style'
import 'vant/es/image-preview/style'

const app = createApp(App)
app.use(createPinia())
// Ask who is logged in first (the router's guard awaits this same request),
// then fetch the first screen's code while it is under way, instead of after.
void useSessionStore().bootstrap({ loginScreen: window.location.pathname === '/login' })
preloadRoute(router, window.location.pathname)
app.use(router)
app.use(i18n)
app.mount('#app')

registerServiceWorker()
routeNotificationTaps(router)
