// The inbox: the reports of the chosen unit and period, filtered by status, in tree order
// then by name (the API's order; never by a count, R2), twenty at a time.

import { api } from "../api.js";
import { t } from "../i18n.js";
import { $, el, say } from "../ui/dom.js";
import { keysetPager, renderTable } from "../ui/table.js";
import { formatInstant, periodLabel } from "../ui/time.js";
import { ALL, scope, zone } from "./scope.js";

const PAGE_SIZE = 20;
let pager = null;

/** The status a reviewer reads: "revised since my question" before the stored status. */
export function reviewState(r) {
  return r.status === "submitted" && r.answers_question ? "revised" : r.status;
}

export function timeliness(r) {
  return r.sealed_on_time ? "sealed_on_time" : r.late ? "late" : "on_time";
}

export const badge = (kind, key) => say(el("span", { className: `badge ${kind}`, dataset: { badge: kind } }), key);

const COLUMNS = [
  {
    label: "review.col.cadre",
    cell: (r) => el("span", {}, el("a", { href: `#report/${encodeURIComponent(r.id)}`, className: "open-report", dataset: { user: "", report: r.id }, textContent: r.display_name || r.username })),
  },
  { label: "review.col.village", cell: (r) => el("span", { dataset: { user: "" }, textContent: r.village_name || r.org_unit }) },
  { label: "review.col.period", cell: (r) => periodLabel({ key: r.period_key, start: r.period_start, end: r.period_end }) },
  { label: "review.col.status", cell: (r) => badge(reviewState(r), `report.${reviewState(r)}`) },
  { label: "review.col.timeliness", cell: (r) => badge(timeliness(r), `status.${timeliness(r)}`) },
  { label: "review.col.revision", cell: (r) => t("review.revision", { n: r.revision }), numeric: true },
  { label: "review.col.received", cell: (r) => formatInstant(r.updated_at, zone()) },
];

function draw(items) {
  renderTable($("inbox-table"), { columns: COLUMNS, rows: items, empty: "review.inbox.empty", rowKey: (r) => r.id });
  document.body.dataset.inbox = "ready";
}

function load(after) {
  document.body.dataset.inbox = "loading";
  const query = new URLSearchParams({ unit: scope.unit.code, limit: PAGE_SIZE });
  if (scope.period) query.set("period", scope.period);
  if (scope.status) query.set("status", scope.status);
  if (after) query.set("after", after);
  return api(`/reports?${query}`);
}

function summary() {
  const period = scope.periods?.periods.find((p) => p.key === scope.period);
  const periodText = scope.period === ALL ? t("review.period.all") : period ? periodLabel(period) : "";
  const parts = [periodText, scope.status ? t(`report.${scope.status}`) : ""].filter(Boolean);
  $("inbox-summary").replaceChildren(el("span", { dataset: { user: "" }, textContent: scope.unit.name }), ...parts.map((p) => ` · ${p}`));
}

async function reload() {
  loadedFor = signature();
  document.body.dataset.inbox = "loading";
  summary();
  await pager.reload();
}

/** The scope the inbox was last loaded for: coming back to it keeps its page unless the
 * unit, period or status changed meanwhile (in another view). */
let loadedFor = null;
const signature = () => `${scope.unit.code}|${scope.period}|${scope.status}`;

export async function show() {
  if (!pager) {
    pager = keysetPager($("inbox-pager"), { load, show: draw });
    document.addEventListener("langchange", () => {
      summary();
      draw(pager.items);
    });
  }
  if (loadedFor !== signature()) return reload();
}

export function scopeChanged() {
  return reload();
}

/** After a review, the inbox must not show the old status when the reviewer comes back. */
export function stale() {
  if (pager) pager.reload();
}
