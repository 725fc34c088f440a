// One report, laid out for reading: its outcomes (a continued outcome opens in place),
// the template's fields, and its history — each revision with what changed since the one
// before, the reviews and answers, the reopenings. Actions: acknowledge, ask one question
// (at most 500 characters), and, once the period is locked, reopen it with a reason.

import { api } from "../api.js";
import { lang, t } from "../i18n.js";
import { $, el, say } from "../ui/dom.js";
import { formDialog, promptDialog } from "../ui/dialog.js";
import { asError, showAlert } from "../ui/errors.js";
import { feedback } from "../ui/form.js";
import { addDays, formatDate, formatInstant, lastDay, localDate, periodLabel } from "../ui/time.js";
import { diffContent, isEmpty } from "./diff.js";
import { badge, reviewState, stale, timeliness } from "./inbox.js";
import { policyOf, templateOf } from "./scope.js";

/** The longest question (server/src/service/reviews.rs MAX_QUESTION_CHARS). */
const MAX_QUESTION = 500;
const MAX_REASON = 500;

const view = { id: null, detail: null, policy: null, template: null, said: null };

const sep = () => say(el("span"), "review.sep");
const user = (tag, text, props = {}) => el(tag, { ...props, dataset: { ...(props.dataset ?? {}), user: "" }, textContent: text ?? "" });
const zone = () => view.policy?.time_zone;
const when = (unix) => formatInstant(unix, zone());
const periodOfReport = (r) => ({ key: r.period_key, start: r.period_start, end: r.period_end });

function fieldLabel(key) {
  const field = view.template?.fields.find((f) => f.key === key);
  if (!field) return key;
  return lang() === "en" ? field.label_en : field.label_zh;
}

function fieldValue(key, value) {
  if (value === null || value === undefined || value === "") return t("ui.none");
  const field = view.template?.fields.find((f) => f.key === key);
  if (Array.isArray(value)) return value.join("、");
  if (typeof value === "object") return JSON.stringify(value);
  if (field?.type === "number" && field.unit) return `${value} ${field.unit}`;
  return String(value);
}

function outcomeValue(key, o) {
  const v = o?.[key];
  if (v === null || v === undefined || v === "") return t("ui.none");
  if (key === "status") return t(`outcome.${v}`);
  if (key === "quantity") return `${v.value} ${v.unit}`;
  if (key === "geotag") return t("review.outcome.place", { lat: v.lat, lon: v.lon });
  if (key === "continues") return continuedLabel(v);
  return String(v);
}

/** Values a cadre typed are marked data-user; labels and statuses are the page's words. */
const TYPED = new Set(["category", "what", "for_whom", "quantity"]);

function valueNode(key, o) {
  const text = outcomeValue(key, o);
  return TYPED.has(key) && o?.[key] ? user("span", text) : el("span", { textContent: text });
}

function continuedLabel(id) {
  const earlier = view.detail?.continued.find((c) => c.outcome_id === id);
  return earlier ? t("review.continues", { period: periodLabel(earlier.period_key) }) : t("review.continues.unknown");
}

// ── the report as it stands ─────────────────────────────────────────────────────────

function outcomeCard(o, n, nested = false) {
  const rows = [
    ["review.outcome.for_whom", valueNode("for_whom", o)],
    ["review.outcome.status", el("span", { textContent: outcomeValue("status", o) })],
  ];
  if (o.quantity) rows.push(["review.outcome.quantity", valueNode("quantity", o)]);
  if (o.geotag) rows.push(["review.outcome.geotag", el("span", { textContent: outcomeValue("geotag", o) })]);
  const card = el("article", { className: `outcome-read${nested ? " nested" : ""}`, dataset: { outcome: o.id } },
    el("h4", {}, n ? `${n}. ` : "", user("span", o.category)),
    user("p", o.what, { className: "what" }),
    el("dl", {}, ...rows.flatMap(([label, value]) => [say(el("dt"), label), el("dd", {}, value)])),
  );
  if (o.continues && !nested) {
    const earlier = view.detail.continued.find((c) => c.outcome_id === o.continues);
    const details = el("details", { className: "continued" }, say(el("summary"), () => continuedLabel(o.continues)));
    if (earlier) details.append(outcomeCard(earlier.outcome, null, true));
    else details.append(say(el("p", { className: "muted" }), "review.continues.gone"));
    card.append(details);
  }
  return card;
}

