// The admin's page: one page, one view at a time, chosen by the URL hash — #tree (the
// administrative tree, boundaries and the divisions import; #130928 opens a unit), #people,
// #postings (postings and exemptions), #templates (#templates/new, #templates/{id}: the
// editor with the live burden preview), #policies (#policies/{unit}), #emergencies, #needs
// (departments' data needs) and #audit. Reviewers reach the tree only, read-only.
// Every view is a module of this folder, loaded when first shown.

import { api } from "../api.js";
import { register, t } from "../i18n.js";
import texts from "../i18n/admin.js";
import { $ } from "../ui/dom.js";
import { showAlert } from "../ui/errors.js";
import { startPage } from "../ui/nav.js";
import { zoneName } from "../ui/time.js";
import { ctx } from "./common.js";

register(texts);

const VIEWS = {
  tree: () => import("./tree.js"),
  people: () => import("./people.js"),
  postings: () => import("./postings.js"),
  templates: () => import("./templates.js"),
  policies: () => import("./policies.js"),
  emergencies: () => import("./emergencies.js"),
  needs: () => import("./needs.js"),
  audit: () => import("./audit.js"),
};

/** The view and its argument from the hash; a bare division code opens the tree there. */
function route() {
  const hash = decodeURIComponent(location.hash.slice(1));
  if (/^\d+$/.test(hash) || hash === "") return { name: "tree", arg: hash || null };
  const [name, ...rest] = hash.split("/");
  if (!VIEWS[name] || (ctx.me.role !== "admin" && name !== "tree")) return { name: "tree", arg: null };
  return { name, arg: rest.length ? rest.join("/") : null };
}

let showing = 0;

async function show() {
  const { name, arg } = route();
  const ticket = ++showing;
  for (const view of document.querySelectorAll(".view")) view.hidden = view.id !== `view-${name}`;
  for (const link of document.querySelectorAll("#sections a")) {
    if (link.dataset.view === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.body.dataset.view = name;
  document.title = `${t(`admin.tab.${name}`)} · ${t("app.name")}`;
  try {
    const view = await VIEWS[name]();
    if (ticket !== showing) return;
    await view.show($(`view-${name}`), arg);
  } catch (err) {
    showAlert(err);
  }
}

/** The time zone of the policy in force for the admin's unit: every time is shown in it. */
async function loadZone() {
  try {
    const policy = await api(`/policies/${ctx.me.org_unit.code}`);
    ctx.zone = policy.time_zone;
  } catch {
    // No policy yet: the product's default zone.
  }
  sayZone();
}

function sayZone() {
  $("zone-line").textContent = t("time.zone", { zone: zoneName(ctx.zone) });
}

function labelSections() {
  $("sections").setAttribute("aria-label", t("admin.sections"));
}

async function start() {
  const me = await startPage({ roles: ["admin", "reviewer"], current: "/admin.html" });
  $("loading").hidden = true;
  if (!me) return;
  ctx.me = me;
  $("admin").hidden = false;
  $("sections").hidden = me.role !== "admin";
  labelSections();
  document.addEventListener("langchange", () => {
    labelSections();
    sayZone();
    document.title = `${t(`admin.tab.${route().name}`)} · ${t("app.name")}`;
  });
  await loadZone();
  window.addEventListener("hashchange", show);
  await show();
}

start();
