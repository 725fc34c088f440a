// The cadre page: sign in, see the period that is due, write outcomes and the template's
// fields. Every change goes to IndexedDB (one draft per user and period) and is checked by
// the browser module with the server's own rules. "Seal" puts the payload in the outbox,
// which uploads whenever the device is online, with the same report id on every retry.
// Works offline after the first visit (web/sw.js). Sends no location track and no telemetry.
//
// Made for a 2G link: the form is drawn from the kept (or freshly fetched) period as soon
// as it is known, while the module (the largest download) is still on its way; the module
// only adds the checks and sealing. A later visit draws everything from the device first
// and asks the server in the background.

import { api, clearError, clearToken, login, showError, token } from "./api.js";
import { both, init, lang, pick, t } from "./i18n.js";
import * as store from "./store.js";

const $ = (id) => document.getElementById(id);
const STATUSES = ["done", "in_progress", "handed_off", "blocked"];
const page = {
  user: null,
  jf: null,
  periods: null,
  context: null,
  desk: null,
  draft: null,
  timer: null,
  flushing: false,
  sending: null,
  /** Paths the cadre has typed in: only their problems show before a seal attempt. */
  touched: new Set(),
  showAll: false,
  undo: null,
};

// ── the browser module ───────────────────────────────────────────────────────────────

let loading = null;

/** Loads the browser module once (its .wasm was preloaded by the page); null if it cannot. */
function client() {
  loading ??= import("../pkg/jianfu_client.js")
    .then(async (module) => {
      await module.default();
      return module;
    })
    .catch((err) => {
      console.warn("jianfu: the browser module did not load", err);
      return null;
    });
  return loading;
}

// ── small helpers ────────────────────────────────────────────────────────────────────

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

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "dataset") Object.assign(node.dataset, v);
    else if (v !== undefined && v !== null) node[k] = v;
  }
  node.append(...children);
  return node;
}

const locale = () => (lang() === "zh" ? "zh-CN" : "en-GB");

/** A civil date (YYYY-MM-DD, the policy's local date) as words: "12 月 3 日" / "3 Dec". */
function day(iso, withYear = false) {
  const [y, m, d] = iso.split("-").map(Number);
  if (lang() === "zh") return `${withYear ? `${y} 年 ` : ""}${m} 月 ${d} 日`;
  const month = new Date(Date.UTC(2000, m - 1, 1)).toLocaleString("en-GB", { month: "short", timeZone: "UTC" });
  return `${d} ${month}${withYear ? ` ${y}` : ""}`;
}

/** An instant (unix seconds) in local time: the policy's time zone (the one its deadlines
 * are set in, /me/periods' time_zone), else this device's; never UTC unless that is it. */