function current() {
  const d = view.detail;
  const latest = d.revisions.at(-1)?.content ?? { outcomes: [], fields: {} };
  const fields = Object.entries(latest.fields ?? {});
  return [
    el("section", { className: "card", attrs: { "aria-labelledby": "outcomes-title" } },
      say(el("h3", { id: "outcomes-title" }), ["review.outcomes", { n: latest.outcomes.length }]),
      latest.outcomes.length ? el("div", { className: "outcomes-read" }, ...latest.outcomes.map((o, i) => outcomeCard(o, i + 1))) : say(el("p", { className: "muted" }), "review.outcomes.none"),
    ),
    el("section", { className: "card", attrs: { "aria-labelledby": "fields-title" } },
      say(el("h3", { id: "fields-title" }), "review.fields"),
      el("dl", { className: "fields-read" },
        ...fields.flatMap(([key, value]) => [el("dt", { textContent: fieldLabel(key), dataset: { user: "" } }), user("dd", fieldValue(key, value))]),
        say(el("dt"), "review.days"),
        el("dd", { textContent: latest.days_in_village ?? t("ui.none") })),
    ),
  ];
}

// ── the history ─────────────────────────────────────────────────────────────────────

function diffNode(diff) {
  if (isEmpty(diff)) return say(el("p", { className: "muted" }), "review.diff.none");
  const items = [];
  for (const change of diff.outcomes) {
    const o = change.after ?? change.before;
    const head = el("span", {}, say(el("strong"), `review.diff.${change.kind}`), " ", user("span", o.what || o.category));
    if (change.kind !== "changed") {
      items.push(el("li", { className: `diff-${change.kind}`, dataset: { diff: change.kind, outcome: change.id } }, head));
      continue;
    }
    items.push(el("li", { className: "diff-changed", dataset: { diff: "changed", outcome: change.id } }, head,
      el("ul", {}, ...change.changes.map((c) => el("li", { dataset: { key: c.key } },
        say(el("span", { className: "muted" }), `review.outcome.${c.key}`), sep(),
        el("del", {}, valueNode(c.key, change.before)), " → ", el("ins", {}, valueNode(c.key, change.after)))))));
  }
  for (const f of diff.fields) {
    items.push(el("li", { className: "diff-field", dataset: { diff: "field", key: f.key } },
      el("span", { dataset: { user: "" }, textContent: fieldLabel(f.key) }), sep(),
      el("del", {}, user("span", fieldValue(f.key, f.before))), " → ", el("ins", {}, user("span", fieldValue(f.key, f.after)))));
  }
  if (diff.days) {
    items.push(el("li", { className: "diff-field", dataset: { diff: "days" } },
      say(el("span"), "review.days"), sep(), el("del", { textContent: diff.days.before ?? t("ui.none") }), " → ", el("ins", { textContent: diff.days.after ?? t("ui.none") })));
  }
  return el("ul", { className: "diff" }, ...items);
}

/** The history in the order things happened: each revision, then the reviews of it (a
 * review is always of a revision already there, and the next revision may answer it); a
 * reopening before the first revision received after it. Seconds alone cannot order them:
 * two may share one. */
function timeline() {
  const d = view.detail;
  const events = [];
  d.revisions.forEach((r, i) => {
    events.push({ at: r.received_at, node: revisionEvent(r, d.revisions[i - 1]) });
    for (const review of d.reviews.filter((v) => v.revision === r.revision)) events.push({ at: review.created_at, node: reviewEvent(review) });
  });
  for (const reopening of d.reopenings) {
    const before = events.findIndex((e) => e.at > reopening.created_at);
    events.splice(before < 0 ? events.length : before, 0, { at: reopening.created_at, node: reopeningEvent(reopening) });
  }
  return el("section", { className: "card", attrs: { "aria-labelledby": "history-title" } },
    say(el("h3", { id: "history-title" }), "review.history"),
    el("ol", { className: "timeline" }, ...events.map((e) => e.node)));
}

