// Forms: read and fill them, say what happened after each submit, and put a server's
// refusal next to the field it names (`details.field`, or each of `details.problems`).
//
// Exports:
//   readForm(form)              {name: value} of its named controls: text trimmed, number
//                               inputs as numbers (null when empty), checkboxes as booleans,
//                               radios as the checked value, multiple selects as arrays
//   fillForm(form, values)      the reverse, for the names present in `values`
//   fieldOf(form, name)         the control named `name` (or marked data-field="name")
//   showRefusal(form, err, line)  the error's message next to its field (aria-invalid,
//                               focused) — or in `line` (a feedback line) when it names no
//                               field of this form; returns the field or null
//   clearRefusal(form)          removes every field message and aria-invalid
//   feedback(line, state, what) a feedback line: state "busy" | "saved" | "refused" | "";
//                               `what` is a text spec (dom.js textOf: a key, [key, vars],
//                               {message_zh, message_en}, a function) or an API error;
//                               kept in the current language on "langchange"
//   handleSubmit(form, {submit, saved, line})  wires the form's submit: clears old messages,
//                               disables its buttons, awaits submit(readForm(form), form),
//                               then shows `saved` (key, or fn(result) → key/message) in
//                               `line` — or the refusal by its field; resolves nothing
//   charCounter(input, max)     a live "12 / 500 字" line after a text input or textarea

import { both, t } from "../i18n.js";
import { el, textOf } from "./dom.js";
import { asError } from "./errors.js";

function controls(form) {
  return [...form.elements].filter((c) => c.name && !c.disabled && c.type !== "submit" && c.type !== "button");
}

export function readForm(form) {
  const values = {};
  for (const c of controls(form)) {
    if (c.type === "checkbox") values[c.name] = c.checked;
    else if (c.type === "radio") {
      if (c.checked) values[c.name] = c.value;
      else values[c.name] ??= null;
    } else if (c.type === "number") values[c.name] = c.value.trim() === "" ? null : Number(c.value);
    else if (c.multiple) values[c.name] = [...c.selectedOptions].map((o) => o.value);
    else values[c.name] = c.type === "password" ? c.value : c.value.trim();
  }
  return values;
}

export function fillForm(form, values) {
  for (const c of [...form.elements].filter((e) => e.name && e.name in values)) {
    const v = values[c.name];
    if (c.type === "checkbox") c.checked = !!v;
    else if (c.type === "radio") c.checked = c.value === String(v);
    else if (c.multiple) for (const o of c.options) o.selected = (v ?? []).includes(o.value);
    else c.value = v ?? "";
  }
}

export function fieldOf(form, name) {
  if (!name) return null;
  return form.querySelector(`[name="${CSS.escape(name)}"], [data-field="${CSS.escape(name)}"]`);
}

// Messages on screen, re-rendered when the language changes.
const live = new Map();

function setText(node, what) {
  live.set(node, what);
  node.textContent = textOf(what);
}

document.addEventListener("langchange", () => {
  for (const [node, what] of live) {
    if (node.isConnected) node.textContent = textOf(what);
    else live.delete(node);
  }
});

function fieldMessage(field, message) {
  const id = `${field.id || field.name}-refusal`;
  let p = field.form?.querySelector(`.field-error[data-for="${CSS.escape(field.name || field.dataset.field)}"]`);
  if (!p) {
    p = el("p", { className: "field-error", id, attrs: { role: "alert" }, dataset: { for: field.name || field.dataset.field } });
    (field.closest(".field") ?? field).after(p);
  }
  setText(p, message);
  p.hidden = false;
  field.setAttribute("aria-invalid", "true");
  field.setAttribute("aria-describedby", p.id);
  return p;
}

export function showRefusal(form, err, line) {
  const error = asError(err);
  const named = [];
  const problems = Array.isArray(error.details?.problems) ? error.details.problems : [];
  for (const problem of problems) {
    const field = fieldOf(form, problem.field);
    if (field && problem.message_zh) {
      fieldMessage(field, problem);
      named.push(field);
    }
  }
  const field = fieldOf(form, error.details?.field);
  if (field && !named.includes(field)) {
    fieldMessage(field, error);
    named.push(field);
  }
  if (named.length) {
    named[0].focus();
    if (line) feedback(line, "refused", "ui.refused.field");
    return named[0];
  }
  if (line) feedback(line, "refused", error);
  return null;
}

export function clearRefusal(form) {
  for (const p of form.querySelectorAll(".field-error")) {
    live.delete(p);
    p.remove();
  }
  for (const c of form.querySelectorAll("[aria-invalid]")) {
    c.removeAttribute("aria-invalid");
    c.removeAttribute("aria-describedby");
  }
}

export function feedback(line, state, what) {
  line.dataset.state = state;
  line.className = `feedback ${state}`;
  if (!state) {
    live.delete(line);
    line.textContent = "";
    line.hidden = true;
    return;
  }
  line.setAttribute("role", state === "refused" ? "alert" : "status");
  if (state === "refused" && what && typeof what === "object" && what.code !== undefined) {
    const error = asError(what);
    const words = both("ui.refused");
    setText(line, {
      message_zh: words.message_zh.replace("{message}", error.message_zh || error.message_en),
      message_en: words.message_en.replace("{message}", error.message_en || error.message_zh),
    });
  } else setText(line, what ?? (state === "busy" ? "ui.saving" : state === "saved" ? "ui.saved" : "err.unknown"));
  line.hidden = false;
}

export function handleSubmit(form, { submit, saved = "ui.saved", line }) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearRefusal(form);
    const buttons = [...form.querySelectorAll("button")];
    for (const b of buttons) b.disabled = true;
    if (line) feedback(line, "busy", "ui.saving");
    try {
      const result = await submit(readForm(form), form);
      const what = typeof saved === "function" ? saved(result) : saved;
      if (line) feedback(line, what ? "saved" : "", what);
    } catch (err) {
      showRefusal(form, err, line);
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  });
}

export function charCounter(input, max) {
  const line = el("p", { className: "count muted", attrs: { "aria-live": "polite" } });
  const update = () => {
    const n = [...input.value].length;
    line.textContent = t("ui.chars", { n, max });
    line.classList.toggle("over", n > max);
  };
  input.addEventListener("input", update);
  document.addEventListener("langchange", update);
  input.after(line);
  update();
  return line;
}

