// What the admin's views share: who is signed in and the time zone times are shown in,
// building labelled form controls, reading every page of a list, naming the field a refusal
// belongs to when the server's error does not, files in and out, and the admin's module.
//
// The shared page modules (web/js/ui/) do the rest: tables, forms, dialogs, errors, times.

import { api, token } from "../api.js";
import { both } from "../i18n.js";
import { el, say } from "../ui/dom.js";
import { showRefusal } from "../ui/form.js";
import { DEFAULT_ZONE } from "../ui/time.js";

/** The signed-in admin (GET /me) and the time zone of the policy in force for their unit. */
export const ctx = { me: null, zone: DEFAULT_ZONE };

let ids = 0;

/** A text in both languages, `{message_zh, message_en}`, with `{name}` filled from `vars`. */
export function words(key, vars = {}) {
  const fill = (text) => text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
  const { message_zh, message_en } = both(key);
  return { message_zh: fill(message_zh), message_en: fill(message_en) };
}

/** A control with its label (and an optional hint) in a `.field`; the control gets an id. */
export function field(label, control, { hint, optional = false } = {}) {
  control.id ||= `f-${++ids}`;
  const text = say(el("label", { htmlFor: control.id }), label);
  if (optional) text.append(" ", say(el("span", { className: "muted" }), "ui.optional"));
  const parts = [text, control];
  if (hint) {
    const line = say(el("p", { className: "muted hint", id: `${control.id}-hint` }), hint);
    control.setAttribute("aria-describedby", line.id);
    parts.push(line);
  }
  return el("div", { className: "field", dataset: { field: control.name || "" } }, ...parts);
}

/**
 * A file chooser with its label: the native input stays focusable (it opens the chooser
 * from the keyboard) but is drawn as a button and the chosen file's name, in the page's
 * language rather than the browser's.
 */
export function fileField(label, name, accept, id, { hint } = {}) {
  const file = el("input", { type: "file", name, accept, id, className: "file-input" });
  const button = say(el("label", { htmlFor: id, className: "file-button", attrs: { "aria-hidden": "true" } }), "admin.file.choose");
  const none = say(el("span", { className: "muted" }), "admin.file.none_chosen");
  const chosen = el("span", { className: "file-name", dataset: { user: "" }, hidden: true });
  file.addEventListener("change", () => {
    const f = file.files[0];
    chosen.textContent = f ? f.name : "";
    chosen.hidden = !f;
    none.hidden = !!f;
  });
  const box = field(label, file, { hint });
  file.after(el("div", { className: "file-pick" }, button, none, chosen));
  return box;
}

export function input(name, props = {}) {
  return el("input", { name, type: "text", autocomplete: "off", ...props });
}

/** A select of `options`: [{value, label}] with label a text spec (kept in the language). */
export function select(name, options, props = {}) {
  return el("select", { name, ...props }, ...options.map((o) => say(el("option", { value: o.value }), o.label)));
}

/** What people wrote (names, places, usernames, reasons): never translated, marked so. */
export function userText(text, tag = "span") {
  return el(tag, { dataset: { user: "" }, textContent: text ?? "" });
}

/** A person as "王丽 (wang.li)", the username kept apart. */
export function person(displayName, username) {
  return el("span", { className: "person" }, userText(displayName || username), " ", el("span", { className: "muted" }, "(", userText(username), ")"));
}

const unitNameCache = new Map(); // unit code → name ("" when it cannot be read)

/** Reads the names of the units `codes` not known yet (one request each, in parallel). */
export async function unitNames(codes) {
  const missing = [...new Set(codes)].filter((c) => c && !unitNameCache.has(c));
  await Promise.all(missing.map(async (code) => {
    try {
      unitNameCache.set(code, (await api(`/org-units/${encodeURIComponent(code)}`)).name);
    } catch {
      unitNameCache.set(code, "");
    }
  }));
}

/** A unit as its name (when known) and its code: "吴桥县 130928". */
export function unitLabel(code) {
  const name = unitNameCache.get(code);
  return el("span", { className: "unit" }, name ? userText(name) : null, name ? " " : null, el("span", { className: "muted", textContent: code }));
}

/** Every item of a keyset-paged list (`path` with `query`), up to `max` items. */
export async function fetchAll(path, query = {}, max = 5000) {
  const items = [];
  let after = null;
  do {
    const q = new URLSearchParams({ ...query, limit: 500 });
    if (after !== null) q.set("after", after);
    const page = await api(`${path}?${q}`);
    items.push(...page.items);
    after = page.next_after ?? null;
  } while (after !== null && items.length < max);
  return items;
}

