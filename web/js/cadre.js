// The cadre page: sign in, see the period that is due, write outcomes and the template's
// fields. Every change goes to IndexedDB (one draft per user and period) and is checked by
// the browser module with the server's own rules. "Seal" puts the payload in the outbox,
// which uploads whenever the device is online, with the same report id on every retry.
// Works offline after the first visit (web/sw.js). Sends no location track and no telemetry.

import { api, clearError, clearToken, login, showError, token } from "./api.js";
import { client } from "./client.js";
import { init, lang, pick, t } from "./i18n.js";
import * as store from "./store.js";

const $ = (id) => document.getElementById(id);
const STATUSES = ["done", "in_progress", "handed_off", "blocked"];
const page = { user: null, jf: null, periods: null, context: null, desk: null, draft: null, timer: null, flushing: false };

/** The signed-in user's id, read from the token itself so it is known offline. */
function userOfToken() {
  try {
    const body = token().split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(body));
    return claims.role === "cadre" ? String(claims.sub) : null;
  } catch {
    return null;
  }
}

function storageProblem(err) {
  showError($("storage-error"), err, "client");
}

/** Asks the server, keeping the answer; offline, the kept answer. */
async function fetchKept(path, key) {
  try {
    const value = await api(path);
    await store.putCached(key, value).catch(storageProblem);
    return value;
  } catch (err) {
    if (err.status !== 0) throw err;
    const kept = await store.getCached(key).catch(() => undefined);
    if (kept === undefined) throw { code: "offline", message_zh: t("err.offline_first"), message_en: t("err.offline_first") };
    return kept;
  }
}

function show(section) {
  for (const id of ["login", "report", "elsewhere"]) $(id).hidden = id !== section;
}

async function start() {
  page.user = token() ? userOfToken() : null;
  if (!page.user) {
    if (token()) {
      $("elsewhere-text").textContent = t("cadre.not_cadre");
      return show("elsewhere");
    }
    return show("login");
  }
  page.jf = await client();
  if (!page.jf) showError($("report-error"), { code: "wasm", message_zh: t("err.wasm"), message_en: t("err.wasm") }, "client");
  try {
    page.periods = await fetchKept("/me/periods", `${page.user}|periods`);
  } catch (err) {
    if (err.status === 401) return show("login");
    show("report");
    return showError($("report-error"), err);
  }
  const choices = page.periods.periods.filter((p) => p.status !== "upcoming");
  const due = choices.find((p) => p.status === "open") || choices.find((p) => p.status === "missing") || choices.at(-1);
  renderPeriodChoice(choices, due);
  show("report");
  if (due) await openPeriod(due.key);
  else $("due").textContent = t("cadre.no_period");
  flush();
}

/** A period's last day: the API's `end` is exclusive. */
const lastDay = (end) => new Date(Date.parse(`${end}T00:00:00Z`) - 86400000).toISOString().slice(0, 10);

function renderPeriodChoice(choices, selected) {
  $("period").replaceChildren(
    ...choices.map((p) => {
      const option = document.createElement("option");
      option.value = p.key;
      option.textContent = `${p.start} – ${lastDay(p.end)} · ${t(`cadre.status.${p.status}`)}`;
      option.selected = selected && p.key === selected.key;
      return option;
    }),
  );
}

async function openPeriod(key) {
  clearError($("report-error"));
  try {
    page.context = await fetchKept(`/me/periods/${encodeURIComponent(key)}`, `${page.user}|context|${key}`);
    page.desk = page.jf ? new page.jf.Client(page.context) : null;
  } catch (err) {
    return showError($("report-error"), err, err.status === undefined ? "client" : "server");
  }
  const p = page.context.period;
  $("due").textContent = t("cadre.due", { due: p.due_date, last: p.last_on_time_date });
  const dkey = store.draftKey(page.user, key);
  let draft = await store.getDraft(dkey).catch((err) => {
    storageProblem(err);
    return undefined;
  });
  if (!draft && page.desk) {
    draft = { ...page.desk.newDraft(), key: dkey, state: page.context.report ? "submitted" : "editing" };
    await save(draft);
  }
  page.draft = draft || null;
  render();
}

