// The reviewer's page: one page, one view at a time, chosen by the URL hash —
// #inbox (the reports of a period), #report/{id} (one report: read, acknowledge, ask,
// reopen), #completeness (who is missing, late, exempt), #grid (units or cadres × the last
// periods), #burden (the burden ledger), #exports (CSV and XLSX files). The unit and period
// above the views (scope.js) apply to all of them. Nothing is ever ordered by a count (R2).

import { register, t } from "../i18n.js";
import texts from "../i18n/review.js";
import { $ } from "../ui/dom.js";
import { startPage } from "../ui/nav.js";
import * as burden from "./burden.js";
import * as completeness from "./completeness.js";
import * as exportsView from "./exports.js";
import * as inbox from "./inbox.js";
import * as report from "./report.js";
import { needOnePeriod, onScope, renderPeriods, startScope } from "./scope.js";

register(texts);

const VIEWS = { inbox, report, completeness, grid: completeness, burden, exports: exportsView };
// Which filters each view uses.
const FILTERS = {
  inbox: ["period", "status"],
  report: [],
  completeness: ["period"],
  grid: [],
  burden: [],
  exports: ["period"],
};

let current = null;

function route() {
  const hash = location.hash.slice(1) || "inbox";
  const [name, arg] = hash.split("/");
  return VIEWS[name] ? { name, arg: arg ? decodeURIComponent(arg) : null } : { name: "inbox", arg: null };
}

async function show() {
  const { name, arg } = route();
  current = name;
  for (const view of document.querySelectorAll(".view")) view.hidden = view.id !== `view-${name}`;
  for (const link of document.querySelectorAll(".tabs a")) {
    if (link.dataset.view === name || (name === "report" && link.dataset.view === "inbox")) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  $("scope").hidden = name === "report";
  $("period-field").hidden = !FILTERS[name].includes("period");
  $("status-field").hidden = !FILTERS[name].includes("status");
  document.body.dataset.view = name;
  if (FILTERS[name].includes("period") && name !== "inbox") needOnePeriod();
  else renderPeriods();
  await VIEWS[name].show(name, arg);
}

function title() {
  document.title = `${t("review.title")} · ${t("app.name")}`;
}

async function start() {
  title();
  document.addEventListener("langchange", title);
  const me = await startPage({ roles: ["reviewer"], current: "/review.html" });
  $("loading").hidden = true;
  if (!me) return;
  $("review").hidden = false;
  await startScope(me);
  onScope((what) => {
    const view = VIEWS[current];
    if (view && view.scopeChanged) view.scopeChanged(current, what);
  });
  window.addEventListener("hashchange", show);
  await show();
}

start();
