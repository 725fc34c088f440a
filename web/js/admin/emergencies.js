// Emergencies: declared for a subtree with a reason and a length of at most 14 days; while
// one is active, the subtree's policy may ask for a report as often as daily (the daily
// periods start on the day of the declaration). The active ones with a countdown to their
// end (they end by themselves), ending one early, and the ones that are over.

import { api } from "../api.js";
import { t } from "../i18n.js";
import { $, el, say } from "../ui/dom.js";
import { confirmDialog } from "../ui/dialog.js";
import { showAlert } from "../ui/errors.js";
import { clearRefusal, feedback, readForm } from "../ui/form.js";
import { renderTable } from "../ui/table.js";
import { formatInstant } from "../ui/time.js";
import { ctx, field, input, refuse, unitLabel, unitNames, userText, words } from "./common.js";

const state = { built: false, list: [], timer: 0 };

const nowSeconds = () => Math.floor(Date.now() / 1000);
const isActive = (e, now) => e.starts_at <= now && now < e.ends_at;

/** "6 天 23 小时 59 分" / "6 d 23 h 59 min" until `end`; seconds in the last minute. */
export function countdown(end, now) {
  const left = Math.max(0, end - now);
  const d = Math.floor(left / 86400);
  const h = Math.floor((left % 86400) / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = left % 60;
  if (left < 60) return t("admin.emergency.left.seconds", { s });
  return d > 0 ? t("admin.emergency.left.days", { d, h, m }) : t("admin.emergency.left.hours", { h, m });
}

function tick() {
  const now = nowSeconds();
  for (const cell of document.querySelectorAll("[data-countdown]")) {
    const end = Number(cell.dataset.countdown);
    cell.textContent = countdown(end, now);
    if (end <= now) {
      clearInterval(state.timer);
      load();
      return;
    }
  }
}

function draw() {
  const now = nowSeconds();
  const active = state.list.filter((e) => isActive(e, now));
  const past = state.list.filter((e) => !isActive(e, now));
  const when = (x) => formatInstant(x, ctx.zone);
  renderTable($("emergencies-active"), {
    columns: [
      { label: "admin.emergency.scope", cell: (e) => unitLabel(e.org_unit) },
      { label: "admin.emergency.reason", cell: (e) => userText(e.reason) },
      { label: "admin.emergency.started", cell: (e) => when(e.starts_at) },
      { label: "admin.emergency.ends", cell: (e) => when(e.ends_at) },
      { label: "admin.emergency.left", cell: (e) => el("strong", { className: "countdown", dataset: { countdown: e.ends_at }, textContent: countdown(e.ends_at, now) }) },
      { label: "admin.emergency.actions", cell: (e) => say(el("button", { type: "button", className: "secondary small", dataset: { action: "end", emergency: e.id }, on: { click: () => end(e) } }), "admin.emergency.end") },
    ],
    rows: active,
    empty: "admin.emergency.none",
    rowKey: (e) => String(e.id),
  });
  renderTable($("emergencies-past"), {
    columns: [
      { label: "admin.emergency.scope", cell: (e) => unitLabel(e.org_unit) },
      { label: "admin.emergency.reason", cell: (e) => userText(e.reason) },
      { label: "admin.emergency.started", cell: (e) => when(e.starts_at) },
      { label: "admin.emergency.ended", cell: (e) => (e.starts_at > now ? t("admin.emergency.not_started") : when(e.ends_at)) },
    ],
    rows: past,
    empty: "admin.emergency.none_past",
    rowKey: (e) => String(e.id),
  });
  clearInterval(state.timer);
  if (active.length) state.timer = setInterval(tick, 1000);
}

async function load() {
  try {
    state.list = await api("/emergencies");
    await unitNames(state.list.map((e) => e.org_unit));
    draw();
  } catch (err) {
    showAlert(err);
  }
}

async function end(e) {
  const yes = await confirmDialog({
    title: "admin.emergency.end.title",
    text: () => t("admin.emergency.end.text", { unit: e.org_unit }),
    confirm: "admin.emergency.end",
    danger: true,
  });
  if (!yes) return;
  try {
    await api(`/emergencies/${e.id}/end`, { method: "POST" });
    feedback($("emergency-feedback"), "saved", words("admin.emergency.ended.saved"));
    await load();
  } catch (err) {
    showAlert(err);
  }
}

function declareForm() {
  const line = el("p", { className: "feedback", hidden: true, id: "declare-feedback" });
  const form = el("form", { id: "declare-form", className: "grid-form", noValidate: true },
    field("admin.emergency.unit", input("org_unit", { inputMode: "numeric", value: ctx.me.org_unit.code }), { hint: "admin.emergency.unit.hint" }),
    field("admin.emergency.reason", input("reason", { maxLength: 200 })),
    field("admin.emergency.days", input("days", { type: "number", min: 1, max: 14, value: 7 }), { hint: "admin.emergency.days.hint" }),
    el("div", { className: "form-actions" }, say(el("button", { type: "submit", id: "declare-submit", className: "danger" }), "admin.emergency.declare")),
    line,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearRefusal(form);
    const v = readForm(form);
    feedback(line, "busy", "ui.saving");
    try {
      await api("/emergencies", { method: "POST", body: { org_unit: v.org_unit, reason: v.reason, days: v.days } });
      feedback(line, "saved", words("admin.emergency.declared"));
      form.elements.reason.value = "";
      await load();
    } catch (err) {
      refuse(form, err, line, { emergency_too_long: "days", out_of_scope: "org_unit", org_unit_not_found: "org_unit", invalid_division_code: "org_unit" });
    }
  });
  return form;
}

function build(section) {
  section.replaceChildren(
    el("div", { className: "card" },
      say(el("h1"), "admin.emergency.title"),
      say(el("p", { className: "muted" }), "admin.emergency.intro"),
      say(el("h2"), "admin.emergency.active"),
      el("p", { className: "feedback", hidden: true, id: "emergency-feedback" }),
      el("table", { id: "emergencies-active" }),
      say(el("h2"), "admin.emergency.new"),
      declareForm()),
    el("div", { className: "card" },
      say(el("h2"), "admin.emergency.past"),
      el("table", { id: "emergencies-past" })),
  );
  document.addEventListener("langchange", draw);
  state.built = true;
}

export async function show(section) {
  if (!state.built) build(section);
  await load();
}
