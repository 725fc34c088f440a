// Templates: the list, and the editor with a live burden preview. As the admin adds,
// removes, moves or edits a field, the admin's browser module (core's own code: the
// burden arithmetic and the template checks the server runs) gives the minutes per cadre
// per month at the chosen cadence against the budget and the daily punch-in + daily log
// baseline, and every problem next to the control that causes it. Saving sends the
// template to the server, whose refusals land in the same places, in its own words.

import { api } from "../api.js";
import { t } from "../i18n.js";
import { $, el, say } from "../ui/dom.js";
import { barChart, number } from "../ui/chart.js";
import { showAlert } from "../ui/errors.js";
import { feedback } from "../ui/form.js";
import { renderTable } from "../ui/table.js";
import { formatInstant } from "../ui/time.js";
import { adminClient, ctx, fetchAll, field, input, select, unitLabel, unitNames, userText, words } from "./common.js";
import { blankField, controlOf, fieldRow, label, readRow, retyped } from "./template-fields.js";

const KINDS = ["weekly", "biweekly", "monthly", "quarterly", "daily"];

const state = { built: false, templates: [], editing: null, problems: [], source: "client", burden: null, module: undefined, timer: 0, serverError: null, policy: null };

// ── the list ──

function drawList() {
  renderTable($("templates-table"), {
    columns: [
      { label: "admin.templates.col.name", cell: (x) => el("a", { href: `#templates/${x.id}`, dataset: { user: "", template: x.id }, textContent: x.name }) },
      { label: "admin.templates.col.owner", cell: (x) => unitLabel(x.org_unit) },
      { label: "admin.templates.col.fields", cell: (x) => String(x.fields.length), numeric: true },
      { label: "admin.templates.col.seconds", cell: (x) => t("admin.templates.seconds", { n: x.seconds_per_submission }), numeric: true },
      { label: "admin.templates.col.updated", cell: (x) => formatInstant(x.updated_at, ctx.zone) },
    ],
    rows: state.templates,
    empty: "admin.templates.empty",
    rowKey: (x) => String(x.id),
  });
}

async function showList() {
  $("templates-list").hidden = false;
  $("template-editor").hidden = true;
  state.templates = await fetchAll("/templates");
  await unitNames(state.templates.map((x) => x.org_unit));
  drawList();
}

// ── the editor ──

function rows() {
  return [...$("tfields").querySelectorAll("fieldset.tfield")];
}

function relabel() {
  rows().forEach((row, i) => label(row, i));
}

const handlers = {
  move(row, step) {
    const all = rows();
    const i = all.indexOf(row);
    const j = i + step;
    if (j < 0 || j >= all.length) return;
    if (step < 0) all[j].before(row);
    else all[j].after(row);
    relabel();
    row.querySelector(`[data-action="${step < 0 ? "up" : "down"}"]`)?.focus();
    changed();
  },
  remove(row) {
    const next = row.nextElementSibling ?? row.previousElementSibling;
    row.remove();
    relabel();
    (next?.querySelector("input") ?? $("add-field")).focus();
    changed();
  },
  retype(row) {
    const replacement = fieldRow(retyped(row), Number(row.dataset.index), handlers);
    row.replaceWith(replacement);
    replacement.querySelector("[name=type]").focus();
    changed();
  },
};

function addField() {
  const n = rows().length + 1;
  const row = fieldRow(blankField("text", n), n - 1, handlers);
  $("tfields").append(row);
  row.querySelector("[name=label_zh]").focus();
  changed();
}

function readTemplate() {
  return rows().map(readRow);
}

/** Something was edited: the server's last refusal no longer describes the form. */
function changed() {
  if (state.serverError) feedback($("template-feedback"), "", "");
  state.serverError = null;
  for (const row of rows()) row.querySelector(".tfield-key").textContent = row.querySelector("[name=key]").value;
  clearTimeout(state.timer);
  state.timer = setTimeout(preview, 120);
}

/** The burden and problems of the form as it is, from the admin's browser module. */
async function preview() {
  if (state.module === undefined) state.module = await adminClient();
  const fields = readTemplate();
  const kind = $("burden-kind").value;
  const budget = Math.max(0, Math.trunc(Number($("burden-budget").value || 0)));
  if (!state.module) {
    state.burden = null;
    state.problems = [];
    return drawBurden();
  }
  try {
    state.burden = state.module.templateBurden(fields, kind, budget);
    state.problems = state.burden.problems;
    state.source = "client";
  } catch (err) {
    state.burden = null;
    state.problems = [];
    state.inputError = err;
  }
  drawProblems();
  drawBurden();
}

/** The row a problem is about: `details.index`, `fields[i]`, or the row with its key. */
function rowOf(problem) {
  const all = rows();
  const d = problem.details ?? {};
  if (Number.isInteger(d.index)) return all[d.index];
  const at = /^fields\[(\d+)\]$/.exec(problem.field ?? "");
  if (at) return all[Number(at[1])];
  return problem.field ? all.find((row) => row.querySelector("[name=key]").value.trim() === problem.field) : null;
}