function revisionEvent(r, previous) {
  const asked = r.answers_review_id ? view.detail.reviews.find((v) => v.id === r.answers_review_id) : null;
  return el("li", { className: "event revision", dataset: { revision: r.revision } },
    el("p", { className: "event-head" },
      say(el("strong"), ["review.event.revision", { n: r.revision }]), " · ",
      say(el("span"), () => t("review.event.received", { time: when(r.received_at) })),
      r.sealed_at ? say(el("span", { className: "muted" }), () => ` · ${t("review.event.sealed", { time: when(r.sealed_at) })}`) : null),
    asked ? say(el("p", { className: "answers" }), () => t("review.event.answers", { time: when(asked.created_at) })) : null,
    previous ? diffNode(diffContent(previous.content, r.content)) : say(el("p", { className: "muted" }), ["review.event.first", { n: r.content?.outcomes?.length ?? 0 }]),
  );
}

function reviewEvent(r) {
  const answeredBy = view.detail.revisions.find((x) => x.answers_review_id === r.id);
  const head = el("p", { className: "event-head" },
    user("strong", r.reviewer), " ",
    say(el("span"), [r.verdict === "acknowledged" ? "review.event.acknowledged" : "review.event.asked", { n: r.revision }]),
    " · ", say(el("span"), () => when(r.created_at)));
  if (r.verdict === "acknowledged") return el("li", { className: "event review acknowledged", dataset: { review: r.id } }, head);
  return el("li", { className: "event review asked", dataset: { review: r.id } }, head,
    user("blockquote", r.question, { className: "question" }),
    say(el("p", { className: answeredBy ? "answered" : "unanswered" }), answeredBy ? ["review.event.answered", { n: answeredBy.revision }] : "review.event.unanswered"));
}

function reopeningEvent(r) {
  return el("li", { className: "event reopening" },
    el("p", { className: "event-head" }, say(el("strong"), () => t("review.event.reopened", { until: when(r.until) })), " · ", say(el("span"), () => when(r.created_at))),
    user("blockquote", r.reason));
}

// ── locking ─────────────────────────────────────────────────────────────────────────

/** When revisions start to need a reopening: the local day (due date + grace + 1 + lock
 * days), as core::period::DeadlineRule::locks_at has it; null without the policy. */
function locksOn() {
  const p = view.policy;
  if (!p) return null;
  const r = view.detail;
  return addDays(lastDay(r.period_end), p.due_offset_days + p.grace_days + 1 + p.lock_days);
}

function lockState() {
  const day = locksOn();
  if (!day) return { locked: false };
  const now = Math.floor(Date.now() / 1000);
  const today = localDate(now, zone());
  const open = view.detail.reopenings.find((r) => r.until > now);
  return { locked: today >= day && !open, day, reopenedUntil: open?.until ?? null };
}

// ── the head and the actions ────────────────────────────────────────────────────────

function head() {
  const r = view.detail;
  const state = reviewState(r);
  const time = timeliness(r);
  const lock = lockState();
  const facts = [
    ["review.first_received", () => when(r.first_received_at)],
    ["review.updated", () => when(r.updated_at)],
  ];
  if (r.sealed_at) facts.push(["review.sealed", () => when(r.sealed_at)]);
  if (lock.day) facts.push(["review.locks", () => (lock.reopenedUntil ? t("review.reopened_until", { time: when(lock.reopenedUntil) }) : t(lock.locked ? "review.locked_since" : "review.locks_on", { date: formatDate(lock.day) }))]);
  const ask = el("button", { type: "button", id: "ask", className: "secondary" });
  const ack = el("button", { type: "button", id: "acknowledge" });
  const reopen = el("button", { type: "button", id: "reopen", className: "secondary", hidden: !lock.locked });
  say(ack, "review.acknowledge");
  say(ask, "review.ask");
  say(reopen, "review.reopen");
  ack.addEventListener("click", acknowledge);
  ask.addEventListener("click", askQuestion);
  reopen.addEventListener("click", reopenPeriod);
  const acknowledged = r.status === "acknowledged";
  ack.disabled = acknowledged;
  return el("section", { className: "card report-head" },
    el("p", {}, say(el("a", { href: "#inbox", className: "back-link" }), "review.back")),
    el("h2", { id: "report-title", tabIndex: -1 }, user("span", r.display_name || r.username), " · ", user("span", r.village_name)),
    el("p", { className: "report-meta" },
      say(el("span"), () => periodLabel(periodOfReport(r))), " ",
      badge(state, `report.${state}`), " ", badge(time, `status.${time}`), " ",
      say(el("span", { className: "muted" }), ["review.revision", { n: r.revision }])),
    el("dl", {}, ...facts.flatMap(([label, value]) => [say(el("dt"), label), say(el("dd"), value)])),
    el("div", { className: "actions start" }, ack, ask, reopen),
    acknowledged ? say(el("p", { className: "muted" }), ["review.already_acknowledged", { n: r.revision }]) : null,
    el("p", { id: "review-feedback", className: "feedback", hidden: true }),
  );
}

