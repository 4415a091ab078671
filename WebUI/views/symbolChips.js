// Symbols as removable chips: type and press Enter or comma; × or Backspace removes.
import { h } from '../dom.js';

export const SYMBOL_PATTERN = /^[A-Z0-9]+\/[A-Z0-9]+$/;

/** `onError(message | '')` reports an invalid entry; `onChange(symbols)` every change. */
export function createSymbolChips({ id, describedBy, onChange, onError }) {
  let values = [];
  const list = h('ul', { class: 'chip-list', 'aria-label': 'Selected symbols' });
  const input = h('input', {
    id, type: 'text', class: 'chip-input', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    placeholder: values.length ? '' : 'BTC/USDT', 'aria-describedby': describedBy,
  });
  const element = h('div', { class: 'chips', on: { click: (e) => { if (e.target === element || e.target === list) input.focus(); } } }, list, input);

  function render() {
    list.replaceChildren(...values.map((symbol, i) => h('li', { class: 'chip' },
      h('span', { text: symbol }),
      h('button', { type: 'button', class: 'chip-remove', 'aria-label': `Remove ${symbol}`, text: '\u00D7',
        on: { click: () => { remove(i); input.focus(); } } }))));
    input.placeholder = values.length ? 'Add symbol' : 'BTC/USDT';
  }

  function remove(i) {
    values = values.filter((_, j) => j !== i);
    render();
    onChange?.(values);
  }

  /** Adds whatever is typed; returns false (and reports) if some entry is invalid. */
  function commit() {
    const parts = input.value.split(/[,\s]+/).map((s) => s.trim().toUpperCase()).filter(Boolean);
    if (!parts.length) return true;
    const bad = parts.filter((p) => !SYMBOL_PATTERN.test(p));
    const good = parts.filter((p) => SYMBOL_PATTERN.test(p) && !values.includes(p));
    if (good.length) {
      values = [...values, ...good];
      render();
      onChange?.(values);
    }
    input.value = bad.join(', ');
    onError?.(bad.length ? `${bad.join(', ')}: use BASE/QUOTE with capital letters or digits, e.g. BTC/USDT` : '');
    return bad.length === 0;
  }

  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ',') {
      e.preventDefault();
      commit();
    } else if (e.key === 'Backspace' && input.value === '' && values.length) {
      e.preventDefault();
      remove(values.length - 1);
    }
  });
  input.addEventListener('input', () => {
    if (input.value.includes(',')) commit();
  });
  input.addEventListener('blur', () => { if (input.value.trim()) commit(); });

  render();
  return {
    element,
    input,
    commit,
    get values() { return [...values]; },
    set values(v) {
      values = [...new Set((v ?? []).map(String))];
      render();
    },
  };
}
