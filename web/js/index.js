// The front page: what jianfu is, the sign-in form, then who you are and where to go.

import { api, clearError, clearToken, login, showError, token } from "./api.js";
import { init, t } from "./i18n.js";

// Pages each role can open. The reviewer page arrives with its own features.
const LINKS = {
  admin: [{ href: "/admin.html", key: "link.tree" }],
  reviewer: [{ href: "/admin.html", key: "link.tree" }],
  cadre: [{ href: "/cadre.html", key: "link.cadre" }],
};

const $ = (id) => document.getElementById(id);
let me = null;

function showLogin() {
  me = null;
  $("me").hidden = true;
  $("login").hidden = false;
}

function renderMe() {
  if (!me) return;
  $("me-name").textContent = me.display_name || me.username;
  $("me-username").textContent = `@${me.username}`;
  $("me-role").textContent = t(`role.${me.role}`);
  const unit = me.org_unit;
  $("me-unit").textContent = `${unit.name}（${t(`level.${unit.level}`)} ${unit.code}）`;
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

async function loadMe() {
  try {
    me = await api("/me");
    renderMe();
  } catch (err) {
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
    await login($("username").value.trim(), $("password").value);
    $("password").value = "";
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
  showLogin();
});
document.addEventListener("langchange", renderMe);
if (token()) loadMe();
else showLogin();
