// The administrative tree, one unit at a time: its path as breadcrumbs and its children
// page by page (#130928 in the URL, so back/forward and reloads work; a typed code is
// checked by the browser module first, only a valid one reaches the server). For a village
// or township, its boundary drawn as an SVG outline; an admin uploads a new one as a
// GeoJSON file. An admin imports divisions from a CSV file, all or nothing, with the
// upload's progress and the result.

import { api, clearError, showError } from "../api.js";
import { client } from "../client.js";
import { both, pick, t } from "../i18n.js";
import { $, el, say, svg } from "../ui/dom.js";
import { feedback } from "../ui/form.js";
import { renderTable } from "../ui/table.js";
import { ctx, fileField, refuse, upload } from "./common.js";

const PAGE_SIZE = 20;

// What is on screen, kept so a language switch re-renders without asking the server.
const view = { unit: null, items: [], afters: [null], nextAfter: null, boundary: null, importResult: null };
let wired = false;

const levelName = (level) => t(`level.${level}`);

function unitLink(unit) {
  return el("a", { href: `#${unit.code}`, textContent: unit.name, dataset: { user: "" } });
}

function renderUnit() {
  const unit = view.unit;
  if (!unit) return;
  const crumbs = [...unit.path, unit].map((u, i, all) =>
    el("li", { dataset: { code: u.code } }, i === all.length - 1 ? el("span", { dataset: { user: "" }, textContent: u.name }) : unitLink(u)));
  $("crumbs").replaceChildren(...crumbs);
  $("unit-name").replaceChildren(el("span", { dataset: { user: "" }, textContent: unit.name }));
  $("unit-meta").textContent = `${levelName(unit.level)} · ${unit.code}`;
}

function renderChildren() {
  const rows = view.items.map((u) =>
    el("tr", { dataset: { code: u.code } }, el("td", { textContent: u.code }), el("td", {}, unitLink(u)), el("td", { textContent: levelName(u.level) })));
  $("children").querySelector("tbody").replaceChildren(...rows);
  $("children").hidden = rows.length === 0;
  $("children-status").textContent = rows.length === 0 ? t("tree.empty") : "";
  const page = view.afters.length;
  $("page").textContent = page > 1 || view.nextAfter ? t("tree.page", { page }) : "";
  $("prev").hidden = page <= 1;
  $("next").hidden = !view.nextAfter;
}

async function loadPage() {
  const after = view.afters[view.afters.length - 1];
  const query = new URLSearchParams({ parent: view.unit.code, limit: PAGE_SIZE });
  if (after) query.set("after", after);
  $("children-status").textContent = t("tree.loading");
  const page = await api(`/org-units?${query}`);
  view.items = page.items;
  view.nextAfter = page.next_after;
  renderChildren();
}

async function loadUnit(code) {
  clearError($("tree-error"));
  try {
    view.unit = await api(`/org-units/${encodeURIComponent(code)}`);
    view.afters = [null];
    renderUnit();
    await loadPage();
    await loadBoundary();
  } catch (err) {
    showError($("tree-error"), err);
  }
}

async function turnPage(step) {
  if (step > 0) view.afters.push(view.nextAfter);
  else view.afters.pop();
  try {
    await loadPage();
  } catch (err) {
    showError($("tree-error"), err);
  }
}

/** The browser module's verdict on a typed code: true when the server may be asked. */
async function checkCode(code) {
  const module = await client();
  if (!module) return true;
  try {
    module.parseDivisionCode(code);
    return true;
  } catch (err) {
    showError($("goto-error"), err, "client");
    return false;
  }
}

async function onGoto(event) {
  event.preventDefault();
  clearError($("goto-error"));
  const code = $("goto-code").value.trim();
  if (!(await checkCode(code))) return;
  if (location.hash === `#${code}`) loadUnit(code);
  else location.hash = code;
}

// ── the boundary ──

/** Every ring of a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection. */
export function rings(geojson) {
  if (!geojson || typeof geojson !== "object") return [];
  switch (geojson.type) {
    case "FeatureCollection":
      return (geojson.features ?? []).flatMap(rings);
    case "Feature":
      return rings(geojson.geometry);
    case "Polygon":
      return geojson.coordinates ?? [];
    case "MultiPolygon":
      return (geojson.coordinates ?? []).flat();
    default:
      return [];
  }
}

