// The one way the pages talk to the server: JSON over fetch, the bearer token from
// localStorage, and errors in the server's shape {code, message_zh, message_en, details}
// shown in the current language. The browser module throws the same shape, so
// showError() serves both.

import { both, pick } from "./i18n.js";

const TOKEN_KEY = "jianfu.token";

/** An error from the server (status > 0), the network (status 0) or the browser module. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body.message_en || body.code);
    this.status = status;
    this.code = body.code || "unknown";
    this.message_zh = body.message_zh || "";
    this.message_en = body.message_en || "";
    this.details = body.details || {};
  }
}

export function token() {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(value) {
  localStorage.setItem(TOKEN_KEY, value);
}

export function clearToken() {
  localStorage.removeItem(TOKEN_KEY);
}

/** Calls `/api/v1{path}`; resolves to the parsed JSON body or throws an ApiError. */
export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { code: "network", ...both("err.network") });
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy's error page, a cut-off body): handled below.
  }
  if (response.ok) return json;
  if (response.status === 401 && bearer) clearToken();
  if (json && json.code) throw new ApiError(response.status, json);
  throw new ApiError(response.status, {
    code: "http_" + response.status,
    message_zh: `服务器返回 ${response.status}`,
    message_en: `the server answered ${response.status}`,
  });
}

/** Signs in and keeps the token; resolves to the login response. */
export async function login(username, password) {
  const answer = await api("/auth/login", { method: "POST", body: { username, password } });
  setToken(answer.token);
  return answer;
}

// Elements showing an error, re-rendered when the language changes.
const shown = new Map();

document.addEventListener("langchange", () => {
  for (const [el, err] of shown) {
    if (el.isConnected) el.textContent = pick(err);
    else shown.delete(el);
  }
});

/**
 * Shows `err` ({code, message_zh, message_en}) in `el`, in the current language and again
 * after a language switch. `source` says who found it: "server" or "client".
 */
export function showError(el, err, source = "server") {
  const shape = err && err.code ? err : { code: "unknown", message_zh: String(err), message_en: String(err) };
  shown.set(el, shape);
  el.textContent = pick(shape);
  el.dataset.code = shape.code;
  el.dataset.source = source;
  el.hidden = false;
}

export function clearError(el) {
  shown.delete(el);
  el.textContent = "";
  delete el.dataset.code;
  delete el.dataset.source;
  el.hidden = true;
}
