// Building the DOM without innerHTML (the pages' CSP forbids inline script and style, and
// text from the server is never parsed as HTML).
//
// Exports:
//   $(id)                         document.getElementById
//   el(tag, props, ...children)   an element; props are properties (className, textContent,
//                                 hidden, href…), except `dataset` (merged), `attrs` (set as
//                                 attributes: aria-*, role, colspan…) and `on` ({click: fn});
//                                 children are nodes or strings; null/undefined/false skipped
//   svg(tag, attrs, ...children)  an SVG element; every prop is an attribute
//   clear(node)                   removes every child
//   textOf(spec)                  a text in the current language: an i18n key, [key, vars],
//                                 {message_zh, message_en}, or a function returning a string
//   say(node, spec)               sets node's text from spec now and after every "langchange"
//                                 (while the node is in the document)

import { pick, t } from "../i18n.js";

export const $ = (id) => document.getElementById(id);

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
}

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "attrs") for (const [a, v] of Object.entries(value)) v !== undefined && v !== null && v !== false && node.setAttribute(a, v === true ? "" : String(v));
    else if (key === "on") for (const [event, fn] of Object.entries(value)) node.addEventListener(event, fn);
    else node[key] = value;
  }
  append(node, children);
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export function textOf(spec) {
  if (spec === null || spec === undefined) return "";
  if (typeof spec === "function") return String(spec());
  if (typeof spec === "string") return t(spec);
  if (Array.isArray(spec)) return t(spec[0], spec[1]);
  return pick(spec);
}

const spoken = new Map();

export function say(node, spec) {
  spoken.set(node, spec);
  node.textContent = textOf(spec);
  return node;
}

document.addEventListener("langchange", () => {
  for (const [node, spec] of spoken) {
    if (node.isConnected) node.textContent = textOf(spec);
    else spoken.delete(node);
  }
});