/** An SVG outline of `geojson`: longitude scaled by the cosine of the middle latitude. */
function outline(geojson, name) {
  const all = rings(geojson);
  const points = all.flat();
  if (!points.length) return null;
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  const [minLon, maxLon, minLat, maxLat] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const width = Math.max((maxLon - minLon) * k, 1e-9);
  const height = Math.max(maxLat - minLat, 1e-9);
  const size = 300;
  const scale = size / Math.max(width, height);
  const pad = 10;
  const x = (lon) => (pad + (lon - minLon) * k * scale).toFixed(1);
  const y = (lat) => (pad + (maxLat - lat) * scale).toFixed(1);
  const d = all.map((ring) => `M${ring.map((p) => `${x(p[0])},${y(p[1])}`).join("L")}Z`).join("");
  const w = (width * scale + 2 * pad).toFixed(0);
  const h = (height * scale + 2 * pad).toFixed(0);
  return svg("svg", { viewBox: `0 0 ${w} ${h}`, class: "outline", role: "img" },
    svg("title", {}, t("admin.boundary.drawn", { name })),
    svg("path", { d, "fill-rule": "evenodd", class: "outline-shape" }));
}

function renderBoundary() {
  const box = $("boundary");
  const unit = view.unit;
  const drawable = unit && (unit.level === "village" || unit.level === "township");
  box.hidden = !drawable;
  if (!drawable) return box.replaceChildren();
  const drawn = view.boundary ? outline(view.boundary, unit.name) : null;
  const parts = [
    say(el("h2"), "admin.boundary.title"),
    drawn ? el("div", { className: "outline-box", id: "boundary-drawing" }, drawn) : say(el("p", { className: "muted", id: "boundary-none" }), "admin.boundary.none"),
  ];
  if (drawn) {
    const count = rings(view.boundary).length;
    parts.push(el("p", { className: "muted", id: "boundary-rings" }, t("admin.boundary.rings", { n: count })));
  }
  if (ctx.me.role === "admin") parts.push(boundaryForm());
  box.replaceChildren(...parts);
}

function boundaryForm() {
  const picker = fileField("admin.boundary.file", "boundary", ".geojson,.json,application/geo+json,application/json", "boundary-file", { hint: "admin.boundary.hint" });
  const file = picker.querySelector("input");
  const line = el("p", { className: "feedback", hidden: true, id: "boundary-feedback" });
  const form = el("form", { id: "boundary-form", noValidate: true },
    picker,
    say(el("button", { type: "submit", id: "boundary-submit" }), "admin.boundary.upload"),
    line,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return refuse(form, { code: "no_file", source: "client", ...both("admin.file.none"), details: { field: "boundary" } }, line);
    feedback(line, "busy", "admin.boundary.sending");
    let geojson;
    try {
      geojson = JSON.parse(await chosen.text());
    } catch {
      return refuse(form, { code: "not_json", source: "client", ...both("admin.boundary.not_json"), details: { field: "boundary" } }, line);
    }
    try {
      await api(`/org-units/${view.unit.code}/boundary`, { method: "PUT", body: geojson });
      view.boundary = geojson;
      renderBoundary();
      const done = $("boundary-feedback");
      feedback(done, "saved", "admin.boundary.saved");
      $("boundary-drawing")?.scrollIntoView?.({ block: "nearest" });
    } catch (err) {
      refuse(form, err, line, { invalid_boundary: "boundary", payload_too_large: "boundary", bad_json: "boundary" });
    }
  });
  return form;
}

async function loadBoundary() {
  view.boundary = null;
  const unit = view.unit;
  if (unit.level === "village" || unit.level === "township") {
    try {
      view.boundary = await api(`/org-units/${unit.code}/boundary`);
    } catch (err) {
      if (err.status !== 404) showError($("tree-error"), err);
    }
  }
  renderBoundary();
}

// ── the divisions import ──

