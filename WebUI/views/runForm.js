// The run form, generated from /strategies and /exchanges. Validates like the server does,
// remembers the last values in localStorage (never credentials), and hands a ready request body
// to `onSubmit(mode, body)`.
import { h } from '../dom.js';
import { createSymbolChips, SYMBOL_PATTERN } from './symbolChips.js';

const STORAGE_KEY = 'cracktrader.runForm.v1';
const RISK_FIELDS = [
  { name: 'max_order_notional', label: 'Max order notional', help: 'The largest order (quantity \u00d7 price) the run may place.' },
  { name: 'max_position_notional', label: 'Max position notional', help: 'The largest position in one symbol after a buy.' },
  { name: 'max_daily_loss', label: 'Max daily loss', help: 'Loss since 00:00 UTC at which the run stops and cancels its orders.' },
];
const MODE_LABELS = { backtest: 'Backtest', paper: 'Paper', sandbox: 'Sandbox', live: 'Live' };
const MODE_HELP = {
  backtest: 'Historical replay with simulated fills.',
  paper: 'Live market data, simulated fills. No orders reach the venue.',
  sandbox: "Real orders on the venue's testnet.",
  live: 'Real orders on the real venue. Real money is at stake.',
};
const DAY = 86400000;
const isoDate = (ms) => new Date(ms).toISOString().slice(0, 10);

function loadSaved() {
  try { return JSON.parse(localStorage.getItem(STORAGE_KEY)) ?? {}; } catch { return {}; }
}

/**
 * `onSubmit(mode, body)` starts the run (returns a promise); `confirmLive(exchangeName)` resolves
 * true to go ahead; `canStart()` says whether the runner accepts a run now.
 */