function drawProblems() {
  for (const row of rows()) {
    row.querySelector(".tfield-problems").replaceChildren();
    row.classList.remove("has-problem");
    for (const c of row.querySelectorAll("[aria-invalid]")) c.removeAttribute("aria-invalid");
    for (const p of row.querySelectorAll(".field-error")) p.remove();
  }
  const general = [];
  const problems = state.serverError ? state.serverError.details?.problems ?? [] : state.problems;
  const source = state.serverError ? "server" : "client";
  for (const problem of problems.filter((p) => p.severity !== "warning")) {
    const row = problem.code === "burden_over_budget" ? null : rowOf(problem);
    if (!row) {
      if (problem.code !== "burden_over_budget") general.push(problem);
      continue;
    }
    const control = controlOf(row, problem);
    const message = say(el("p", { className: "field-error", dataset: { code: problem.code, source, field: problem.field } }), problem);
    (control.closest(".field") ?? control.closest("label") ?? control).after(message);
    control.setAttribute("aria-invalid", "true");
    row.classList.add("has-problem");
  }
  $("template-problems").replaceChildren(...general.map((p) => say(el("p", { className: "field-error", dataset: { code: p.code, source } }), p)));
}

const minutes = (m) => number(m, 1);

function drawBurden() {
  const box = $("burden-result");
  const b = state.burden;
  const over = state.serverError?.code === "burden_over_budget" ? state.serverError : b?.over_budget;
  if (!b) {
    box.replaceChildren(say(el("p", { className: "muted" }), state.module === null ? "admin.burden.no_module" : "admin.burden.unreadable"));
    $("burden-mini").textContent = "";
    delete box.dataset.minutes;
    return;
  }
  const l = b.ledger;
  const mini = $("burden-mini");
  mini.className = `burden-mini ${b.within_budget ? "ok" : "over"}`;
  mini.textContent = t("admin.burden.now", { minutes: minutes(l.now.minutes_per_month), budget: l.budget_minutes_per_month });
  box.dataset.minutes = String(l.now.minutes_per_month);
  box.dataset.within = String(b.within_budget);
  box.replaceChildren(
    el("p", { className: `burden-now ${b.within_budget ? "ok" : "over"}`, id: "burden-now" },
      t("admin.burden.now", { minutes: minutes(l.now.minutes_per_month), budget: l.budget_minutes_per_month })),
    el("p", { className: "muted", id: "burden-arithmetic" },
      t("admin.burden.arithmetic", { rate: number(l.now.submissions_per_month, 2), seconds: l.now.seconds_per_submission, minutes: minutes(l.now.minutes_per_month) })),
    el("p", { id: "burden-baseline" },
      t(l.minutes_saved_per_month >= 0 ? "admin.burden.saved" : "admin.burden.more", {
        baseline: minutes(l.baseline_minutes_per_month),
        saved: minutes(Math.abs(l.minutes_saved_per_month)),
        share: number(l.share_of_baseline * 100, 1),
      })),
    barChart({
      id: "burden-chart",
      title: "admin.burden.chart",
      bars: [
        { label: "admin.burden.bar.now", value: l.now.minutes_per_month, kind: "now" },
        { label: "admin.burden.bar.budget", value: l.budget_minutes_per_month, kind: "budget" },
        { label: "admin.burden.bar.baseline", value: l.baseline_minutes_per_month, kind: "baseline" },
      ],
      format: (v) => minutes(v),
    }),
    ...(over ? [say(el("p", { className: "field-error", id: "burden-over", dataset: { code: "burden_over_budget", source: state.serverError ? "server" : "client" } }), over)] : []),
  );
}

function burdenPanel() {
  const kind = select("period_kind", KINDS.map((k) => ({ value: k, label: `admin.kind.${k}` })), { id: "burden-kind" });
  const budget = input("budget", { type: "number", id: "burden-budget", min: 1, max: 600, value: 60 });
  kind.addEventListener("change", preview);
  budget.addEventListener("input", preview);
  return el("aside", { className: "card burden-panel", id: "burden", attrs: { "aria-labelledby": "burden-title" } },
    say(el("h2", { id: "burden-title" }), "admin.burden.title"),
    el("p", { className: "muted", id: "burden-basis" }),
    el("div", { className: "inline-fields" }, field("admin.burden.kind", kind), field("admin.burden.budget", budget)),
    el("div", { id: "burden-result", attrs: { "aria-live": "polite" } }),
  );
}

function sayBasis() {
  const basis = $("burden-basis");
  const p = state.policy;
  basis.textContent = p ? t("admin.burden.basis.policy", { unit: p.org_unit, kind: t(`admin.kind.${p.period_kind}`), budget: p.budget_minutes_per_month }) : t("admin.burden.basis.none");
}

