// The code editor: a textarea over a highlighted copy of its text, a line-number gutter, and the
// diagnostics shown inline (underlined ranges, marked line numbers) and in a list below.
import { h } from '../dom.js';
import { highlightLine } from '../scripts/pineHighlight.js';

export function createScriptEditor({ id = 'script-source', label = 'Script source', onChange = () => {} } = {}) {
  const gutter = h('div', { class: 'editor-gutter', 'aria-hidden': 'true' });
  const layer = h('pre', { class: 'editor-highlight', 'aria-hidden': 'true' });
  const textarea = h('textarea', {
    id, class: 'editor-input', spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off', wrap: 'off',
    'aria-label': label, 'aria-describedby': `${id}-diagnostics`,
  });
  const code = h('div', { class: 'editor-code' }, layer, textarea);
  const diagnosticsList = h('ul', { id: `${id}-diagnostics`, class: 'diagnostics', 'aria-live': 'polite', 'aria-label': 'Diagnostics' });
  const element = h('div', { class: 'editor' }, h('div', { class: 'editor-frame' }, gutter, code), diagnosticsList);
  let diagnostics = [];

  function render() {
    const lines = textarea.value.split('\n');
    const byLine = new Map();
    for (const d of diagnostics) {
      if (!byLine.has(d.line)) byLine.set(d.line, []);
      byLine.get(d.line).push({ from: d.column, to: Math.max(d.end_column, d.column + 1), severity: d.severity });
    }
    layer.replaceChildren(...lines.map((line, i) => h('span', { class: 'editor-line' }, highlightLine(line, byLine.get(i + 1) ?? []), '\n')));
    gutter.replaceChildren(...lines.map((_, i) => {
      const marks = byLine.get(i + 1);
      const severity = marks?.some((m) => m.severity === 'error') ? 'error' : marks?.length ? 'warning' : null;
      return h('span', { class: severity ? `line has-${severity}` : 'line', dataset: { line: String(i + 1) }, text: String(i + 1) });
    }));
    syncScroll();
  }

  function renderList() {
    if (!diagnostics.length) {
      diagnosticsList.replaceChildren(h('li', { class: 'diagnostic-ok', text: 'No problems found.' }));
      return;
    }
    diagnosticsList.replaceChildren(...diagnostics.map((d) => h('li', { class: `diagnostic diagnostic-${d.severity}` },
      h('button', { type: 'button', class: 'button-link', dataset: { line: String(d.line), column: String(d.column) },
        text: `Line ${d.line}, column ${d.column}`, on: { click: () => goTo(d.line, d.column) } }),
      ` ${d.severity}: ${d.message}`)));
  }

  function syncScroll() {
    layer.scrollTop = textarea.scrollTop;
    layer.scrollLeft = textarea.scrollLeft;
    gutter.scrollTop = textarea.scrollTop;
  }

  /** Moves the caret to a 1-based line and column and focuses the editor. */
  function goTo(line, column = 1) {
    const lines = textarea.value.split('\n');
    let offset = 0;
    for (let i = 0; i < Math.min(line - 1, lines.length); i++) offset += lines[i].length + 1;
    offset += Math.max(0, column - 1);
    textarea.focus();
    textarea.setSelectionRange(offset, offset);
  }

  textarea.addEventListener('input', () => { render(); onChange(textarea.value); });
  textarea.addEventListener('scroll', syncScroll);
  textarea.addEventListener('keydown', (event) => {
    // Tab inserts four spaces (Pine's indent) instead of leaving the editor; Escape then Tab leaves.
    if (event.key === 'Tab' && !event.shiftKey && !textarea.dataset.escaped) {
      event.preventDefault();
      const { selectionStart: start, selectionEnd: end, value } = textarea;
      textarea.value = value.slice(0, start) + '    ' + value.slice(end);
      textarea.setSelectionRange(start + 4, start + 4);
      render();
      onChange(textarea.value);
    }
    if (event.key === 'Escape') textarea.dataset.escaped = '1';
    else if (event.key !== 'Tab') delete textarea.dataset.escaped;
  });
  render();
  renderList();

  return {
    element,
    textarea,
    get value() { return textarea.value; },
    set value(text) { textarea.value = text; render(); },
    /** diagnostics: [{ line, column, end_column, severity, message }] from POST /scripts/check. */
    setDiagnostics(list) {
      diagnostics = Array.isArray(list) ? list : [];
      render();
      renderList();
    },
    goTo,
  };
}
