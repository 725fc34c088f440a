// The audit log: every configuration change in the subtree, newest first, with who made
// it, when (in the policy's time zone) and a readable diff of before and after; filtered
// by unit, actor and kind of change, twenty at a time.

import { api } from "../api.js";
import { t } from "../i18n.js";
import { $, el, say } from "../ui/dom.js";
import { keysetPager, renderTable } from "../ui/table.js";
import { formatInstant } from "../ui/time.js";
import { ctx, field, input, select, userText } from "./common.js";

const PAGE_SIZE = 20;

// The kinds offered as filters: an area (every action in it) or one action. The server
// matches an area by `area.%` with underscores removed, so areas whose name has one
// (data_needs, org_units) are offered by their actions.
const KINDS = [
  "users", "postings", "exemptions", "templates", "policies", "emergencies",
  "data_needs.register", "data_needs.add_field", "org_units.import", "boundaries", "reports",
];

const state = { built: false, filter: { unit: "", actor: "", kind: "" }, pager: null, open: new Set() };

/** `value` flattened to [path, leaf] pairs; list items with a `key` (fields) are named by it. */
export function flatten(value, path = "", out = []) {
  if (Array.isArray(value)) {
    if (!value.length) out.push([path, "[]"]);
    value.forEach((item, i) => {
      const name = item && typeof item === "object" && !Array.isArray(item) && typeof item.key === "string" ? item.key : String(i);
      flatten(item, `${path}[${name}]`, out);
    });
  } else if (value && typeof value === "object") {
    const keys = Object.keys(value);
    if (!keys.length) out.push([path, "{}"]);
    for (const k of keys) flatten(value[k], path ? `${path}.${k}` : k, out);
  } else out.push([path, value === null ? "null" : String(value)]);
  return out;
}

function parse(text) {
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Every path whose value differs between before and after: added, removed or changed. */
export function diff(before, after) {
  const a = new Map(before === null ? [] : flatten(before));
  const b = new Map(after === null ? [] : flatten(after));
  const paths = [...new Set([...a.keys(), ...b.keys()])];
  const rows = [];
  let same = 0;
  for (const path of paths) {
    const [x, y] = [a.get(path), b.get(path)];
    if (x === y) same += 1;
    else rows.push({ path: path || "·", before: x, after: y, kind: x === undefined ? "added" : y === undefined ? "removed" : "changed" });
  }
  return { rows, same };
}

function actionName(action) {
  const key = `admin.action.${action}`;
  const text = t(key);
  return text === key ? action : text;
}

function diffTable(entry) {
  const { rows, same } = diff(parse(entry.before), parse(entry.after));
  const table = el("table", { className: "diff" },
    el("thead", {}, el("tr", {}, say(el("th", { scope: "col" }), "admin.audit.path"), say(el("th", { scope: "col" }), "admin.audit.before"), say(el("th", { scope: "col" }), "admin.audit.after"))),
    el("tbody", {}, ...rows.map((r) =>
      el("tr", { className: `diff-${r.kind}`, dataset: { path: r.path } },
        el("td", {}, el("code", { dataset: { user: "" }, textContent: r.path })),
        el("td", { className: "diff-before" }, r.before === undefined ? say(el("span", { className: "muted" }), "admin.audit.absent") : userText(r.before, "del")),
        el("td", { className: "diff-after" }, r.after === undefined ? say(el("span", { className: "muted" }), "admin.audit.absent") : userText(r.after, "ins"))))),
  );
  const note = entry.before === null && entry.after === null ? say(el("p", { className: "muted" }), "admin.audit.no_detail") : same ? el("p", { className: "muted" }, t("admin.audit.same", { n: same })) : null;
  return el("div", { className: "diff-box" }, rows.length ? table : null, note);
}

function detailsOf(entry) {
  const details = el("details", { dataset: { entry: entry.id }, open: state.open.has(entry.id) },
    say(el("summary"), "admin.audit.show"));
  details.addEventListener("toggle", () => {
    if (details.open) {
      state.open.add(entry.id);
      if (details.childElementCount === 1) details.append(diffTable(entry));
    } else state.open.delete(entry.id);
  });
  if (details.open) details.append(diffTable(entry));
  return details;
}

function draw(items) {
  renderTable($("audit-table"), {
    columns: [
      { label: "admin.audit.when", cell: (e) => formatInstant(e.at, ctx.zone, { seconds: true }) },
      { label: "admin.audit.who", cell: (e) => (e.actor_id === null ? el("span", {}, say(el("span"), "admin.audit.system"), " ", userText(`(${e.actor})`)) : userText(e.actor)) },
      { label: "admin.audit.what", cell: (e) => el("span", {}, el("strong", { textContent: actionName(e.action) }), " ", el("code", { className: "muted", textContent: e.action, dataset: { user: "" } })) },
      { label: "admin.audit.target", cell: (e) => el("span", {}, userText(e.target), " ", el("span", { className: "muted", textContent: e.scope })) },
      { label: "admin.audit.change", cell: detailsOf },
    ],
    rows: items,
    empty: "admin.audit.empty",
    rowKey: (e) => String(e.id),
  });
}

function load(before) {
  const q = new URLSearchParams({ limit: PAGE_SIZE });
  for (const [k, v] of Object.entries(state.filter)) if (v) q.set(k, v);
  if (before) q.set("before", before);
  return api(`/audit?${q}`);
}

function build(section) {
  const kind = select("kind", [{ value: "", label: "ui.all" }, ...KINDS.map((k) => ({ value: k, label: `admin.kind_filter.${k}` }))], { id: "audit-kind" });
  const form = el("form", { id: "audit-filters", className: "filters", noValidate: true },
    field("admin.audit.unit", input("unit", { id: "audit-unit", inputMode: "numeric", placeholder: "" })),
    field("admin.audit.actor", input("actor", { id: "audit-actor", autocapitalize: "off", spellcheck: false })),
    field("admin.audit.kind", kind),
    el("div", { className: "form-actions" }, say(el("button", { type: "submit", id: "audit-apply" }), "admin.audit.apply")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    state.filter = { unit: form.elements.unit.value.trim(), actor: form.elements.actor.value.trim(), kind: kind.value };
    state.pager.reload();
  });
  kind.addEventListener("change", () => form.requestSubmit());
  section.replaceChildren(
    el("div", { className: "card" },
      say(el("h1"), "admin.audit.title"),
      say(el("p", { className: "muted" }), "admin.audit.intro"),
      form,
      el("table", { id: "audit-table" }),
      el("div", { id: "audit-pager" })),
  );
  state.pager = keysetPager($("audit-pager"), { load, show: draw });
  document.addEventListener("langchange", () => draw(state.pager.items));
  state.built = true;
}

export async function show(section) {
  if (!state.built) build(section);
  await state.pager.reload();
}
