// People of the admin's subtree: the list (by role, in tree order), adding a cadre, reviewer
// or admin with a first password shown once, resetting a password (the new one shown once),
// disabling and enabling an account, changing a name or unit — and the bulk import of
// cadres with their postings from the county office's sheet (CSV or XLSX): checked first
// (every bad row named by its line and column), then stored all or nothing.

import { api } from "../api.js";
import { both, t } from "../i18n.js";
import { $, el, say } from "../ui/dom.js";
import { confirmDialog, formDialog } from "../ui/dialog.js";
import { showAlert } from "../ui/errors.js";
import { feedback, readForm } from "../ui/form.js";
import { keysetPager, renderTable } from "../ui/table.js";
import { ctx, download, downloadFrom, fetchAll, field, fileField, input, newPassword, person, refuse, select, unitLabel, unitNames, upload, userText, villageInput, words } from "./common.js";
import { importPreview, importResult } from "./people-import.js";

const PAGE_SIZE = 20;
const ROLES = ["cadre", "reviewer", "admin"];
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const state = { role: "", search: "", everyone: null, pager: null, built: false, secret: null, importFile: null, preview: null, result: null };
const COLUMNS = [
  { label: "admin.people.col.name", cell: (p) => person(p.display_name, p.username) },
  { label: "admin.people.col.role", cell: (p) => t(`role.${p.role}`) },
  { label: "admin.people.col.unit", cell: (p) => unitLabel(p.org_unit) },
  { label: "admin.people.col.state", cell: (p) => say(el("span", { className: `badge ${p.disabled ? "missing" : "on_time"}`, dataset: { state: p.disabled ? "disabled" : "active" } }), p.disabled ? "admin.people.disabled" : "admin.people.active") },
  { label: "admin.people.col.actions", cell: actions },
];

function actions(p) {
  const mine = p.username === ctx.me.username;
  const button = (key, action, fn, extra = {}) =>
    say(el("button", { type: "button", className: "secondary small", dataset: { action, username: p.username }, on: { click: () => fn(p) }, ...extra }), key);
  return el("span", { className: "row-actions" },
    button("admin.people.reset", "reset", resetPassword),
    mine ? null : p.disabled ? button("admin.people.enable", "enable", (x) => setDisabled(x, false)) : button("admin.people.disable", "disable", (x) => setDisabled(x, true)),
    button("admin.people.edit", "edit", edit),
  );
}

function draw(items) {
  renderTable($("people-table"), { columns: COLUMNS, rows: items, empty: "admin.people.empty", rowKey: (p) => p.username });
}

/** Whether a person matches the search text (name, username or unit code). */
function matches(p, needle) {
  const text = needle.toLowerCase();
  return p.username.includes(text) || (p.display_name ?? "").toLowerCase().includes(text) || p.org_unit.startsWith(needle);
}

async function load(after) {
  if (state.search) {
    // The API has no search: a county's people fit in a few pages, so the page reads
    // them all once and filters here (20 at a time, like the list).
    state.everyone ??= await fetchAll("/users", state.role ? { role: state.role } : {});
    const found = state.everyone.filter((p) => matches(p, state.search));
    const start = after ? Number(after) : 0;
    const items = found.slice(start, start + PAGE_SIZE);
    await unitNames(items.map((p) => p.org_unit));
    return { items, next_after: start + PAGE_SIZE < found.length ? String(start + PAGE_SIZE) : null };
  }
  const query = new URLSearchParams({ limit: PAGE_SIZE });
  if (state.role) query.set("role", state.role);
  if (after) query.set("after", after);
  const page = await api(`/users?${query}`);
  await unitNames(page.items.map((p) => p.org_unit));
  return page;
}