function when(unix) {
  const options = { year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" };
  const date = new Date(unix * 1000);
  try {
    return date.toLocaleString(locale(), { ...options, timeZone: page.periods?.time_zone || undefined });
  } catch {
    return date.toLocaleString(locale(), options); // an unknown zone name
  }
}

/** A period's last day: the API's `end` is exclusive. */
const lastDay = (end) => new Date(Date.parse(`${end}T00:00:00Z`) - 86400000).toISOString().slice(0, 10);

/**
 * A fresh report id, without waiting for the module: a UUID v7 (RFC 9562), the first 48 bits
 * the clock in milliseconds, so that the server files reports in the order they are written.
 */
function newId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let t = Date.now();
  for (let i = 5; i >= 0; i -= 1) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const clone = (v) => JSON.parse(JSON.stringify(v));

/** The problem path of the module (`outcomes[0].what`) as the page's input path (`o.0.what`). */
function inputPath(field) {
  let m = /^outcomes\[(\d+)\](?:\.(\w+))?/.exec(field);
  if (m) return m[2] ? `o.${m[1]}.${m[2]}` : `o.${m[1]}.what`;
  m = /^fields\.(\w+)/.exec(field);
  if (m) return `f.${m[1]}`;
  if (field === "days_in_village") return "days";
  if (field === "outcomes") return "outcomes";
  return "";
}

// ── kept answers ─────────────────────────────────────────────────────────────────────

const offlineError = () => ({ code: "offline", ...both("err.offline_first") });

/** Asks the server and keeps the answer. */
async function fetchAndKeep(path, key) {
  const value = await api(path);
  await store.putCached(key, value).catch(storageProblem);
  return value;
}

/** The kept answer, if any. */
const kept = (key) => store.getCached(key).catch(() => undefined);

/** An answer the page asked for before its scripts ran (cadre.html), once; else undefined. */
function early(name, key) {
  window.jianfuEarly ??= null; // too late for early.js: it will not ask
  const asked = window.jianfuEarly?.[name];
  if (!asked) return undefined;
  delete window.jianfuEarly[name];
  return asked.then((got) => {
    const value = name === "context" ? (got && got.key === key ? got.value : null) : got;
    if (!value) return undefined;
    const keptAs = name === "context" ? contextKey(key) : `${page.user}|periods`;
    return store.putCached(keptAs, value).catch(storageProblem).then(() => value);
  });
}

/** The early answer when it is good, else the server's. */
async function fresh(path, key, name, earlyKey) {
  const got = await early(name, earlyKey);
  return got ?? fetchAndKeep(path, key);
}

// ── start ────────────────────────────────────────────────────────────────────────────

function show(section) {
  $("loading").hidden = true;
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
  client().then(moduleArrived);
  const periodsKey = `${page.user}|periods`;
  const cached = await kept(periodsKey);
  const answer = fresh("/me/periods", periodsKey, "periods");
  if (cached) {
    await showPeriods(cached);
    answer.then(refreshPeriods, (err) => {
      if (err.status === 401) show("login");
    });
  } else {
    try {
      await showPeriods(await answer);
    } catch (err) {
      if (err.status === 401) return show("login");
      show("report");
      $("draft").hidden = true;
      $("send").hidden = true;
      return showError($("report-error"), err.status === 0 ? offlineError() : err);
    }
  }
  flush();
}

/** The period to open: the server's suggestion (the earliest due and unreported, else the
 * latest reported), or the same rule applied here to an older kept answer. */
function suggested(periods) {
  const choices = periods.periods.filter((p) => !["upcoming", "not_posted"].includes(p.status));
  const named = choices.find((p) => p.key === periods.suggested);
  if (named) return named;
  const reported = (p) => ["on_time", "late", "sealed_on_time"].includes(p.status);
  return choices.find((p) => p.status === "missing") || choices.findLast(reported) || choices.find((p) => p.status === "open") || choices.at(-1);
}

async function showPeriods(periods) {
  page.periods = periods;
  const choice = suggested(periods);
  renderPeriodChoice(choice?.key);
  show("report");
  if (choice) await openPeriod(choice.key);
  else $("due").textContent = t("cadre.no_period");
}

/** A fresh answer after the page was drawn from a kept one: update what it changes. */
async function refreshPeriods(periods) {
  if (same(periods, page.periods)) return refreshContext();
  const before = page.context?.period.key;
  page.periods = periods;
  renderPeriodChoice(before);
  if (!before) {
    const choice = suggested(periods);
    if (choice) await openPeriod(choice.key);
  } else await refreshContext();
}

function periodLabel(p) {
  return `${day(p.start)} – ${day(lastDay(p.end))} · ${t(`cadre.status.${p.status}`)}`;
}

function renderPeriodChoice(selected) {
  const choices = page.periods.periods.filter((p) => !["upcoming", "not_posted"].includes(p.status));
  $("period").replaceChildren(
    ...choices.map((p) => el("option", { value: p.key, textContent: periodLabel(p), selected: p.key === selected })),
  );
}

// ── one period ───────────────────────────────────────────────────────────────────────

const contextKey = (key) => `${page.user}|context|${key}`;

async function openPeriod(key) {
  clearError($("report-error"));
  page.touched = new Set();
  page.showAll = false;
  page.undo = null;
  $("period").value = key;
  let context = await kept(contextKey(key));
  const answer = fresh(`/me/periods/${encodeURIComponent(key)}`, contextKey(key), "context", key);
  if (!context) {
    try {
      context = await answer;
    } catch (err) {
      return unavailable(key, err);
    }
  } else {
    answer.then(() => refreshContext(), () => {});
  }
  if ($("period").value !== key) return; // another week was chosen meanwhile
  await useContext(context);
}

/** A week this device cannot show: never its previous week's form under the new label. */
function unavailable(key, err) {
  if ($("period").value !== key) return;
  page.context = null;
  page.draft = null;
  page.desk = null;
  $("draft").hidden = true;
  $("send").hidden = true;
  $("receipt").hidden = true;
  $("questions").hidden = true;
  $("conflict").hidden = true;
  $("exempt").hidden = true;
  $("state").textContent = "";
  $("due").textContent = "";
  $("unavailable").textContent = err.status === 0 ? t("cadre.unavailable") : pick(err);
  $("unavailable").hidden = false;
}

async function useContext(context) {
  page.context = context;
  page.desk = null;
  const dkey = store.draftKey(page.user, context.period.key);
  let draft = await store.getDraft(dkey).catch((err) => {
    storageProblem(err);
    return undefined;
  });
  const report = context.report;
  // Nothing of the device's own waits: the server's newer revision is the draft.
  const stale = draft && report && ["submitted", "editing"].includes(draft.state) && !draft.edited && (draft.baseRevision ?? 0) < report.revision;
  if (!draft || stale) {
    draft = firstDraft(context, dkey);
    await save(draft, false);
  }
  page.draft = draft;
  makeDesk();
  render();
}

/** A first draft, made here so the form does not wait for the module: the stored report
 * (a revision), or the carried-forward prefill, or nothing. */
function firstDraft(context, key) {
  const report = context.report;
  const base = { key, period: context.period.key, edited: false };
  if (report) {
    return { ...base, reportId: report.id, content: clone(report.content), baseRevision: report.revision, state: "submitted", basedOn: "report" };
  }
  if (context.prefill) {
    const content = clone(context.prefill);
    content.outcomes ??= [];
    // Each carried outcome as it came: until it is edited or confirmed, it is last
    // period's, not this one's.
    const carried = Object.fromEntries(content.outcomes.map((o) => [o.id, JSON.stringify(o)]));
    return { ...base, reportId: newId(), content, carried, confirmed: {}, state: "editing", basedOn: "prefill" };
  }
  return { ...base, reportId: newId(), content: { outcomes: [], fields: {} }, state: "editing", basedOn: "empty" };
}

function makeDesk() {
  page.desk = null;
  if (!page.jf || !page.context) return;
  try {
    page.desk = new page.jf.Client(page.context);
  } catch (err) {
    showError($("report-error"), err, "client");
  }
}

function moduleArrived(jf) {
  page.jf = jf;
  document.body.dataset.checks = jf ? "ready" : "unavailable";
  if (!jf) showError($("report-error"), { code: "wasm", ...both("err.wasm") }, "client");
  if (page.context) {
    makeDesk();
    renderChecks();
  }
  flush();
}

/** The kept context may be out of date: take the fresh one, keeping what is typed. */
async function refreshContext() {
  if (!page.context) return;
  const key = page.context.period.key;
  const fresh = await kept(contextKey(key));
  if (!fresh || same(fresh, page.context) || $("period").value !== key) return;
  const focused = $("draft").contains(document.activeElement);
  if (focused && same(fresh.template, page.context.template)) {
    page.context = fresh;
    makeDesk();
    renderQuestions();
    renderState();
    renderChecks();
  } else await useContext(fresh);
}

async function save(draft = page.draft, stamp = true) {
  try {
    await store.putDraft(draft);
    clearError($("storage-error"));
    if (stamp) $("saved").textContent = t("cadre.saved", { time: new Date().toLocaleTimeString(locale()) });
  } catch (err) {
    storageProblem(err);
  }
}

// ── drawing ──────────────────────────────────────────────────────────────────────────

function labelled(text, input, note) {
  const path = input.dataset.path;
  input.id = `in-${path.replace(/\W/g, "-")}`;
  return [
    el("label", { htmlFor: input.id, textContent: text }),
    input,
    ...(note ? [note] : []),
    el("p", { className: "problem", hidden: true, dataset: { for: path } }),
  ];
}

/** Carried from last period and untouched: it needs the cadre's word before it is sent. */
function isCarriedUntouched(outcome) {
  const draft = page.draft;
  return !!draft.carried?.[outcome.id] && draft.carried[outcome.id] === JSON.stringify(outcome);
}

function renderOutcome(outcome, i) {
  const path = (name) => ({ path: `o.${i}.${name}` });
  const status = el("select", { dataset: path("status") },
    ...STATUSES.map((s) => el("option", { value: s, textContent: t(`outcome.${s}`), selected: outcome.status === s })));
  const parts = [el("legend", { textContent: t("cadre.outcome.n", { n: i + 1 }) })];
  if (page.draft.carried?.[outcome.id]) {
    const untouched = isCarriedUntouched(outcome);
    const box = el("input", { type: "checkbox", checked: !!page.draft.confirmed?.[outcome.id], dataset: { confirm: outcome.id } });
    box.disabled = !untouched;
    parts.push(
      el("p", { className: "carried", textContent: t(untouched ? "cadre.carried.hint" : "cadre.carried.edited") }),
      el("label", { className: "check" }, box, " ", t("cadre.carried.confirm")),
      el("p", { className: "problem", hidden: true, dataset: { for: `o.${i}.carried` } }),
    );
  }
  parts.push(
    ...labelled(t("cadre.outcome.category"), el("input", { value: outcome.category ?? "", dataset: path("category") })),
    ...labelled(t("cadre.outcome.what"), el("textarea", { value: outcome.what ?? "", dataset: path("what") })),
    ...labelled(t("cadre.outcome.for_whom"), el("input", { value: outcome.for_whom ?? "", dataset: path("for_whom") })),
    ...labelled(t("cadre.outcome.status"), status),
  );
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
  return el("fieldset", { className: "outcome", dataset: { outcome: i } }, ...parts);
}

function renderField(field) {
  const value = page.draft.content.fields?.[field.key];
  const label = lang() === "en" ? field.label_en : field.label_zh;
  const dataset = { path: `f.${field.key}`, kind: field.type };
  let input;
  let note;
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
      // No maxLength: a cut the cadre does not see loses words. The counter says the
      // limit, and a longer text is a problem next to the field.
      input = el(field.max_chars > 80 ? "textarea" : "input", { value: value ?? "", dataset });
      note = el("p", { className: "count muted", dataset: { count: field.key, max: field.max_chars } });
      break;
    default:
      return []; // outcome lists are above; geotag and attachment fields are not asked here
  }
  return labelled(field.required ? `${label} *` : label, input, note);
}

