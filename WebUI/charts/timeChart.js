// A canvas chart with a shared time axis and stacked panels (price, equity, drawdown, …):
// high-DPI backing store, per-pixel decimation, crosshair + tooltip, wheel zoom, drag pan and
// keyboard control. Series data lives in plain arrays so live updates just push and redraw.
import { h } from '../dom.js';
import { localTime, utcTitle } from '../format.js';
import { decimateLine, decimateCandles, lowerBound, nearest } from './decimate.js';
import { valueTicks, timeTicks, elapsedTicks, elapsedLabel } from './axes.js';

const GUTTER_RIGHT = 68;
const GUTTER_LEFT = 6;
const AXIS_BOTTOM = 22;
const PAD_TOP = 8;
const PANEL_GAP = 10;
const MIN_SPAN = 1000;

/** Reads the chart palette from CSS custom properties (so themes live in style.css). */
function palette(el) {
  const css = getComputedStyle(el);
  const get = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  return {
    get,
    text: get('--chart-text', '#666'),
    grid: get('--chart-grid', '#ddd'),
    cross: get('--chart-cross', '#888'),
    labelBg: get('--chart-label-bg', '#333'),
    labelText: get('--chart-label-text', '#fff'),
  };
}

export class TimeChart {
  /**
   * `panels`: [{ id, weight, format(v), includeZero?, series: [{ id, kind: 'line'|'area'|'candles'|'markers',
   * color: '--css-var', name, format?(v) }] }]. `label` names the chart for assistive technology.
   */
  constructor(host, { label, panels, emptyText = 'No data yet', elapsed = false }) {
    this.host = host;
    this.elapsed = elapsed; // x is "ms since start" rather than a date
    this.panels = panels.map((p) => ({ weight: 1, ...p, series: p.series.map((s) => ({ ...s, data: emptySeries(s.kind) })) }));
    this.series = new Map();
    for (const p of this.panels) for (const s of p.series) this.series.set(s.id, s);
    this.view = null; // null = fit all data (and follow live appends)
    this.hover = null;
    this.drag = null;
    this.frame = 0;
    const helpId = `${host.id || 'chart'}-help`;
    this.canvas = h('canvas', { tabindex: '0', role: 'img', 'aria-label': label, 'aria-describedby': helpId });
    this.tooltip = h('div', { class: 'chart-tooltip', hidden: true, 'aria-hidden': 'true' });
    this.empty = h('p', { class: 'chart-empty', text: emptyText });
    this.help = h('p', { id: helpId, class: 'visually-hidden', text: 'Mouse wheel or plus and minus keys zoom, drag or arrow keys pan, double click or Home resets the view.' });
    host.classList.add('chart');
    host.replaceChildren(this.canvas, this.tooltip, this.empty, this.help);
    this.colors = palette(host);
    this.bind();
    this.resize();
  }