async function openEditor(id) {
  $("templates-list").hidden = true;
  $("template-editor").hidden = false;
  state.serverError = null;
  feedback($("template-feedback"), "", "");
  let template = { name: "", org_unit: ctx.me.org_unit.code, fields: [] };
  if (id !== "new") template = await api(`/templates/${encodeURIComponent(id)}`);
  state.editing = id === "new" ? null : template;
  // The cadence and budget the preview starts from: the policy in force at the owner, if
  // it uses this template.
  state.policy = null;
  try {
    const policy = await api(`/policies/${template.org_unit}`);
    if (state.editing && policy.template_id === state.editing.id) state.policy = policy;
  } catch {
    // No policy there yet.
  }
  $("burden-kind").value = state.policy?.period_kind ?? "weekly";
  $("burden-budget").value = state.policy?.budget_minutes_per_month ?? 60;
  sayBasis();
  const form = $("template-form");
  form.elements.name.value = template.name;
  form.elements.org_unit.value = template.org_unit;
  form.elements.org_unit.disabled = !!state.editing;
  $("editor-title").replaceChildren(say(el("span"), state.editing ? "admin.templates.edit" : "admin.templates.new"), state.editing ? el("span", {}, " ", userText(template.name)) : "");
  $("tfields").replaceChildren(...template.fields.map((f, i) => fieldRow(f, i, handlers)));
  await preview();
}

async function save(event) {
  event.preventDefault();
  const form = $("template-form");
  const line = $("template-feedback");
  const body = { name: form.elements.name.value.trim(), fields: readTemplate() };
  if (!state.editing) body.org_unit = form.elements.org_unit.value.trim();
  for (const p of form.querySelectorAll(".field-top-error")) p.remove();
  feedback(line, "busy", "ui.saving");
  try {
    const saved = state.editing
      ? await api(`/templates/${state.editing.id}`, { method: "PUT", body })
      : await api("/templates", { method: "POST", body });
    state.serverError = null;
    feedback(line, "saved", words(state.editing ? "admin.templates.updated" : "admin.templates.created", { id: saved.id }));
    if (!state.editing) {
      history.replaceState(null, "", `#templates/${saved.id}`);
      state.editing = saved;
      form.elements.org_unit.disabled = true;
    }
    await preview();
  } catch (err) {
    state.serverError = err;
    const byField = (err.details?.problems ?? []).some((p) => p.code !== "burden_over_budget" && rowOf(p));
    feedback(line, "refused", byField ? "ui.refused.field" : err);
    const top = { name: "name", org_unit: "org_unit" }[err.details?.field] ?? (["out_of_scope", "invalid_division_code", "org_unit_not_found"].includes(err.code) ? "org_unit" : null);
    if (top) {
      const control = form.elements[top];
      control.closest(".field").after(say(el("p", { className: "field-error field-top-error", dataset: { code: err.code, source: "server" } }), err));
      control.setAttribute("aria-invalid", "true");
    }
    drawProblems();
    drawBurden();
    (form.querySelector(".tfield.has-problem [aria-invalid]") ?? (err.code === "burden_over_budget" ? $("burden-over") : null))?.scrollIntoView?.({ block: "center" });
  }
}

function build(section) {
  const form = el("form", { id: "template-form", noValidate: true },
    el("div", { className: "grid-form" },
      field("admin.templates.name", input("name", { maxLength: 64 })),
      field("admin.templates.owner", input("org_unit", { inputMode: "numeric" }), { hint: "admin.templates.owner.hint" })),
    say(el("h2"), "admin.templates.fields"),
    say(el("p", { className: "muted hint" }), "admin.templates.fields.hint"),
    el("div", { id: "template-problems" }),
    el("div", { id: "tfields" }),
    say(el("button", { type: "button", className: "secondary", id: "add-field", on: { click: addField } }), "admin.templates.add_field"),
    el("div", { className: "form-actions" },
      say(el("a", { href: "#templates", className: "button-link" }), "admin.templates.back"),
      say(el("button", { type: "submit", id: "template-save" }), "ui.save")),
    el("p", { className: "feedback", hidden: true, id: "template-feedback" }),
  );
  form.addEventListener("input", (event) => {
    if (event.target.closest("#burden")) return;
    changed();
  });
  form.addEventListener("change", (event) => {
    if (event.target.type === "checkbox" || event.target.tagName === "SELECT") changed();
  });
  form.addEventListener("submit", save);
  section.replaceChildren(
    el("div", { id: "templates-list", className: "card" },
      say(el("h1"), "admin.templates.title"),
      say(el("p", { className: "muted" }), "admin.templates.intro"),
      el("table", { id: "templates-table" }),
      say(el("a", { href: "#templates/new", className: "button-link", id: "new-template" }), "admin.templates.new")),
    el("div", { id: "template-editor", className: "editor", hidden: true },
      el("div", { className: "card editor-main" }, el("h1", { id: "editor-title" }), say(el("p", { className: "muted" }), "admin.templates.editor.intro"), form,
        // On a phone the panel is below the fields: this line stays in sight while editing.
        el("p", { id: "burden-mini", className: "burden-mini", attrs: { "aria-hidden": "true" } })),
      burdenPanel()),
  );
  document.addEventListener("langchange", () => {
    drawList();
    for (const row of rows()) label(row, Number(row.dataset.index));
    sayBasis();
    drawBurden();
  });
  state.built = true;
}

export async function show(section, arg) {
  if (!state.built) build(section);
  try {
    if (arg) await openEditor(arg);
    else await showList();
  } catch (err) {
    showAlert(err);
  }
}