function updateCount(input) {
  const note = $("fields").querySelector(`[data-count="${input.dataset.path.slice(2)}"]`);
  if (!note) return;
  const n = [...input.value.trim()].length;
  const max = Number(note.dataset.max);
  note.textContent = t("cadre.count", { n, max });
  note.classList.toggle("over", n > max);
}

function render() {
  const draft = page.draft;
  if (!draft) return;
  const p = page.context.period;
  const exempt = p.status === "exempt";
  $("unavailable").hidden = true;
  $("exempt").hidden = !exempt;
  $("draft").hidden = exempt && !page.context.report;
  $("send").hidden = exempt && !page.context.report;
  $("due").textContent = t("cadre.due", { due: day(p.due_date), last: day(p.last_on_time_date) });
  const content = draft.content;
  $("outcomes").replaceChildren(...(content.outcomes || []).map(renderOutcome));
  $("fields").replaceChildren(...page.context.template.flatMap(renderField));
  for (const input of $("fields").querySelectorAll("[data-kind='text']")) updateCount(input);
  $("days").value = content.days_in_village ?? "";
  renderQuestions();
  renderUndo();
  renderState();
  renderChecks();
  document.body.dataset.ready = "form";
}

/** The reviewers' questions on this period's report: an open one says how to answer it
 * (a revision answers it); an answered one stays, marked so, so the cadre sees the loop close. */
