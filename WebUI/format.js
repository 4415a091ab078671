// Number, money, percent and time formatting. Locale follows the browser; times are shown in the
// local zone with the UTC instant in `title`.

const MINUS = '\u2212';
const cache = new Map();
function nf(min, max, extra = {}) {
  const key = `${min}|${max}|${JSON.stringify(extra)}`;
  if (!cache.has(key)) cache.set(key, new Intl.NumberFormat(undefined, { minimumFractionDigits: min, maximumFractionDigits: max, ...extra }));
  return cache.get(key);
}

export const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
export const DASH = '\u2014';

/** Plain number with `min`–`max` decimals; negative numbers use a real minus sign. */
export function number(v, max = 2, min = 0) {
  if (!isNum(v)) return DASH;
  return nf(min, max).format(v).replace('-', MINUS);
}

/** Like `number` but always signed (+/−) so the sign never depends on colour. */
export function signed(v, max = 2, min = max) {
  if (!isNum(v)) return DASH;
  const text = nf(min, max).format(Math.abs(v));
  const zero = Number(v.toFixed(max)) === 0;
  return (zero ? '' : v > 0 ? '+' : MINUS) + text;
}

export const money = (v) => number(v, 2, 2);
export const signedMoney = (v) => signed(v, 2, 2);
export const integer = (v) => (isNum(v) ? number(Math.round(v), 0) : DASH);
export const ratio = (v) => number(v, 3, 2);
export const percent = (v, digits = 2) => (isNum(v) ? `${number(v * 100, digits, digits)}%` : DASH);
export const signedPercent = (v, digits = 2) => (isNum(v) ? `${signed(v * 100, digits, digits)}%` : DASH);
export const quantity = (v) => number(v, 8, 0);

/** Price precision scaled to magnitude: 2 decimals above 1000, up to 8 for tiny prices. */
export function price(v) {
  if (!isNum(v)) return DASH;
  const a = Math.abs(v);
  const digits = a >= 1000 ? 2 : a >= 1 ? 4 : a >= 0.01 ? 6 : 8;
  return number(v, digits, Math.min(2, digits));
}

/** Compact axis label. */
export function axis(v, step) {
  if (!isNum(v)) return '';
  const decimals = Math.max(0, Math.min(8, -Math.floor(Math.log10(Math.abs(step) || 1)) + (step < 1 ? 1 : 0)));
  if (Math.abs(v) >= 1e6) return `${number(v / 1e6, 2)}M`;
  return number(v, decimals, 0);
}

/** Milliseconds since the epoch from an ISO string, a number (ms) or a Date; NaN when unknown. */
export function toMs(v) {
  if (v === null || v === undefined || v === '') return NaN;
  if (typeof v === 'number') return v;
  if (v instanceof Date) return v.getTime();
  return Date.parse(v);
}

const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  hourCycle: 'h23', timeZoneName: 'short',
});

/** `2026-02-26 14:05:09 GMT+1` in the local zone. */
export function localTime(v) {
  const ms = toMs(v);
  if (!Number.isFinite(ms)) return DASH;
  const p = Object.fromEntries(dateTimeFmt.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName ?? ''}`.trim();
}

/** The UTC ISO form, for `title` attributes. */
export function utcTitle(v) {
  const ms = toMs(v);
  return Number.isFinite(ms) ? `${new Date(ms).toISOString()} (UTC)` : '';
}

/** `1h 02m 03s`. */
export function duration(seconds) {
  if (!isNum(seconds)) return DASH;
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const pad = (n) => String(n).padStart(2, '0');
  if (d) return `${d}d ${pad(hh)}h ${pad(mm)}m`;
  if (hh) return `${hh}h ${pad(mm)}m ${pad(ss)}s`;
  if (mm) return `${mm}m ${pad(ss)}s`;
  return `${ss}s`;
}

/** `snake_case_key` → `Snake case key`. */
export const humanize = (key) => String(key).replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

/** -1, 0 or 1 for colouring; 0 for non-numbers. */
export const sign = (v) => (isNum(v) ? Math.sign(v) : 0);

/**
 * Formats a table cell by its column name (orders, trades, positions, history).
 * Returns `{ text, title?, numeric, signClass? }`.
 */
export function byKey(key, v) {
  const k = key.toLowerCase();
  if (v === null || v === undefined) return { text: DASH, numeric: false };
  if (k === 'timestamp' || k.endsWith('_time') || k.endsWith('_at') || k === 'time') {
    return { text: localTime(v), title: utcTitle(v), numeric: false };
  }
  if (typeof v === 'boolean') return { text: v ? 'yes' : 'no', numeric: false };
  if (Array.isArray(v)) return { text: v.join(', '), numeric: false };
  if (typeof v === 'object') return { text: JSON.stringify(v), numeric: false };
  if (!isNum(v)) return { text: String(v), numeric: false };
  if (k === 'pnl' || k.endsWith('_pnl') || k.startsWith('pnl')) return { text: signedMoney(v), numeric: true, signClass: sign(v) };
  if (k === 'return' || k.endsWith('_return') || k === 'total_return') return { text: signedPercent(v), numeric: true, signClass: sign(v) };
  if (k === 'max_drawdown' || k === 'win_rate' || k === 'exposure') return { text: percent(v), numeric: true };
  if (k.startsWith('fee') || k.endsWith('_fees') || k.endsWith('value') || k === 'cash' || k === 'notional') return { text: money(v), numeric: true };
  if (k === 'price' || k.endsWith('_price')) return { text: price(v), numeric: true };
  if (k === 'quantity' || k.endsWith('_quantity') || k === 'amount' || k === 'size') return { text: quantity(v), numeric: true };
  if (k === 'id' || k.endsWith('_id') || k.endsWith('trades') || k.endsWith('count')) return { text: String(v), numeric: true };
  if (k.endsWith('ratio')) return { text: ratio(v), numeric: true };
  return { text: number(v, 6), numeric: true };
}