  bind() {
    const c = this.canvas;
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.host);
    this.scheme = matchMedia('(prefers-color-scheme: dark)');
    this.onScheme = () => { this.colors = palette(this.host); this.redraw(); };
    this.scheme.addEventListener('change', this.onScheme);
    c.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    c.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    c.addEventListener('pointermove', (e) => this.onPointerMove(e));
    c.addEventListener('pointerup', (e) => this.onPointerUp(e));
    c.addEventListener('pointercancel', (e) => this.onPointerUp(e));
    c.addEventListener('pointerleave', () => { if (!this.drag) { this.hover = null; this.redraw(); } });
    c.addEventListener('dblclick', () => this.resetView());
    c.addEventListener('keydown', (e) => this.onKey(e));
  }

  // ---- data -------------------------------------------------------------------------------

  /** Replaces a series' data. Lines/areas: {xs, ys}; candles: {xs, o, h, l, c}; markers: {xs, ys, sides, labels}. */
  setData(seriesId, data) {
    const s = this.series.get(seriesId);
    if (!s) return;
    s.data = data ?? emptySeries(s.kind);
    this.redraw();
  }

  /** Appends one point to a line/area series (x must not decrease). */
  append(seriesId, x, y) {
    const s = this.series.get(seriesId);
    if (!s) return;
    const d = s.data;
    const last = d.xs.length - 1;
    if (last >= 0 && x < d.xs[last]) return;
    if (last >= 0 && x === d.xs[last]) d.ys[last] = y;
    else { d.xs.push(x); d.ys.push(y); }
    this.redraw();
  }

  clear() {
    for (const s of this.series.values()) s.data = emptySeries(s.kind);
    this.view = null;
    this.redraw();
  }

  /** Stops observing the host (before the chart is replaced). */
  destroy() {
    this.observer.disconnect();
    this.scheme.removeEventListener('change', this.onScheme);
    cancelAnimationFrame(this.frame);
  }

  resetView() {
    this.view = null;
    this.redraw();
  }

  extent() {
    let lo = Infinity, hi = -Infinity, bar = 0;
    for (const s of this.series.values()) {
      const xs = s.data.xs;
      if (!xs.length || s.kind === 'markers') continue;
      lo = Math.min(lo, xs[0]);
      hi = Math.max(hi, xs[xs.length - 1]);
      if (s.kind === 'candles' && xs.length > 1) bar = Math.max(bar, (xs[xs.length - 1] - xs[0]) / (xs.length - 1));
    }
    if (!Number.isFinite(lo)) return null;
    if (hi - lo < MIN_SPAN) { lo -= MIN_SPAN / 2; hi += MIN_SPAN / 2; }
    return { lo: lo - bar / 2, hi: hi + bar / 2, bar };
  }

  hasData() {
    for (const s of this.series.values()) if (s.kind !== 'markers' && s.data.xs.length) return true;
    return false;
  }

  // ---- geometry ---------------------------------------------------------------------------

  resize() {
    const w = this.host.clientWidth;
    const hgt = this.host.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    if (!w || !hgt) return;
    this.width = w;
    this.height = hgt;
    this.dpr = dpr;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(hgt * dpr);
    this.draw();
  }

  plot() {
    const left = GUTTER_LEFT;
    const right = this.width - GUTTER_RIGHT;
    const total = this.height - PAD_TOP - AXIS_BOTTOM - PANEL_GAP * (this.panels.length - 1);
    const weights = this.panels.reduce((a, p) => a + p.weight, 0);
    let top = PAD_TOP;
    const rects = this.panels.map((p) => {
      const height = Math.max(20, (total * p.weight) / weights);
      const r = { top, bottom: top + height, height };
      top += height + PANEL_GAP;
      return r;
    });
    return { left, right, width: Math.max(10, right - left), rects };
  }

  currentView() {
    const ext = this.extent();
    if (!ext) return null;
    if (!this.view) return { x0: ext.lo, x1: ext.hi, bar: ext.bar };
    return { ...this.view, bar: ext.bar };
  }

  setView(x0, x1) {
    const ext = this.extent();
    if (!ext) return;
    const span = Math.max(MIN_SPAN, ext.bar * 5, x1 - x0);
    const full = ext.hi - ext.lo;
    if (span >= full) { this.view = null; this.redraw(); return; }
    let a = x0, b = x0 + span;
    if (x1 - x0 < span) { const mid = (x0 + x1) / 2; a = mid - span / 2; b = mid + span / 2; }
    if (a < ext.lo) { b += ext.lo - a; a = ext.lo; }
    if (b > ext.hi) { a -= b - ext.hi; b = ext.hi; }
    this.view = { x0: a, x1: b };
    this.redraw();
  }

  zoom(factor, anchorFraction = 0.5) {
    const v = this.currentView();
    if (!v) return;
    const anchor = v.x0 + (v.x1 - v.x0) * anchorFraction;
    this.setView(anchor - (anchor - v.x0) * factor, anchor + (v.x1 - anchor) * factor);
  }

  pan(fraction) {
    const v = this.currentView();
    if (!v) return;
    const dx = (v.x1 - v.x0) * fraction;
    this.setView(v.x0 + dx, v.x1 + dx);
  }

  // ---- input ------------------------------------------------------------------------------

  localPoint(e) {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  onWheel(e) {
    if (!this.hasData()) return;
    e.preventDefault();
    const { x } = this.localPoint(e);
    const p = this.plot();
    const fraction = Math.min(1, Math.max(0, (x - p.left) / p.width));
    const delta = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
    this.zoom(Math.exp(delta * 0.0015), fraction);
  }

  onPointerDown(e) {
    if (e.button !== 0 || !this.hasData()) return;
    const v = this.currentView();
    this.drag = { startX: this.localPoint(e).x, x0: v.x0, x1: v.x1, moved: false };
    this.canvas.setPointerCapture(e.pointerId);
  }

  onPointerMove(e) {
    const pt = this.localPoint(e);
    if (this.drag) {
      const dxPx = pt.x - this.drag.startX;
      if (Math.abs(dxPx) > 2) this.drag.moved = true;
      if (this.drag.moved) {
        const p = this.plot();
        const dx = (dxPx / p.width) * (this.drag.x1 - this.drag.x0);
        this.setView(this.drag.x0 - dx, this.drag.x1 - dx);
      }
    }
    this.hover = pt;
    this.redraw();
  }

  onPointerUp(e) {
    if (this.drag && this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    this.drag = null;
    if (e.pointerType !== 'mouse') { this.hover = null; this.redraw(); }
  }

  onKey(e) {
    const actions = {
      ArrowLeft: () => this.pan(-0.1), ArrowRight: () => this.pan(0.1),
      '+': () => this.zoom(0.8), '=': () => this.zoom(0.8), '-': () => this.zoom(1.25), _: () => this.zoom(1.25),
      Home: () => this.resetView(), 0: () => this.resetView(), Escape: () => { this.hover = null; this.redraw(); },
    };
    const fn = actions[e.key];
    if (fn && !e.ctrlKey && !e.metaKey && !e.altKey) { e.preventDefault(); fn(); }
  }

  // ---- drawing ----------------------------------------------------------------------------

  redraw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
  }

  draw() {
    if (!this.width) return;
    const ctx = this.canvas.getContext('2d');
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    const v = this.currentView();
    this.empty.hidden = Boolean(v);
    this.canvas.dataset.view = this.view ? 'zoomed' : 'all';
    if (!v) { this.tooltip.hidden = true; return; }
    const p = this.plot();
    const toPx = (x) => p.left + ((x - v.x0) / (v.x1 - v.x0)) * p.width;
    const pxPerBar = v.bar ? (v.bar / (v.x1 - v.x0)) * p.width : 8;
    ctx.font = '11px system-ui, sans-serif';
    ctx.lineJoin = 'round';

    // Decimate first: the y ranges come from what is visible.
    const layouts = this.panels.map((panel, i) => {
      const rect = p.rects[i];
      let lo = Infinity, hi = -Infinity;
      const drawn = panel.series.map((s) => {
        if (!s.data.xs.length) return null;
        let dec = null;
        if (s.kind === 'line' || s.kind === 'area') dec = decimateLine(s.data.xs, s.data.ys, v.x0, v.x1, toPx);
        else if (s.kind === 'candles') dec = decimateCandles(s.data, v.x0, v.x1, toPx, pxPerBar);
        if (dec) { lo = Math.min(lo, dec.lo); hi = Math.max(hi, dec.hi); }
        return dec;
      });
      if (panel.includeZero) { lo = Math.min(lo, 0); hi = Math.max(hi, 0); }
      if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
      if (hi - lo < 1e-12) { const d = Math.abs(hi) * 0.01 || 1; lo -= d; hi += d; }
      const pad = (hi - lo) * 0.06;
      if (!(panel.includeZero && hi === 0)) hi += pad;
      if (!(panel.includeZero && lo === 0)) lo -= pad;
      const toPy = (y) => rect.bottom - ((y - lo) / (hi - lo)) * rect.height;
      return { panel, rect, lo, hi, toPy, drawn };
    });

    this.drawGrid(ctx, p, v, layouts);
    for (const L of layouts) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(p.left, L.rect.top, p.width, L.rect.height);
      ctx.clip();
      L.panel.series.forEach((s, i) => {
        const color = this.colors.get(s.color, '#4a90d9');
        if (s.kind === 'line') drawLine(ctx, L.drawn[i], L.toPy, color, s.width ?? 1.5, s.dash);
        else if (s.kind === 'area') drawArea(ctx, L.drawn[i], L.toPy, color);
        else if (s.kind === 'candles') drawCandles(ctx, L.drawn[i], L.toPy, this.colors.get('--chart-up', '#2a2'), this.colors.get('--chart-down', '#c33'));
        else if (s.kind === 'markers') drawMarkers(ctx, s.data, v, toPx, L.toPy, this.colors.get('--chart-up', '#2a2'), this.colors.get('--chart-down', '#c33'));
      });
      ctx.restore();
    }
    this.drawCrosshair(ctx, p, v, layouts, toPx);
  }

  drawGrid(ctx, p, v, layouts) {
    const c = this.colors;
    ctx.lineWidth = 1;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    for (const L of layouts) {
      const { ticks, step } = valueTicks(L.lo, L.hi, Math.max(2, Math.floor(L.rect.height / 36)));
      ctx.strokeStyle = c.grid;
      ctx.beginPath();
      for (const t of ticks) {
        const y = Math.round(L.toPy(t)) + 0.5;
        ctx.moveTo(p.left, y); ctx.lineTo(p.right, y);
      }
      ctx.stroke();
      ctx.fillStyle = c.text;
      for (const t of ticks) {
        const y = L.toPy(t);
        if (y > L.rect.top + 5 && y < L.rect.bottom - 4) ctx.fillText(L.panel.format(t, step), p.right + 6, y);
      }
      ctx.strokeStyle = c.grid;
      ctx.strokeRect(p.left + 0.5, Math.round(L.rect.top) + 0.5, p.width - 1, Math.round(L.rect.height) - 1);
      if (L.panel.title) {
        ctx.fillStyle = c.text;
        ctx.textBaseline = 'top';
        ctx.fillText(L.panel.title, p.left + 6, L.rect.top + 4);
        ctx.textBaseline = 'middle';
      }
    }
    const { ticks, label } = this.elapsed ? elapsedTicks(v.x0, v.x1, p.width) : timeTicks(v.x0, v.x1, p.width);
    const bottom = layouts[layouts.length - 1].rect.bottom;
    ctx.strokeStyle = c.grid;
    ctx.beginPath();
    for (const t of ticks) {
      const x = Math.round(p.left + ((t - v.x0) / (v.x1 - v.x0)) * p.width) + 0.5;
      for (const L of layouts) { ctx.moveTo(x, L.rect.top); ctx.lineTo(x, L.rect.bottom); }
    }
    ctx.stroke();
    ctx.fillStyle = c.text;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of ticks) {
      const x = p.left + ((t - v.x0) / (v.x1 - v.x0)) * p.width;
      if (x > p.left + 20 && x < p.right - 20) ctx.fillText(label(t), x, bottom + 5);
    }
  }

  drawCrosshair(ctx, p, v, layouts, toPx) {
    const hv = this.hover;
    const L = hv && layouts.find((l) => hv.y >= l.rect.top && hv.y <= l.rect.bottom);
    if (!hv || hv.x < p.left || hv.x > p.right || !L) { this.tooltip.hidden = true; return; }
    const c = this.colors;
    const x = v.x0 + ((hv.x - p.left) / p.width) * (v.x1 - v.x0);
    ctx.save();
    ctx.strokeStyle = c.cross;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(Math.round(hv.x) + 0.5, layouts[0].rect.top);
    ctx.lineTo(Math.round(hv.x) + 0.5, layouts[layouts.length - 1].rect.bottom);
    ctx.moveTo(p.left, Math.round(hv.y) + 0.5);
    ctx.lineTo(p.right, Math.round(hv.y) + 0.5);
    ctx.stroke();
    ctx.restore();
    const yValue = L.lo + ((L.rect.bottom - hv.y) / L.rect.height) * (L.hi - L.lo);
    const text = L.panel.format(yValue, (L.hi - L.lo) / 100);
    ctx.fillStyle = c.labelBg;
    ctx.fillRect(p.right + 1, hv.y - 9, GUTTER_RIGHT - 2, 18);
    ctx.fillStyle = c.labelText;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(text, p.right + 5, hv.y);
    this.showTooltip(x, hv, p, v, toPx);
  }

  showTooltip(x, hv, p, v, toPx) {
    const lines = [];
    let when = x;
    for (const panel of this.panels) {
      for (const s of panel.series) {
        const d = s.data;
        if (!d.xs.length) continue;
        if (s.kind === 'markers') {
          const i = nearest(d.xs, x);
          if (i >= 0 && Math.abs(toPx(d.xs[i]) - hv.x) <= 6) lines.push(d.labels?.[i] ?? `${d.sides[i]} @ ${panel.format(d.ys[i])}`);
          continue;
        }
        const i = nearest(d.xs, x);
        if (i < 0 || d.xs[i] < v.x0 || d.xs[i] > v.x1) continue;
        when = d.xs[i];
        const fmt = s.format ?? panel.format;
        if (s.kind === 'candles') lines.push(`O ${fmt(d.o[i])}  H ${fmt(d.h[i])}  L ${fmt(d.l[i])}  C ${fmt(d.c[i])}`);
        else lines.push(`${s.name}: ${fmt(d.ys[i])}`);
      }
    }
    const tip = this.tooltip;
    tip.replaceChildren(h('strong', { text: this.elapsed ? elapsedLabel(when) : localTime(when) }), ...lines.map((t) => h('span', { text: t })));
    tip.title = this.elapsed ? '' : utcTitle(when);
    tip.hidden = false;
    const w = tip.offsetWidth, ht = tip.offsetHeight;
    let left = hv.x + 14;
    if (left + w > this.width) left = hv.x - w - 14;
    let top = hv.y + 14;
    if (top + ht > this.height) top = Math.max(0, hv.y - ht - 14);
    tip.style.transform = `translate(${Math.max(0, Math.round(left))}px, ${Math.round(top)}px)`;
  }
}