/** Says what the last action did, and keeps saying it after the page is redrawn. */
function said(state, what) {
  view.said = { state, what };
  const line = $("review-feedback");
  if (line) feedback(line, state, what);
}

/** Runs an action, then redraws the report and says what happened. A refusal is said on
 * the page, or — for an action from a dialog (`inDialog`) — left to the dialog, which shows
 * it next to its field. */
async function act(run, done, inDialog = false) {
  try {
    const answer = await run();
    await reload();
    said("saved", done(answer));
    stale();
    return answer;
  } catch (err) {
    if (!inDialog) said("refused", asError(err));
    throw err;
  }
}

async function acknowledge() {
  $("acknowledge").disabled = true;
  said("busy", "ui.saving");
  const n = view.detail.revision;
  await act(
    () => api(`/reports/${encodeURIComponent(view.id)}/reviews`, { method: "POST", body: { verdict: "acknowledged" } }),
    () => ["review.acknowledged", { n }],
  ).catch(() => {
    $("acknowledge").disabled = false;
  });
}

async function askQuestion() {
  const n = view.detail.revision;
  await promptDialog({
    id: "ask-dialog",
    title: ["review.ask.title", { n }],
    text: "review.ask.text",
    label: "review.ask.label",
    name: "question",
    maxLength: MAX_QUESTION,
    confirm: "review.ask.send",
    // A refusal stays in the dialog, next to the question.
    submit: (question) => act(
      () => api(`/reports/${encodeURIComponent(view.id)}/reviews`, { method: "POST", body: { verdict: "needs_clarification", question } }),
      () => "review.asked",
      true,
    ),
  });
}

async function reopenPeriod() {
  await formDialog({
    id: "reopen-dialog",
    title: "review.reopen.title",
    text: "review.reopen.text",
    confirm: "review.reopen.send",
    fields: [
      { name: "reason", label: "review.reopen.reason", type: "textarea", maxLength: MAX_REASON, required: true },
      { name: "days", label: "review.reopen.days", type: "number", min: 1, max: 14, value: 3, required: true },
    ],
    submit: (values) => act(
      () => api(`/reports/${encodeURIComponent(view.id)}/reopenings`, { method: "POST", body: { reason: values.reason, days: values.days ?? 0 } }),
      (answer) => () => t("review.reopened", { time: when(answer.until) }),
      true,
    ),
  });
}

// ── drawing ─────────────────────────────────────────────────────────────────────────

function render() {
  const section = $("view-report");
  if (!view.detail) return;
  section.replaceChildren(head(), ...current(), timeline());
  if (view.said) feedback($("review-feedback"), view.said.state, view.said.what);
  document.body.dataset.report = view.detail.id;
}

async function reload() {
  view.detail = await api(`/reports/${encodeURIComponent(view.id)}`);
  render();
}

export async function show(_name, id) {
  const section = $("view-report");
  if (view.id !== id) {
    Object.assign(view, { id, detail: null, policy: null, template: null, said: null });
    section.replaceChildren(say(el("p", { className: "card muted", attrs: { role: "status" } }), "ui.loading"));
  }
  delete document.body.dataset.report;
  try {
    view.detail = await api(`/reports/${encodeURIComponent(id)}`);
    // The policy of the report's village: its time zone, deadlines and template's labels.
    view.policy = await policyOf(view.detail.org_unit).catch(() => null);
    view.template = view.policy ? await templateOf(view.policy.template_id).catch(() => null) : null;
  } catch (err) {
    section.replaceChildren(el("p", { className: "card" }, say(el("a", { href: "#inbox" }), "review.back")));
    return showAlert(err);
  }
  render();
  section.querySelector("h2")?.focus?.();
}

document.addEventListener("langchange", render);