async function save(draft = page.draft) {
  try {
    await store.putDraft(draft);
    clearError($("storage-error"));
    $("saved").textContent = t("cadre.saved", { time: new Date().toLocaleTimeString(lang() === "zh" ? "zh-CN" : "en") });
  } catch (err) {
    storageProblem(err);
  }
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "dataset") Object.assign(node.dataset, v);
    else if (v !== undefined && v !== null) node[k] = v;
  }
  node.append(...children);
  return node;
}

function labelled(text, input) {
  const id = `in-${input.dataset.path.replace(/\W/g, "-")}`;
  input.id = id;
  return [el("label", { htmlFor: id, textContent: text }), input];
}

function renderOutcome(outcome, i) {
  const path = (name) => ({ path: `o.${i}.${name}` });
  const status = el("select", { dataset: path("status") },
    ...STATUSES.map((s) => el("option", { value: s, textContent: t(`outcome.${s}`), selected: outcome.status === s })));
  const parts = [
    el("legend", { textContent: t("cadre.outcome.n", { n: i + 1 }) }),
    ...labelled(t("cadre.outcome.category"), el("input", { value: outcome.category ?? "", dataset: path("category") })),
    ...labelled(t("cadre.outcome.what"), el("textarea", { value: outcome.what ?? "", dataset: path("what") })),
    ...labelled(t("cadre.outcome.for_whom"), el("input", { value: outcome.for_whom ?? "", dataset: path("for_whom") })),
    ...labelled(t("cadre.outcome.status"), status),
  ];
  const continuable = page.context.continuable || [];
  if (continuable.length) {
    const earlier = new Map((page.context.last_outcomes || []).map((o) => [o.id, o.what]));
    parts.push(...labelled(t("cadre.outcome.continues"), el("select", { dataset: path("continues") },
      el("option", { value: "", textContent: t("cadre.outcome.continues.none") }),
      ...continuable.map((id) => el("option", { value: id, textContent: earlier.get(id) || id, selected: outcome.continues === id })))));
  }
  if (outcome.geotag) parts.push(el("p", { className: "muted", textContent: t("cadre.outcome.place.shown", outcome.geotag) }));
  parts.push(
    el("button", { type: "button", className: "secondary", textContent: t(outcome.geotag ? "cadre.outcome.place.clear" : "cadre.outcome.place"), dataset: { place: i } }),
    " ",
    el("button", { type: "button", className: "secondary", textContent: t("cadre.outcome.remove"), dataset: { remove: i } }),
  );
  return el("fieldset", { className: "outcome" }, ...parts);
}

function renderField(field) {
  const value = page.draft.content.fields?.[field.key];
  const label = lang() === "en" ? field.label_en : field.label_zh;
  const dataset = { path: `f.${field.key}`, kind: field.type };
  let input;
  switch (field.type) {
    case "number":
      input = el("input", { type: "number", inputMode: "decimal", value: value ?? "", min: field.min, max: field.max, dataset });
      break;
    case "date":
      input = el("input", { type: "date", value: value ?? "", dataset });
      break;
    case "choice":
      input = el("select", { multiple: !!field.multiple, dataset },
        ...(field.multiple ? [] : [el("option", { value: "", textContent: "—" })]),
        ...field.options.map((o) => el("option", { value: o, textContent: o, selected: field.multiple ? (value || []).includes(o) : value === o })));
      break;
    case "text":
      input = el(field.max_chars > 80 ? "textarea" : "input", { value: value ?? "", maxLength: field.max_chars, dataset });
      break;
    default:
      return []; // outcome lists are above; geotag and attachment fields are not asked here
  }
  return labelled(field.required ? `${label} *` : label, input);
}

function render() {
  const draft = page.draft;
  if (!draft) return;
  const content = draft.content;
  $("outcomes").replaceChildren(...(content.outcomes || []).map(renderOutcome));
  $("fields").replaceChildren(...page.context.template.flatMap(renderField));
  $("days").value = content.days_in_village ?? "";
  renderState();
  check();
}

function renderState() {
  const outboxState = page.draft.state;
  $("state").dataset.state = outboxState;
  $("state").textContent = t(`cadre.state.${outboxState}`);
  const sealed = outboxState === "waiting" || outboxState === "sending";
  for (const node of $("draft").querySelectorAll("input, textarea, select, button")) node.disabled = sealed;
  $("seal").disabled = sealed;
  $("seal").textContent = t(outboxState === "submitted" || outboxState === "refused" ? "cadre.revise" : "cadre.seal");
}

