// A promise-based confirmation using the page's single <dialog>.
import { h } from '../dom.js';

/** Resolves true when the user confirms. `danger` styles the confirm button as destructive. */
export function confirmDialog(dialog, { title, body, confirm = 'OK', danger = false }) {
  const titleEl = dialog.querySelector('#confirm-title');
  const bodyEl = dialog.querySelector('#confirm-body');
  const ok = dialog.querySelector('#confirm-ok');
  titleEl.textContent = title;
  bodyEl.replaceChildren(...(Array.isArray(body) ? body : [body]).map((t) => h('p', { text: t })));
  ok.textContent = confirm;
  ok.classList.toggle('button-danger', danger);
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
    dialog.querySelector('#confirm-cancel').focus();
  });
}
