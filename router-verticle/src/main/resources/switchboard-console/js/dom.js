// Building DOM nodes without innerHTML: every value is text, so nothing a backend or a key name holds can become markup.

const SVG = 'http://www.w3.org/2000/svg';

function set(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' && 'value' in el && el.namespaceURI !== SVG) el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** An HTML element: h('td', {class: 'num'}, '12'). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  set(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  set(el, attrs);
  append(el, children);
  return el;
}

export function $(id) {
  return document.getElementById(id);
}

/** A table from column headers and rows of cells. */
export function table(headers, rows, attrs) {
  return h('table', attrs,
    h('thead', {}, h('tr', {}, headers.map(x => typeof x === 'string' ? h('th', {}, x) : x))),
    h('tbody', {}, rows));
}

/** Replaces an element's children; null, undefined and false are left out (replaceChildren would print "null"). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}
