// The front page: what jianfu is, the sign-in form, then who you are and where to go.

import { api, clearError, clearToken, login, showError, token } from "./api.js";
import { init, t } from "./i18n.js";

// Pages each role can open.
const LINKS = {
  admin: [{ href: "/admin.html", key: "link.tree" }],
  reviewer: [
    { href: "/review.html", key: "link.review" },
    { href: "/admin.html", key: "link.tree" },
  ],
  cadre: [{ href: "/cadre.html", key: "link.cadre" }],
};

// Where a role lands right after signing in (a later visit to / shows the links).
const LANDING = { reviewer: "/review.html" };

const $ = (id) => document.getElementById(id);
let me = null;

function showLogin() {
  me = null;
  $("me").hidden = true;
  $("login").hidden = false;
}

function renderMe() {
  if (!me) return;
  keepOfflineCopy();
  $("me-name").textContent = me.display_name || me.username;
  $("me-username").textContent = `@${me.username}`;
  $("me-role").textContent = t(`role.${me.role}`);
  const unit = me.org_unit;
  $("me-unit").textContent = unit ? `${unit.name}（${t(`level.${unit.level}`)} ${unit.code}）` : "—";
  const links = LINKS[me.role] || [];
  $("me-links").replaceChildren(
    ...links.map(({ href, key }) => {
      const a = document.createElement("a");
      a.href = href;
      a.textContent = t(key);
      const li = document.createElement("li");
      li.append(a);
      return li;
    }),
  );
  $("me-none").hidden = links.length > 0;
  $("login").hidden = true;
  $("me").hidden = false;
}

// The last answer of /me, so the page opens offline with the links (the cadre page works
// offline; web/sw.js keeps this page too).
const ME_KEY = "jianfu.me";

function keptMe() {
  try {
    const kept = JSON.parse(localStorage.getItem(ME_KEY) || "null");
    return kept && kept.token === token() ? kept.me : null;
  } catch {
    return null;
  }
}

/** Offline with nothing kept: who the token says this is, enough for the links. */
function offlineMe() {
  try {
    const claims = JSON.parse(atob(token().split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    if (!LINKS[claims.role]) return null;
    me = { username: String(claims.username ?? claims.sub), role: claims.role, org_unit: null };
    return me;
  } catch {
    return null;
  }
}

async function loadMe() {
  const kept = keptMe();
  if (kept) {
    me = kept;
    renderMe();
  }
  try {
    me = await api("/me");
    try {
      localStorage.setItem(ME_KEY, JSON.stringify({ token: token(), me }));
    } catch {
      // Private mode: nothing kept, the page still works online.
    }
    renderMe();
  } catch (err) {
    if (err.status === 0 && kept) return; // offline: the kept answer stands
    if (err.status === 0 && offlineMe()) return renderMe();
    if (err.status === 401 || !token()) return showLogin();
    showLogin();
    showError($("login-error"), err);
  }
}

async function onLogin(event) {
  event.preventDefault();
  const button = $("login-submit");
  clearError($("login-error"));
  button.disabled = true;
  button.textContent = t("login.busy");
  try {
    const answer = await login($("username").value.trim(), $("password").value);
    $("password").value = "";
    const landing = LANDING[answer.user?.role];
    if (landing) {
      location.href = landing;
      return;
    }
    await loadMe();
  } catch (err) {
    showError($("login-error"), err);
  } finally {
    button.disabled = false;
    button.textContent = t("login.submit");
  }
}

init();
$("login-form").addEventListener("submit", onLogin);
$("logout").addEventListener("click", () => {
  clearToken();
  localStorage.removeItem(ME_KEY);
  showLogin();
});
document.addEventListener("langchange", renderMe);
if (token()) loadMe();
else showLogin();
/** The offline copy (web/sw.js) of this page and the cadre page, for cadres: the only
 * role whose page works offline (other roles would download the cadre's module for nothing). */
function keepOfflineCopy() {
  if (!me || me.role !== "cadre" || !("serviceWorker" in navigator)) return;
  const register = () => navigator.serviceWorker.register("/sw.js").catch((err) => console.warn("jianfu: no offline copy", err));
  if (document.readyState === "complete") register();
  else addEventListener("load", register, { once: true });
}