function renderQuestions() {
  const questions = page.context.report?.questions || [];
  $("questions").replaceChildren(
    ...questions.map((q) =>
      el("li", { className: q.answered ? "answered" : "open", dataset: { question: q.id, answered: String(q.answered) } },
        el("span", { textContent: t("cadre.question", { question: q.question, time: when(q.asked_at) }) }),
        el("span", { className: "question-note", textContent: t(q.answered ? "cadre.question.answered" : "cadre.question.how") }))),
  );
  $("questions").hidden = !questions.length;
}

/** What the server said it received: from the upload's answer, or the period's report. */
function receiptOf() {
  const local = page.draft.receipt;
  const report = page.context.report;
  const server = report && report.received_at
    ? { revision: report.revision, receivedAt: report.received_at, late: report.late, sealedOnTime: report.sealed_on_time, sealedAt: report.sealed_at }
    : null;
  if (local && (!server || local.revision >= server.revision)) return local;
  return server;
}

function renderReceipt() {
  const receipt = page.draft.state === "submitted" ? receiptOf() : null;
  $("receipt").hidden = !receipt;
  if (!receipt) return;
  const verdict = receipt.sealedOnTime ? "sealed_on_time" : receipt.late ? "late" : "on_time";
  const lines = [
    el("strong", { textContent: t("cadre.receipt.title") }),
    el("span", { textContent: t("cadre.receipt.received", { time: when(receipt.receivedAt) }) }),
    el("span", { textContent: t("cadre.receipt.revision", { n: receipt.revision }) }),
    el("span", { className: `verdict ${verdict}`, dataset: { verdict }, textContent: t(`cadre.receipt.${verdict}`) }),
  ];
  if (receipt.sealedAt) lines.push(el("span", { className: "muted", textContent: t("cadre.receipt.sealed", { time: when(receipt.sealedAt) }) }));
  $("receipt").replaceChildren(...lines);
  $("receipt").dataset.verdict = verdict;
}