/** A password, username and name shown once, in a box that stays until dismissed. */
function showSecret() {
  const box = $("people-secret");
  const s = state.secret;
  box.hidden = !s;
  if (!s) return box.replaceChildren();
  const close = say(el("button", { type: "button", className: "secondary small", on: { click: () => { state.secret = null; showSecret(); } } }), "ui.close");
  box.replaceChildren(
    el("p", {}, t(s.kind === "created" ? "admin.people.created" : "admin.people.reset.done", { name: "" }), person(s.displayName, s.username)),
    el("p", {}, say(el("span"), "admin.people.password"), " ", el("code", { className: "secret", id: "shown-password", dataset: { user: "" }, textContent: s.password })),
    say(el("p", { className: "muted" }), "admin.people.once"),
    close,
  );
  box.focus();
}

async function resetPassword(p) {
  const yes = await confirmDialog({
    title: "admin.people.reset.title",
    text: () => t("admin.people.reset.text", { name: p.display_name || p.username }),
    confirm: "admin.people.reset",
  });
  if (!yes) return;
  try {
    const answer = await api(`/users/${encodeURIComponent(p.username)}/password`, { method: "POST" });
    state.secret = { kind: "reset", username: answer.username, displayName: p.display_name, password: answer.password };
    showSecret();
    feedback($("people-feedback"), "saved", words("admin.people.reset.saved", { username: p.username }));
  } catch (err) {
    showAlert(err);
  }
}

async function setDisabled(p, disabled) {
  const yes = await confirmDialog({
    title: disabled ? "admin.people.disable.title" : "admin.people.enable.title",
    text: () => t(disabled ? "admin.people.disable.text" : "admin.people.enable.text", { name: p.display_name || p.username }),
    confirm: disabled ? "admin.people.disable" : "admin.people.enable",
    danger: disabled,
  });
  if (!yes) return;
  try {
    await api(`/users/${encodeURIComponent(p.username)}/${disabled ? "disable" : "enable"}`, { method: "POST" });
    feedback($("people-feedback"), "saved", words(disabled ? "admin.people.disabled.saved" : "admin.people.enabled.saved", { username: p.username }));
    await reloadKeepingPage();
  } catch (err) {
    showAlert(err);
  }
}

async function edit(p) {
  const result = await formDialog({
    title: () => t("admin.people.edit.title", { name: p.display_name || p.username }),
    fields: [
      { name: "display_name", label: "admin.people.display_name", value: p.display_name, maxLength: 64 },
      { name: "org_unit", label: "admin.people.org_unit", value: p.org_unit, hint: "admin.people.org_unit.hint" },
    ],
    confirm: "ui.save",
    submit: async (values) => {
      const body = {};
      if (values.display_name !== p.display_name) body.display_name = values.display_name;
      if (values.org_unit !== p.org_unit) body.org_unit = values.org_unit;
      if (!Object.keys(body).length) return values;
      try {
        return await api(`/users/${encodeURIComponent(p.username)}`, { method: "PATCH", body });
      } catch (err) {
        throw withField(err, { out_of_scope: "org_unit", org_unit_not_found: "org_unit", invalid_division_code: "org_unit" });
      }
    },
  });
  if (result) {
    feedback($("people-feedback"), "saved", words("admin.people.edit.saved", { username: p.username }));
    await reloadKeepingPage();
  }
}

/** The error with `details.field` named from `fields` (by code) when the server names none. */
function withField(err, fields) {
  if (!err?.code || err.details?.field) return err;
  const name = fields[err.code];
  return name ? { ...err, details: { ...err.details, field: name } } : err;
}

async function reloadKeepingPage() {
  state.everyone = null;
  await state.pager.reload();
}

