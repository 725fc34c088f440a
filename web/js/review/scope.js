// What the reviewer is looking at: a unit of their subtree (chosen level by level), a
// period of that unit's policy, and the policy's time zone. Every view reads it from here
// and redraws when it changes.

import { api } from "../api.js";
import { t } from "../i18n.js";
import { $, el, say } from "../ui/dom.js";
import { showAlert } from "../ui/errors.js";
import { DEFAULT_ZONE, periodLabel, zoneName } from "../ui/time.js";

export const scope = {
  me: null,
  /** The chosen unit: {code, name, level}. */
  unit: null,
  /** The chain of choices below the reviewer's own unit: [{parent, children, chosen}]. */
  chain: [],
  /** GET /periods of the chosen unit: {time_zone, periods}, oldest first. */
  periods: null,
  period: null,
  status: "",
};

const listeners = new Set();

/** `fn(what)` runs after the scope changes; `what` is "unit", "period" or "status". */
export function onScope(fn) {
  listeners.add(fn);
}

function changed(what) {
  for (const fn of listeners) fn(what);
}

export const zone = () => scope.periods?.time_zone ?? DEFAULT_ZONE;

/** Every child of `code`, in code order (a township has tens of villages, not thousands). */
const childrenCache = new Map();
export async function childrenOf(code) {
  if (!childrenCache.has(code)) {
    const load = async () => {
      const all = [];
      let after = null;
      do {
        const query = new URLSearchParams({ parent: code, limit: 500 });
        if (after) query.set("after", after);
        const page = await api(`/org-units?${query}`);
        all.push(...page.items);
        after = page.next_after;
      } while (after);
      return all;
    };
    childrenCache.set(code, load().catch((err) => {
      childrenCache.delete(code);
      throw err;
    }));
  }
  return childrenCache.get(code);
}

/** The policy in force for a unit (time zone, template, deadlines), asked once per unit. */
const policies = new Map();
export function policyOf(code) {
  if (!policies.has(code)) {
    policies.set(code, api(`/policies/${encodeURIComponent(code)}`).catch((err) => {
      policies.delete(code);
      throw err;
    }));
  }
  return policies.get(code);
}

const templates = new Map();
export function templateOf(id) {
  if (!templates.has(id)) {
    templates.set(id, api(`/templates/${id}`).catch((err) => {
      templates.delete(id);
      throw err;
    }));
  }
  return templates.get(id);
}

// ── the unit pickers ───────────────────────────────────────────────────────────────

function levelLabel(children) {
  const level = children[0]?.level;
  return level ? `level.${level}` : "review.unit";
}

function renderPickers() {
  const box = $("unit-pickers");
  const top = el("p", { className: "unit-line" },
    say(el("span"), "review.scope.unit"), " ",
    el("strong", { className: "unit-name", dataset: { user: "" }, textContent: scope.me.org_unit.name }));
  const selects = scope.chain.map((link, i) => {
    const id = `unit-${i}`;
    const select = el("select", { id, name: id, dataset: { depth: i } },
      say(el("option", { value: "" }), "ui.all"),
      ...link.children.map((u) => el("option", { value: u.code, textContent: u.name, selected: u.code === link.chosen, dataset: { user: "" } })));
    select.addEventListener("change", () => choose(i, select.value));
    return el("div", { className: "field" }, say(el("label", { htmlFor: id }), levelLabel(link.children)), select);
  });
  box.replaceChildren(top, ...selects);
}

/** Chooses `code` at depth `i` of the chain ("" = all of the level above). */
async function choose(i, code) {
  scope.chain = scope.chain.slice(0, i + 1);
  scope.chain[i].chosen = code || null;
  const parent = scope.chain[i];
  const unit = code ? parent.children.find((u) => u.code === code) : parent.parent;
  try {
    if (code) {
      const children = await childrenOf(code);
      if (children.length) scope.chain.push({ parent: unit, children, chosen: null });
    }
    await setUnit(unit);
  } catch (err) {
    showAlert(err);
  }
}

async function setUnit(unit) {
  scope.unit = unit;
  renderPickers();
  await loadPeriods();
  changed("unit");
}

// ── the period choice ───────────────────────────────────────────────────────────────

async function loadPeriods() {
  const before = scope.period;
  try {
    scope.periods = await api(`/periods?${new URLSearchParams({ unit: scope.unit.code, count: 12 })}`);
  } catch (err) {
    scope.periods = null;
    scope.period = null;
    renderPeriods();
    if (err.code !== "policy_not_found") showAlert(err);
    return;
  }
  const list = scope.periods.periods;
  const keep = before === ALL ? { key: ALL } : list.find((p) => p.key === before);
  scope.period = keep?.key ?? defaultPeriod();
  renderPeriods();
}

/** "Every period": the inbox only (e.g. every report revised since a question). */
export const ALL = "";

/** The latest period whose due date + grace has passed (else the latest). */
export function defaultPeriod() {
  const list = scope.periods?.periods ?? [];
  return list.findLast((p) => p.closed)?.key ?? list.at(-1)?.key ?? null;
}

/** Views that need one period leave "every period" for the default one. */
export function needOnePeriod() {
  if (scope.period !== ALL) return;
  scope.period = defaultPeriod();
  renderPeriods();
}

export function periodInfo(key = scope.period) {
  return scope.periods?.periods.find((p) => p.key === key) ?? null;
}

export function renderPeriods() {
  const select = $("period");
  const list = [...(scope.periods?.periods ?? [])].reverse(); // the latest first
  const every = el("option", { value: ALL, selected: scope.period === ALL, textContent: t("review.period.all"), hidden: document.body.dataset.view !== "inbox" });
  select.replaceChildren(
    every,
    ...list.map((p) => el("option", { value: p.key, selected: p.key === scope.period, textContent: p.closed ? periodLabel(p) : t("review.period.open", { label: periodLabel(p) }) })),
  );
  select.disabled = !list.length;
  $("zone").textContent = scope.periods ? t("time.zone", { zone: zoneName(zone()) }) : t("review.no_policy");
}

export async function startScope(me) {
  scope.me = me;
  const children = await childrenOf(me.org_unit.code).catch((err) => {
    showAlert(err);
    return [];
  });
  scope.chain = children.length ? [{ parent: me.org_unit, children, chosen: null }] : [];
  $("period").addEventListener("change", (e) => {
    scope.period = e.target.value;
    changed("period");
  });
  $("status").addEventListener("change", (e) => {
    scope.status = e.target.value;
    changed("status");
  });
  document.addEventListener("langchange", () => {
    renderPickers();
    renderPeriods();
  });
  scope.unit = me.org_unit;
  renderPickers();
  await loadPeriods();
}

/** Makes `code` (a unit of the chain's first level, e.g. a township) the chosen unit. */
export async function chooseUnit(code) {
  const i = scope.chain.findIndex((link) => link.children.some((u) => u.code === code));
  if (i >= 0) await choose(i, code);
}
