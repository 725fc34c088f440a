// Departments' data needs (R3, R5): a department asks for a piece of information; if the
// template in force already asks it, the need is linked to that field (the cadre reports
// it once); otherwise the field the admin describes is added, only within every budget.
// The page says which happened, and lists the needs registered so far. A need belongs to
// a department (issue 13): the one named here, on the same line of the tree as the unit,
// made first (audited, `POST /departments`) when the unit has none of that name yet.

import { api } from "../api.js";
import { t } from "../i18n.js";
import { $, el, say } from "../ui/dom.js";
import { showAlert } from "../ui/errors.js";
import { clearRefusal, feedback, readForm } from "../ui/form.js";
import { renderTable } from "../ui/table.js";
import { formatInstant } from "../ui/time.js";
import { ctx, fetchAll, field, input, refuse, userText } from "./common.js";
import { blankField, controlOf, fieldRow, label, readRow, retyped } from "./template-fields.js";

const state = { built: false, needs: [], last: null };

const rowHandlers = {
  move() {},
  remove() {},
  retype(row) {
    const replacement = fieldRow(retyped(row), 0, rowHandlers);
    replacement.classList.add("single");
    row.replaceWith(replacement);
    replacement.querySelector("[name=type]").focus();
  },
};

function drawList() {
  renderTable($("needs-table"), {
    columns: [
      { label: "admin.needs.department", cell: (n) => userText(n.department) },
      { label: "admin.needs.asks", cell: (n) => userText(n.label_zh === n.label_en ? n.label_zh : `${n.label_zh} / ${n.label_en}`) },
      { label: "admin.needs.resolution", cell: (n) => say(el("span", { className: `badge ${n.resolution === "linked" ? "on_time" : "revised"}`, dataset: { resolution: n.resolution } }), `admin.needs.${n.resolution}`) },
      { label: "admin.needs.field", cell: (n) => el("span", {}, el("code", { dataset: { user: "" }, textContent: n.field_key }), " ", el("span", { className: "muted", textContent: t("admin.needs.in_template", { id: n.template_id }) })) },
      { label: "admin.needs.when", cell: (n) => formatInstant(n.created_at, ctx.zone) },
    ],
    rows: [...state.needs].reverse(),
    empty: "admin.needs.empty",
    rowKey: (n) => String(n.id),
  });
}

function drawResult() {
  const box = $("need-result");
  const n = state.last;
  if (!n) return box.replaceChildren();
  box.replaceChildren(
    el("p", { className: `notice need-${n.resolution}`, id: "need-outcome", dataset: { resolution: n.resolution } },
      say(el("span"), n.resolution === "linked" ? "admin.needs.result.linked" : "admin.needs.result.added"), " ",
      el("code", { dataset: { user: "" }, textContent: n.field_key })),
  );
}

/** The id of the department `name` for a need on `unit`, made if there is none yet. */
async function departmentId(name, unit) {
  const departments = await fetchAll("/departments");
  const found = departments.find((d) => d.name === name.trim() && (unit.startsWith(d.org_unit) || d.org_unit.startsWith(unit)));
  if (found) return found.id;
  const made = await api("/departments", { method: "POST", body: { org_unit: unit, name } });
  return made.id;
}

async function load() {
  state.needs = await fetchAll("/data-needs");
  drawList();
}

function needForm() {
  const line = el("p", { className: "feedback", hidden: true, id: "need-feedback" });
  const adding = el("input", { type: "checkbox", name: "add", id: "need-add" });
  const fieldBox = el("div", { id: "need-field", hidden: true });
  adding.addEventListener("change", () => {
    fieldBox.hidden = !adding.checked;
    if (adding.checked && !fieldBox.firstChild) {
      const v = readForm(form);
      const row = fieldRow({ ...blankField("text"), key: "", label_zh: v.label_zh, label_en: v.label_en, concept: v.concept }, 0, rowHandlers);
      row.classList.add("single");
      fieldBox.append(row);
    }
  });
  const form = el("form", { id: "need-form", noValidate: true },
    el("div", { className: "grid-form" },
      field("admin.needs.unit", input("org_unit", { inputMode: "numeric", value: ctx.me.org_unit.code }), { hint: "admin.needs.unit.hint" }),
      field("admin.needs.department", input("department", { maxLength: 64 })),
      field("admin.needs.label_zh", input("label_zh", { maxLength: 64 })),
      field("admin.needs.label_en", input("label_en", { maxLength: 64 })),
      field("admin.needs.concept", input("concept", { autocapitalize: "off", spellcheck: false }), { optional: true, hint: "admin.tf.concept.hint" })),
    el("label", { className: "check", dataset: { field: "field" } }, adding, say(el("span"), "admin.needs.add_field")),
    say(el("p", { className: "muted hint" }), "admin.needs.add_field.hint"),
    fieldBox,
    el("div", { className: "form-actions" }, say(el("button", { type: "submit", id: "need-submit" }), "admin.needs.register")),
    line,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearRefusal(form);
    const v = readForm(form);
    const body = { org_unit: v.org_unit, label_zh: v.label_zh, label_en: v.label_en };
    if (v.concept) body.concept = v.concept;
    const row = fieldBox.querySelector("fieldset");
    if (adding.checked && row) body.field = readRow(row);
    state.last = null;
    drawResult();
    feedback(line, "busy", "ui.saving");
    try {
      try {
        body.department_id = await departmentId(v.department, v.org_unit);
      } catch (err) {
        refuse(form, err, line, { validation_failed: "department", department_exists: "department", out_of_scope: "org_unit",
          org_unit_not_found: "org_unit", invalid_division_code: "org_unit" });
        return;
      }
      state.last = await api("/data-needs", { method: "POST", body });
      feedback(line, "", "");
      drawResult();
      await load();
    } catch (err) {
      const problem = err.details?.problems?.find((p) => p.code !== "burden_over_budget");
      if (row && problem) {
        // A refusal of the field to add: by the control it names.
        const control = controlOf(row, problem);
        control.setAttribute("aria-invalid", "true");
        (control.closest(".field") ?? control).after(say(el("p", { className: "field-error", dataset: { code: err.code, source: "server" } }), problem));
        feedback(line, "refused", err);
      } else {
        refuse(form, err, line, {
          data_need_unmatched: "field", burden_over_budget: row ? "seconds_to_fill" : "field",
          out_of_scope: "org_unit", org_unit_not_found: "org_unit", policy_not_found: "org_unit", invalid_division_code: "org_unit",
        });
      }
    }
  });
  return form;
}

function build(section) {
  section.replaceChildren(
    el("div", { className: "card" },
      say(el("h1"), "admin.needs.title"),
      say(el("p", { className: "muted" }), "admin.needs.intro"),
      needForm(),
      el("div", { id: "need-result", attrs: { role: "status" } })),
    el("div", { className: "card" }, say(el("h2"), "admin.needs.list"), el("table", { id: "needs-table" })),
  );
  document.addEventListener("langchange", () => {
    drawList();
    drawResult();
    const row = $("need-field").querySelector("fieldset");
    if (row) label(row, 0);
  });
  state.built = true;
}

export async function show(section) {
  if (!state.built) build(section);
  try {
    await load();
  } catch (err) {
    showAlert(err);
  }
}