function renderState() {
  const state = page.draft.state;
  $("state").dataset.state = state;
  $("state").textContent = t(`cadre.state.${state}`);
  const sealed = state === "waiting" || state === "sending";
  const conflict = state === "conflict";
  for (const node of $("draft").querySelectorAll("input, textarea, select, button")) {
    if (node.dataset.confirm && !sealed && !conflict) continue; // set by renderOutcome
    node.disabled = sealed || conflict;
  }
  $("seal").disabled = sealed || conflict;
  $("seal").hidden = sealed;
  $("unseal").hidden = state !== "waiting";
  $("unseal").disabled = page.sending === page.draft.reportId;
  $("seal").textContent = t(state === "submitted" || state === "refused" ? "cadre.revise" : "cadre.seal");
  renderReceipt();
  renderConflict();
  onlineChanged();
}

/** Every problem of the draft: the module's, and the page's own carried-forward rule. */
function problemsOf() {
  const draft = page.draft;
  let problems = [];
  if (page.desk) {
    try {
      problems = page.desk.checkDraft(draft.content);
    } catch (err) {
      problems = [{ ...err, severity: "error", field: "" }];
    }
  }
  (draft.content.outcomes || []).forEach((o, i) => {
    if (isCarriedUntouched(o) && !draft.confirmed?.[o.id]) {
      problems.push({ code: "carried_unconfirmed", severity: "error", field: `carried:${i}`, ...both("cadre.carried.needed") });
    }
  });
  return problems;
}

const pathOf = (problem) => (problem.field.startsWith("carried:") ? `o.${problem.field.slice(8)}.carried` : inputPath(problem.field));

/** Problems next to their fields: an untouched field shows none until a seal attempt. */
function renderChecks() {
  const draft = page.draft;
  if (!draft) return false;
  const problems = problemsOf();
  const errors = problems.filter((p) => p.severity === "error");
  const shown = new Map();
  for (const p of problems) {
    const path = pathOf(p);
    const visible = page.showAll || page.touched.has(path) || (p.severity !== "error" && page.touched.size > 0);
    if (!visible) continue;
    const target = path && $("report").querySelector(`.problem[data-for="${path}"]`) ? path : "summary";
    if (!shown.has(target)) shown.set(target, []);
    shown.get(target).push(p);
  }
  for (const node of $("report").querySelectorAll(".problem[data-for]")) {
    const list = shown.get(node.dataset.for) || [];
    node.hidden = !list.length;
    node.textContent = list.map(pick).join(" ");
    node.className = `problem ${list.some((p) => p.severity === "error") ? "error" : "warning"}`;
    node.dataset.code = list.map((p) => p.code).join(" ");
    const input = node.parentNode.querySelector(`[data-path="${node.dataset.for}"]`);
    if (input) input.toggleAttribute("aria-invalid", list.some((p) => p.severity === "error"));
  }
  const summary = $("summary");
  const loose = shown.get("summary") || [];
  summary.dataset.errors = String(errors.length);
  if (["submitted", "conflict", "waiting", "sending"].includes(draft.state)) {
    // The receipt, the conflict view or the state line says it; no "ready to submit".
    summary.textContent = "";
    summary.className = "summary";
  } else if (!page.desk && !page.jf && loading) {
    summary.textContent = t(document.body.dataset.checks === "unavailable" ? "err.wasm" : "cadre.checks.loading");
    summary.className = "summary muted";
  } else if (!errors.length) {
    summary.textContent = t("cadre.problems.none");
    summary.className = "summary ok";
  } else {
    const text = loose.length ? loose.map(pick).join(" ") : t("cadre.problems.left", { n: errors.length });
    summary.textContent = text;
    summary.className = `summary ${page.showAll ? "error" : "muted"}`;
  }
  return errors.length > 0;
}

// ── typing ───────────────────────────────────────────────────────────────────────────

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
  const node = event.target;
  if (!page.draft) return;
  if (node.dataset.confirm) {
    page.draft.confirmed ??= {};
    page.draft.confirmed[node.dataset.confirm] = node.checked;
    page.touched.add(`o.${node.closest("[data-outcome]").dataset.outcome}.carried`);
  } else if (node.dataset.path) {
    readInput(node);
    page.touched.add(node.dataset.path);
    if (node.dataset.kind === "text") updateCount(node);
    const fieldset = node.closest("[data-outcome]");
    if (fieldset) refreshCarried(fieldset, Number(fieldset.dataset.outcome));
  } else return;
  page.draft.edited = true;
  if (page.draft.state !== "editing") page.draft.state = "editing";
  renderState();
  renderChecks();
  await save();
}

