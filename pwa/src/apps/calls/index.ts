/**
 * 通话 registers its chat card (`call`, posted by the starter when a call
 * starts; realtime/calls on the server renders it per viewer). The call
 * screens themselves are not routes: they float over any screen
 * (components/call, mounted by the signed-in layout).
 */
import { defineAsyncComponent } from 'vue'
import { registerApp } from '../registry'

registerApp({
  key: 'calls',
  cards: [
    {
      cardType: 'call',
      component: defineAsyncComponent(() => import('@/components/call/CallCard.vue')),
    },
  ],
})