/**
 * Shows a refusal by its field. `fields` maps an error code (or `reason`) to the form's
 * field when the server's error does not name one in `details.field`: e.g.
 * `{username_taken: "username", out_of_scope: "org_unit"}`.
 */
export function refuse(form, err, line, fields = {}) {
  const details = err?.details ?? {};
  const known = (name) => name && form.querySelector(`[name="${CSS.escape(name)}"], [data-field="${CSS.escape(name)}"]`);
  let named = details.field;
  if (!known(named)) named = fields[details.reason] ?? fields[err?.code] ?? named;
  const shaped = err && err.code ? { ...err, details: { ...details, field: named } } : err;
  const shown = showRefusal(form, shaped, line);
  // The message by the field says whose words it is: the server's, with its code.
  const message = shown && document.getElementById(shown.getAttribute("aria-describedby"));
  if (message) Object.assign(message.dataset, { code: err.code, source: err.source ?? "server" });
  return shown;
}

const MAX_VILLAGES = 3000;
let villages = null;

/**
 * A code input offering the villages of the admin's subtree by name (a `<datalist>` filled
 * on first focus, walking the tree; at most 3,000 villages, enough for a county).
 */
export function villageInput(name, props = {}) {
  const control = input(name, { inputMode: "numeric", ...props, attrs: { list: "villages", ...(props.attrs ?? {}) } });
  control.addEventListener("focus", loadVillages, { once: true });
  return control;
}

function loadVillages() {
  villages ??= (async () => {
    const list = document.getElementById("villages") ?? document.body.appendChild(el("datalist", { id: "villages" }));
    const queue = [ctx.me.org_unit.code];
    let count = 0;
    while (queue.length && count < MAX_VILLAGES) {
      for (const unit of await fetchAll("/org-units", { parent: queue.shift() })) {
        if (unit.level === "village") {
          list.append(el("option", { value: unit.code, label: unit.name }));
          count += 1;
        } else queue.push(unit.code);
      }
    }
  })().catch((err) => console.warn("jianfu: villages not listed", err));
  return villages;
}

/** Today as a local civil date in the admin's time zone, YYYY-MM-DD. */
export function today() {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone: ctx.zone, year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(new Date(Date.now()))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** Saves `blob` as a file called `name`. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Sends a file's bytes to `/api/v1{path}` with an upload progress callback (fetch has
 * none): `onProgress(fraction)` from 0 to 1. Resolves to the parsed JSON; rejects with the
 * server's error shape (status on it), or `network` when the connection failed.
 */
export function upload(path, file, contentType, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1${path}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Content-Type", contentType);
    const bearer = token();
    if (bearer) xhr.setRequestHeader("Authorization", `Bearer ${bearer}`);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress?.(e.loaded / e.total);
    xhr.onerror = () => reject({ status: 0, code: "network", ...both("err.network"), details: {} });
    xhr.onload = () => {
      let body = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        // Not JSON: named below.
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body);
      if (body && body.code) return reject({ status: xhr.status, details: {}, ...body });
      reject({ status: xhr.status, code: `http_${xhr.status}`, message_zh: `服务器返回 ${xhr.status}`, message_en: `the server answered ${xhr.status}`, details: {} });
    };
    onProgress?.(0);
    xhr.send(file);
  });
}

/** A file from the API (a template to fill in), with the bearer token, saved as `name`. */
export async function downloadFrom(path, name) {
  const response = await fetch(`/api/v1${path}`, { headers: { Authorization: `Bearer ${token()}` } });
  if (!response.ok) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      // Not JSON.
    }
    throw body && body.code ? { status: response.status, ...body } : { status: response.status, code: `http_${response.status}`, message_zh: `服务器返回 ${response.status}`, message_en: `the server answered ${response.status}` };
  }
  download(await response.blob(), name);
}

let adminModule = null;

/**
 * The admin's browser module (web/pkg/admin/, built with the `admin` feature: core's
 * template checks and burden arithmetic). Resolves to its exports, or null when it cannot
 * load: the server checks everything again anyway.
 */
export function adminClient() {
  adminModule ??= import("../../pkg/admin/jianfu_client.js")
    .then(async (module) => {
      await module.default();
      return module;
    })
    .catch((err) => {
      console.warn("jianfu: the admin module did not load", err);
      return null;
    });
  return adminModule;
}

/** A random password of 16 letters and digits (shown once; people change it later). */
export function newPassword() {
  const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
}
