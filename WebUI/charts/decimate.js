// Reduces a series to what one screen can show: per pixel column the first, min, max and last
// value (lines) or one merged candle (OHLC), so 100k+ points draw as fast as a few thousand.

/** First index with xs[i] >= x (xs ascending). */
export function lowerBound(xs, x) {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Index of the element of xs nearest to x, or -1 for an empty array. */
export function nearest(xs, x) {
  if (!xs.length) return -1;
  const i = lowerBound(xs, x);
  if (i <= 0) return 0;
  if (i >= xs.length) return xs.length - 1;
  return x - xs[i - 1] <= xs[i] - x ? i - 1 : i;
}

/** The index range [i0, i1) of points inside [x0, x1], widened by one on each side for continuity. */
export function visibleRange(xs, x0, x1) {
  return [Math.max(0, lowerBound(xs, x0) - 1), Math.min(xs.length, lowerBound(xs, x1) + 1)];
}

/**
 * Line decimation. `toPx(x)` maps data x to a screen column. Returns columns as parallel arrays
 * `px` (exact pixel of the column's first point), `first`, `min`, `max`, `last`, plus `lo`/`hi`,
 * the value range over the points strictly inside the view.
 */
export function decimateLine(xs, ys, x0, x1, toPx) {
  const [i0, i1] = visibleRange(xs, x0, x1);
  const out = { px: [], first: [], min: [], max: [], last: [], lo: Infinity, hi: -Infinity };
  let col = NaN;
  let n = -1;
  for (let i = i0; i < i1; i++) {
    const y = ys[i];
    if (y === null || !Number.isFinite(y)) continue;
    const x = xs[i];
    if (x >= x0 && x <= x1) {
      if (y < out.lo) out.lo = y;
      if (y > out.hi) out.hi = y;
    }
    const p = toPx(x);
    const c = Math.floor(p);
    if (c !== col) {
      col = c;
      n += 1;
      out.px[n] = p; out.first[n] = y; out.min[n] = y; out.max[n] = y; out.last[n] = y;
    } else {
      if (y < out.min[n]) out.min[n] = y;
      if (y > out.max[n]) out.max[n] = y;
      out.last[n] = y;
    }
  }
  return out;
}

/**
 * Candle decimation: raw candles when each gets at least `minPx` pixels, otherwise merged into
 * buckets `minPx` wide (open of the first, close of the last, extreme high and low).
 * Returns `{ x: [], o: [], h: [], l: [], c: [], width, lo, hi }` with x in pixels.
 */
export function decimateCandles(d, x0, x1, toPx, pxPerBar, minPx = 3) {
  const [i0, i1] = visibleRange(d.xs, x0, x1);
  const out = { x: [], o: [], h: [], l: [], c: [], width: Math.max(1, pxPerBar * 0.7), lo: Infinity, hi: -Infinity };
  const merge = pxPerBar < minPx;
  if (merge) out.width = Math.max(1, minPx - 1);
  let bucket = NaN;
  let n = -1;
  for (let i = i0; i < i1; i++) {
    const x = d.xs[i];
    if (x >= x0 && x <= x1) {
      if (d.l[i] < out.lo) out.lo = d.l[i];
      if (d.h[i] > out.hi) out.hi = d.h[i];
    }
    const p = toPx(x);
    const b = merge ? Math.floor(p / minPx) : i;
    if (b !== bucket) {
      bucket = b;
      n += 1;
      out.x[n] = merge ? (b + 0.5) * minPx : p;
      out.o[n] = d.o[i]; out.h[n] = d.h[i]; out.l[n] = d.l[i]; out.c[n] = d.c[i];
    } else {
      if (d.h[i] > out.h[n]) out.h[n] = d.h[i];
      if (d.l[i] < out.l[n]) out.l[n] = d.l[i];
      out.c[n] = d.c[i];
    }
  }
  return out;
}
