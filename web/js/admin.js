// The administrative tree, one unit at a time: its path as breadcrumbs and its children
// page by page. The unit is in the URL hash (#130928), so back/forward and reloads work.
// A typed code is checked by the browser module first; only a valid one reaches the server.

import { api, clearError, showError, token } from "./api.js";
import { client } from "./client.js";
import { init, t } from "./i18n.js";

const PAGE_SIZE = 20;
const $ = (id) => document.getElementById(id);

// What is on screen, kept so a language switch re-renders without asking the server.
const view = { unit: null, items: [], afters: [null], nextAfter: null };

function levelName(level) {
  return t(`level.${level}`);
}

function unitLink(unit) {
  const a = document.createElement("a");
  a.href = `#${unit.code}`;
  a.textContent = unit.name;
  return a;
}

function renderUnit() {
  const unit = view.unit;
  if (!unit) return;
  const crumbs = [...unit.path, unit].map((u, i, all) => {
    const li = document.createElement("li");
    if (i === all.length - 1) li.textContent = u.name;
    else li.append(unitLink(u));
    li.dataset.code = u.code;
    return li;
  });
  $("crumbs").replaceChildren(...crumbs);
  $("unit-name").textContent = unit.name;
  $("unit-meta").textContent = `${levelName(unit.level)} · ${unit.code}`;
  document.title = `${unit.name} · ${t("tree.title")} · ${t("app.name")}`;
}

function renderChildren() {
  const rows = view.items.map((u) => {
    const tr = document.createElement("tr");
    tr.dataset.code = u.code;
    const code = document.createElement("td");
    code.textContent = u.code;
    const name = document.createElement("td");
    name.append(unitLink(u));
    const level = document.createElement("td");
    level.textContent = levelName(u.level);
    tr.append(code, name, level);
    return tr;
  });
  $("children").querySelector("tbody").replaceChildren(...rows);
  $("children").hidden = rows.length === 0;
  $("children-status").textContent = rows.length === 0 ? t("tree.empty") : "";
  const page = view.afters.length;
  $("page").textContent = page > 1 || view.nextAfter ? t("tree.page", { page }) : "";
  $("prev").hidden = page <= 1;
  $("next").hidden = !view.nextAfter;
}

async function loadPage() {
  const after = view.afters[view.afters.length - 1];
  const query = new URLSearchParams({ parent: view.unit.code, limit: PAGE_SIZE });
  if (after) query.set("after", after);
  $("children-status").textContent = t("tree.loading");
  const page = await api(`/org-units?${query}`);
  view.items = page.items;
  view.nextAfter = page.next_after;
  renderChildren();
}

async function loadUnit(code) {
  clearError($("tree-error"));
  try {
    view.unit = await api(`/org-units/${encodeURIComponent(code)}`);
    view.afters = [null];
    renderUnit();
    await loadPage();
  } catch (err) {
    if (err.status === 401) return loginFirst();
    showError($("tree-error"), err);
  }
}

async function turnPage(step) {
  if (step > 0) view.afters.push(view.nextAfter);
  else view.afters.pop();
  try {
    await loadPage();
  } catch (err) {
    showError($("tree-error"), err);
  }
}

/** The browser module's verdict on a typed code: true when the server may be asked. */
async function checkCode(code) {
  const module = await client();
  if (!module) return true;
  try {
    module.parseDivisionCode(code);
    return true;
  } catch (err) {
    showError($("goto-error"), err, "client");
    return false;
  }
}

async function onGoto(event) {
  event.preventDefault();
  clearError($("goto-error"));
  const code = $("goto-code").value.trim();
  if (!(await checkCode(code))) return;
  if (location.hash === `#${code}`) loadUnit(code);
  else location.hash = code;
}

function loginFirst() {
  $("tree").hidden = true;
  $("login-first").hidden = false;
}

async function start() {
  init();
  if (!token()) return loginFirst();
  $("goto-form").addEventListener("submit", onGoto);
  $("prev").addEventListener("click", () => turnPage(-1));
  $("next").addEventListener("click", () => turnPage(1));
  document.addEventListener("langchange", () => {
    renderUnit();
    if (view.unit) renderChildren();
  });
  window.addEventListener("hashchange", () => loadUnit(location.hash.slice(1)));
  $("tree").hidden = false;
  client(); // start fetching the module while the first unit loads
  let code = location.hash.slice(1);
  if (!code) {
    try {
      code = (await api("/me")).org_unit.code;
    } catch (err) {
      if (err.status === 401) return loginFirst();
      return showError($("tree-error"), err);
    }
  }
  await loadUnit(code);
}

start();
