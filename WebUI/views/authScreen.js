// The "sign in" screen shown over the dashboard when the API answers 401 AUTH_REQUIRED (a server
// started with a token, and this browser's session is missing, expired, or ended by a restart).
// The form posts the token to /ui/login like the server's own sign-in page (no script needed:
// the server sets the session cookie and redirects to /ui).
import { h } from '../dom.js';

export function createAuthScreen(root = document.body) {
  let screen = null;

  return {
    get shown() { return screen !== null; },
    /** Shows the screen once; `onShown()` lets the page stop its timers and stream. */
    show({ onShown } = {}) {
      if (screen) return;
      const input = h('input', {
        id: 'auth-token', name: 'token', type: 'password', autocomplete: 'current-password',
        required: true, spellcheck: 'false',
      });
      screen = h('div', { class: 'auth-screen', id: 'auth-screen', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'auth-title' },
        h('section', { class: 'panel signin' },
          h('h2', { id: 'auth-title', text: 'Sign in' }),
          h('p', { class: 'signin-notice', role: 'alert' },
            'This server needs a token: open the login URL printed by ',
            h('code', { text: 'cracktrader serve' }),
            ', or paste the token.'),
          h('p', { class: 'help', text: 'Sessions end when the server restarts; each printed login URL works once.' }),
          h('form', { method: 'post', action: '/ui/login', class: 'signin-form' },
            h('label', { for: 'auth-token', text: 'Token' }),
            input,
            h('button', { type: 'submit', class: 'button-primary', text: 'Sign in' }))));
      for (const child of root.children) {
        if (child !== screen) child.setAttribute('inert', '');
      }
      root.append(screen);
      input.focus();
      onShown?.();
    },
  };
}