/** An edited carried outcome is this period's: its confirmation is no longer asked. */
function refreshCarried(fieldset, i) {
  const outcome = page.draft.content.outcomes[i];
  const box = fieldset.querySelector("[data-confirm]");
  if (!box || !outcome) return;
  const untouched = isCarriedUntouched(outcome);
  box.disabled = !untouched;
  fieldset.querySelector(".carried").textContent = t(untouched ? "cadre.carried.hint" : "cadre.carried.edited");
}

async function onClick(event) {
  const { remove, place } = event.target.dataset;
  if (remove === undefined && place === undefined) return;
  const outcomes = page.draft.content.outcomes;
  if (remove !== undefined) {
    const [outcome] = outcomes.splice(Number(remove), 1);
    page.undo = { outcome, index: Number(remove) };
  } else if (outcomes[place].geotag) delete outcomes[place].geotag;
  else await recordPlace(outcomes[place]);
  page.draft.edited = true;
  page.draft.state = page.draft.state === "submitted" ? "editing" : page.draft.state;
  page.touched.add("outcomes");
  await save();
  render();
}

function renderUndo() {
  const undo = page.undo;
  $("undo").hidden = !undo;
  if (undo) $("undo-text").textContent = t("cadre.undo.text", { n: undo.index + 1, what: undo.outcome.what || t("cadre.outcome.untitled") });
}

async function undoRemove() {
  const undo = page.undo;
  if (!undo) return;
  page.draft.content.outcomes.splice(Math.min(undo.index, page.draft.content.outcomes.length), 0, undo.outcome);
  page.undo = null;
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
  page.undo = null;
  page.draft.content.outcomes.push({ id: `o-${newId().slice(-8)}`, category: "", what: "", for_whom: "", status: "done" });
  page.draft.state = "editing";
  page.draft.edited = true;
  await save();
  render();
  $("outcomes").lastElementChild.querySelector("input").focus();
}

// ── sealing and the outbox ──────────────────────────────────────────────────────────

/** Scrolls to the first problem shown and puts the cursor in its field. */
function focusFirstProblem() {
  const first = $("report").querySelector(".problem.error:not([hidden])");
  if (!first) return $("summary").scrollIntoView({ block: "center" });
  first.scrollIntoView({ block: "center" });
  const input = first.parentNode.querySelector(`[data-path="${first.dataset.for}"], [data-confirm]`);
  input?.focus({ preventScroll: true });
}

async function seal() {
  clearError($("report-error"));
  page.undo = null;
  renderUndo();
  if (!page.desk) {
    const jf = await client();
    if (jf && !page.jf) moduleArrived(jf);
  }
  page.showAll = true;
  if (renderChecks()) return focusFirstProblem();
  let sealed = { reportId: page.draft.reportId, period: page.draft.period, content: page.draft.content };
  if (page.desk) {
    try {
      sealed = page.desk.sealDraft(page.draft);
    } catch (err) {
      return showError($("report-error"), err, "client");
    }
  }
  const item = {
    ...sealed,
    baseRevision: page.draft.baseRevision ?? null,
    sealedAt: Math.floor(Date.now() / 1000),
    user: page.user,
    draftKey: page.draft.key,
    attempts: 0,
    nextAt: 0,
  };
  try {
    await store.putOutbox(item);
  } catch (err) {
    return storageProblem(err);
  }
  page.draft.state = "waiting";
  page.draft.sealedAt = item.sealedAt;
  await save();
  renderState();
  renderChecks();
  flush();
}

/** Takes a sealed report back out of the outbox before it is sent: same id, sent once. */
async function unseal() {
  if (page.sending === page.draft.reportId) return;
  try {
    await store.dropOutbox(page.draft.reportId);
  } catch (err) {
    return storageProblem(err);
  }
  page.draft.state = "editing";
  await save();
  renderState();
  renderChecks();
}

/** Updates the draft an outbox item came from (it may be another period's). */
async function settle(item, change) {
  const draft = page.draft && page.draft.key === item.draftKey ? page.draft : await store.getDraft(item.draftKey);
  if (!draft) return;
  Object.assign(draft, change);
  await store.putDraft(draft).catch(storageProblem);
  if (draft === page.draft) {
    renderState();
    renderChecks();
  }
}

function body(item) {
  const payload = { period: item.period, content: item.content };
  if (item.baseRevision !== null && item.baseRevision !== undefined) payload.base_revision = item.baseRevision;
  if (item.sealedAt) payload.sealed_at = item.sealedAt;
  return payload;
}