function createForm() {
  const password = input("password", { value: newPassword(), spellcheck: false, autocomplete: "new-password" });
  const again = say(el("button", { type: "button", className: "secondary small", on: { click: () => { password.value = newPassword(); } } }), "admin.people.password.new");
  const line = el("p", { className: "feedback", hidden: true, id: "create-feedback" });
  const form = el("form", { id: "create-person", className: "grid-form", noValidate: true },
    field("admin.people.display_name", input("display_name", { maxLength: 64 })),
    field("admin.people.username", input("username", { autocapitalize: "off", spellcheck: false }), { hint: "admin.people.username.hint" }),
    field("admin.people.role", select("role", ROLES.map((r) => ({ value: r, label: `role.${r}` })))),
    field("admin.people.org_unit", villageInput("org_unit", { value: ctx.me.org_unit.code }), { hint: "admin.people.org_unit.hint" }),
    el("div", { className: "field", dataset: { field: "password" } },
      say(el("label", { htmlFor: "create-password" }), "admin.people.first_password"),
      Object.assign(password, { id: "create-password" }),
      again,
      say(el("p", { className: "muted hint" }), "admin.people.first_password.hint")),
    el("div", { className: "form-actions" }, say(el("button", { type: "submit", id: "create-submit" }), "admin.people.create")),
    line,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = readForm(form);
    const body = { username: values.username, password: values.password, role: values.role, org_unit: values.org_unit };
    if (values.display_name) body.display_name = values.display_name;
    feedback(line, "busy", "ui.saving");
    for (const p of form.querySelectorAll(".field-error")) p.remove();
    for (const c of form.querySelectorAll("[aria-invalid]")) c.removeAttribute("aria-invalid");
    try {
      const user = await api("/users", { method: "POST", body });
      state.secret = { kind: "created", username: user.username, displayName: user.display_name, password: values.password };
      showSecret();
      feedback(line, "saved", words("admin.people.created.saved", { username: user.username }));
      form.reset();
      form.elements.org_unit.value = ctx.me.org_unit.code;
      password.value = newPassword();
      await reloadKeepingPage();
    } catch (err) {
      refuse(form, err, line, { username_taken: "username", out_of_scope: "org_unit", org_unit_not_found: "org_unit", invalid_division_code: "org_unit" });
    }
  });
  return form;
}

// ── bulk import of cadres ──

function importType(file) {
  return /\.xlsx$/i.test(file.name) ? XLSX : "text/csv";
}

function importForm() {
  const picker = fileField("admin.import.file", "file", ".csv,.xlsx,text/csv," + XLSX, "import-file", { hint: "admin.import.hint" });
  const file = picker.querySelector("input");
  const progress = el("progress", { id: "import-progress", max: 1, value: 0, hidden: true });
  const line = el("p", { className: "feedback", hidden: true, id: "import-feedback" });
  const templateButton = (format) =>
    say(el("button", { type: "button", className: "secondary small", dataset: { template: format }, on: { click: () => getTemplate(format) } }), `admin.import.template.${format}`);
  const form = el("form", { id: "import-form", noValidate: true },
    el("p", { className: "row-actions" }, ...["xlsx", "csv"].map(templateButton)),
    picker,
    say(el("button", { type: "submit", id: "import-check" }), "admin.import.check"),
    progress,
    line,
  );
  file.addEventListener("change", () => {
    state.importFile = file.files[0] ?? null;
    state.preview = null;
    state.result = null;
    drawImport();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await send(form, line, progress, true);
  });
  return form;
}

async function getTemplate(format) {
  try {
    await downloadFrom(`/users/import/template?format=${format}`, `${t("admin.import.template.name")}.${format}`);
  } catch (err) {
    showAlert(err);
  }
}

