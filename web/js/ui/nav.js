// The page header of the signed-in pages (review, admin): the brand, links by role, who
// is signed in, the language toggle and sign-out; and the start of such a page.
//
// Exports:
//   LINKS                       {role: [{href, label}]}: the pages each role can open
//   renderNav(header, {me, current})
//                               fills `header` (a <header class="bar">); `current` is the
//                               href of this page (marked aria-current)
//   startPage({roles, current, header = "#nav"})
//                               → Promise<me | null>. Applies the language (i18n init,
//                               #lang-toggle), reads GET /me with the kept token and draws the
//                               header. Without a token, or on 401, it shows "please sign in"
//                               (a link to /) in <main> and resolves null; for a role not in
//                               `roles` it says the page is not for that role and resolves null.
//   signOut()                   forgets the token on this device and goes to the sign-in page

import { api, clearToken, token } from "../api.js";
import { init, t } from "../i18n.js";
import { el, say } from "./dom.js";
import { onUnauthorized, showAlert } from "./errors.js";

export const LINKS = {
  reviewer: [
    { href: "/review.html", label: "nav.review" },
    { href: "/admin.html", label: "nav.tree" },
  ],
  admin: [{ href: "/admin.html", label: "nav.admin" }],
  cadre: [{ href: "/cadre.html", label: "nav.cadre" }],
};

export function signOut() {
  clearToken();
  try {
    localStorage.removeItem("jianfu.me");
  } catch {
    // Private mode: nothing was kept.
  }
  location.href = "/";
}

export function renderNav(header, { me, current }) {
  const links = (me ? LINKS[me.role] ?? [] : []).map(({ href, label }) =>
    say(el("a", { href, attrs: { "aria-current": href === current ? "page" : null } }), label));
  const who = me ? el("span", { className: "who", dataset: { user: "" } }, me.display_name || me.username) : null;
  const signout = me ? say(el("button", { type: "button", id: "sign-out", className: "lang", on: { click: signOut } }), "nav.signout") : null;
  header.classList.add("bar");
  header.replaceChildren(
    say(el("a", { className: "brand", href: "/" }), "app.name"),
    el("nav", { className: "links-bar", attrs: { "aria-label": t("nav.pages") } }, ...links),
    el("span", { className: "spacer" }),
    who,
    el("button", { id: "lang-toggle", className: "lang", type: "button", dataset: { i18n: "lang.toggle" }, textContent: t("lang.toggle") }),
    signout,
  );
  header.querySelector("nav")?.setAttribute("aria-label", t("nav.pages"));
}

function stop(message) {
  const main = document.querySelector("main");
  for (const child of main.children) child.hidden = true;
  main.append(
    el("section", { className: "card", id: "signed-out" },
      say(el("p"), message),
      say(el("a", { href: "/" }), "nav.sign_in")),
  );
}

export async function startPage({ roles, current, header = "#nav" }) {
  const bar = document.querySelector(header);
  renderNav(bar, { me: null, current });
  init();
  onUnauthorized(() => {
    clearToken();
    stop("nav.sign_in_first");
  });
  if (!token()) {
    stop("nav.sign_in_first");
    return null;
  }
  let me;
  try {
    me = await api("/me");
  } catch (err) {
    if (err.status === 401) {
      stop("nav.sign_in_first");
      return null;
    }
    showAlert(err);
    return null;
  }
  renderNav(bar, { me, current });
  init(); // the new toggle button
  document.addEventListener("langchange", () => bar.querySelector("nav")?.setAttribute("aria-label", t("nav.pages")));
  if (!roles.includes(me.role)) {
    stop(() => t("nav.wrong_role", { role: t(`role.${me.role}`) }));
    return null;
  }
  return me;
}
