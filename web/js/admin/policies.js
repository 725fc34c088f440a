// The reporting cadence of any unit: the policy in force and where it is inherited from,
// with its burden; setting or changing the cadence, due offset, grace, lock days, template,
// budget and time zone — previewed first (the next periods with their due dates in the
// policy's local time, and the burden), then saved. The server's refusals (a cadence below
// weekly without an emergency, over budget, a deadline out of range) sit by their field.

import { api } from "../api.js";
import { t } from "../i18n.js";
import { $, el, say } from "../ui/dom.js";
import { number } from "../ui/chart.js";
import { showAlert } from "../ui/errors.js";
import { clearRefusal, feedback, fillForm, readForm } from "../ui/form.js";
import { renderTable } from "../ui/table.js";
import { formatDate, formatInstant, periodLabel, zoneName } from "../ui/time.js";
import { ctx, fetchAll, field, input, refuse, select, unitLabel, unitNames, userText, words } from "./common.js";

const KINDS = ["weekly", "biweekly", "monthly", "quarterly", "daily"];
const ZONES = ["Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "UTC"];

const state = { built: false, unit: null, policy: null, missing: false, preview: null, templates: [] };

function unitText(code) {
  const label = unitLabel(code);
  label.lastChild.textContent = `(${code})`;
  return label;
}

function ledgerLine(ledger) {
  return t("admin.policy.ledger", {
    minutes: number(ledger.now.minutes_per_month, 1),
    budget: ledger.budget_minutes_per_month,
    baseline: number(ledger.baseline_minutes_per_month, 1),
    share: number(ledger.share_of_baseline * 100, 1),
  });
}

function templateName(id) {
  return state.templates.find((x) => x.id === id)?.name ?? `#${id}`;
}

function drawInForce() {
  const box = $("policy-in-force");
  const p = state.policy;
  if (state.missing) {
    box.replaceChildren(say(el("p", { className: "notice", id: "policy-none" }), "admin.policy.none"));
    return;
  }
  if (!p) return box.replaceChildren();
  const inherited = p.inherited_from !== p.org_unit;
  const emergency = p.emergency
    ? el("p", { className: "notice", id: "policy-emergency" },
      t("admin.policy.emergency", { until: formatInstant(p.emergency.ends_at, p.time_zone), after: t(`admin.kind.${p.kind_after_emergency ?? "weekly"}`) }), " ", userText(p.emergency.reason))
    : null;
  box.replaceChildren(
    el("p", { id: "policy-source" }, say(el("span"), inherited ? "admin.policy.inherited" : "admin.policy.own"), " ", unitText(p.inherited_from)),
    el("dl", { id: "policy-facts" },
      say(el("dt"), "admin.policy.kind"), el("dd", { textContent: t(`admin.kind.${p.period_kind}`), dataset: { kind: p.period_kind } }),
      say(el("dt"), "admin.policy.deadline"), el("dd", { textContent: t("admin.policy.deadline.value", { due: p.due_offset_days, grace: p.grace_days, lock: p.lock_days }) }),
      say(el("dt"), "admin.policy.template"), el("dd", {}, userText(templateName(p.template_id))),
      say(el("dt"), "admin.policy.budget"), el("dd", { textContent: t("admin.burden.minutes", { n: p.budget_minutes_per_month }) }),
      say(el("dt"), "admin.policy.zone"), el("dd", {}, zoneName(p.time_zone), " ", el("span", { className: "muted", dataset: { user: "" }, textContent: `(${p.time_zone})` })),
      say(el("dt"), "admin.policy.burden"), el("dd", { id: "policy-ledger", textContent: ledgerLine(p.ledger) }),
    ),
    ...(emergency ? [emergency] : []),
  );
}

function drawPreview() {
  const box = $("policy-preview");
  const p = state.preview;
  if (!p) return box.replaceChildren();
  const zone = p.policy.time_zone;
  const table = el("table", { id: "next-periods" });
  renderTable(table, {
    caption: () => t("admin.policy.next", { zone: zoneName(zone) }),
    columns: [
      { label: "admin.policy.period", cell: (x) => periodLabel(x) },
      { label: "admin.policy.due", cell: (x) => formatDate(x.due_date, { weekday: true }) },
      { label: "admin.policy.last_on_time", cell: (x) => formatDate(x.last_on_time_date, { weekday: true }) },
      { label: "admin.policy.late_after", cell: (x) => formatInstant(x.late_after, zone) },
    ],
    rows: p.next_periods,
    rowKey: (x) => x.key,
  });
  box.replaceChildren(
    say(el("h3"), "admin.policy.preview.title"),
    el("p", { id: "preview-ledger" }, ledgerLine(p.policy.ledger)),
    table,
    say(el("p", { className: "muted" }), "admin.policy.preview.unsaved"),
  );
}

function body(form) {
  const v = readForm(form);
  const b = {
    period_kind: v.period_kind,
    due_offset_days: v.due_offset_days,
    grace_days: v.grace_days,
    lock_days: v.lock_days,
    template_id: Number(v.template_id),
    budget_minutes_per_month: v.budget_minutes_per_month,
  };
  if (v.time_zone) b.time_zone = v.time_zone;
  return b;
}

/** Where a refusal of a policy belongs when the server names no field of the form. */
function fieldFor(err) {
  const reason = err?.details?.reason ?? "";
  if (reason.startsWith("due_offset")) return { [reason]: "due_offset_days" };
  if (reason.startsWith("grace")) return { [reason]: "grace_days" };
  if (reason.includes("kind")) return { [reason]: "period_kind" };
  return {
    cadence_below_floor: "period_kind",
    burden_over_budget: "budget_minutes_per_month",
    unknown_time_zone: "time_zone",
    template_not_found: "template_id",
    template_not_usable: "template_id",
    period_kind_mismatch: "period_kind",
  };
}

async function submit(form, line, saveIt) {
  clearRefusal(form);
  state.preview = null;
  drawPreview();
  feedback(line, "busy", saveIt ? "ui.saving" : "admin.policy.previewing");
  const path = `/policies/${state.unit}${saveIt ? "" : "/preview"}`;
  try {
    const answer = await api(path, { method: saveIt ? "PUT" : "POST", body: body(form) });
    if (saveIt) {
      state.policy = answer;
      state.missing = false;
      feedback(line, "saved", words("admin.policy.saved"));
      drawInForce();
    } else {
      state.preview = answer;
      feedback(line, "", "");
      drawPreview();
    }
  } catch (err) {
    refuse(form, err, line, fieldFor(err));
  }
}

function policyForm() {
  const templates = select("template_id", [], { id: "policy-template" });
  const zone = input("time_zone", { attrs: { list: "zones" }, autocapitalize: "off", spellcheck: false });
  const line = el("p", { className: "feedback", hidden: true, id: "policy-feedback" });
  const previewButton = say(el("button", { type: "button", className: "secondary", id: "policy-preview-button" }), "admin.policy.preview");
  const form = el("form", { id: "policy-form", className: "grid-form", noValidate: true },
    field("admin.policy.kind", select("period_kind", KINDS.map((k) => ({ value: k, label: `admin.kind.${k}` }))), { hint: "admin.policy.kind.hint" }),
    field("admin.policy.due_offset", input("due_offset_days", { type: "number", min: 0, max: 31 }), { hint: "admin.policy.due_offset.hint" }),
    field("admin.policy.grace", input("grace_days", { type: "number", min: 0, max: 14 }), { hint: "admin.policy.grace.hint" }),
    field("admin.policy.lock", input("lock_days", { type: "number", min: 0, max: 90 }), { hint: "admin.policy.lock.hint" }),
    field("admin.policy.template", templates),
    field("admin.policy.budget", input("budget_minutes_per_month", { type: "number", min: 1, max: 600 }), { hint: "admin.policy.budget.hint" }),
    field("admin.policy.zone", zone, { hint: "admin.policy.zone.hint" }),
    el("datalist", { id: "zones" }, ...ZONES.map((z) => el("option", { value: z }))),
    el("div", { className: "form-actions" }, previewButton, say(el("button", { type: "submit", id: "policy-save" }), "admin.policy.save")),
    line,
  );
  previewButton.addEventListener("click", () => submit(form, line, false));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(form, line, true);
  });
  form.addEventListener("input", () => {
    if (state.preview) {
      state.preview = null;
      drawPreview();
    }
  });
  return form;
}

