// Who serves where: every cadre of the subtree with their postings in date order, the gaps
// between postings (days with no village, so no report expected) and any overlap made
// visible; adding a posting and ending one (or moving its end). Exemptions: leave,
// sickness, training or disaster duty for a date range, with the periods it would exempt
// (and their deadlines, in the policy's time zone) shown before it is granted.

import { api } from "../api.js";
import { t } from "../i18n.js";
import { $, el, say, svg } from "../ui/dom.js";
import { formDialog } from "../ui/dialog.js";
import { showAlert } from "../ui/errors.js";
import { clearRefusal, feedback, readForm } from "../ui/form.js";
import { renderTable } from "../ui/table.js";
import { addDays, formatDate, periodLabel, zoneName } from "../ui/time.js";
import { fetchAll, field, input, person, refuse, select, today, userText, villageInput, words } from "./common.js";

const KINDS = ["leave", "sickness", "training", "disaster_duty"];

const state = { built: false, cadres: [], postings: [], exemptions: [], onlyProblems: false, filter: "", preview: null, previewOf: null };

const DAY = 86_400_000;
const days = (from, to) => Math.round((Date.parse(to) - Date.parse(from)) / DAY);

/**
 * One cadre's postings in date order with what lies between them: `gap` (days with no
 * posting) and `overlap` (days in two postings), and `since` (no posting from a day on).
 */
export function timeline(postings, now) {
  const sorted = [...postings].sort((a, b) => a.starts_on.localeCompare(b.starts_on) || a.id - b.id);
  const rows = [];
  sorted.forEach((p, i) => {
    const previous = sorted[i - 1];
    if (previous) {
      const end = previous.ends_on;
      if (end === null || p.starts_on <= end) {
        const last = end === null || (p.ends_on !== null && p.ends_on < end) ? p.ends_on : end;
        rows.push({ kind: "overlap", from: p.starts_on, to: last, a: previous, b: p });
      } else if (days(end, p.starts_on) > 1) {
        rows.push({ kind: "gap", from: addDays(end, 1), to: addDays(p.starts_on, -1) });
      }
    }
    rows.push({ kind: "posting", posting: p });
  });
  const ends = sorted.map((p) => p.ends_on);
  if (sorted.length && !ends.includes(null)) {
    const lastEnd = ends.reduce((a, b) => (a > b ? a : b));
    if (lastEnd < now) rows.push({ kind: "since", from: addDays(lastEnd, 1) });
  }
  return rows;
}

function cadresWithPostings() {
  const byUser = new Map(state.cadres.map((c) => [c.username, { cadre: c, postings: [] }]));
  for (const p of state.postings) {
    if (!byUser.has(p.username)) byUser.set(p.username, { cadre: { username: p.username, display_name: p.display_name }, postings: [] });
    byUser.get(p.username).postings.push(p);
  }
  const now = today();
  return [...byUser.values()].map((entry) => {
    const rows = timeline(entry.postings, now);
    const problems = rows.filter((r) => r.kind !== "posting").length + (entry.postings.length ? 0 : 1);
    return { ...entry, rows, problems };
  });
}

function dates(from, to) {
  return to === undefined ? formatDate(from) : `${formatDate(from)} – ${to ? formatDate(to) : t("admin.postings.open_end")}`;
}

/** A strip from the first start to today (or the last end): postings green, gaps red. */
function strip(rows, now) {
  const postings = rows.filter((r) => r.kind === "posting").map((r) => r.posting);
  if (!postings.length) return null;
  const start = postings.map((p) => p.starts_on).reduce((a, b) => (a < b ? a : b));
  const ends = postings.map((p) => p.ends_on ?? now);
  const end = [now, ...ends].reduce((a, b) => (a > b ? a : b));
  const span = Math.max(days(start, end) + 1, 1);
  const x = (day) => ((days(start, day) / span) * 100).toFixed(2);
  const w = (from, to) => Math.max(((days(from, to) + 1) / span) * 100, 0.6).toFixed(2);
  const shapes = [];
  for (const r of rows) {
    if (r.kind === "posting") shapes.push(svg("rect", { x: x(r.posting.starts_on), y: 2, width: w(r.posting.starts_on, r.posting.ends_on ?? end), height: 10, class: "strip-posting" }));
    if (r.kind === "gap") shapes.push(svg("rect", { x: x(r.from), y: 0, width: w(r.from, r.to), height: 14, class: "strip-gap" }));
    if (r.kind === "since") shapes.push(svg("rect", { x: x(r.from), y: 0, width: w(r.from, end), height: 14, class: "strip-gap" }));
    if (r.kind === "overlap" && r.to) shapes.push(svg("rect", { x: x(r.from), y: 0, width: w(r.from, r.to), height: 14, class: "strip-overlap" }));
  }
  return svg("svg", { viewBox: "0 0 100 14", preserveAspectRatio: "none", class: "strip", "aria-hidden": "true" }, ...shapes);
}

