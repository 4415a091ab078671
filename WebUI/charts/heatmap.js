// A 2-D heatmap on canvas: the objective over two swept parameters (every other one maximised
// over, see heatmapData.js), a colour legend, and a tooltip on hover or with the arrow keys.
import { h } from '../dom.js';
import { DASH, number } from '../format.js';
import { normalise, rampColor } from './heatmapData.js';

const PAD = 8;
const AXIS_TITLE = 18;
const LEGEND_STEPS = 64;

const label = (v) => (typeof v === 'number' ? number(v, 6) : String(v));

/** Black or white, whichever reads better on `[r, g, b]`. */
function inkFor([r, g, b]) {
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 140 ? '#000' : '#fff';
}

/** `host` gets the canvas, tooltip and legend. `describe(cell)` gives extra tooltip lines. */
export function createHeatmap(host, { label: ariaLabel = 'Heatmap', describe = () => [] } = {}) {
  const helpId = `${host.id || 'heatmap'}-help`;
  const canvas = h('canvas', { tabindex: '0', role: 'img', 'aria-label': ariaLabel, 'aria-describedby': helpId });
  const tooltip = h('div', { class: 'chart-tooltip', hidden: true, 'aria-hidden': 'true' });
  const empty = h('p', { class: 'chart-empty', text: 'Choose two swept parameters' });
  const help = h('p', { id: helpId, class: 'visually-hidden', text: 'Hover a cell, or focus the heatmap and use the arrow keys, to read its value.' });
  const stage = h('div', { class: 'heatmap-stage' }, canvas, tooltip, empty, help);
  const legendBar = h('canvas', { class: 'heatmap-legend-bar', width: String(LEGEND_STEPS), height: '1', 'aria-hidden': 'true' });
  const legendMin = h('span', { class: 'heatmap-legend-min' });
  const legendMax = h('span', { class: 'heatmap-legend-max' });
  const legendTitle = h('span', { class: 'heatmap-legend-title' });
  const legend = h('div', { class: 'heatmap-legend', id: `${host.id || 'heatmap'}-legend` }, legendTitle, legendMin, legendBar, legendMax);
  host.classList.add('heatmap');
  host.replaceChildren(stage, legend);

  let grid = null;
  let names = { x: '', y: '', objective: '' };
  let layout = null;
  let focus = null; // {row, col} chosen with the keyboard or the pointer
  let frame = 0;

  const ctx2d = legendBar.getContext('2d');
  for (let i = 0; i < LEGEND_STEPS; i += 1) {
    const [r, g, b] = rampColor(i / (LEGEND_STEPS - 1));
    ctx2d.fillStyle = `rgb(${r} ${g} ${b})`;
    ctx2d.fillRect(i, 0, 1, 1);
  }

  function colors() {
    const css = getComputedStyle(host);
    const get = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
    return { text: get('--chart-text', '#666'), grid: get('--chart-grid', '#ddd'), cross: get('--chart-cross', '#888') };
  }

  function redraw() {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(draw);
  }

  function draw() {
    const rect = canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(rect.width * dpr));
    const height = Math.max(1, Math.round(rect.height * dpr));
    if (canvas.width !== width || canvas.height !== height) { canvas.width = width; canvas.height = height; }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, rect.width, rect.height);
    const has = grid && grid.xs.length && grid.ys.length;
    empty.hidden = Boolean(has);
    if (!has) { layout = null; return; }
    const c = colors();
    ctx.font = '12px system-ui, sans-serif';
    const yLabels = grid.ys.map(label);
    const left = AXIS_TITLE + PAD + Math.min(120, Math.max(...yLabels.map((t) => ctx.measureText(t).width))) + 6;
    const bottom = AXIS_TITLE + 22;
    const plotW = Math.max(10, rect.width - left - PAD);
    const plotH = Math.max(10, rect.height - bottom - PAD);
    const cw = plotW / grid.xs.length;
    const ch = plotH / grid.ys.length;
    layout = { left, top: PAD, cw, ch, plotW, plotH };
    const showValues = cw >= 42 && ch >= 18;
    for (let row = 0; row < grid.ys.length; row += 1) {
      for (let col = 0; col < grid.xs.length; col += 1) {
        const x = left + col * cw;
        const y = PAD + (grid.ys.length - 1 - row) * ch; // larger y values at the top
        const v = grid.values[row][col];
        if (v === null) {
          ctx.strokeStyle = c.grid;
          ctx.lineWidth = 1;
          ctx.strokeRect(x + 0.5, y + 0.5, cw - 1, ch - 1);
          continue;
        }
        const rgb = rampColor(normalise(v, grid.min, grid.max));
        ctx.fillStyle = `rgb(${rgb[0]} ${rgb[1]} ${rgb[2]})`;
        ctx.fillRect(x, y, Math.ceil(cw), Math.ceil(ch));
        if (showValues) {
          ctx.fillStyle = inkFor(rgb);
          ctx.textAlign = 'center';
          ctx.textBaseline = 'middle';
          ctx.fillText(number(v, 2), x + cw / 2, y + ch / 2, cw - 4);
        }
      }
    }
    if (focus) {
      ctx.strokeStyle = c.cross;
      ctx.lineWidth = 2;
      ctx.strokeRect(left + focus.col * cw + 1, PAD + (grid.ys.length - 1 - focus.row) * ch + 1, cw - 2, ch - 2);
    }
    // Axis labels: every value when they fit, else evenly thinned.
    ctx.fillStyle = c.text;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    const yEvery = Math.max(1, Math.ceil(16 / ch));
    grid.ys.forEach((v, row) => {
      if (row % yEvery) return;
      ctx.fillText(yLabels[row], left - 6, PAD + (grid.ys.length - 1 - row) * ch + ch / 2, left - AXIS_TITLE - PAD);
    });
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const widest = Math.max(...grid.xs.map((v) => ctx.measureText(label(v)).width)) + 8;
    const xEvery = Math.max(1, Math.ceil(widest / cw));
    grid.xs.forEach((v, col) => {
      if (col % xEvery) return;
      ctx.fillText(label(v), left + col * cw + cw / 2, PAD + plotH + 5);
    });
    ctx.font = '600 12px system-ui, sans-serif';
    ctx.fillText(names.x, left + plotW / 2, PAD + plotH + 22);
    ctx.save();
    ctx.translate(PAD + 4, PAD + plotH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'top';
    ctx.fillText(names.y, 0, -4);
    ctx.restore();
  }

  function cellAt(px, py) {
    if (!layout || !grid) return null;
    const col = Math.floor((px - layout.left) / layout.cw);
    const rowFromTop = Math.floor((py - layout.top) / layout.ch);
    if (col < 0 || col >= grid.xs.length || rowFromTop < 0 || rowFromTop >= grid.ys.length) return null;
    return { col, row: grid.ys.length - 1 - rowFromTop };
  }

  function showTooltip(at) {
    if (!at || !grid) { tooltip.hidden = true; return; }
    const v = grid.values[at.row][at.col];
    const best = grid.best[at.row][at.col];
    tooltip.replaceChildren(
      h('span', { text: `${names.x} = ${label(grid.xs[at.col])}` }),
      h('span', { text: `${names.y} = ${label(grid.ys[at.row])}` }),
      h('strong', { text: `${names.objective}: ${v === null ? `${DASH} (no ranked cell)` : number(v, 6)}` }),
      ...(best ? describe(best).map((t) => h('span', { text: t })) : []));
    tooltip.hidden = false;
    const x = layout.left + at.col * layout.cw + layout.cw / 2;
    const y = layout.top + (grid.ys.length - 1 - at.row) * layout.ch;
    const stageW = stage.clientWidth;
    const tw = tooltip.offsetWidth;
    tooltip.style.transform = `translate(${Math.round(Math.min(Math.max(0, x - tw / 2), Math.max(0, stageW - tw)))}px, ${Math.round(Math.max(0, y - tooltip.offsetHeight - 6))}px)`;
  }

  function setFocus(at) {
    focus = at;
    redraw();
    showTooltip(at);
    stage.dataset.hover = at ? `${at.col},${at.row}` : '';
  }

  canvas.addEventListener('pointermove', (e) => {
    const r = canvas.getBoundingClientRect();
    const at = cellAt(e.clientX - r.left, e.clientY - r.top);
    if (at?.col !== focus?.col || at?.row !== focus?.row) setFocus(at);
  });
  canvas.addEventListener('pointerleave', () => setFocus(null));
  canvas.addEventListener('blur', () => setFocus(null));
  canvas.addEventListener('keydown', (e) => {
    if (!grid || !grid.xs.length || !grid.ys.length) return;
    const at = focus ? { ...focus } : { col: 0, row: grid.ys.length - 1 };
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    if (e.key === 'Escape') { setFocus(null); return; }
    if (!moves[e.key]) return;
    e.preventDefault();
    if (focus) {
      at.col = Math.min(grid.xs.length - 1, Math.max(0, at.col + moves[e.key][0]));
      at.row = Math.min(grid.ys.length - 1, Math.max(0, at.row + moves[e.key][1]));
    }
    setFocus(at);
  });

  const observer = new ResizeObserver(() => redraw());
  observer.observe(stage);

  return {
    /** `g` from `heatmapGrid`; `axes`: `{ x, y, objective }` names for the labels and legend. */
    set(g, axes) {
      grid = g;
      names = { ...names, ...axes };
      empty.textContent = names.x && names.y ? 'No cells match this selection' : 'Choose two swept parameters';
      focus = null;
      tooltip.hidden = true;
      const has = g && g.min !== null;
      legendTitle.textContent = has ? `${names.objective}, best over the other parameters:` : 'No ranked cells to colour.';
      legendMin.textContent = has ? number(g.min, 4) : '';
      legendMax.textContent = has ? number(g.max, 4) : '';
      legendBar.hidden = !has;
      canvas.setAttribute('aria-label', has
        ? `${ariaLabel}: ${names.objective} over ${names.x} (${g.xs.length} values) and ${names.y} (${g.ys.length} values), from ${number(g.min, 4)} to ${number(g.max, 4)}`
        : ariaLabel);
      redraw();
    },
    destroy() { observer.disconnect(); cancelAnimationFrame(frame); },
  };
}
