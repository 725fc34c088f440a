// Completeness of the chosen unit and period — counts per child unit (in code order, as
// the API gives them) and the names of who is missing, late, sealed on time but delivered
// late, or exempt, each with their village — and the status grid: the child units (or a
// township's cadres) × the last twelve periods, one colour per status. Never a ranking (R2).

import { api } from "../api.js";
import { t } from "../i18n.js";
import { $, el, say } from "../ui/dom.js";
import { legend } from "../ui/chart.js";
import { showAlert } from "../ui/errors.js";
import { renderTable } from "../ui/table.js";
import { periodLabel, periodShort } from "../ui/time.js";
import { exportButtons } from "./exports.js";
import { chooseUnit, periodInfo, scope } from "./scope.js";

const COUNTS = ["expected", "on_time", "late", "sealed_on_time", "missing", "exempt", "open"];
const STATUSES = ["on_time", "late", "sealed_on_time", "missing", "exempt", "open"];
const LISTS = ["missing", "late", "sealed_on_time", "exempt"];

const data = { completeness: null, grid: null };

const user = (text) => el("span", { dataset: { user: "" }, textContent: text });

/** A unit's name that drills down into it (when it has units below it to choose). */
function unitName(code, name) {
  const drillable = scope.chain.some((link) => link.children.some((u) => u.code === code));
  if (!drillable) return user(name);
  return el("button", { type: "button", className: "link drill", dataset: { user: "", unit: code }, textContent: name, on: { click: () => chooseUnit(code) } });
}

// ── completeness ────────────────────────────────────────────────────────────────────

function countColumns() {
  return [
    { label: "review.col.unit", cell: (u) => (u.code ? unitName(u.code, u.name) : say(el("strong"), "review.total")) },
    ...COUNTS.map((key) => ({ label: `review.count.${key}`, cell: (u) => String(u[key]), numeric: true, className: `count-${key}` })),
  ];
}

function personList(kind, people, total) {
  return el("section", { className: `people people-${kind}`, dataset: { list: kind } },
    el("h3", {}, say(el("span"), `review.list.${kind}`), ` (${total})`),
    people.length
      ? el("ul", {}, ...people.map((p) => el("li", { dataset: { username: p.username } }, user(p.display_name || p.username), " · ", user(p.village_name || p.org_unit))))
      : say(el("p", { className: "muted" }), "review.list.none"),
  );
}

function renderCompleteness() {
  const box = $("completeness");
  const c = data.completeness;
  if (!c) return;
  const period = periodInfo(c.period);
  const table = el("table", { id: "completeness-table" });
  const rows = [...c.units, { code: null, name: null, ...c.counts }];
  renderTable(table, { columns: countColumns(), rows, rowKey: (u) => u.code ?? "total", empty: "review.completeness.empty" });
  box.replaceChildren(...[
    el("p", { className: "muted" }, user(scope.unit.name), " · ", period ? periodLabel(period) : periodLabel(c.period),
      period && !period.closed ? ` · ${t("review.period.not_closed")}` : ""),
    el("div", { className: "table-scroll" }, table),
    c.other_cadence ? say(el("p", { className: "muted" }), ["review.other_cadence", { n: c.other_cadence }]) : null,
    c.lists_cut ? say(el("p", { className: "muted", dataset: { listsCut: "" } }), "review.lists_cut") : null,
    el("div", { className: "lists" }, ...LISTS.map((kind) => personList(kind, c[kind], c.counts[kind]))),
    exportButtons("completeness"),
  ].filter(Boolean));
  document.body.dataset.completeness = `${c.unit}|${c.period}`;
}

async function loadCompleteness() {
  delete document.body.dataset.completeness;
  if (!scope.period) {
    $("completeness").replaceChildren(say(el("p", { className: "muted" }), "review.no_policy"));
    return;
  }
  try {
    data.completeness = await api(`/completeness?${new URLSearchParams({ unit: scope.unit.code, period: scope.period })}`);
  } catch (err) {
    data.completeness = null;
    $("completeness").replaceChildren();
    return showAlert(err);
  }
  renderCompleteness();
}

// ── the status grid ─────────────────────────────────────────────────────────────────

function unitCell(counts) {
  if (!counts || !counts.expected) return el("span", { className: "cell-none", textContent: "—" });
  const chips = STATUSES.filter((s) => counts[s] > 0).map((s) => el("span", { className: `chip cell-${s}`, dataset: { status: s }, textContent: String(counts[s]) }));
  const words = STATUSES.filter((s) => counts[s] > 0).map((s) => `${t(`status.${s}`)} ${counts[s]}`).join(t("review.list_sep"));
  return el("span", { className: "chips", title: words, attrs: { "aria-label": words } }, ...chips);
}

function cadreCell(status) {
  const s = status ?? "none";
  return el("span", { className: `cell cell-${s}`, dataset: { status: s }, textContent: t(`review.cell.${s}`) });
}

function renderGrid() {
  const g = data.grid;
  if (!g) return;
  const columns = [
    {
      label: "review.col.unit_or_cadre",
      className: "sticky",
      cell: (row) => (row.kind === "unit" ? unitName(row.code, row.name) : el("span", {}, user(row.display_name || row.username), el("br"), el("small", { className: "muted" }, user(row.name)))),
    },
    ...g.periods.map((p, i) => ({
      label: () => periodShort(p),
      className: "period-col",
      cell: (row) => (row.kind === "unit" ? unitCell(row.counts?.[i]) : cadreCell(row.statuses?.[i])),
    })),
  ];
  const table = el("table", { id: "grid-table", className: "grid" });
  renderTable(table, { columns, rows: g.rows, rowKey: (row) => (row.kind === "unit" ? row.code : row.username), empty: "review.grid.empty" });
  // Each column heading says its period in full for those who point at it or read it aloud.
  table.querySelectorAll("thead th.period-col").forEach((th, i) => {
    th.title = periodLabel(g.periods[i]);
    th.setAttribute("aria-label", periodLabel(g.periods[i]));
  });
  const kinds = g.rows.some((r) => r.kind === "cadre") ? [...STATUSES, "upcoming", "none"] : STATUSES;
  $("grid").replaceChildren(
    el("p", { className: "muted" }, user(scope.unit.name)),
    legend(kinds.map((kind) => ({ kind, label: kind === "none" ? "review.cell.not_posted" : `status.${kind}` }))),
    el("div", { className: "table-scroll" }, table),
  );
  // The latest periods are at the right: on a narrow screen, start there.
  const box = table.parentElement;
  box.scrollLeft = box.scrollWidth;
  document.body.dataset.grid = scope.unit.code;
}

async function loadGrid() {
  delete document.body.dataset.grid;
  try {
    data.grid = await api(`/completeness/grid?${new URLSearchParams({ unit: scope.unit.code, count: 12 })}`);
  } catch (err) {
    data.grid = null;
    $("grid").replaceChildren();
    return showAlert(err);
  }
  renderGrid();
}

// ── the views ───────────────────────────────────────────────────────────────────────

export function show(name) {
  return name === "grid" ? loadGrid() : loadCompleteness();
}

export function scopeChanged(name) {
  return show(name);
}

// Hidden views too: their labels and headings must not stay in the other language.
document.addEventListener("langchange", () => {
  renderGrid();
  renderCompleteness();
});
