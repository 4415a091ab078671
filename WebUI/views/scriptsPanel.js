// The Scripts view: saved Pine scripts (list, new, import/export, delete), the editor with a
// debounced compile check, save, versions and a diff against the previous version, and a small
// library of example strategies.
import { h } from '../dom.js';
import { api } from '../api.js';
import { download } from '../csv.js';
import { createScriptEditor } from './scriptEditor.js';
import { diffLines } from '../scripts/lineDiff.js';
import { EXAMPLES } from '../scripts/examples.js';

const CHECK_DELAY = 300;

export function createScriptsPanel(root, { onSaved = () => {}, onRun = () => {}, announce = () => {} } = {}) {
  const select = h('select', { id: 'script-select', 'aria-label': 'Saved scripts' });
  const nameInput = h('input', { id: 'script-name', type: 'text', maxlength: '64', autocomplete: 'off', 'aria-describedby': 'script-name-help' });
  const status = h('p', { id: 'script-status', class: 'help', 'aria-live': 'polite' });
  const versions = h('select', { id: 'script-versions', 'aria-label': 'Versions' });
  const diffBox = h('div', { id: 'script-diff', class: 'diff', hidden: true });
  const fileInput = h('input', { type: 'file', id: 'script-file', accept: '.pine,.txt,text/plain', class: 'visually-hidden', 'aria-label': 'Pine script file to import', tabindex: '-1' });
  const examples = h('select', { id: 'script-example', 'aria-label': 'Examples' },
    h('option', { value: '', text: 'Start from an example…' }), ...EXAMPLES.map((e, i) => h('option', { value: String(i), text: e.name })));
  let current = null; // the saved script shown (its document), or null for a new one
  let checkTimer = 0;
  let checkToken = 0;

  const editor = createScriptEditor({ onChange: () => { scheduleCheck(); markDirty(); } });
  const saveButton = h('button', { type: 'button', id: 'script-save', class: 'button-primary', text: 'Save', on: { click: save } });
  const runButton = h('button', { type: 'button', id: 'script-run', text: 'Use in run form', disabled: true,
    on: { click: () => current && onRun(current.name) } });
  const newButton = h('button', { type: 'button', id: 'script-new', class: 'button-quiet', text: 'New', on: { click: () => open(null) } });
  const deleteButton = h('button', { type: 'button', id: 'script-delete', class: 'button-quiet', text: 'Delete', disabled: true, on: { click: remove } });
  const importButton = h('button', { type: 'button', id: 'script-import', class: 'button-quiet', text: 'Import .pine…', on: { click: () => fileInput.click() } });
  const exportButton = h('button', { type: 'button', id: 'script-export', class: 'button-quiet', text: 'Export .pine',
    on: { click: () => download(`${(nameInput.value || 'script').replace(/[^A-Za-z0-9_.-]+/g, '_')}.pine`, editor.value, 'text/plain') } });
  const diffButton = h('button', { type: 'button', id: 'script-diff-toggle', class: 'button-quiet', text: 'Diff with previous version', disabled: true, on: { click: toggleDiff } });

  root.replaceChildren(
    h('div', { class: 'scripts-bar' },
      h('label', { for: 'script-select', text: 'Script' }), select, newButton, examples, importButton, exportButton, deleteButton, fileInput),
    h('div', { class: 'scripts-name' },
      h('label', { for: 'script-name', text: 'Name' }), nameInput,
      h('span', { id: 'script-name-help', class: 'help', text: '1–64 letters, digits, spaces, _ . -' }),
      saveButton, runButton),
    editor.element,
    h('div', { class: 'scripts-versions' }, h('label', { for: 'script-versions', text: 'Versions' }), versions, diffButton),
    diffBox,
    status);

  select.addEventListener('change', () => openNamed(select.value));
  versions.addEventListener('change', () => showVersion(Number(versions.value)));
  examples.addEventListener('change', () => {
    const example = EXAMPLES[Number(examples.value)];
    examples.value = '';
    if (!example) return;
    open(null);
    nameInput.value = example.name;
    editor.value = example.source;
    check();
  });
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (!file) return;
    const text = await file.text();
    open(null);
    nameInput.value = file.name.replace(/\.(pine|txt)$/i, '').replace(/[^A-Za-z0-9 _.-]+/g, '_').slice(0, 64);
    editor.value = text;
    check();
    announce(`Imported ${file.name}`);
  });

  function markDirty() {
    status.textContent = current && editor.value !== current.source ? `Unsaved changes (version ${current.version} is saved).` : status.textContent;
  }

  function scheduleCheck() {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, CHECK_DELAY);
  }

  async function check() {
    const token = ++checkToken;
    try {
      const answer = await api.checkScript(editor.value, { quiet: (e) => e.code === 'SCRIPT_TOO_LARGE' });
      if (token === checkToken) editor.setDiagnostics(answer?.diagnostics ?? []);
    } catch (error) {
      if (token === checkToken && error.code === 'SCRIPT_TOO_LARGE') {
        editor.setDiagnostics([{ line: 1, column: 1, end_column: 2, severity: 'error', message: error.message }]);
      }
    }
  }

  async function refreshList(selected) {
    const data = await api.scripts().catch(() => null);
    const scripts = data?.scripts ?? [];
    select.replaceChildren(h('option', { value: '', text: scripts.length ? '(new script)' : '(no saved scripts)' }),
      ...scripts.map((s) => h('option', { value: s.name, text: s.compiles ? s.name : `${s.name} (has errors)` })));
    select.value = selected ?? '';
  }

  async function openNamed(name) {
    if (!name) return open(null);
    try { open(await api.script(name)); } catch { /* banner */ }
  }

  function open(doc) {
    current = doc;
    nameInput.value = doc?.name ?? '';
    nameInput.disabled = Boolean(doc);
    editor.value = doc?.source ?? '';
    editor.setDiagnostics(doc?.diagnostics ?? []);
    select.value = doc?.name ?? '';
    deleteButton.disabled = !doc;
    runButton.disabled = !doc?.compiles;
    diffBox.hidden = true;
    status.textContent = doc ? `Version ${doc.version} saved ${new Date(doc.updated_at).toLocaleString()} · sha256 ${doc.sha256.slice(0, 12)}…` : '';
    loadVersions();
  }

  async function loadVersions() {
    versions.replaceChildren();
    diffButton.disabled = true;
    if (!current) return;
    const data = await api.scriptVersions(current.name).catch(() => null);
    const list = data?.versions ?? [];
    versions.replaceChildren(...list.map((v) => h('option', { value: String(v.version), text: `v${v.version} · ${new Date(v.created_at).toLocaleString()}` })));
    versions.value = String(current.version);
    diffButton.disabled = list.length < 2;
  }

  async function showVersion(number) {
    if (!current || !number) return;
    try {
      const version = await api.scriptVersion(current.name, number);
      editor.value = version.source;
      check();
      status.textContent = number === current.version ? `Version ${number} (newest).` : `Showing version ${number}; Save makes it the newest version.`;
    } catch { /* banner */ }
  }

  async function toggleDiff() {
    if (!diffBox.hidden) { diffBox.hidden = true; return; }
    if (!current) return;
    const number = Number(versions.value) || current.version;
    if (number < 2) return;
    try {
      const [older, newer] = await Promise.all([api.scriptVersion(current.name, number - 1), api.scriptVersion(current.name, number)]);
      const rows = diffLines(older.source, newer.source);
      diffBox.replaceChildren(h('p', { class: 'help', text: `Version ${number - 1} → ${number}` }),
        h('pre', { class: 'diff-body' }, rows.map((r) => h('span', { class: `diff-${r.kind}` },
          `${r.kind === 'add' ? '+' : r.kind === 'del' ? '-' : ' '} ${r.text}\n`))));
      diffBox.hidden = false;
    } catch { /* banner */ }
  }

  async function save() {
    const source = editor.value;
    try {
      const doc = current ? await api.updateScript(current.name, source) : await api.createScript(nameInput.value.trim(), source);
      await refreshList(doc.name);
      open(doc);
      status.textContent = doc.compiles
        ? `Saved version ${doc.version}.`
        : `Saved version ${doc.version} with ${doc.errors} error${doc.errors === 1 ? '' : 's'}: fix ${doc.errors === 1 ? 'it' : 'them'} before running the script.`;
      announce(status.textContent);
      onSaved(doc);
    } catch { /* banner */ }
  }

  async function remove() {
    if (!current) return;
    try {
      await api.deleteScript(current.name);
      announce(`Deleted ${current.name}`);
      open(null);
      await refreshList();
      onSaved(null);
    } catch { /* banner */ }
  }

  refreshList();
  open(null);
  return { refresh: () => refreshList(current?.name), editor };
}
