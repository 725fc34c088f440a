// What the bulk import of cadres shows: the check's preview (who would be created, posted
// where and when — nothing stored yet), every bad row by its line and column in the
// page's language, and after the commit each new cadre with their first password, once.

import { pick, t } from "../i18n.js";
import { el, say } from "../ui/dom.js";
import { renderTable } from "../ui/table.js";
import { formatDate } from "../ui/time.js";
import { person, userText } from "./common.js";

function postingsCell(c) {
  return el("ul", { className: "plain" },
    ...c.postings.map((p) =>
      el("li", { dataset: { line: p.line } },
        userText(p.village_name), " ", el("span", { className: "muted", textContent: p.org_unit }), " · ",
        formatDate(p.starts_on), " – ", p.ends_on ? formatDate(p.ends_on) : t("admin.postings.open_end"))));
}

function linesCell(c) {
  return c.postings.map((p) => p.line).join(", ");
}

/** The dry run's answer (`preview`), or the refusal `invalid` with its line errors. */
export function importPreview(preview, invalid) {
  if (invalid) {
    const details = invalid.details ?? {};
    const errors = details.errors ?? [];
    const table = el("table", { id: "import-errors" });
    renderTable(table, {
      caption: () => t("admin.import.errors", { n: details.error_count ?? errors.length }),
      columns: [
        { label: "admin.import.line", cell: (e) => String(e.line), numeric: true },
        { label: "admin.import.column", cell: (e) => userText(e.field) },
        { label: "admin.import.message", cell: (e) => (e.message_zh || e.message_en ? pick(e) : e.message ?? "") },
      ],
      rows: errors,
      rowKey: (e) => `${e.line}:${e.field}`,
    });
    const more = details.error_count > errors.length ? say(el("p", { className: "muted" }), ["admin.import.more", { n: details.error_count - errors.length }]) : null;
    return el("div", { id: "import-invalid" }, say(el("p", { className: "notice" }), "admin.import.nothing"), table, more);
  }
  const postings = preview.cadres.reduce((sum, c) => sum + c.postings.length, 0);
  const table = el("table", { id: "import-preview" });
  renderTable(table, {
    columns: [
      { label: "admin.import.lines", cell: linesCell },
      { label: "admin.people.col.name", cell: (c) => person(c.display_name, c.username) },
      { label: "admin.import.postings", cell: postingsCell },
    ],
    rows: preview.cadres,
    rowKey: (c) => c.username,
  });
  const ignored = preview.ignored_columns?.length
    ? el("p", { className: "muted", id: "import-ignored" }, say(el("span"), "admin.import.ignored"), " ", userText(preview.ignored_columns.join("、")))
    : null;
  return el("div", { id: "import-checked" },
    say(el("p", { className: "notice" }), ["admin.import.preview", { n: preview.cadres.length, postings }]),
    ignored,
    table);
}

/** The committed import: each cadre with their first password (shown here only). */
export function importResult(result) {
  const table = el("table", { id: "import-created" });
  renderTable(table, {
    columns: [
      { label: "admin.people.col.name", cell: (c) => person(c.display_name, c.username) },
      { label: "admin.people.password", cell: (c) => el("code", { className: "secret", dataset: { user: "" }, textContent: c.password ?? "" }) },
      { label: "admin.import.postings", cell: postingsCell },
    ],
    rows: result.cadres,
    rowKey: (c) => c.username,
  });
  return el("div", { id: "import-done" },
    say(el("p", { className: "notice" }), ["admin.import.done", { n: result.cadres.length }]),
    table);
}