function rowsOf(entry) {
  const { cadre, rows, postings } = entry;
  const who = el("div", { className: "who-cell" }, person(cadre.display_name, cadre.username));
  const out = [];
  if (!postings.length) {
    out.push({ who, kind: "none", what: say(el("span", { className: "badge missing" }), "admin.postings.none"), when: "", action: null });
    return out;
  }
  rows.forEach((r, i) => {
    const base = { who: i === 0 ? who : null, kind: r.kind };
    if (r.kind === "posting") {
      const p = r.posting;
      const button = say(el("button", { type: "button", className: "secondary small", dataset: { action: "end", posting: p.id }, on: { click: () => endPosting(p) } }), p.ends_on ? "admin.postings.move_end" : "admin.postings.end");
      out.push({ ...base, what: el("span", {}, userText(p.village_name), " ", el("span", { className: "muted", textContent: p.org_unit })), when: dates(p.starts_on, p.ends_on), action: button, id: p.id });
    } else if (r.kind === "gap") {
      out.push({ ...base, what: say(el("span", { className: "badge missing" }), ["admin.postings.gap", { n: days(r.from, r.to) + 1 }]), when: dates(r.from, r.to) });
    } else if (r.kind === "since") {
      out.push({ ...base, what: say(el("span", { className: "badge late" }), "admin.postings.since"), when: dates(r.from, null) });
    } else {
      out.push({ ...base, what: say(el("span", { className: "badge late" }), "admin.postings.overlap"), when: dates(r.from, r.to) });
    }
  });
  return out;
}

function drawPostings() {
  const now = today();
  const needle = state.filter.toLowerCase();
  const entries = cadresWithPostings().filter((e) =>
    (!state.onlyProblems || e.problems > 0) &&
    (!needle || e.cadre.username.toLowerCase().includes(needle) || (e.cadre.display_name ?? "").toLowerCase().includes(needle) ||
      e.postings.some((p) => p.village_name.includes(state.filter) || p.org_unit.startsWith(state.filter))));
  const rows = entries.flatMap((e) => rowsOf(e).map((r, i) => ({ ...r, entry: e, first: i === 0, index: i })));
  renderTable($("postings-table"), {
    columns: [
      { label: "admin.postings.col.cadre", cell: (r) => (r.first ? el("div", {}, r.who, strip(r.entry.rows, now)) : "") },
      { label: "admin.postings.col.where", cell: (r) => r.what },
      { label: "admin.postings.col.when", cell: (r) => r.when },
      { label: "admin.postings.col.actions", cell: (r) => r.action ?? "" },
    ],
    rows,
    empty: "admin.postings.empty",
    rowKey: (r) => `${r.entry.cadre.username}:${r.kind}:${r.id ?? r.index}`,
  });
  for (const tr of $("postings-table").querySelectorAll("tbody tr")) {
    const [, kind] = tr.dataset.key?.split(":") ?? [];
    if (kind) tr.dataset.kind = kind;
  }
  const problems = cadresWithPostings().filter((e) => e.problems > 0).length;
  $("postings-summary").textContent = t("admin.postings.summary", { cadres: state.cadres.length, postings: state.postings.length, problems });
}

async function loadAll() {
  [state.cadres, state.postings, state.exemptions] = await Promise.all([
    fetchAll("/users", { role: "cadre" }),
    fetchAll("/postings"),
    fetchAll("/exemptions"),
  ]);
  const list = $("cadre-names");
  list.replaceChildren(...state.cadres.map((c) => el("option", { value: c.username, label: c.display_name })));
  drawPostings();
  drawExemptions();
}

