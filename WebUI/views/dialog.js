// A promise-based confirmation using the page's single <dialog>.
import { h } from '../dom.js';

/**
 * Resolves true when the user confirms. `danger` styles the confirm button as destructive;
 * `typed` (a word, e.g. the venue's name) must be typed exactly before confirm is enabled.
 */
export function confirmDialog(dialog, { title, body, confirm = 'OK', danger = false, typed = null }) {
  const titleEl = dialog.querySelector('#confirm-title');
  const bodyEl = dialog.querySelector('#confirm-body');
  const ok = dialog.querySelector('#confirm-ok');
  titleEl.textContent = title;
  const paragraphs = (Array.isArray(body) ? body : [body]).map((t) => h('p', { text: t }));
  let input = null;
  if (typed) {
    input = h('input', { id: 'confirm-typed', type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'confirm-typed-help' });
    paragraphs.push(h('label', { for: 'confirm-typed', id: 'confirm-typed-help', text: `Type ${typed} to confirm` }), input);
  }
  bodyEl.replaceChildren(...paragraphs);
  ok.textContent = confirm;
  ok.classList.toggle('button-danger', danger);
  ok.disabled = Boolean(typed);
  const onInput = () => { ok.disabled = input.value.trim() !== typed; };
  input?.addEventListener('input', onInput);
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      input?.removeEventListener('input', onInput);
      ok.disabled = false;
      resolve(dialog.returnValue === 'ok' && (!typed || input.value.trim() === typed));
    }, { once: true });
    dialog.showModal();
    (input ?? dialog.querySelector('#confirm-cancel')).focus();
  });
}
