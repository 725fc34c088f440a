// The burden ledger of the chosen unit: minutes and actions per cadre per month under the
// policy in force, against the daily punch-in + daily log it replaces (R5), drawn as two
// small bar charts with their numbers; then the same for each policy stored below.

import { api } from "../api.js";
import { t } from "../i18n.js";
import { $, el, say } from "../ui/dom.js";
import { barChart, number } from "../ui/chart.js";
import { showAlert } from "../ui/errors.js";
import { renderTable } from "../ui/table.js";
import { scope } from "./scope.js";

let ledger = null;

/** A unit's name where the page knows it (the reviewer's unit and the units chosen from), else its code. */
function unitName(code) {
  if (code === scope.me.org_unit.code) return scope.me.org_unit.name;
  for (const link of scope.chain) {
    const unit = link.children.find((u) => u.code === code);
    if (unit) return `${unit.name} (${code})`;
  }
  return code;
}

function charts(l) {
  const minutes = barChart({
    id: "burden-minutes",
    title: "review.burden.minutes",
    bars: [
      { label: "review.burden.baseline", value: l.baseline_minutes_per_month, kind: "baseline" },
      { label: "review.burden.now", value: l.now.minutes_per_month, kind: "now" },
      { label: "review.burden.budget", value: l.budget_minutes_per_month, kind: "budget" },
    ],
    format: (v) => t("review.burden.min", { n: number(v) }),
  });
  const actions = barChart({
    id: "burden-actions",
    title: "review.burden.actions",
    bars: [
      { label: "review.burden.baseline", value: l.baseline_actions_per_month, kind: "baseline" },
      { label: "review.burden.now", value: l.actions_per_month, kind: "now" },
    ],
    format: (v) => t("review.burden.times", { n: number(v) }),
  });
  return el("div", { className: "charts" }, minutes, actions);
}

function render() {
  const b = ledger;
  if (!b) return;
  const l = b.ledger;
  const subtree = el("table", { id: "burden-subtree" });
  renderTable(subtree, {
    columns: [
      { label: "review.col.unit", cell: (p) => el("span", { dataset: { user: "" }, textContent: unitName(p.org_unit) }) },
      { label: "review.burden.kind", cell: (p) => t(`review.kind.${p.period_kind}`) },
      { label: "review.burden.now", cell: (p) => t("review.burden.min", { n: number(p.ledger.now.minutes_per_month) }), numeric: true },
      { label: "review.burden.budget", cell: (p) => t("review.burden.min", { n: number(p.ledger.budget_minutes_per_month) }), numeric: true },
    ],
    rows: b.subtree,
    empty: "review.burden.no_subtree",
  });
  $("burden").replaceChildren(
    el("p", {}, el("span", { dataset: { user: "" }, textContent: scope.unit.name }), " · ",
      say(el("span"), () => t("review.burden.policy", { kind: t(`review.kind.${b.period_kind}`), seconds: l.now.seconds_per_submission, per_month: number(l.now.submissions_per_month) }))),
    el("p", { className: "burden-saving", id: "burden-saving" },
      say(el("strong"), () => t("review.burden.saving", { saved: number(l.minutes_saved_per_month), share: number(l.share_of_baseline * 100) }))),
    say(el("p", { className: b.within_budget ? "muted" : "error" }), b.within_budget ? "review.burden.within" : "review.burden.over"),
    charts(l),
    say(el("p", { className: "muted hint" }), "review.burden.baseline_how"),
    say(el("h3"), "review.burden.subtree"),
    el("div", { className: "table-scroll" }, subtree),
  );
  document.body.dataset.burden = b.org_unit;
}

async function load() {
  delete document.body.dataset.burden;
  try {
    ledger = await api(`/burden?${new URLSearchParams({ unit: scope.unit.code })}`);
  } catch (err) {
    ledger = null;
    $("burden").replaceChildren();
    return showAlert(err);
  }
  render();
}

export const show = load;
export const scopeChanged = load;

document.addEventListener("langchange", render);
