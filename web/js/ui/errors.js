// API errors in words, and one page-level alert.
//
// An error is the server's shape {code, message_zh, message_en, details} (api.js ApiError,
// or what the browser module throws); anything else becomes "something went wrong". Every
// text shown here follows the language toggle.
//
// Exports:
//   asError(err)            the error in the API's shape (a thrown string or Error wrapped)
//   errorText(err)          its message in the current language (pick())
//   showAlert(err, opts)    the page-level alert (#page-alert, made at the top of <main> if
//                           missing): role=alert, a dismiss button, re-rendered on
//                           "langchange". `err` is an error, or {message_zh, message_en} as
//                           i18n.js both(key) gives; opts {kind: "error"|"info"}
//   clearAlert()            hides it
//   onUnauthorized(fn)      fn() is called when showAlert is given a 401 (the page signs out)

import { both, pick } from "../i18n.js";
import { el } from "./dom.js";

export function asError(err) {
  if (err && (err.message_zh || err.message_en)) return err;
  if (err && err.code) return { ...err, ...both("err.unknown") };
  console.warn("jianfu:", err);
  return { code: "unknown", ...both("err.unknown") };
}

export function errorText(err) {
  return pick(asError(err));
}

let current = null;
let unauthorized = null;

export function onUnauthorized(fn) {
  unauthorized = fn;
}

function alertBox() {
  let box = document.getElementById("page-alert");
  if (!box) {
    box = el("div", { id: "page-alert", className: "alert", hidden: true, attrs: { role: "alert" } });
    const main = document.querySelector("main") ?? document.body;
    main.prepend(box);
  }
  return box;
}

function render() {
  const box = alertBox();
  if (!current) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.className = `alert ${current.kind}`;
  box.dataset.code = current.err.code ?? "";
  box.replaceChildren(
    el("span", { className: "alert-text", textContent: errorText(current.err) }),
    el("button", { type: "button", className: "secondary small", textContent: pick(both("ui.dismiss")), on: { click: clearAlert } }),
  );
  box.hidden = false;
}

export function showAlert(err, { kind = "error" } = {}) {
  if (err && err.status === 401 && unauthorized) unauthorized();
  current = { err: asError(err), kind };
  render();
  alertBox().scrollIntoView?.({ block: "nearest" });
}

export function clearAlert() {
  current = null;
  render();
}

document.addEventListener("langchange", () => current && render());
