import '@testing-library/jest-dom/vitest'
import { cleanup, configure } from '@testing-library/react'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { cartStore } from '@/features/cart/store'
import { attemptKey } from '@/features/checkout/lib/attempt-key'
import { server } from './server'

// CI shares two cores with the Go and browser suites: give async UI more
// than the default second before calling it missing.
configure({ asyncUtilTimeout: 3000 })

// jsdom has no layout, so it does not implement scrolling and logs "Not
// implemented" for every page change that scrolls to the top.
window.scrollTo = () => {}

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  cleanup()
  server.resetHandlers()
  window.localStorage.clear()
  window.sessionStorage.clear()
  cartStore.reload()
  attemptKey.clear()
})
afterAll(() => server.close())