function emptySeries(kind) {
  if (kind === 'candles') return { xs: [], o: [], h: [], l: [], c: [] };
  if (kind === 'markers') return { xs: [], ys: [], sides: [], labels: [] };
  return { xs: [], ys: [] };
}

function tracePath(ctx, dec, toPy) {
  const n = dec.px.length;
  for (let i = 0; i < n; i++) {
    const x = dec.px[i];
    if (i === 0) ctx.moveTo(x, toPy(dec.first[i])); else ctx.lineTo(x, toPy(dec.first[i]));
    if (dec.min[i] !== dec.max[i]) {
      const up = dec.last[i] >= dec.first[i];
      ctx.lineTo(x, toPy(up ? dec.min[i] : dec.max[i]));
      ctx.lineTo(x, toPy(up ? dec.max[i] : dec.min[i]));
    }
    if (dec.last[i] !== dec.first[i]) ctx.lineTo(x, toPy(dec.last[i]));
  }
}

function drawLine(ctx, dec, toPy, color, width, dash) {
  if (!dec || !dec.px.length) return;
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.setLineDash(dash ?? []);
  ctx.beginPath();
  tracePath(ctx, dec, toPy);
  ctx.stroke();
  ctx.setLineDash([]);
  if (dec.px.length === 1) {
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.arc(dec.px[0], toPy(dec.first[0]), 2.5, 0, Math.PI * 2);
    ctx.fill();
  }
}