async function endPosting(p) {
  const result = await formDialog({
    title: () => t("admin.postings.end.title", { name: p.display_name }),
    text: () => t("admin.postings.end.text", { since: formatDate(p.starts_on) }),
    fields: [{ name: "ends_on", label: "admin.postings.ends_on", value: p.ends_on ?? today(), hint: "admin.date.hint", required: true }],
    confirm: "ui.save",
    submit: async ({ ends_on }) => {
      try {
        return await api(`/postings/${p.id}/end`, { method: "POST", body: { ends_on } });
      } catch (err) {
        throw err.details?.field ? err : { ...err, details: { ...err.details, field: "ends_on" } };
      }
    },
  });
  if (!result) return;
  feedback($("postings-feedback"), "saved", words("admin.postings.ended"));
  await loadAll();
}

function postingForm() {
  const line = el("p", { className: "feedback", hidden: true, id: "posting-feedback" });
  const form = el("form", { id: "posting-form", className: "grid-form", noValidate: true },
    field("admin.postings.username", input("username", { attrs: { list: "cadre-names" }, autocapitalize: "off", spellcheck: false })),
    field("admin.postings.village", villageInput("org_unit"), { hint: "admin.postings.village.hint" }),
    field("admin.postings.starts_on", input("starts_on", { type: "date" })),
    field("admin.postings.ends_on", input("ends_on", { type: "date" }), { optional: true }),
    el("div", { className: "form-actions" }, say(el("button", { type: "submit", id: "posting-submit" }), "admin.postings.add")),
    line,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearRefusal(form);
    const v = readForm(form);
    const body = { username: v.username, org_unit: v.org_unit, starts_on: v.starts_on };
    if (v.ends_on) body.ends_on = v.ends_on;
    feedback(line, "busy", "ui.saving");
    try {
      await api("/postings", { method: "POST", body });
      feedback(line, "saved", words("admin.postings.added"));
      form.reset();
      await loadAll();
    } catch (err) {
      refuse(form, err, line, {
        posting_overlaps: "starts_on", ends_before_start: "ends_on", user_not_found: "username", not_a_cadre: "username",
        org_unit_not_found: "org_unit", out_of_scope: "org_unit", invalid_division_code: "org_unit",
      });
    }
  });
  return form;
}

// ── exemptions ──

function drawExemptions() {
  renderTable($("exemptions-table"), {
    columns: [
      { label: "admin.postings.col.cadre", cell: (x) => person(x.display_name, x.username) },
      { label: "admin.exemptions.kind", cell: (x) => t(`admin.exemption.${x.kind}`) },
      { label: "admin.postings.col.when", cell: (x) => dates(x.starts_on, x.ends_on) },
      { label: "admin.exemptions.note", cell: (x) => userText(x.note) },
    ],
    rows: [...state.exemptions].reverse(),
    empty: "admin.exemptions.empty",
    rowKey: (x) => String(x.id),
  });
}

function drawPreview() {
  const box = $("exemption-preview");
  const grant = $("exemption-grant");
  const p = state.preview;
  grant.hidden = !p;
  if (!p) return box.replaceChildren();
  if (!p.length) {
    box.replaceChildren(say(el("p", { className: "notice" }), "admin.exemptions.preview.none"));
    return;
  }
  const zone = p[0].time_zone;
  const table = el("table", { id: "exemption-periods" });
  renderTable(table, {
    caption: () => t("admin.exemptions.preview.title", { n: p.length, zone: zoneName(zone) }),
    columns: [
      { label: "admin.exemptions.period", cell: (e) => periodLabel(e.period) },
      { label: "admin.postings.col.where", cell: (e) => userText(e.village_name) },
      { label: "admin.exemptions.due", cell: (e) => formatDate(e.period.due_date) },
      { label: "admin.exemptions.last_on_time", cell: (e) => formatDate(e.period.last_on_time_date) },
    ],
    rows: p,
    rowKey: (e) => e.period.key,
  });
  box.replaceChildren(table);
}