function fillTemplates() {
  const select = $("policy-template");
  const chosen = select.value;
  select.replaceChildren(...state.templates.map((x) => el("option", { value: String(x.id), dataset: { user: "" }, textContent: `${x.name} (#${x.id})` })));
  if (chosen) select.value = chosen;
}

async function load(code) {
  state.unit = code;
  state.policy = null;
  state.missing = false;
  state.preview = null;
  $("policy-unit").value = code;
  const [templates] = await Promise.all([fetchAll("/templates"), unitNames([code])]);
  state.templates = templates;
  try {
    state.policy = await api(`/policies/${code}`);
    await unitNames([state.policy.inherited_from]);
    if (!state.templates.some((x) => x.id === state.policy.template_id)) {
      try {
        state.templates.unshift(await api(`/templates/${state.policy.template_id}`));
      } catch {
        // An ancestor's template out of reach: shown by its number.
      }
    }
  } catch (err) {
    if (err.code !== "policy_not_found") throw err;
    state.missing = true;
  }
  $("policy-heading").replaceChildren(say(el("span"), "admin.policy.of"), " ", unitText(code));
  fillTemplates();
  const p = state.policy;
  fillForm($("policy-form"), {
    period_kind: p?.stored_period_kind ?? "weekly",
    due_offset_days: p?.due_offset_days ?? 2,
    grace_days: p?.grace_days ?? 2,
    lock_days: p?.lock_days ?? 7,
    template_id: String(p?.template_id ?? state.templates[0]?.id ?? ""),
    budget_minutes_per_month: p?.budget_minutes_per_month ?? 60,
    time_zone: p?.time_zone ?? "Asia/Shanghai",
  });
  clearRefusal($("policy-form"));
  feedback($("policy-feedback"), "", "");
  drawInForce();
  drawPreview();
}

function build(section) {
  const unit = input("unit", { id: "policy-unit", inputMode: "numeric" });
  const go = el("form", { className: "inline", id: "policy-unit-form", noValidate: true },
    say(el("label", { htmlFor: "policy-unit" }), "admin.policy.unit"),
    unit,
    say(el("button", { type: "submit" }), "admin.policy.open"));
  go.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = unit.value.trim();
    if (location.hash === `#policies/${code}`) show(section, code);
    else location.hash = `policies/${code}`;
  });
  section.replaceChildren(
    el("div", { className: "card" },
      say(el("h1"), "admin.policy.title"),
      say(el("p", { className: "muted" }), "admin.policy.intro"),
      go,
      el("h2", { id: "policy-heading" }),
      el("div", { id: "policy-in-force" })),
    el("div", { className: "card" },
      say(el("h2"), "admin.policy.change"),
      policyForm(),
      el("div", { id: "policy-preview" })),
  );
  document.addEventListener("langchange", () => {
    drawInForce();
    drawPreview();
  });
  state.built = true;
}

export async function show(section, arg) {
  if (!state.built) build(section);
  try {
    await load(arg || ctx.me.org_unit.code);
  } catch (err) {
    showAlert(err);
  }
}