/** Shows the module's problems (errors and hints); returns whether any error blocks. */
function check() {
  if (!page.desk) return false;
  let problems;
  try {
    problems = page.desk.checkDraft(page.draft.content);
  } catch (err) {
    problems = [{ ...err, severity: "error", field: "" }];
  }
  $("problems").replaceChildren(
    ...problems.map((p) => el("li", { className: p.severity, textContent: pick(p), dataset: { code: p.code, field: p.field } })),
  );
  if (!problems.length) $("problems").append(el("li", { className: "ok", textContent: t("cadre.problems.none") }));
  return problems.some((p) => p.severity === "error");
}

function readInput(node) {
  const [scope, a, b] = node.dataset.path.split(".");
  const content = page.draft.content;
  if (scope === "days") {
    if (node.value === "") delete content.days_in_village;
    else content.days_in_village = Number(node.value);
  } else if (scope === "o") {
    const outcome = content.outcomes[Number(a)];
    if (b === "continues" && !node.value) delete outcome.continues;
    else outcome[b] = node.value;
  } else if (scope === "f") {
    content.fields ??= {};
    let value = node.value;
    if (node.multiple) value = [...node.selectedOptions].map((o) => o.value);
    else if (node.dataset.kind === "number" && value !== "") value = Number(value);
    if (value === "" || (Array.isArray(value) && !value.length)) delete content.fields[a];
    else content.fields[a] = value;
  }
}

async function onInput(event) {
  if (!event.target.dataset.path || !page.draft) return;
  readInput(event.target);
  if (page.draft.state !== "editing") page.draft.state = "editing";
  renderState();
  check();
  await save();
}

async function onClick(event) {
  const { remove, place } = event.target.dataset;
  if (remove === undefined && place === undefined) return;
  const outcomes = page.draft.content.outcomes;
  if (remove !== undefined) outcomes.splice(Number(remove), 1);
  else if (outcomes[place].geotag) delete outcomes[place].geotag;
  else await recordPlace(outcomes[place]);
  await save();
  render();
}

/** The place of an outcome, rounded by the module the moment it is known. */
function recordPlace(outcome) {
  return new Promise((resolve) => {
    if (!navigator.geolocation || !page.jf) return resolve();
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        outcome.geotag = page.jf.roundGeotag(pos.coords.latitude, pos.coords.longitude);
        resolve();
      },
      () => resolve(),
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 },
    );
  });
}

async function addOutcome() {
  const id = `o-${page.jf ? page.jf.newReportId().slice(0, 8) : Date.now().toString(36)}`;
  page.draft.content.outcomes.push({ id, category: "", what: "", for_whom: "", status: "done" });
  page.draft.state = "editing";
  await save();
  render();
  $("outcomes").lastElementChild.querySelector("input").focus();
}

async function seal() {
  clearError($("report-error"));
  if (check()) return;
  let sealed;
  try {
    sealed = page.desk.sealDraft(page.draft);
  } catch (err) {
    return showError($("report-error"), err, "client");
  }
  const item = { ...sealed, user: page.user, draftKey: page.draft.key, attempts: 0, nextAt: 0, sealedAt: Date.now() };
  try {
    await store.putOutbox(item);
  } catch (err) {
    return storageProblem(err);
  }
  page.draft.state = "waiting";
  await save();
  renderState();
  flush();
}

/** Updates the draft an outbox item came from (it may be another period's). */
async function settle(item, state, reportId = item.reportId) {
  const draft = page.draft && page.draft.key === item.draftKey ? page.draft : await store.getDraft(item.draftKey);
  if (!draft) return;
  draft.state = state;
  draft.reportId = reportId;
  await store.putDraft(draft).catch(storageProblem);
  if (draft === page.draft) renderState();
}

