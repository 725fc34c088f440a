// Tables of rows, and keyset paging over the API's lists.
//
// A table keeps its columns; on a narrow screen (app.css, < 40rem) each row becomes a card
// whose cells carry their column's name (data-label). Rows come in the order given: the
// pages never sort by a count (R2).
//
// Exports:
//   renderTable(table, {columns, rows, empty, rowKey, caption})
//       table: a <table>; columns: [{label, cell(row) → Node|string, className, numeric}],
//       label a text spec (dom.js textOf); empty: text spec shown in one row when rows is
//       empty (default "ui.empty"); rowKey(row) → data-key of each <tr>. Call it again on
//       "langchange" (it re-reads every label).
//   keysetPager(controls, {load, show, mode = "pages", next})
//       controls: an element the pager fills with its buttons; load(after) → Promise of the
//       API's page ({items, next_after}); show(items, pager) draws them ("more" mode passes
//       every item so far); next(page) → the next key (default page.next_after ??
//       page.next_before ?? page.next_cursor). Returns {reload(), next(), prev(), page,
//       items, loading}; errors go to errors.js showAlert and leave the page as it was.

import { t } from "../i18n.js";
import { el, say, textOf } from "./dom.js";
import { showAlert } from "./errors.js";

export function renderTable(table, { columns, rows, empty = "ui.empty", rowKey, caption }) {
  const labels = columns.map((c) => textOf(c.label));
  const head = el("thead", {}, el("tr", {}, ...columns.map((c, i) => el("th", { scope: "col", className: `${c.className ?? ""}${c.numeric ? " num" : ""}`.trim(), textContent: labels[i] }))));
  const body = el("tbody");
  if (!rows.length) {
    body.append(el("tr", { className: "empty" }, say(el("td", { attrs: { colspan: columns.length } }), empty)));
  }
  for (const row of rows) {
    const tr = el("tr", rowKey ? { dataset: { key: rowKey(row) } } : {});
    columns.forEach((c, i) => {
      const value = c.cell(row);
      tr.append(el("td", { className: `${c.className ?? ""}${c.numeric ? " num" : ""}`.trim(), dataset: { label: labels[i] } }, value ?? ""));
    });
    body.append(tr);
  }
  const parts = [head, body];
  if (caption) parts.unshift(say(el("caption"), caption));
  table.replaceChildren(...parts);
  table.classList.add("rows");
  return table;
}

const defaultNext = (page) => page?.next_after ?? page?.next_before ?? page?.next_cursor ?? null;

export function keysetPager(controls, { load, show, mode = "pages", next = defaultNext }) {
  // afters[i] is the key that opens page i + 1 (null for the first page).
  const state = { afters: [null], nextKey: null, items: [], page: 1, loading: false };

  const prevButton = el("button", { type: "button", className: "secondary", dataset: { pager: "prev" } });
  const nextButton = el("button", { type: "button", className: "secondary", dataset: { pager: "next" } });
  const pageText = el("span", { className: "muted", dataset: { pager: "page" } });
  controls.classList.add("pager");
  controls.replaceChildren(prevButton, pageText, nextButton);

  function renderControls() {
    prevButton.textContent = t("ui.prev");
    nextButton.textContent = t(mode === "more" ? "ui.more" : "ui.next");
    prevButton.hidden = mode === "more" || state.afters.length <= 1;
    nextButton.hidden = !state.nextKey;
    pageText.textContent = mode === "pages" && (state.afters.length > 1 || state.nextKey) ? t("ui.page", { page: state.afters.length }) : "";
    prevButton.disabled = nextButton.disabled = state.loading;
    controls.setAttribute("aria-busy", String(state.loading));
  }

  async function fetchPage(after, append) {
    state.loading = true;
    renderControls();
    try {
      const page = await load(after);
      state.nextKey = next(page);
      state.items = append ? [...state.items, ...page.items] : page.items;
      state.page = state.afters.length;
      show(state.items, api);
      return true;
    } catch (err) {
      showAlert(err);
      return false;
    } finally {
      state.loading = false;
      renderControls();
    }
  }

  const api = {
    get page() {
      return state.afters.length;
    },
    get items() {
      return state.items;
    },
    get loading() {
      return state.loading;
    },
    async reload() {
      state.afters = [null];
      state.nextKey = null;
      return fetchPage(null, false);
    },
    async next() {
      if (!state.nextKey || state.loading) return false;
      const key = state.nextKey;
      state.afters.push(key);
      const ok = await fetchPage(key, mode === "more");
      if (!ok) state.afters.pop();
      return ok;
    },
    async prev() {
      if (state.afters.length <= 1 || state.loading) return false;
      const popped = state.afters.pop();
      const ok = await fetchPage(state.afters.at(-1), false);
      if (!ok) state.afters.push(popped);
      return ok;
    },
  };

  prevButton.addEventListener("click", () => api.prev());
  nextButton.addEventListener("click", async () => {
    if (await api.next()) controls.closest("section")?.querySelector("table, h2")?.scrollIntoView?.({ block: "nearest" });
  });
  document.addEventListener("langchange", renderControls);
  renderControls();
  return api;
}
