// One template field as an editable fieldset, and back: the controls for its key, labels,
// type and the type's limits, whether it is required, its seconds to fill, concept and
// whether it carries forward — read back into the wire form `POST /api/v1/templates`
// takes. Also where a problem with a field belongs: which control it names.

import { t } from "../i18n.js";
import { el, say } from "../ui/dom.js";
import { field, input, select } from "./common.js";

export const TYPES = ["text", "number", "choice", "date", "outcome_list", "geotag", "attachment"];
const MEDIA = ["document", "photo", "screenshot", "video"];

/** A new field's starting values for `type` (limits the checks accept). */
export function blankField(type = "text", n = 1) {
  const base = { key: `field_${n}`, label_zh: "", label_en: "", type, required: false, seconds_to_fill: 60, stable: false };
  const limits = {
    text: { max_chars: 200 },
    number: { min: 0, max: 1000, integer: true },
    choice: { options: [], multiple: false },
    outcome_list: { max_items: 20 },
    attachment: { media: "document" },
  };
  return { ...base, ...(limits[type] ?? {}) };
}

function checkbox(name, checked, label) {
  const box = el("input", { type: "checkbox", name, checked: !!checked });
  return el("label", { className: "check", dataset: { field: name } }, box, say(el("span"), label));
}

/** The controls of the type's own limits. */
function limits(f) {
  switch (f.type) {
    case "text":
      return [field("admin.tf.max_chars", input("max_chars", { type: "number", min: 1, max: 2000, value: f.max_chars ?? 200 }))];
    case "number":
      return [
        field("admin.tf.min", input("min", { type: "number", value: f.min ?? 0, step: "any" })),
        field("admin.tf.max", input("max", { type: "number", value: f.max ?? 1000, step: "any" })),
        field("admin.tf.unit", input("unit", { value: f.unit ?? "", maxLength: 16 }), { optional: true }),
        checkbox("integer", f.integer, "admin.tf.integer"),
      ];
    case "choice":
      return [
        field("admin.tf.options", el("textarea", { name: "options", rows: 3, value: (f.options ?? []).join("\n") }), { hint: "admin.tf.options.hint" }),
        checkbox("multiple", f.multiple, "admin.tf.multiple"),
      ];
    case "outcome_list":
      return [field("admin.tf.max_items", input("max_items", { type: "number", min: 1, max: 50, value: f.max_items ?? 20 }))];
    case "attachment":
      return [field("admin.tf.media", select("media", MEDIA.map((m) => ({ value: m, label: `admin.media.${m}` })), { value: f.media ?? "document" }))];
    default:
      return [];
  }
}

/**
 * A fieldset for field `f` at `index`, calling `on.move(row, step)`, `on.remove(row)` and
 * `on.retype(row)` from its buttons and type select.
 */
export function fieldRow(f, index, on) {
  const type = select("type", TYPES.map((ty) => ({ value: ty, label: `admin.type.${ty}` })));
  type.value = f.type;
  const media = limits(f);
  const row = el("fieldset", { className: "tfield", dataset: { index: String(index) } },
    el("legend", {}, el("span", { className: "tfield-n" }), " ", el("code", { className: "tfield-key", dataset: { user: "" } })),
    el("div", { className: "tfield-grid" },
      field("admin.tf.key", input("key", { value: f.key, autocapitalize: "off", spellcheck: false, maxLength: 40 })),
      field("admin.tf.label_zh", input("label_zh", { value: f.label_zh, maxLength: 80 })),
      field("admin.tf.label_en", input("label_en", { value: f.label_en, maxLength: 80 })),
      field("admin.tf.type", type),
      ...media,
      field("admin.tf.seconds", input("seconds_to_fill", { type: "number", min: 1, max: 1800, value: f.seconds_to_fill })),
      field("admin.tf.concept", input("concept", { value: f.concept ?? "", autocapitalize: "off", spellcheck: false }), { optional: true }),
      el("div", { className: "tfield-checks" }, checkbox("required", f.required, "admin.tf.required"), checkbox("stable", f.stable, "admin.tf.stable")),
    ),
    el("div", { className: "tfield-problems", attrs: { "aria-live": "polite" } }),
    el("div", { className: "row-actions" },
      say(el("button", { type: "button", className: "secondary small", dataset: { action: "up" }, on: { click: () => on.move(row, -1) } }), "admin.tf.up"),
      say(el("button", { type: "button", className: "secondary small", dataset: { action: "down" }, on: { click: () => on.move(row, 1) } }), "admin.tf.down"),
      say(el("button", { type: "button", className: "secondary small danger-text", dataset: { action: "remove" }, on: { click: () => on.remove(row) } }), "admin.tf.remove"),
    ),
  );
  type.addEventListener("change", () => on.retype(row));
  label(row, index);
  return row;
}