async function send(form, line, progress, dryRun) {
  const chosen = state.importFile;
  if (!chosen) return refuse(form, { code: "no_file", source: "client", ...both("admin.file.none"), details: { field: "file" } }, line);
  for (const p of form.querySelectorAll(".field-error")) p.remove();
  state.preview = null;
  state.result = null;
  drawImport();
  progress.hidden = false;
  feedback(line, "busy", dryRun ? "admin.import.checking" : "admin.import.storing");
  try {
    const answer = await upload(`/users/import?dry_run=${dryRun}`, chosen, importType(chosen), (f) => { progress.value = f; });
    if (dryRun) {
      state.preview = answer;
      feedback(line, "saved", words("admin.import.checked", { n: answer.cadres.length }));
    } else {
      state.result = answer;
      feedback(line, "saved", words("admin.import.stored", { n: answer.cadres.length }));
      await reloadKeepingPage();
    }
  } catch (err) {
    if (err.code === "import_invalid") state.preview = { invalid: err };
    refuse(form, err, line, { import_invalid: "file", unsupported_media_type: "file", payload_too_large: "file" });
  } finally {
    progress.hidden = true;
  }
  drawImport();
}

function commitButton() {
  const n = state.preview.cadres.length;
  const postings = state.preview.cadres.reduce((sum, c) => sum + c.postings.length, 0);
  return say(el("button", { type: "button", id: "import-commit", on: { click: () => send($("import-form"), $("import-feedback"), $("import-progress"), false) } }), ["admin.import.commit", { n, postings }]);
}

function passwordsFile(result) {
  const rows = [["姓名 name", "用户名 username", "初始密码 password"], ...result.cadres.map((c) => [c.display_name, c.username, c.password ?? ""])];
  const csv = rows.map((r) => r.map((v) => `"${String(v).replaceAll('"', '""')}"`).join(",")).join("\r\n");
  download(new Blob(["\ufeff", csv, "\r\n"], { type: "text/csv" }), `${t("admin.import.passwords.name")}.csv`);
}

function drawImport() {
  const box = $("import-result");
  if (!box) return;
  if (state.result) {
    box.replaceChildren(
      importResult(state.result),
      say(el("button", { type: "button", id: "import-passwords", className: "secondary", on: { click: () => passwordsFile(state.result) } }), "admin.import.passwords"),
    );
  } else if (state.preview?.invalid) {
    box.replaceChildren(importPreview(null, state.preview.invalid));
  } else if (state.preview) {
    box.replaceChildren(importPreview(state.preview, null), commitButton());
  } else box.replaceChildren();
}

function build(section) {
  const roleFilter = select("role", [{ value: "", label: "ui.all" }, ...ROLES.map((r) => ({ value: r, label: `role.${r}` }))], { id: "people-role" });
  roleFilter.addEventListener("change", () => {
    state.role = roleFilter.value;
    state.everyone = null;
    state.pager.reload();
  });
  const search = input("q", { id: "people-search", type: "search", autocapitalize: "off", spellcheck: false });
  let timer = 0;
  const find = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (state.search === search.value.trim()) return;
      state.search = search.value.trim();
      state.pager.reload();
    }, 250);
  };
  search.addEventListener("input", find);
  search.addEventListener("change", find);
  section.replaceChildren(
    el("div", { className: "card" },
      say(el("h1"), "admin.people.title"),
      say(el("p", { className: "muted" }), "admin.people.intro"),
      el("div", { id: "people-secret", className: "secret-box", hidden: true, tabIndex: -1, attrs: { role: "status" } }),
      el("p", { className: "feedback", hidden: true, id: "people-feedback" }),
      el("div", { className: "filters" }, field("admin.people.search", search), field("admin.people.role_filter", roleFilter)),
      el("table", { id: "people-table" }),
      el("div", { id: "people-pager" }),
    ),
    el("div", { className: "card" }, say(el("h2"), "admin.people.create.title"), createForm()),
    el("div", { className: "card", id: "import" },
      say(el("h2"), "admin.import.title"),
      say(el("p", { className: "muted" }), "admin.import.intro"),
      importForm(),
      el("div", { id: "import-result" })),
  );
  state.pager = keysetPager($("people-pager"), { load, show: draw });
  document.addEventListener("langchange", () => {
    draw(state.pager.items);
    showSecret();
    drawImport();
  });
  state.built = true;
}

export async function show(section) {
  if (!state.built) build(section);
  await state.pager.reload();
}