function drawArea(ctx, dec, toPy, color) {
  if (!dec || !dec.px.length) return;
  const zero = toPy(0);
  ctx.beginPath();
  ctx.moveTo(dec.px[0], zero);
  tracePath(ctx, dec, toPy);
  ctx.lineTo(dec.px[dec.px.length - 1], zero);
  ctx.closePath();
  ctx.globalAlpha = 0.3;
  ctx.fillStyle = color;
  ctx.fill();
  ctx.globalAlpha = 1;
  ctx.beginPath();
  tracePath(ctx, dec, toPy);
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.25;
  ctx.stroke();
}

function drawCandles(ctx, dec, toPy, up, down) {
  if (!dec) return;
  const w = dec.width;
  for (const [color, rising] of [[up, true], [down, false]]) {
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 0; i < dec.x.length; i++) {
      if ((dec.c[i] >= dec.o[i]) !== rising) continue;
      const x = Math.round(dec.x[i]) + 0.5;
      ctx.moveTo(x, toPy(dec.h[i]));
      ctx.lineTo(x, toPy(dec.l[i]));
    }
    ctx.stroke();
    for (let i = 0; i < dec.x.length; i++) {
      if ((dec.c[i] >= dec.o[i]) !== rising) continue;
      const y0 = toPy(Math.max(dec.o[i], dec.c[i]));
      const y1 = toPy(Math.min(dec.o[i], dec.c[i]));
      ctx.fillRect(dec.x[i] - w / 2, y0, w, Math.max(1, y1 - y0));
    }
  }
}

/** Buy: upward triangle below the price; sell: downward triangle above it (shape, not only colour). */
function drawMarkers(ctx, d, v, toPx, toPy, up, down) {
  const i0 = lowerBound(d.xs, v.x0);
  const i1 = lowerBound(d.xs, v.x1 + 1);
  const size = i1 - i0 > 300 ? 3.5 : 5.5;
  for (let i = i0; i < i1; i++) {
    const x = toPx(d.xs[i]);
    const y = toPy(d.ys[i]);
    const buy = d.sides[i] === 'buy';
    ctx.fillStyle = buy ? up : down;
    ctx.strokeStyle = 'rgba(0,0,0,0.55)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    if (buy) { ctx.moveTo(x, y + 2); ctx.lineTo(x - size, y + 2 + size * 1.6); ctx.lineTo(x + size, y + 2 + size * 1.6); }
    else { ctx.moveTo(x, y - 2); ctx.lineTo(x - size, y - 2 - size * 1.6); ctx.lineTo(x + size, y - 2 - size * 1.6); }
    ctx.closePath();
    ctx.fill();
    ctx.stroke();
  }
}
