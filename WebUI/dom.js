// Tiny DOM builder: every string becomes a text node, never markup.

/**
 * Creates an element. `props`: `class`, `text`, `dataset` (object), `on` (event → handler),
 * attributes (`aria-*`, `id`, `type`, …; `true` sets an empty attribute, `false`/`null` skips it)
 * and a few properties (`value`, `checked`, `disabled`). Children may be nodes, strings or arrays.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'on') for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else if (key === 'value' || key === 'checked' || key === 'disabled' || key === 'selected') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces all children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

let uid = 0;
/** A document-unique id with a readable prefix. */
export const uniqueId = (prefix) => `${prefix}-${++uid}`;
