// Exports of the chosen unit as files: the reports (one row each; outcomes one row each in
// a CSV of their own or the workbook's second sheet) for a range of period starts, and the
// completeness of the chosen period, as CSV (UTF-8 with a BOM, for Excel) or XLSX, in
// Chinese or English. The API needs the bearer token, so a file is fetched, then handed to
// the browser as a download under the server's own file name.

import { ApiError, token } from "../api.js";
import { both, lang, t } from "../i18n.js";
import { $, el, say } from "../ui/dom.js";
import { feedback, readForm } from "../ui/form.js";
import { localDate } from "../ui/time.js";
import { scope, zone } from "./scope.js";

/** The file name the server gives: the UTF-8 one for a Chinese file, else the ASCII one. */
export function fileName(disposition, fileLang) {
  if (!disposition) return null;
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  const plain = /filename="([^"]+)"/i.exec(disposition);
  if (fileLang === "zh" && utf8) return decodeURIComponent(utf8[1]);
  return plain?.[1] ?? (utf8 ? decodeURIComponent(utf8[1]) : null);
}

const kb = (bytes) => Math.max(1, Math.round(bytes / 1024));

/** Fetches `/api/v1{path}` and saves it as a download; says how it went in `line`. */
export async function download(path, fileLang, line) {
  feedback(line, "busy", "review.exports.busy");
  delete line.dataset.file;
  let response;
  try {
    response = await fetch(`/api/v1${path}`, { headers: { Authorization: `Bearer ${token()}` } });
  } catch {
    return feedback(line, "refused", new ApiError(0, { code: "network", ...both("err.network") }));
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({ code: `http_${response.status}`, ...both("err.unknown") }));
    return feedback(line, "refused", new ApiError(response.status, body));
  }
  const blob = await response.blob();
  const name = fileName(response.headers.get("content-disposition"), fileLang) ?? path.split("?")[0].split("/").pop();
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
  line.dataset.file = name;
  line.dataset.path = path;
  feedback(line, "saved", () => t("review.exports.done", { size: kb(blob.size) }));
}

function langSelect(id) {
  const select = el("select", { id, name: "lang" },
    el("option", { value: "zh", lang: "zh-CN", textContent: "中文", selected: lang() === "zh" }),
    el("option", { value: "en", lang: "en", textContent: "English", selected: lang() === "en" }));
  return el("div", { className: "field" }, say(el("label", { htmlFor: id }), "review.exports.lang"), select);
}

function button(id, label, onClick) {
  return say(el("button", { type: "button", id, className: "secondary", on: { click: onClick } }), label);
}

/** The completeness files of the chosen unit and period: a small form. */
export function exportButtons(where) {
  const line = el("p", { className: "feedback", id: `${where}-export-feedback`, hidden: true });
  const form = el("form", { className: "export-form", id: `${where}-export`, noValidate: true });
  const get = (file) => {
    const { lang: fileLang } = readForm(form);
    const query = new URLSearchParams({ unit: scope.unit.code, period: scope.period ?? "", lang: fileLang });
    return download(`/exports/${file}?${query}`, fileLang, line);
  };
  form.append(
    say(el("h3"), "review.exports.completeness"),
    say(el("p", { className: "muted" }), "review.exports.completeness_text"),
    el("div", { className: "filters" }, langSelect(`${where}-export-lang`)),
    el("div", { className: "actions start" },
      button(`${where}-completeness-csv`, "review.exports.completeness_csv", () => get("completeness.csv")),
      button(`${where}-completeness-xlsx`, "review.exports.completeness_xlsx", () => get("completeness.xlsx"))),
    line,
  );
  return form;
}

function reportsForm() {
  const line = el("p", { className: "feedback", id: "reports-export-feedback", hidden: true });
  const oldest = scope.periods?.periods[0]?.start ?? "";
  const today = localDate(Math.floor(Date.now() / 1000), zone());
  const from = el("input", { type: "date", id: "export-from", name: "from", value: oldest });
  const to = el("input", { type: "date", id: "export-to", name: "to", value: today });
  const form = el("form", { className: "export-form", id: "reports-export", noValidate: true });
  const get = (file) => {
    const values = readForm(form);
    const query = new URLSearchParams({ unit: scope.unit.code, lang: values.lang });
    if (values.from) query.set("from", values.from);
    if (values.to) query.set("to", values.to);
    return download(`/exports/${file}?${query}`, values.lang, line);
  };
  form.append(
    say(el("h3"), "review.exports.reports"),
    say(el("p", { className: "muted" }), "review.exports.reports_text"),
    el("div", { className: "filters" },
      el("div", { className: "field" }, say(el("label", { htmlFor: "export-from" }), "review.exports.from"), from),
      el("div", { className: "field" }, say(el("label", { htmlFor: "export-to" }), "review.exports.to"), to),
      langSelect("reports-export-lang")),
    el("div", { className: "actions start" },
      button("export-reports-xlsx", "review.exports.reports_xlsx", () => get("reports.xlsx")),
      button("export-reports-csv", "review.exports.reports_csv", () => get("reports.csv")),
      button("export-outcomes-csv", "review.exports.outcomes_csv", () => get("outcomes.csv"))),
    line,
  );
  return form;
}

function render() {
  $("exports").replaceChildren(
    el("p", { className: "muted" }, el("span", { dataset: { user: "" }, textContent: scope.unit.name })),
    reportsForm(),
    exportButtons("exports"),
  );
  document.body.dataset.exports = scope.unit.code;
}

export function show() {
  render();
}

export function scopeChanged() {
  render();
}