/** What a field keeps when its type changes: everything but the old type's limits. */
export function retyped(row) {
  const f = readRow(row);
  const kept = { key: f.key, label_zh: f.label_zh, label_en: f.label_en, required: f.required, seconds_to_fill: f.seconds_to_fill, stable: f.stable };
  if (f.concept) kept.concept = f.concept;
  return { ...blankField(f.type), ...kept };
}

/** Renumbers a row (its legend) after a move or removal. */
export function label(row, index) {
  row.dataset.index = String(index);
  row.querySelector(".tfield-n").textContent = t("admin.tf.n", { n: index + 1 });
  row.querySelector(".tfield-key").textContent = row.querySelector("[name=key]").value;
}

const value = (row, name) => row.querySelector(`[name="${name}"]`);
const num = (row, name) => Number(value(row, name)?.value || 0);
const checked = (row, name) => !!value(row, name)?.checked;

/**
 * The field of a row in the wire form (what the server's template request takes). Right
 * after the type changes, the row still has the old type's controls: the new type's
 * limits then read as their defaults.
 */
export function readRow(row) {
  const type = value(row, "type").value;
  const f = {
    key: value(row, "key").value.trim(),
    label_zh: value(row, "label_zh").value,
    label_en: value(row, "label_en").value,
    type,
    required: checked(row, "required"),
    seconds_to_fill: Math.max(0, Math.trunc(num(row, "seconds_to_fill"))),
    stable: checked(row, "stable"),
  };
  const concept = value(row, "concept").value.trim();
  if (concept) f.concept = concept;
  if (type === "text") f.max_chars = Math.max(0, Math.trunc(num(row, "max_chars")));
  if (type === "number") {
    Object.assign(f, { min: num(row, "min"), max: num(row, "max"), integer: checked(row, "integer") });
    const unit = (value(row, "unit")?.value ?? "").trim();
    if (unit) f.unit = unit;
  }
  if (type === "choice") {
    f.options = (value(row, "options")?.value ?? "").split("\n").map((o) => o.trim()).filter(Boolean);
    f.multiple = checked(row, "multiple");
  }
  if (type === "outcome_list") f.max_items = Math.max(0, Math.trunc(num(row, "max_items")));
  if (type === "attachment") f.media = value(row, "media")?.value ?? "document";
  return f;
}

/** The control a problem with a field names (by `details.reason`, `label`, `same`), else the key. */
export function controlOf(row, problem) {
  const d = problem.details ?? {};
  const byReason = {
    key_format: "key",
    seconds_to_fill: "seconds_to_fill",
    text_max_chars: "max_chars",
    number_range: "min",
    number_not_finite: "min",
    choice_option_count: "options",
    choice_option_repeated: "options",
    outcome_max_items: "max_items",
    required_media: "media",
    label_asks_for_photo: d.label,
  };
  let name = byReason[d.reason];
  if (!name && d.label) name = d.label;
  if (!name && problem.code === "duplicate_field") name = (d.same ?? []).find((s) => s !== "key") ?? "key";
  if (!name && problem.code === "photo_required") name = "required";
  if (!name && /^choice_option|^label/.test(d.reason ?? "")) name = d.reason.startsWith("choice") ? "options" : "label_zh";
  if (!name && (d.reason ?? "").startsWith("unit")) name = "unit";
  return value(row, name ?? "key") ?? value(row, "key");
}
