/** How the page reloads itself; tests replace it (jsdom cannot reload). */
export const reloader = { reload: () => window.location.reload() }
