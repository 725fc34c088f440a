// Modal dialogs on the native <dialog>: focus moves into it, Tab stays inside, Esc cancels,
// and focus returns to what opened it. Texts are specs (dom.js textOf: an i18n key,
// [key, vars], {message_zh, message_en} or a function) and follow the language toggle.
//
// Exports:
//   confirmDialog({title, text, confirm = "ui.confirm", cancel = "ui.cancel", danger})
//       → Promise<boolean>
//   formDialog({title, text, fields, confirm, cancel, submit, id})
//       fields: [{name, label, type: "text"|"textarea"|"number", value, maxLength, min, max,
//                 required, hint}]; a textarea or text with maxLength gets a live counter.
//       submit(values) may throw an API error: the dialog stays open with the message next
//       to the field the error names (form.js showRefusal), else under the fields.
//       → Promise<submit's result (or the values without submit) | null when cancelled>
//   promptDialog({title, text, label, name = "value", type, value, maxLength, required, hint, confirm, submit})
//       one field (name it as the API does, so a refusal's details.field lands by it)
//       → Promise<submit(text)'s result | null>; without submit, the text

import { el, say } from "./dom.js";
import { charCounter, clearRefusal, feedback, readForm, showRefusal } from "./form.js";

let counter = 0;

function open(dialog) {
  document.body.append(dialog);
  const opener = document.activeElement;
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (opener && opener.isConnected) opener.focus();
  });
  dialog.showModal();
  const first = dialog.querySelector("input, textarea, select, button.primary, button");
  first?.focus();
}

export function confirmDialog({ title, text, confirm = "ui.confirm", cancel = "ui.cancel", danger = false }) {
  return new Promise((resolve) => {
    const id = `dialog-${++counter}`;
    const yes = say(el("button", { type: "button", className: danger ? "danger primary" : "primary", dataset: { action: "confirm" } }), confirm);
    const no = say(el("button", { type: "button", className: "secondary", dataset: { action: "cancel" } }), cancel);
    const dialog = el("dialog", { className: "dialog", id, attrs: { "aria-labelledby": `${id}-title` } },
      say(el("h2", { id: `${id}-title` }), title),
      text ? say(el("p"), text) : null,
      el("div", { className: "actions" }, no, yes),
    );
    let answer = false;
    yes.addEventListener("click", () => {
      answer = true;
      dialog.close();
    });
    no.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => resolve(answer));
    open(dialog);
  });
}

function control(field, id) {
  const props = { id, name: field.name, required: !!field.required };
  let input;
  if (field.type === "textarea") input = el("textarea", { ...props, rows: 4, value: field.value ?? "" });
  else input = el("input", { ...props, type: field.type === "number" ? "number" : "text", value: field.value ?? "" });
  if (field.type === "number") {
    if (field.min !== undefined) input.min = field.min;
    if (field.max !== undefined) input.max = field.max;
    input.inputMode = "numeric";
  }
  return input;
}

export function formDialog({ title, text, fields, confirm = "ui.confirm", cancel = "ui.cancel", submit, id }) {
  return new Promise((resolve) => {
    const did = id ?? `dialog-${++counter}`;
    const form = el("form", { method: "dialog", noValidate: true });
    const inputs = [];
    for (const field of fields) {
      const iid = `${did}-${field.name}`;
      const input = control(field, iid);
      inputs.push([field, input]);
      form.append(el("div", { className: "field" }, say(el("label", { htmlFor: iid }), field.label), input));
      if (field.hint) form.append(say(el("p", { className: "muted hint" }), field.hint));
    }
    const line = el("p", { className: "feedback", hidden: true });
    const yes = say(el("button", { type: "submit", className: "primary", dataset: { action: "confirm" } }), confirm);
    const no = say(el("button", { type: "button", className: "secondary", dataset: { action: "cancel" } }), cancel);
    form.append(line, el("div", { className: "actions" }, no, yes));
    const dialog = el("dialog", { className: "dialog", id: did, attrs: { "aria-labelledby": `${did}-title` } },
      say(el("h2", { id: `${did}-title` }), title),
      text ? say(el("p", { className: "muted" }), text) : null,
      form,
    );
    for (const [field, input] of inputs) if (field.maxLength) charCounter(input, field.maxLength);
    let result = null;
    no.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearRefusal(form);
      const values = readForm(form);
      if (!submit) {
        result = values;
        return dialog.close();
      }
      yes.disabled = true;
      no.disabled = true;
      feedback(line, "busy", "ui.saving");
      try {
        result = (await submit(values)) ?? values;
        dialog.close();
      } catch (err) {
        showRefusal(form, err, line);
      } finally {
        yes.disabled = false;
        no.disabled = false;
      }
    });
    dialog.addEventListener("close", () => resolve(result));
    open(dialog);
  });
}

export async function promptDialog({ title, text, label, name = "value", type = "textarea", value, maxLength, required = true, hint, confirm, submit, id }) {
  const field = { name, label, type, value, maxLength, required, hint };
  const result = await formDialog({ title, text, fields: [field], confirm, id, submit: submit && ((values) => submit(values[name])) });
  if (result === null) return null;
  return submit ? result : result[name];
}