/** Uploads what waits in the outbox; the module decides what each answer means. */
async function flush() {
  if (page.flushing || !page.jf || !page.user) return;
  page.flushing = true;
  clearTimeout(page.timer);
  let next = Infinity;
  try {
    const items = (await store.outbox()).filter((i) => i.user === page.user && i.state !== "refused");
    for (let item of items) {
      if (item.nextAt > Date.now()) {
        next = Math.min(next, item.nextAt);
        continue;
      }
      // Un-sealed meanwhile: it is no longer in the outbox.
      if (!(await store.outbox()).some((i) => i.reportId === item.reportId)) continue;
      page.sending = item.reportId;
      if (page.draft && page.draft.key === item.draftKey) {
        page.draft.state = "sending";
        renderState();
      }
      let status = 200;
      let answer = null;
      let failure = null;
      try {
        answer = await api(`/reports/${item.reportId}`, { method: "PUT", body: body(item) });
      } catch (err) {
        status = err.status ?? 0;
        failure = err;
        answer = { code: err.code, details: err.details };
      }
      page.sending = null;
      const step = page.jf.uploadStep(status, answer, item.attempts);
      if (step.action === "done") {
        await store.dropOutbox(item.reportId);
        clearError($("report-error"));
        const receipt = {
          revision: answer.revision,
          receivedAt: answer.updated_at ?? Math.floor(Date.now() / 1000),
          late: !!answer.late,
          sealedOnTime: !!answer.sealed_on_time,
          sealedAt: answer.sealed_at ?? item.sealedAt ?? null,
          status: answer.status,
        };
        await settle(item, { state: "submitted", reportId: item.reportId, baseRevision: answer.revision, receipt, edited: false, carried: {}, conflict: null });
        refreshAfterUpload(item);
      } else if (step.action === "retry") {
        item.attempts += 1;
        item.nextAt = Date.now() + step.delayMs;
        next = Math.min(next, item.nextAt);
        await store.putOutbox(item);
        await settle(item, { state: "waiting" });
      } else if (step.action === "revise") {
        // Another tab or phone reported this period first: continue as its revision; the
        // server then names its latest revision and the cadre chooses (a conflict).
        await store.dropOutbox(item.reportId);
        item = { ...item, reportId: step.existingId, attempts: 0, nextAt: 0 };
        await store.putOutbox(item);
        await settle(item, { state: "waiting", reportId: step.existingId });
        next = Date.now();
      } else if (step.action === "drop_sealed_at") {
        // The device's clock is too far off for its seal time to be believed: send without.
        await store.putOutbox({ ...item, sealedAt: null, attempts: 0, nextAt: 0 });
        next = Date.now();
      } else if (step.action === "conflict") {
        await store.dropOutbox(item.reportId);
        await settle(item, { state: "conflict", reportId: item.reportId, conflict: answer.details.latest });
        if (page.draft?.key === item.draftKey) $("conflict").scrollIntoView({ block: "start" });
      } else {
        if (failure && status > 0) showLocalised(failure);
        if (step.action === "sign_in") clearToken();
        await store.putOutbox({ ...item, state: step.action === "refused" ? "refused" : item.state });
        await settle(item, { state: step.action });
      }
    }
  } catch (err) {
    storageProblem(err);
  } finally {
    page.flushing = false;
    page.sending = null;
  }
  if (next !== Infinity) page.timer = setTimeout(flush, Math.max(0, next - Date.now()));
}

/** After an upload of the period on screen: its context again, so a question the revision
 * answered shows as answered. */
function refreshAfterUpload(item) {
  const key = page.context?.period.key;
  if (!key || page.draft?.key !== item.draftKey) return;
  fetchAndKeep(`/me/periods/${encodeURIComponent(key)}`, contextKey(key))
    .then(() => refreshContext())
    .catch(() => {}); // offline again: the kept context stands
}

/** A server refusal, with the page's own words where the server's would show UTC. */
function showLocalised(err) {
  if (err.code === "period_locked" && err.details?.locks_at) {
    const time = when(err.details.locks_at);
    return showError($("report-error"), { ...err, message_zh: t("cadre.locked", { time }), message_en: both("cadre.locked").message_en.replace("{time}", time) });
  }
  showError($("report-error"), err);
}

// ── a newer revision on the server ──────────────────────────────────────────────────

