// Tick placement for value and time axes.

/** A "nice" step (1, 2, 2.5 or 5 × 10^k) close to `raw`. */
export function niceStep(raw) {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const exp = Math.floor(Math.log10(raw));
  const base = 10 ** exp;
  const f = raw / base;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return nice * base;
}

export function valueTicks(lo, hi, maxTicks) {
  const step = niceStep((hi - lo) / Math.max(1, maxTicks));
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return { ticks, step };
}

const S = 1000, M = 60 * S, H = 60 * M, D = 24 * H;
const TIME_STEPS = [S, 5 * S, 15 * S, 30 * S, M, 5 * M, 15 * M, 30 * M, H, 2 * H, 3 * H, 6 * H, 12 * H, D, 2 * D, 7 * D, 14 * D, 30 * D, 91 * D, 182 * D, 365 * D];

const dayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const yearFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short' });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const secFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** Ticks for elapsed time (x = ms since the start), labelled `3d`, `6h`, `15m`. */
export function elapsedTicks(t0, t1, width, minSpacing = 80) {
  const wanted = Math.max(1, t1 - t0) / Math.max(1, width / minSpacing);
  const step = TIME_STEPS.find((s) => s >= wanted) ?? TIME_STEPS[TIME_STEPS.length - 1];
  const ticks = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);
  return { ticks, label: elapsedLabel };
}

export function elapsedLabel(ms) {
  const a = Math.abs(ms);
  const units = [[D, 'd'], [H, 'h'], [M, 'm'], [S, 's']];
  for (const [size, unit] of units) {
    if (a >= size || unit === 's') {
      const whole = Math.floor(a / size);
      const rest = a - whole * size;
      const next = units.find(([s]) => s < size);
      const extra = next && rest >= next[0] ? ` ${Math.floor(rest / next[0])}${next[1]}` : '';
      return `${ms < 0 ? '\u2212' : '+'}${whole}${unit}${unit === 'd' || unit === 'h' ? extra : ''}`;
    }
  }
  return '';
}

/** Ticks in local time for [t0, t1] ms, about one per `minSpacing` pixels of `width`. */
export function timeTicks(t0, t1, width, minSpacing = 96) {
  const span = Math.max(1, t1 - t0);
  const wanted = span / Math.max(1, width / minSpacing);
  const step = TIME_STEPS.find((s) => s >= wanted) ?? TIME_STEPS[TIME_STEPS.length - 1];
  const ticks = [];
  let t;
  if (step >= 30 * D) {
    // Month starts.
    const d = new Date(t0);
    d.setDate(1); d.setHours(0, 0, 0, 0);
    const months = Math.round(step / (30 * D));
    while (d.getTime() < t0) d.setMonth(d.getMonth() + 1);
    while (d.getMonth() % months) d.setMonth(d.getMonth() + 1);
    for (; d.getTime() <= t1; d.setMonth(d.getMonth() + months)) ticks.push(d.getTime());
  } else {
    const offset = new Date(t0).getTimezoneOffset() * M;
    for (t = Math.ceil((t0 - offset) / step) * step + offset; t <= t1; t += step) ticks.push(t);
  }
  const label = (ms) => {
    const d = new Date(ms);
    if (step >= 30 * D) return yearFmt.format(d);
    if (step >= D) return dayFmt.format(d);
    if (d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0) return dayFmt.format(d);
    return step < M ? secFmt.format(d) : timeFmt.format(d);
  };
  return { ticks, label };
}
