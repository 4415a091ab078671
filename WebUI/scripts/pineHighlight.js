// Pine Script syntax highlighting: source text → DOM nodes (text nodes and classed spans; never
// markup). Diagnostics' ranges are wrapped in an extra span so the error shows under the text.
import { h } from '../dom.js';

const KEYWORDS = new Set(['if', 'else', 'for', 'to', 'by', 'in', 'while', 'break', 'continue', 'switch', 'var', 'varip',
  'and', 'or', 'not', 'import', 'export', 'method', 'type', 'enum', 'series', 'simple', 'const', 'true', 'false', 'na']);
const TYPES = new Set(['int', 'float', 'bool', 'string', 'color', 'array', 'line', 'label', 'box', 'table']);
const NAMESPACES = new Set(['ta', 'math', 'str', 'array', 'strategy', 'input', 'syminfo', 'timeframe', 'barstate', 'color', 'request', 'runtime']);
const SERIES = new Set(['open', 'high', 'low', 'close', 'volume', 'hl2', 'hlc3', 'ohlc4', 'hlcc4', 'time', 'bar_index']);

/** Splits one line into tokens: [{ text, kind }] with kind comment|string|number|keyword|type|builtin|series|op|plain. */
export function tokenizeLine(line) {
  const tokens = [];
  let i = 0;
  const push = (text, kind) => { if (text) tokens.push({ text, kind }); };
  while (i < line.length) {
    const rest = line.slice(i);
    let m;
    if (rest.startsWith('//')) { push(rest, 'comment'); break; }
    if ((m = /^"(?:[^"\\]|\\.)*"?|^'(?:[^'\\]|\\.)*'?/.exec(rest))) { push(m[0], 'string'); i += m[0].length; continue; }
    if ((m = /^#[0-9a-fA-F]{6,8}\b/.exec(rest))) { push(m[0], 'number'); i += m[0].length; continue; }
    if ((m = /^(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)/.exec(rest))) { push(m[0], 'number'); i += m[0].length; continue; }
    if ((m = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(rest))) {
      const word = m[0];
      const head = word.split('.')[0];
      let kind = 'plain';
      if (KEYWORDS.has(word)) kind = 'keyword';
      else if (TYPES.has(word)) kind = 'type';
      else if (word.includes('.') && NAMESPACES.has(head)) kind = 'builtin';
      else if (SERIES.has(word)) kind = 'series';
      else if (/^\s*\(/.test(line.slice(i + word.length))) kind = 'call';
      push(word, kind);
      i += word.length;
      continue;
    }
    if ((m = /^(?::=|==|!=|<=|>=|=>|[-+*/%=<>?:])/.exec(rest))) { push(m[0], 'op'); i += m[0].length; continue; }
    push(line[i], 'plain');
    i += 1;
  }
  return tokens;
}

/**
 * Nodes for one line. `marks`: [{ from, to, severity }] in 1-based columns (to exclusive); the
 * characters inside get an extra `diag-<severity>` span.
 */
export function highlightLine(line, marks = []) {
  const nodes = [];
  let column = 1;
  for (const token of tokenizeLine(line)) {
    // Split a token at mark boundaries so a mark can start or end inside it.
    let offset = 0;
    while (offset < token.text.length) {
      const here = column + offset;
      const mark = marks.find((m) => here >= m.from && here < m.to);
      const next = marks.reduce((edge, m) => {
        for (const b of [m.from, m.to]) if (b > here && b < edge) edge = b;
        return edge;
      }, column + token.text.length);
      const piece = token.text.slice(offset, next - column);
      const span = h('span', { class: `tok-${token.kind}` }, piece);
      nodes.push(mark ? h('span', { class: `diag diag-${mark.severity}` }, span) : span);
      offset += piece.length;
    }
    column += token.text.length;
  }
  // A mark past the end of the line (e.g. a missing token) still shows.
  const tail = marks.find((m) => m.from >= column);
  if (tail) nodes.push(h('span', { class: `diag diag-${tail.severity}` }, ' '));
  return nodes;
}