function renderConflict() {
  const draft = page.draft;
  const latest = draft.state === "conflict" ? draft.conflict : null;
  $("conflict").hidden = !latest;
  if (!latest) return;
  $("conflict-text").textContent = t("cadre.conflict.text", { n: latest.revision, time: when(latest.received_at), status: t(`cadre.report.${latest.status}`) });
  const mine = draft.content.outcomes || [];
  const theirs = latest.content.outcomes || [];
  const ids = [...new Set([...mine.map((o) => o.id), ...theirs.map((o) => o.id)])];
  draft.pick ??= {};
  $("conflict-outcomes").replaceChildren(
    el("div", { className: "side-heads" }, el("strong", { textContent: t("cadre.conflict.device") }), el("strong", { textContent: t("cadre.conflict.server", { n: latest.revision }) })),
    ...ids.map((id) => {
      const a = mine.find((o) => o.id === id);
      const b = theirs.find((o) => o.id === id);
      const choice = draft.pick[id] ?? (a ? "mine" : "theirs");
      const side = (o, which) =>
        el("label", { className: `side${o ? "" : " empty"}` },
          el("input", { type: "radio", name: `pick-${id}`, value: which, checked: choice === which, dataset: { pick: id } }),
          " ",
          o ? `${o.category} · ${o.what} · ${o.for_whom} · ${t(`outcome.${o.status}`)}` : t("cadre.conflict.none"));
      return el("div", { className: `pair${same(a, b) ? " same" : ""}` }, side(a, "mine"), side(b, "theirs"));
    }),
  );
}

/** Ends a conflict: the chosen content, as a revision of the server's latest. */
async function resolveConflict(how) {
  const draft = page.draft;
  const latest = draft.conflict;
  if (!latest) return;
  let content;
  if (how === "theirs") content = clone(latest.content);
  else if (how === "mine") content = draft.content;
  else {
    const mine = draft.content.outcomes || [];
    const theirs = latest.content.outcomes || [];
    const ids = [...new Set([...mine.map((o) => o.id), ...theirs.map((o) => o.id)])];
    content = { ...clone(draft.content) };
    content.outcomes = ids
      .map((id) => ((draft.pick?.[id] ?? (mine.some((o) => o.id === id) ? "mine" : "theirs")) === "mine" ? mine : theirs).find((o) => o.id === id))
      .filter(Boolean)
      .map(clone);
  }
  Object.assign(draft, { content, baseRevision: latest.revision, conflict: null, pick: {}, carried: {}, edited: how !== "theirs" });
  if (how === "theirs") {
    // The server's version stands as it is: nothing to send.
    draft.state = "submitted";
    draft.receipt = { revision: latest.revision, receivedAt: latest.received_at, late: false, sealedOnTime: false, sealedAt: null, status: latest.status };
    await save();
    return render();
  }
  draft.state = "editing";
  await save();
  render();
  await seal();
}

// ── backup files ─────────────────────────────────────────────────────────────────────

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
    page.draft = { ...page.draft, reportId: draft.reportId || page.draft.reportId, content: draft.content, state: "editing", edited: true };
  } catch {
    return showError($("report-error"), { code: "import", ...both("err.import") }, "client");
  }
  await save();
  render();
}

// ── the rest of the page ─────────────────────────────────────────────────────────────

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

/** The offline notice sits by the button, where the cadre looks when sending. */
function onlineChanged() {
  $("offline").hidden = navigator.onLine;
}

function wentOnline() {
  onlineChanged();
  store
    .outbox()
    .then((items) => Promise.all(items.map((i) => store.putOutbox({ ...i, nextAt: 0 }))))
    .then(flush, storageProblem);
}

/** The offline copy is made once the page is usable, so it reuses what was downloaded. */
function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js").catch((err) => console.warn("jianfu: no offline copy", err));
}

init();
$("login-form").addEventListener("submit", onLogin);
$("draft").addEventListener("input", onInput);
$("draft").addEventListener("change", onInput);
$("draft").addEventListener("click", onClick);
$("add-outcome").addEventListener("click", addOutcome);
$("undo-button").addEventListener("click", undoRemove);
$("seal").addEventListener("click", seal);
$("unseal").addEventListener("click", unseal);
$("conflict-mine").addEventListener("click", () => resolveConflict("mine"));
$("conflict-theirs").addEventListener("click", () => resolveConflict("theirs"));
$("conflict-merge").addEventListener("click", () => resolveConflict("merge"));
$("conflict-outcomes").addEventListener("change", (e) => {
  if (!e.target.dataset.pick) return;
  page.draft.pick ??= {};
  page.draft.pick[e.target.dataset.pick] = e.target.value;
  save(page.draft, false);
});
$("export").addEventListener("click", exportDraft);
$("import").addEventListener("change", importDraft);
$("period").addEventListener("change", (e) => openPeriod(e.target.value));
window.addEventListener("online", wentOnline);
window.addEventListener("offline", onlineChanged);
document.addEventListener("langchange", () => {
  if (page.periods) renderPeriodChoice($("period").value);
  if (page.draft && page.context) render();
});
start().finally(() => Promise.all([client(), new Promise((r) => (document.readyState === "complete" ? r() : addEventListener("load", r)))]).then(registerWorker));
