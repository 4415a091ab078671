// The sweep form, generated from /strategies and /exchanges: per strategy parameter a fixed value,
// a list or a from/to/step range; constraints; search method; objective; market and window;
// optional walk-forward. Hands a ready POST /sweeps body to `onSubmit(body)`; `showServerError`
// puts a 400/422 answer next to the field it names.
import { h } from '../dom.js';
import { createSymbolChips, SYMBOL_PATTERN } from './symbolChips.js';
import { OBJECTIVES, SEARCH_METHODS, WF_SPAN, fieldIdFor, fieldIdForCode, gridPoints, parameterSpec } from '../sweepConfig.js';

const DAY = 86400000;
const isoDate = (ms) => new Date(ms).toISOString().slice(0, 10);
const MODE_LABELS = { fixed: 'Fixed', list: 'List', range: 'Range' };
const METHOD_HELP = {
  grid: 'Every point of the parameter grid that satisfies the constraints.',
  random: 'Seeded random distinct points.',
  halton: 'Scrambled Halton low-discrepancy points.',
  tpe: 'Adaptive Tree-structured Parzen Estimator, in batches of 16 (with walk-forward: each fold optimised on its own).',
};

/** `onSubmit(body)` starts the sweep (returns a promise). */
export function createSweepForm(form, { onSubmit, skipValidation = false }) {
  let strategies = [];
  let exchanges = [];
  let submitting = false;

  form.noValidate = true;
  const summary = h('div', { class: 'form-errors', role: 'alert', hidden: true, id: 'sw-errors' });
  const nameInput = h('input', { id: 'sw-name', type: 'text', maxlength: '100', autocomplete: 'off', placeholder: 'optional' });
  const strategySelect = h('select', { id: 'sw-strategy', required: true });
  const strategyHelp = h('p', { id: 'sw-strategy-help', class: 'help' });
  const params = h('fieldset', { class: 'params', id: 'sw-params', 'aria-describedby': 'sw-params-error' });
  const pointsLine = h('p', { id: 'sw-points', class: 'help', 'aria-live': 'polite' });
  const constraints = h('textarea', { id: 'sw-constraints', rows: '2', spellcheck: 'false', placeholder: 'fast_period < slow_period' });
  const methodSelect = h('select', { id: 'sw-method' }, ...SEARCH_METHODS.map((m) => h('option', { value: m, text: m })));
  const methodHelp = h('p', { id: 'sw-method-help', class: 'help' });
  const samplesInput = h('input', { id: 'sw-samples', type: 'number', min: '1', step: '1', inputmode: 'numeric', value: '50' });
  const seedInput = h('input', { id: 'sw-seed', type: 'number', min: '0', step: '1', inputmode: 'numeric', value: '1' });
  const sampling = h('div', { class: 'field-row', id: 'sw-sampling' },
    field('sw-samples', 'Samples', samplesInput), field('sw-seed', 'Seed', seedInput));
  const objectiveSelect = h('select', { id: 'sw-objective' }, ...OBJECTIVES.map((o) => h('option', { value: o, text: o, selected: o === 'sharpe_ratio' })));
  const exchangeSelect = h('select', { id: 'sw-exchange', required: true });
  const chips = createSymbolChips({
    id: 'sw-symbols', describedBy: 'sw-symbols-help sw-symbols-error',
    onChange: () => { setError('sw-symbols', ''); updatePoints(); },
    onError: (message) => setError('sw-symbols', message),
  });
  const timeframeSelect = h('select', { id: 'sw-timeframe', required: true });
  const startInput = h('input', { id: 'sw-start', type: 'date' });
  const endInput = h('input', { id: 'sw-end', type: 'date' });
  const cashInput = h('input', { id: 'sw-cash', type: 'number', min: '0', step: 'any', inputmode: 'decimal', value: '10000' });
  const wfEnabled = h('input', { id: 'sw-wf-enabled', type: 'checkbox' });
  const wfInputs = {
    train: h('input', { id: 'sw-wf-train', type: 'text', placeholder: '30d', spellcheck: 'false' }),
    test: h('input', { id: 'sw-wf-test', type: 'text', placeholder: '7d', spellcheck: 'false' }),
    step: h('input', { id: 'sw-wf-step', type: 'text', placeholder: 'test', spellcheck: 'false' }),
    holdout: h('input', { id: 'sw-wf-holdout', type: 'text', placeholder: 'none', spellcheck: 'false' }),
  };
  const wfMode = h('select', { id: 'sw-wf-mode' }, h('option', { value: 'rolling', text: 'rolling' }), h('option', { value: 'anchored', text: 'anchored' }));
  const wfTopK = h('input', { id: 'sw-wf-top-k', type: 'number', min: '1', step: '1', inputmode: 'numeric', value: '1' });
  const wfFields = h('div', { id: 'sw-wf-fields', hidden: true },
    h('div', { class: 'field-row' },
      field('sw-wf-train', 'Train', wfInputs.train), field('sw-wf-test', 'Test', wfInputs.test)),
    h('div', { class: 'field-row' },
      field('sw-wf-step', 'Step', wfInputs.step), field('sw-wf-holdout', 'Holdout', wfInputs.holdout)),
    h('div', { class: 'field-row' },
      field('sw-wf-mode', 'Mode', wfMode), field('sw-wf-top-k', 'Top k', wfTopK)),
    h('p', { class: 'help', text: 'Spans: a number of bars or a duration such as 90d, 12h, 2w. Step defaults to the test span.' }));
  const submitButton = h('button', { type: 'submit', id: 'sw-submit', class: 'button-primary', text: 'Start sweep', disabled: true });

  form.replaceChildren(
    summary,
    h('fieldset', { class: 'group' }, h('legend', { text: 'Strategy' }),
      field('sw-name', 'Name', nameInput),
      field('sw-strategy', 'Strategy', strategySelect, null, strategyHelp),
      params, pointsLine,
      field('sw-constraints', 'Constraints', constraints, 'One expression per line, e.g. fast_period < slow_period. Points failing one are not run.')),
    h('fieldset', { class: 'group' }, h('legend', { text: 'Search and objective' }),
      field('sw-method', 'Search method', methodSelect, null, methodHelp),
      sampling,
      field('sw-objective', 'Objective (maximised)', objectiveSelect, 'max_drawdown ranks the smallest drawdown highest.')),
    h('fieldset', { class: 'group' }, h('legend', { text: 'Market and window' }),
      field('sw-exchange', 'Exchange', exchangeSelect),
      field('sw-symbols', 'Symbols', chips.element, 'Each symbol is a separate backtest per point. Enter or comma adds one.'),
      field('sw-timeframe', 'Timeframe', timeframeSelect),
      h('div', { class: 'field-row' }, field('sw-start', 'Start (UTC)', startInput), field('sw-end', 'End (UTC, exclusive)', endInput)),
      field('sw-cash', 'Initial cash', cashInput)),
    h('fieldset', { class: 'group' }, h('legend', { text: 'Walk-forward (optional)' }),
      h('div', { class: 'field field-check', dataset: { field: 'sw-wf-enabled' } },
        wfEnabled, h('label', { for: 'sw-wf-enabled', text: 'Walk-forward test the sweep' }),
        h('p', { id: 'sw-wf-enabled-error', class: 'field-error', hidden: true })),
      wfFields),
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
  /** A saved Pine script: its strategy() call sets capital, commission and fills. */
  function isScript() { return strategy()?.kind === 'script'; }
  function exchange() { return exchanges.find((x) => x.id === exchangeSelect.value); }

  function renderParams() {
    const s = strategy();
    strategyHelp.textContent = isScript()
      ? `${s.description} Its strategy() call sets the capital, sizing, commission and fills; the newest saved version is swept.`
      : s?.description ?? '';
    form.querySelector('[data-field="sw-cash"]').hidden = isScript();
    const rows = (s?.parameters ?? []).map(paramRow);
    params.replaceChildren(h('legend', { text: 'Parameters' }),
      ...(rows.length ? rows : [h('p', { class: 'help', text: 'This strategy has no parameters.' })]),
      h('p', { id: 'sw-params-error', class: 'field-error', hidden: true }));
    updatePoints();
  }

  /** One parameter: a mode choice and the inputs of that mode. */
  function paramRow(p) {
    const id = `sp-${p.name}`;
    const numeric = p.type === 'int' || p.type === 'float';
    const modes = numeric ? ['fixed', 'list', 'range'] : ['fixed', 'list'];
    const dflt = p.default === null || p.default === undefined ? '' : String(p.default);
    const numberProps = { type: 'number', step: p.type === 'int' ? '1' : 'any', inputmode: p.type === 'int' ? 'numeric' : 'decimal' };
    const modeSelect = h('select', { id: `${id}-mode`, dataset: { paramMode: p.name }, 'aria-label': `${p.name}: how to sweep` },
      ...modes.map((m) => h('option', { value: m, text: MODE_LABELS[m] })));
    let fixed;
    if (p.type === 'enum') fixed = h('select', { id: `${id}-value` }, ...(p.choices ?? []).map((c) => h('option', { value: String(c), text: String(c), selected: String(c) === dflt })));
    else if (p.type === 'bool') fixed = h('select', { id: `${id}-value` }, h('option', { value: 'true', text: 'true', selected: p.default === true }), h('option', { value: 'false', text: 'false', selected: p.default !== true }));
    else fixed = h('input', { id: `${id}-value`, ...(numeric ? numberProps : { type: 'text' }), value: dflt });
    const list = h('input', { id: `${id}-list`, type: 'text', spellcheck: 'false', placeholder: p.type === 'enum' ? (p.choices ?? []).join(', ') : `${dflt || 'a'}, …` });
    const range = numeric ? ['from', 'to', 'step'].map((k) => h('input', { id: `${id}-${k}`, ...numberProps, min: null,
      value: k === 'step' ? (p.type === 'int' ? '1' : '') : dflt })) : [];
    const bounds = [p.min !== undefined && p.min !== null ? `min ${p.min}` : null, p.max !== undefined && p.max !== null ? `max ${p.max}` : null].filter(Boolean);
    const help = [p.description, `${p.type}${bounds.length ? `, ${bounds.join(', ')}` : ''}; default ${dflt === '' ? 'none' : dflt}.`].filter(Boolean).join(' ');
    const parts = {
      fixed: h('div', { class: 'param-mode', dataset: { mode: 'fixed' } }, h('label', { for: fixed.id, class: 'visually-hidden', text: `${p.name} value` }), fixed),
      list: h('div', { class: 'param-mode', dataset: { mode: 'list' }, hidden: true }, h('label', { for: list.id, class: 'visually-hidden', text: `${p.name} values, comma separated` }), list),
      range: numeric ? h('div', { class: 'param-mode param-range', dataset: { mode: 'range' }, hidden: true },
        ...range.map((input, i) => h('label', { class: 'range-part' }, h('span', { text: ['From', 'To', 'Step'][i] }), input))) : null,
    };
    const row = h('fieldset', { class: 'param-row', id, dataset: { param: p.name }, 'aria-describedby': `${id}-help ${id}-error` },
      h('legend', { text: p.name }),
      h('div', { class: 'param-line' }, modeSelect, parts.fixed, parts.list, parts.range),
      h('p', { id: `${id}-help`, class: 'help', text: help }),
      h('p', { id: `${id}-error`, class: 'field-error', hidden: true }));
    modeSelect.addEventListener('change', () => {
      for (const [m, el] of Object.entries(parts)) if (el) el.hidden = m !== modeSelect.value;
      setError(id, '');
      updatePoints();
    });
    return row;
  }

  function renderExchange() {
    const x = exchange();
    const tfs = x?.timeframes ?? [];
    const want = tfs.includes(timeframeSelect.value) ? timeframeSelect.value : tfs.includes('1h') ? '1h' : tfs[0];
    timeframeSelect.replaceChildren(...tfs.map((t) => h('option', { value: t, text: t, selected: t === want })));
  }

  function renderMethod() {
    methodHelp.textContent = METHOD_HELP[methodSelect.value] ?? '';
    sampling.hidden = methodSelect.value === 'grid';
  }

  // ---- values ---------------------------------------------------------------------------------

  /** Each parameter's spec, and the problems found. */
  function collectParams() {
    const specs = {};
    const errors = [];
    for (const p of strategy()?.parameters ?? []) {
      const row = params.querySelector(`fieldset[data-param="${CSS.escape(p.name)}"]`);
      if (!row) continue;
      const id = `sp-${p.name}`;
      const get = (suffix) => row.querySelector(`#${CSS.escape(`${id}-${suffix}`)}`)?.value ?? '';
      const entry = { mode: get('mode'), value: get('value'), list: get('list'), from: get('from'), to: get('to'), step: get('step') };
      const r = parameterSpec(p, entry);
      if (r.error) errors.push({ id, message: r.error });
      else if (r.spec !== undefined) specs[p.name] = r.spec;
    }
    return { specs, errors };
  }

  function updatePoints() {
    const { specs, errors } = collectParams();
    if (errors.length || !strategy()) { pointsLine.textContent = ''; return; }
    const points = gridPoints(specs);
    const symbols = Math.max(1, chips.values.length);
    pointsLine.textContent = `${points.toLocaleString()} grid point${points === 1 ? '' : 's'} \u00d7 ${symbols} symbol${symbols === 1 ? '' : 's'} (before constraints).`;
  }

  function collect() {
    const { specs, errors } = collectParams();
    const lines = constraints.value.split('\n').map((l) => l.trim()).filter(Boolean);
    const wf = {};
    for (const [key, input] of Object.entries(wfInputs)) if (input.value.trim()) wf[key] = input.value.trim();
    return {
      name: nameInput.value.trim(), strategy: strategySelect.value, parameters: specs, paramErrors: errors, constraints: lines,
      method: methodSelect.value, samples: samplesInput.value, seed: seedInput.value, objective: objectiveSelect.value,
      exchange: exchangeSelect.value, symbols: chips.values, timeframe: timeframeSelect.value,
      start: startInput.value, end: endInput.value, cash: cashInput.value,
      walkForward: wfEnabled.checked ? { ...wf, mode: wfMode.value, top_k: wfTopK.value } : null,
    };
  }

  function validate(v, pendingOk) {
    const errors = [];
    if (!strategy()) errors.push({ id: 'sw-strategy', message: 'Choose a strategy' });
    errors.push(...v.paramErrors);
    if (v.method !== 'grid') {
      const n = Number(v.samples);
      if (!Number.isInteger(n) || n < 1) errors.push({ id: 'sw-samples', message: 'Samples must be a whole number of at least 1' });
      const seed = Number(v.seed);
      if (v.seed.trim() !== '' && (!Number.isInteger(seed) || seed < 0)) errors.push({ id: 'sw-seed', message: 'Seed must be a whole number, 0 or more' });
    }
    if (!exchange()) errors.push({ id: 'sw-exchange', message: 'Choose an exchange' });
    if (!pendingOk) errors.push({ id: 'sw-symbols', message: 'Symbols must look like BASE/QUOTE in capitals, e.g. BTC/USDT' });
    else if (!v.symbols.length) errors.push({ id: 'sw-symbols', message: 'Add at least one symbol' });
    else if (v.symbols.some((s) => !SYMBOL_PATTERN.test(s))) errors.push({ id: 'sw-symbols', message: 'Symbols must look like BASE/QUOTE' });
    if (!v.timeframe) errors.push({ id: 'sw-timeframe', message: 'Choose a timeframe' });
    const s = v.start ? Date.parse(`${v.start}T00:00:00Z`) : NaN;
    const e = v.end ? Date.parse(`${v.end}T00:00:00Z`) : NaN;
    if (!Number.isFinite(s)) errors.push({ id: 'sw-start', message: 'Choose a start date' });
    if (!Number.isFinite(e)) errors.push({ id: 'sw-end', message: 'Choose an end date' });
    if (Number.isFinite(s) && Number.isFinite(e) && e <= s) errors.push({ id: 'sw-end', message: 'End date must be after the start date' });
    const cash = Number(v.cash);
    if (!isScript() && (v.cash.trim() === '' || !Number.isFinite(cash) || cash <= 0)) errors.push({ id: 'sw-cash', message: 'Initial cash must be a number greater than 0' });
    if (v.walkForward) {
      for (const key of ['train', 'test']) if (!v.walkForward[key]) errors.push({ id: `sw-wf-${key}`, message: `Walk-forward needs a ${key} span` });
      for (const key of ['train', 'test', 'step', 'holdout']) {
        const span = v.walkForward[key];
        if (span && !WF_SPAN.test(span)) errors.push({ id: `sw-wf-${key}`, message: `${key}: a number of bars or a duration such as 30d` });
      }
      const k = Number(v.walkForward.top_k);
      if (!Number.isInteger(k) || k < 1) errors.push({ id: 'sw-wf-top-k', message: 'Top k must be a whole number of at least 1' });
    }
    return errors;
  }

  function buildBody(v) {
    const body = {
      strategy: v.strategy, symbols: v.symbols, timeframe: v.timeframe, exchange: v.exchange,
      start: v.start ? `${v.start}T00:00:00Z` : null, end: v.end ? `${v.end}T00:00:00Z` : null,
      initial_cash: v.cash.trim() === '' ? null : Number(v.cash),
      parameters: v.parameters, objective: v.objective, search: { method: v.method },
    };
    if (isScript()) delete body.initial_cash;
    if (v.name) body.name = v.name;
    if (v.constraints.length) body.constraints = v.constraints;
    if (v.method !== 'grid') {
      body.search.samples = Number(v.samples);
      if (v.seed.trim() !== '') body.search.seed = Number(v.seed);
    }
    if (v.walkForward) {
      const { top_k: topK, ...spans } = v.walkForward;
      body.walk_forward = { ...spans, top_k: Number(topK) };
    }
    return body;
  }

  function setError(id, message) {
    const el = form.querySelector(`#${CSS.escape(id)}-error`);
    if (el) { el.textContent = message; el.hidden = !message; }
    const control = form.querySelector(`#${CSS.escape(id)}`);
    if (control) {
      if (message) control.setAttribute('aria-invalid', 'true'); else control.removeAttribute('aria-invalid');
    }
    return Boolean(el);
  }

  function clearErrors() {
    for (const el of form.querySelectorAll('.field-error')) { el.textContent = ''; el.hidden = true; }
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    summary.hidden = true;
    summary.replaceChildren();
  }

  function showErrors(errors) {
    const placed = errors.filter((e) => e.id && setError(e.id, e.message));
    summary.replaceChildren(
      h('p', { text: errors.length === 1 ? 'Please fix this problem:' : `Please fix these ${errors.length} problems:` }),
      h('ul', {}, ...errors.map((e) => h('li', {}, e.id && placed.includes(e)
        ? h('a', { href: `#${e.id}`, text: e.message, on: { click: (ev) => { ev.preventDefault(); focusField(e.id); } } })
        : h('span', { text: e.message })))));
    summary.hidden = false;
    if (placed.length) focusField(placed[0].id);
  }

  function focusField(id) {
    const el = form.querySelector(`#${CSS.escape(id)}`);
    if (el?.matches('fieldset')) el.querySelector('fieldset:not([hidden]) input, div:not([hidden]) > input, div:not([hidden]) > select, input, select')?.focus();
    else el?.focus();
  }

  // ---- events -------------------------------------------------------------------------------

  strategySelect.addEventListener('change', renderParams);
  exchangeSelect.addEventListener('change', renderExchange);
  methodSelect.addEventListener('change', renderMethod);
  wfEnabled.addEventListener('change', () => { wfFields.hidden = !wfEnabled.checked; });
  form.addEventListener('input', (e) => { if (params.contains(e.target)) updatePoints(); });
  form.addEventListener('change', (e) => {
    const row = e.target.closest?.('fieldset.param-row');
    if (row) setError(row.id, '');
    else if (e.target.id) setError(e.target.id, '');
    if (params.contains(e.target)) updatePoints();
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (submitting || !strategies.length) return;
    const pendingOk = chips.commit();
    clearErrors();
    const v = collect();
    if (!skipValidation) {
      const errors = validate(v, pendingOk);
      if (errors.length) { showErrors(errors); return; }
    }
    submitting = true;
    submitButton.disabled = true;
    try {
      await onSubmit(buildBody(v));
    } finally {
      submitting = false;
      submitButton.disabled = false;
    }
  });

  return {
    /** Builds the form once both capability lists are known. */
    setCapabilities(strategyList, exchangeList) {
      // Built-ins and saved Pine strategies that compile (an indicator places no orders).
      strategies = (strategyList ?? []).filter((s) => s.kind !== 'script'
        || (s.compiles !== false && !/^Pine indicator/.test(s.description ?? '')));
      exchanges = exchangeList ?? [];
      const keep = strategySelect.value;
      const want = strategies.some((s) => s.name === keep) ? keep
        : strategies.some((s) => s.name === 'MovingAverageCross') ? 'MovingAverageCross' : strategies[0]?.name;
      strategySelect.replaceChildren(...strategies.map((s) => h('option', { value: s.name, text: s.name, selected: s.name === want })));
      const keepExchange = exchangeSelect.value;
      const wantExchange = exchanges.some((x) => x.id === keepExchange) ? keepExchange
        : exchanges.some((x) => x.id === 'sim') ? 'sim' : exchanges[0]?.id;
      exchangeSelect.replaceChildren(...exchanges.map((x) => h('option', { value: x.id, text: x.display_name && x.display_name !== x.id ? `${x.display_name} (${x.id})` : x.id, selected: x.id === wantExchange })));
      if (!chips.values.length) chips.values = ['BTC/USDT'];
      const today = Date.now();
      if (!startInput.value) startInput.value = isoDate(today - 60 * DAY);
      if (!endInput.value) endInput.value = isoDate(today);
      if (keep !== want || !params.querySelector('fieldset')) renderParams();
      renderExchange();
      renderMethod();
      submitButton.disabled = !strategies.length;
    },
    /**
     * Shows a refused POST /sweeps next to the field it names (`details.field`), else in the
     * form's summary. True when the error was shown here.
     */
    showServerError(error) {
      if (!error || (error.status !== 400 && error.status !== 422)) return false;
      const id = fieldIdFor(error.details?.field) ?? fieldIdForCode(error.code);
      const message = `${error.message}${error.code ? ` (${error.code})` : ''}`;
      showErrors([{ id: id && form.querySelector(`#${CSS.escape(id)}-error`) ? id : null, message }]);
      return true;
    },
    submitButton,
  };
}