export function createRunForm(form, { onSubmit, confirmLive, canStart, skipValidation = false }) {
  let strategies = [];
  let exchanges = [];
  let saved = loadSaved();
  let submitting = false;

  form.noValidate = true;
  const summary = h('div', { class: 'form-errors', role: 'alert', hidden: true });

  const strategySelect = h('select', { id: 'f-strategy', name: 'strategy', required: true });
  const strategyHelp = h('p', { id: 'f-strategy-help', class: 'help' });
  const params = h('fieldset', { class: 'params', id: 'f-params' });

  const exchangeSelect = h('select', { id: 'f-exchange', name: 'exchange', required: true });
  const modes = h('fieldset', { class: 'modes', id: 'f-mode', 'aria-describedby': 'f-mode-help f-mode-error' });
  const modeHelp = h('p', { id: 'f-mode-help', class: 'help' });
  const chips = createSymbolChips({
    id: 'f-symbols', describedBy: 'f-symbols-help f-symbols-error',
    onChange: () => { setError('f-symbols', ''); persist(); },
    onError: (message) => setError('f-symbols', message),
  });
  const timeframeSelect = h('select', { id: 'f-timeframe', name: 'timeframe', required: true });
  const startInput = h('input', { id: 'f-start', name: 'start', type: 'date' });
  const endInput = h('input', { id: 'f-end', name: 'end', type: 'date' });
  const cashInput = h('input', { id: 'f-cash', name: 'cash', type: 'number', min: '0', step: 'any', inputmode: 'decimal', required: true });
  const creds = h('fieldset', { class: 'creds', id: 'f-creds', hidden: true });
  // A second Start at the end of the form for narrow screens, where the controls are far away.
  const submitButton = h('button', { type: 'submit', id: 'btn-start-form', class: 'button-primary form-submit', text: 'Start run', disabled: true });
  const dates = h('div', { class: 'field-row', id: 'f-dates' },
    field('f-start', 'Start date (UTC)', startInput),
    field('f-end', 'End date (UTC)', endInput));

  form.replaceChildren(
    summary,
    h('fieldset', { class: 'group' }, h('legend', { text: 'Strategy' }),
      field('f-strategy', 'Strategy', strategySelect, null, strategyHelp),
      params),
    h('fieldset', { class: 'group' }, h('legend', { text: 'Market' }),
      field('f-exchange', 'Exchange', exchangeSelect),
      modes,
      field('f-symbols', 'Symbols', chips.element, 'Type a symbol such as BTC/USDT and press Enter or comma. Backspace removes the last one.'),
      field('f-timeframe', 'Timeframe', timeframeSelect)),
    h('fieldset', { class: 'group', id: 'f-range' }, h('legend', { text: 'Range and capital' }),
      dates,
      field('f-cash', 'Initial cash', cashInput, 'Quote currency amount, greater than 0.')),
    creds,
    submitButton,
  );

  // ---- building -----------------------------------------------------------------------------

  function field(id, label, control, help, helpElement) {
    const helpId = `${id}-help`;
    const described = [help || helpElement ? helpId : null, `${id}-error`].filter(Boolean).join(' ');
    if (control.tagName !== 'DIV') control.setAttribute('aria-describedby', described);
    return h('div', { class: 'field', dataset: { field: id } },
      h('label', { for: id, text: label }),
      control,
      helpElement ?? (help ? h('p', { id: helpId, class: 'help', text: help }) : null),
      h('p', { id: `${id}-error`, class: 'field-error', hidden: true }));
  }

  function strategy() { return strategies.find((s) => s.name === strategySelect.value); }
  function exchange() { return exchanges.find((x) => x.id === exchangeSelect.value); }
  function mode() { return form.querySelector('input[name="mode"]:checked')?.value ?? 'backtest'; }

  function renderParams() {
    const s = strategy();
    strategyHelp.textContent = s?.description ?? '';
    const values = saved.params?.[s?.name] ?? {};
    const rows = (s?.parameters ?? []).map((p) => paramField(p, values[p.name]));
    params.replaceChildren(h('legend', { text: 'Parameters' }), ...(rows.length ? rows : [h('p', { class: 'help', text: 'This strategy has no parameters.' })]));
  }

  function paramField(p, savedValue) {
    const id = `p-${p.name}`;
    const bounds = [p.min !== undefined && p.min !== null ? `min ${p.min}` : null, p.max !== undefined && p.max !== null ? `max ${p.max}` : null].filter(Boolean);
    const dflt = p.default === null || p.default === undefined ? 'none' : p.default === '' ? 'empty' : String(p.default);
    const help = [p.description, bounds.length ? `(${bounds.join(', ')})` : null, `Default: ${dflt}.`].filter(Boolean).join(' ');
    const value = savedValue !== undefined ? savedValue : p.default;
    let control;
    if (p.type === 'bool') {
      control = h('input', { id, type: 'checkbox', name: id, checked: Boolean(value), dataset: { param: p.name }, 'aria-describedby': `${id}-help ${id}-error` });
      return h('div', { class: 'field field-check', dataset: { field: id } },
        control, h('label', { for: id, text: p.name }),
        h('p', { id: `${id}-help`, class: 'help', text: help }),
        h('p', { id: `${id}-error`, class: 'field-error', hidden: true }));
    }
    if (p.type === 'enum') {
      control = h('select', { id, name: id, dataset: { param: p.name } },
        ...(p.choices ?? []).map((c) => h('option', { value: String(c), text: String(c), selected: String(c) === String(value) })));
    } else {
      const numeric = p.type === 'int' || p.type === 'float';
      control = h('input', {
        id, name: id, dataset: { param: p.name },
        type: numeric ? 'number' : 'text',
        step: p.type === 'int' ? '1' : numeric ? 'any' : null,
        min: numeric && p.min !== null && p.min !== undefined ? String(p.min) : null,
        max: numeric && p.max !== null && p.max !== undefined ? String(p.max) : null,
        inputmode: p.type === 'int' ? 'numeric' : p.type === 'float' ? 'decimal' : null,
        value: value === null || value === undefined ? '' : String(value),
      });
    }
    return field(id, p.name, control, help);
  }

  function renderExchange() {
    const x = exchange();
    const tfs = x?.timeframes ?? [];
    const want = timeframeSelect.value || saved.timeframe || (tfs.includes('1h') ? '1h' : tfs[0]);
    timeframeSelect.replaceChildren(...tfs.map((t) => h('option', { value: t, text: t, selected: t === want })));
    const supported = (x?.modes ?? ['backtest']).filter((m) => MODE_LABELS[m]);
    const current = mode();
    const chosen = supported.includes(current) ? current : supported.includes(saved.mode) ? saved.mode : supported[0];
    modes.replaceChildren(h('legend', { text: 'Mode' }),
      h('div', { class: 'mode-options' }, ...supported.map((m) => h('label', { class: `mode-option mode-${m}` },
        h('input', { type: 'radio', name: 'mode', value: m, id: `f-mode-${m}`, checked: m === chosen }),
        h('span', { text: MODE_LABELS[m] })))),
      modeHelp,
      h('p', { id: 'f-mode-error', class: 'field-error', hidden: true }));
    renderMode();
  }

  function renderMode() {
    const m = mode();
    const x = exchange();
    modeHelp.textContent = MODE_HELP[m] ?? '';
    form.dataset.mode = m;
    const backtest = m === 'backtest';
    dates.hidden = !backtest;
    startInput.disabled = !backtest;
    endInput.disabled = !backtest;
    const needsCreds = m === 'sandbox' || m === 'live';
    creds.hidden = !needsCreds;
    if (!needsCreds) { creds.replaceChildren(); return; }
    const fields = x?.credential_fields ?? [];
    const keep = Object.fromEntries([...creds.querySelectorAll('input[data-credential]')].map((i) => [i.dataset.credential, i.value]));
    for (const i of creds.querySelectorAll('input[data-risk]')) keep[`risk:${i.dataset.risk}`] = i.value;
    const cancelBox = creds.querySelector('#r-cancel-on-stop');
    if (cancelBox) keep['risk:cancel'] = cancelBox.checked;
    creds.replaceChildren(
      h('legend', { text: `${x?.display_name ?? 'Exchange'} credentials` }),
      h('p', { class: 'help', text: 'Used for this run only. Never saved in the browser.' }),
      m === 'sandbox' && x?.sandbox_notes ? h('p', { class: 'help notes', text: x.sandbox_notes }) : null,
      m === 'live' ? h('p', { class: 'warning', text: 'Live mode places real orders with real money.' }) : null,
      ...fields.map((f) => field(`c-${f.name}`, f.label ?? f.name, h('input', {
        id: `c-${f.name}`, type: f.secret === false ? 'text' : 'password', autocomplete: 'off', spellcheck: 'false',
        dataset: { credential: f.name }, value: keep[f.name] ?? '',
      }))),
      fields.length ? null : h('p', { class: 'help', text: 'This exchange needs no credentials.' }),
      h('p', { class: 'help', text: 'Leave a key empty to use the server\u2019s environment (CRACKTRADER_<EXCHANGE>_API_KEY, _SECRET, _PASSWORD).' }),
      h('h3', { class: 'subhead', text: 'Risk guards (quote currency)' }),
      ...RISK_FIELDS.map((r) => field(`r-${r.name}`, m === 'live' && r.name === 'max_order_notional' ? `${r.label} (required)` : r.label, h('input', {
        id: `r-${r.name}`, type: 'number', min: '0', step: 'any', inputmode: 'decimal', dataset: { risk: r.name },
        value: keep[`risk:${r.name}`] ?? '', 'aria-describedby': `r-${r.name}-help`,
      }), r.help)),
      field('r-cancel-on-stop', 'Cancel open orders when the run stops', h('input', {
        id: 'r-cancel-on-stop', type: 'checkbox', checked: keep['risk:cancel'] !== false,
      })));
  }

  // ---- values ---------------------------------------------------------------------------------

  function collect() {
    const s = strategy();
    const strategyParams = {};
    const rawParams = {};
    const paramErrors = [];
    for (const p of s?.parameters ?? []) {
      const input = params.querySelector(`[data-param="${CSS.escape(p.name)}"]`);
      if (!input) continue;
      const id = input.id;
      if (p.type === 'bool') { strategyParams[p.name] = input.checked; rawParams[p.name] = input.checked; continue; }
      const raw = input.value;
      rawParams[p.name] = raw;
      if (p.type === 'int' || p.type === 'float') {
        if (input.validity.badInput) { paramErrors.push({ id, message: `${p.name} must be a number` }); continue; }
        if (raw.trim() === '') {
          if (p.default !== null && p.default !== undefined) paramErrors.push({ id, message: `${p.name} is required` });
          continue;
        }
        const n = Number(raw);
        if (!Number.isFinite(n)) { paramErrors.push({ id, message: `${p.name} must be a number` }); continue; }
        if (p.type === 'int' && !Number.isInteger(n)) paramErrors.push({ id, message: `${p.name} must be a whole number` });
        else if (p.min !== null && p.min !== undefined && n < p.min) paramErrors.push({ id, message: `${p.name} must be at least ${p.min}` });
        else if (p.max !== null && p.max !== undefined && n > p.max) paramErrors.push({ id, message: `${p.name} must be at most ${p.max}` });
        strategyParams[p.name] = n;
      } else if (p.type === 'enum') {
        if (p.choices && !p.choices.map(String).includes(raw)) paramErrors.push({ id, message: `${p.name} must be one of ${p.choices.join(', ')}` });
        const choice = (p.choices ?? []).find((c) => String(c) === raw);
        strategyParams[p.name] = choice ?? raw;
      } else {
        strategyParams[p.name] = raw;
      }
    }
    const credentials = {};
    for (const input of creds.querySelectorAll('input[data-credential]')) if (input.value) credentials[input.dataset.credential] = input.value;
    const risk = {};
    const riskBad = [];
    for (const input of creds.querySelectorAll('input[data-risk]')) {
      if (input.validity.badInput) { riskBad.push(input.id); continue; }
      if (input.value.trim() !== '') risk[input.dataset.risk] = Number(input.value);
    }
    const cancelOnStop = creds.querySelector('#r-cancel-on-stop')?.checked ?? true;
    return {
      strategy_name: strategySelect.value,
      strategy_params: strategyParams,
      rawParams,
      paramErrors,
      symbols: chips.values,
      timeframe: timeframeSelect.value,
      start: startInput.value,
      end: endInput.value,
      cash: cashInput.value,
      cashBad: cashInput.validity.badInput,
      exchange: exchangeSelect.value,
      mode: mode(),
      credentials,
      risk,
      riskBad,
      cancelOnStop,
    };
  }

  function validate(v, pendingOk) {
    const errors = [];
    if (!v.strategy_name || !strategy()) errors.push({ id: 'f-strategy', message: 'Choose a strategy' });
    errors.push(...v.paramErrors);
    const x = exchange();
    if (!x) errors.push({ id: 'f-exchange', message: 'Choose an exchange' });
    if (!pendingOk) errors.push({ id: 'f-symbols', message: 'Symbols must look like BASE/QUOTE in capitals, e.g. BTC/USDT' });
    else if (!v.symbols.length) errors.push({ id: 'f-symbols', message: 'Add at least one symbol' });
    else if (v.symbols.some((s) => !SYMBOL_PATTERN.test(s))) errors.push({ id: 'f-symbols', message: 'Symbols must look like BASE/QUOTE' });
    if (!v.timeframe || (x && !x.timeframes.includes(v.timeframe))) errors.push({ id: 'f-timeframe', message: 'Choose a timeframe this exchange offers' });
    if (x && !x.modes.includes(v.mode)) errors.push({ id: 'f-mode', message: `${x.display_name} does not support ${v.mode}` });
    if (v.mode === 'backtest') {
      const s = v.start ? Date.parse(`${v.start}T00:00:00Z`) : NaN;
      const e = v.end ? Date.parse(`${v.end}T00:00:00Z`) : NaN;
      if (v.start && !Number.isFinite(s)) errors.push({ id: 'f-start', message: 'Start date is not a valid date' });
      if (v.end && !Number.isFinite(e)) errors.push({ id: 'f-end', message: 'End date is not a valid date' });
      if (Number.isFinite(s) && Number.isFinite(e) && e <= s) errors.push({ id: 'f-end', message: 'End date must be after the start date' });
    }
    if (v.mode === 'sandbox' || v.mode === 'live') {
      for (const id of v.riskBad) errors.push({ id, message: 'Risk guards must be numbers' });
      for (const [name, value] of Object.entries(v.risk)) {
        if (!(Number.isFinite(value) && value > 0)) errors.push({ id: `r-${name}`, message: `${name} must be a number greater than 0` });
      }
      if (v.mode === 'live' && v.risk.max_order_notional === undefined) {
        errors.push({ id: 'r-max_order_notional', message: 'A live run needs max_order_notional: the largest order it may place' });
      }
    }
    const cash = Number(v.cash);
    if (v.cashBad || v.cash.trim() === '' || !Number.isFinite(cash) || cash <= 0) errors.push({ id: 'f-cash', message: 'Initial cash must be a number greater than 0' });
    return errors;
  }

  function buildBody(v) {
    const cash = v.cash.trim() === '' ? null : Number(v.cash);
    const base = { strategy_name: v.strategy_name, strategy_params: v.strategy_params, symbols: v.symbols, timeframe: v.timeframe };
    if (v.mode === 'backtest') {
      return { ...base,
        start_date: v.start ? `${v.start}T00:00:00Z` : null,
        end_date: v.end ? `${v.end}T00:00:00Z` : null,
        initial_cash: cash, exchange: v.exchange };
    }
    const config = { sandbox: v.mode === 'sandbox' };
    if (v.mode !== 'paper') Object.assign(config, v.credentials);
    const body = { ...base, exchange: v.exchange, exchange_config: config, mode: v.mode === 'paper' ? 'paper' : 'live', initial_cash: cash };
    if (v.mode !== 'paper') Object.assign(body, v.risk, { cancel_open_orders_on_stop: v.cancelOnStop });
    return body;
  }

  function setError(id, message) {
    const el = form.querySelector(`#${CSS.escape(id)}-error`);
    if (el) { el.textContent = message; el.hidden = !message; }
    const control = form.querySelector(`#${CSS.escape(id)}`);
    if (control) {
      if (message) control.setAttribute('aria-invalid', 'true'); else control.removeAttribute('aria-invalid');
    }
  }

  function clearErrors() {
    for (const el of form.querySelectorAll('.field-error')) { el.textContent = ''; el.hidden = true; }
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    summary.hidden = true;
    summary.replaceChildren();
  }

  function showErrors(errors) {
    for (const e of errors) setError(e.id, e.message);
    summary.replaceChildren(
      h('p', { text: errors.length === 1 ? 'Please fix this problem:' : `Please fix these ${errors.length} problems:` }),
      h('ul', {}, ...errors.map((e) => h('li', {}, h('a', { href: `#${e.id}`, text: e.message,
        on: { click: (ev) => { ev.preventDefault(); form.querySelector(`#${CSS.escape(e.id)}`)?.focus(); } } })))));
    summary.hidden = false;
    const first = form.querySelector(`#${CSS.escape(errors[0].id)}`);
    (first?.matches('fieldset') ? first.querySelector('input') : first)?.focus();
  }

  /** Saves the form minus credentials. */
  function persist() {
    if (!strategies.length) return;
    const v = collect();
    saved = {
      strategy: v.strategy_name,
      params: { ...(saved.params ?? {}), [v.strategy_name]: v.rawParams },
      symbols: v.symbols, timeframe: v.timeframe, start: v.start, end: v.end, cash: v.cash, exchange: v.exchange, mode: v.mode,
    };
    try { localStorage.setItem(STORAGE_KEY, JSON.stringify(saved)); } catch { /* storage full or disabled */ }
  }

  // ---- events -------------------------------------------------------------------------------

  strategySelect.addEventListener('change', () => { renderParams(); persist(); });
  exchangeSelect.addEventListener('change', () => { renderExchange(); persist(); });
  modes.addEventListener('change', () => { renderMode(); persist(); });
  form.addEventListener('change', (e) => {
    if (e.target.dataset?.credential) return;
    if (e.target.id) setError(e.target.id, '');
    if (e.target !== strategySelect && e.target !== exchangeSelect && !modes.contains(e.target)) persist();
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (submitting || !canStart() || !strategies.length) return;
    const pendingOk = chips.commit();
    clearErrors();
    const v = collect();
    if (!skipValidation) {
      const errors = validate(v, pendingOk);
      if (errors.length) { showErrors(errors); return; }
    }
    submitting = true;
    try {
      if (v.mode === 'live') {
        const x = exchange();
        if (!(await confirmLive(x?.display_name ?? v.exchange))) return;
      }
      persist();
      await onSubmit(v.mode, buildBody(v));
    } finally {
      submitting = false;
    }
  });

  return {
    /** Builds the form once both capability lists are known. */
    setCapabilities(strategyList, exchangeList) {
      strategies = strategyList ?? [];
      exchanges = exchangeList ?? [];
      const wantStrategy = strategies.some((s) => s.name === saved.strategy) ? saved.strategy
        : strategies.some((s) => s.name === 'MovingAverageCross') ? 'MovingAverageCross' : strategies[0]?.name;
      strategySelect.replaceChildren(...strategies.map((s) => h('option', { value: s.name, text: s.name, selected: s.name === wantStrategy })));
      const wantExchange = exchanges.some((x) => x.id === saved.exchange) ? saved.exchange : exchanges[0]?.id;
      exchangeSelect.replaceChildren(...exchanges.map((x) => h('option', { value: x.id, text: x.display_name && x.display_name !== x.id ? `${x.display_name} (${x.id})` : x.id, selected: x.id === wantExchange })));
      chips.values = saved.symbols ?? ['BTC/USDT'];
      const today = Date.now();
      startInput.value = saved.start ?? isoDate(today - 60 * DAY);
      endInput.value = saved.end ?? isoDate(today);
      cashInput.value = saved.cash ?? '10000';
      renderParams();
      renderExchange();
    },
    submitButton,
    get submitting() { return submitting; },
    /** Selects a strategy (e.g. a saved script) by name; false when it is not listed. */
    selectStrategy(name) {
      if (!strategies.some((s) => s.name === name)) return false;
      strategySelect.value = name;
      renderParams();
      persist();
      return true;
    },
  };
}