function renderImport() {
  const box = $("divisions-import");
  box.hidden = ctx.me.role !== "admin";
  if (box.hidden) return;
  const picker = fileField("admin.divisions.file", "file", ".csv,.gz,text/csv,application/gzip", "divisions-file", { hint: "admin.divisions.hint" });
  const file = picker.querySelector("input");
  const progress = el("progress", { id: "divisions-progress", max: 1, value: 0, hidden: true });
  const line = el("p", { className: "feedback", hidden: true, id: "divisions-feedback" });
  const result = el("div", { id: "divisions-result" });
  const form = el("form", { id: "divisions-form", noValidate: true },
    picker,
    say(el("button", { type: "submit", id: "divisions-submit" }), "admin.divisions.upload"),
    progress,
    line,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    view.importResult = null;
    drawImportResult(result);
    if (!chosen) return refuse(form, { code: "no_file", source: "client", ...both("admin.file.none"), details: { field: "file" } }, line);
    const type = chosen.name.endsWith(".gz") ? "application/gzip" : "text/csv";
    progress.hidden = false;
    feedback(line, "busy", "admin.divisions.sending");
    try {
      const summary = await upload("/org-units/import", chosen, type, (f) => {
        progress.value = f;
        if (f >= 1) feedback(line, "busy", "admin.divisions.checking");
      });
      view.importResult = { summary };
      feedback(line, "saved", "admin.divisions.done");
      if (view.unit) await loadPage();
    } catch (err) {
      view.importResult = err.code === "import_invalid" ? { errors: err } : null;
      refuse(form, err, line, { import_invalid: "file", unsupported_media_type: "file", payload_too_large: "file" });
    } finally {
      progress.hidden = true;
    }
    drawImportResult(result);
  });
  box.replaceChildren(say(el("h2"), "admin.divisions.title"), say(el("p", { className: "muted" }), "admin.divisions.intro"), form, result);
}

/** A line error's message: both languages when the server sends them, else its one text. */
function lineMessage(e) {
  return e.message_zh || e.message_en ? pick(e) : e.message;
}

function drawImportResult(box) {
  const r = view.importResult;
  if (!r) return box.replaceChildren();
  if (r.summary) {
    const s = r.summary;
    return box.replaceChildren(
      el("dl", { className: "summary-list" },
        say(el("dt"), "admin.divisions.rows"), el("dd", { textContent: String(s.rows), dataset: { n: "rows" } }),
        say(el("dt"), "admin.divisions.inserted"), el("dd", { textContent: String(s.inserted), dataset: { n: "inserted" } }),
        say(el("dt"), "admin.divisions.updated"), el("dd", { textContent: String(s.updated), dataset: { n: "updated" } }),
        say(el("dt"), "admin.divisions.unchanged"), el("dd", { textContent: String(s.unchanged), dataset: { n: "unchanged" } }),
      ),
    );
  }
  const details = r.errors.details ?? {};
  const table = el("table", { id: "divisions-errors" });
  renderTable(table, {
    caption: () => t("admin.import.errors", { n: details.error_count ?? details.errors?.length ?? 0 }),
    columns: [
      { label: "admin.import.line", cell: (e) => String(e.line), numeric: true },
      { label: "admin.import.column", cell: (e) => el("code", { textContent: e.field }) },
      { label: "admin.import.message", cell: (e) => lineMessage(e) },
    ],
    rows: details.errors ?? [],
  });
  box.replaceChildren(say(el("p", { className: "notice" }), "admin.import.nothing"), table);
}

function wire() {
  if (wired) return;
  wired = true;
  $("goto-form").addEventListener("submit", onGoto);
  $("prev").addEventListener("click", () => turnPage(-1));
  $("next").addEventListener("click", () => turnPage(1));
  document.addEventListener("langchange", () => {
    renderUnit();
    if (view.unit) renderChildren();
    renderBoundary();
    drawImportResult($("divisions-result") ?? el("div"));
  });
  client(); // start fetching the module while the first unit loads
  renderImport();
}

export async function show(_section, code) {
  wire();
  const target = code || ctx.me.org_unit.code;
  if (view.unit?.code === target) return;
  await loadUnit(target);
}