/** Uploads what waits in the outbox; the module decides what each answer means. */
async function flush() {
  if (page.flushing || !page.jf || !page.user) return;
  page.flushing = true;
  clearTimeout(page.timer);
  let next = Infinity;
  try {
    const items = (await store.outbox()).filter((i) => i.user === page.user && i.state !== "refused");
    for (const item of items) {
      if (item.nextAt > Date.now()) {
        next = Math.min(next, item.nextAt);
        continue;
      }
      if (page.draft && page.draft.key === item.draftKey) {
        page.draft.state = "sending";
        renderState();
      }
      let status = 200;
      let body = null;
      try {
        await api(`/reports/${item.reportId}`, { method: "PUT", body: { period: item.period, content: item.content } });
      } catch (err) {
        status = err.status ?? 0;
        body = { code: err.code, details: err.details };
        if (status > 0) showError($("report-error"), err);
      }
      const step = page.jf.uploadStep(status, body, item.attempts);
      if (step.action === "done") {
        await store.dropOutbox(item.reportId);
        clearError($("report-error"));
        await settle(item, "submitted");
      } else if (step.action === "retry") {
        item.attempts += 1;
        item.nextAt = Date.now() + step.delayMs;
        next = Math.min(next, item.nextAt);
        await store.putOutbox(item);
        await settle(item, "waiting");
      } else if (step.action === "revise") {
        // Another tab or phone reported this period first: continue as its revision.
        await store.dropOutbox(item.reportId);
        await store.putOutbox({ ...item, reportId: step.existingId, attempts: 0, nextAt: 0 });
        await settle(item, "waiting", step.existingId);
        next = Date.now();
      } else {
        if (step.action === "sign_in") clearToken();
        await store.putOutbox({ ...item, state: step.action === "refused" ? "refused" : item.state });
        await settle(item, step.action);
      }
    }
  } catch (err) {
    storageProblem(err);
  } finally {
    page.flushing = false;
  }
  if (next !== Infinity) page.timer = setTimeout(flush, Math.max(0, next - Date.now()));
}

function exportDraft() {
  const file = JSON.stringify({ format: "jianfu-draft", version: 1, draft: page.draft }, null, 1);
  const link = el("a", {
    href: URL.createObjectURL(new Blob([file], { type: "application/json" })),
    download: `jianfu-draft-${page.draft.period.replace(/:/g, "-")}.json`,
  });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

async function importDraft(event) {
  const [file] = event.target.files;
  event.target.value = "";
  if (!file) return;
  try {
    const parsed = JSON.parse(await file.text());
    const draft = parsed && parsed.format === "jianfu-draft" ? parsed.draft : null;
    if (!draft || draft.period !== page.draft.period || !draft.content || !Array.isArray(draft.content.outcomes)) throw new Error("not a draft");
    page.draft = { ...page.draft, reportId: draft.reportId || page.draft.reportId, content: draft.content, state: "editing" };
  } catch {
    return showError($("report-error"), { code: "import", message_zh: t("err.import"), message_en: t("err.import") }, "client");
  }
  await save();
  render();
}

async function onLogin(event) {
  event.preventDefault();
  clearError($("login-error"));
  $("login-submit").disabled = true;
  try {
    await login($("username").value.trim(), $("password").value);
    $("password").value = "";
    await start();
  } catch (err) {
    showError($("login-error"), err);
  } finally {
    $("login-submit").disabled = false;
  }
}

function onlineChanged() {
  $("offline").hidden = navigator.onLine;
  if (!navigator.onLine) return;
  store
    .outbox()
    .then((items) => Promise.all(items.map((i) => store.putOutbox({ ...i, nextAt: 0 }))))
    .then(flush, storageProblem);
  navigator.serviceWorker?.controller?.postMessage("refresh");
}

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js").catch((err) => console.warn("jianfu: no offline copy", err));
  if (navigator.onLine) navigator.serviceWorker.ready.then((r) => r.active && r.active.postMessage("refresh"));
}
init();
$("login-form").addEventListener("submit", onLogin);
$("draft").addEventListener("input", onInput);
$("draft").addEventListener("change", onInput);
$("draft").addEventListener("click", onClick);
$("add-outcome").addEventListener("click", addOutcome);
$("seal").addEventListener("click", seal);
$("export").addEventListener("click", exportDraft);
$("import").addEventListener("change", importDraft);
$("period").addEventListener("change", (e) => openPeriod(e.target.value));
window.addEventListener("online", onlineChanged);
window.addEventListener("offline", onlineChanged);
document.addEventListener("langchange", () => page.draft && render());
$("offline").hidden = navigator.onLine;
start();