function exemptionForm() {
  const line = el("p", { className: "feedback", hidden: true, id: "exemption-feedback" });
  const previewButton = say(el("button", { type: "button", className: "secondary", id: "exemption-preview-button" }), "admin.exemptions.preview");
  const grant = say(el("button", { type: "submit", id: "exemption-grant", hidden: true }), "admin.exemptions.grant");
  const form = el("form", { id: "exemption-form", className: "grid-form", noValidate: true },
    field("admin.postings.username", input("username", { attrs: { list: "cadre-names" }, autocapitalize: "off", spellcheck: false })),
    field("admin.exemptions.kind", select("kind", KINDS.map((k) => ({ value: k, label: `admin.exemption.${k}` })))),
    field("admin.exemptions.starts_on", input("starts_on", { type: "date" })),
    field("admin.exemptions.ends_on", input("ends_on", { type: "date" })),
    field("admin.exemptions.note", input("note", { maxLength: 200 }), { optional: true }),
    el("div", { className: "form-actions" }, previewButton, grant),
    line,
    el("div", { id: "exemption-preview" }),
  );
  const fields = { user_not_found: "username", not_a_cadre: "username", ends_before_start: "ends_on" };
  const key = () => JSON.stringify(readForm(form));
  form.addEventListener("input", () => {
    if (state.preview && state.previewOf !== key()) {
      state.preview = null;
      drawPreview();
    }
  });
  previewButton.addEventListener("click", async () => {
    clearRefusal(form);
    const v = readForm(form);
    feedback(line, "busy", "admin.exemptions.previewing");
    try {
      const q = new URLSearchParams({ username: v.username, starts_on: v.starts_on, ends_on: v.ends_on });
      state.preview = await api(`/exemptions/preview?${q}`);
      state.previewOf = key();
      feedback(line, "", "");
      drawPreview();
      grant.focus();
    } catch (err) {
      state.preview = null;
      drawPreview();
      refuse(form, err, line, fields);
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearRefusal(form);
    const v = readForm(form);
    feedback(line, "busy", "ui.saving");
    try {
      await api("/exemptions", { method: "POST", body: { username: v.username, kind: v.kind, starts_on: v.starts_on, ends_on: v.ends_on, note: v.note } });
      feedback(line, "saved", words("admin.exemptions.granted", { n: state.preview?.length ?? 0 }));
      form.reset();
      state.preview = null;
      drawPreview();
      await loadAll();
    } catch (err) {
      refuse(form, err, line, fields);
    }
  });
  return form;
}

function build(section) {
  const search = input("filter", { id: "postings-filter", type: "search" });
  search.addEventListener("input", () => {
    state.filter = search.value.trim();
    drawPostings();
  });
  const only = el("input", { type: "checkbox", id: "postings-problems", name: "only" });
  only.addEventListener("change", () => {
    state.onlyProblems = only.checked;
    drawPostings();
  });
  section.replaceChildren(
    el("datalist", { id: "cadre-names" }),
    el("div", { className: "card" },
      say(el("h1"), "admin.postings.title"),
      say(el("p", { className: "muted" }), "admin.postings.intro"),
      el("p", { id: "postings-summary", className: "muted", attrs: { role: "status" } }),
      el("div", { className: "filters" },
        field("admin.postings.filter", search),
        el("label", { className: "check" }, only, say(el("span"), "admin.postings.only_problems"))),
      el("p", { className: "feedback", hidden: true, id: "postings-feedback" }),
      el("table", { id: "postings-table" }),
      say(el("h2"), "admin.postings.add.title"),
      postingForm(),
    ),
    el("div", { className: "card" },
      say(el("h2"), "admin.exemptions.title"),
      say(el("p", { className: "muted" }), "admin.exemptions.intro"),
      exemptionForm(),
      say(el("h3"), "admin.exemptions.list"),
      el("table", { id: "exemptions-table" }),
    ),
  );
  document.addEventListener("langchange", () => {
    drawPostings();
    drawExemptions();
    drawPreview();
  });
  state.built = true;
}

export async function show(section) {
  if (!state.built) build(section);
  try {
    await loadAll();
  } catch (err) {
    showAlert(err);
  }
}
