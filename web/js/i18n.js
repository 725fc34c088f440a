// Chinese first, English on request. The choice is kept in localStorage.
// Static text: <el data-i18n="key">, <input data-i18n-placeholder="key">, <el data-i18n-title="key">.
// Dynamic text: t("key", {name: value}); pages re-render on the "langchange" event.

const STORAGE_KEY = "jianfu.lang";
const LANGS = ["zh", "en"];

const TEXT = {
  zh: {
    "app.name": "减负",
    "app.tagline": "报成效，不报行踪",
    "lang.toggle": "English",
    "about.title": "减负是什么",
    "about.body":
      "驻村干部不再每天打卡、每天写日志：按周期报一次真实成效，同一内容只报一次。审核人员看成效、提问题，看到谁未报、谁已请假，不做排名。",
    "about.rules": "不打卡 · 不排名 · 一次填报 · 不以照片留痕论工作",
    "login.title": "登录",
    "login.username": "用户名",
    "login.password": "密码",
    "login.submit": "登录",
    "login.busy": "正在登录…",
    "me.title": "当前用户",
    "me.unit": "所属单位",
    "me.role": "角色",
    "me.links": "可以做的事",
    "me.none": "您的填报页面即将上线。",
    "me.logout": "退出登录",
    "role.admin": "管理员",
    "role.reviewer": "审核人员",
    "role.cadre": "驻村干部",
    "link.tree": "浏览行政区划",
    "level.province": "省",
    "level.city": "市",
    "level.county": "县",
    "level.township": "乡镇",
    "level.village": "村",
    "tree.title": "行政区划",
    "tree.back": "返回首页",
    "tree.children": "下级单位",
    "tree.code": "代码",
    "tree.name": "名称",
    "tree.level": "层级",
    "tree.empty": "没有下级单位。",
    "tree.loading": "加载中…",
    "tree.prev": "上一页",
    "tree.next": "下一页",
    "tree.page": "第 {page} 页",
    "tree.goto": "按代码查找",
    "tree.goto.placeholder": "如 130928101",
    "tree.goto.submit": "查找",
    "tree.login_first": "请先登录。",
    "err.network": "网络不通，请稍后再试。已填写的内容没有丢失。",
    "err.wasm": "校验模块加载失败，将由服务器校验。",
  },
  en: {
    "app.name": "jianfu",
    "app.tagline": "Report outcomes, not whereabouts",
    "lang.toggle": "中文",
    "about.title": "What jianfu is",
    "about.body":
      "Village cadres stop punching in and writing daily logs: once per period they report real outcomes, and the same thing is reported only once. Reviewers read outcomes, ask questions, and see who has not reported and who is exempt. No rankings.",
    "about.rules": "No punch-in · No rankings · Report once · Photos are not proof of work",
    "login.title": "Sign in",
    "login.username": "Username",
    "login.password": "Password",
    "login.submit": "Sign in",
    "login.busy": "Signing in…",
    "me.title": "Signed in",
    "me.unit": "Unit",
    "me.role": "Role",
    "me.links": "What you can do",
    "me.none": "Your reporting page is coming soon.",
    "me.logout": "Sign out",
    "role.admin": "Administrator",
    "role.reviewer": "Reviewer",
    "role.cadre": "Village cadre",
    "link.tree": "Browse the administrative tree",
    "level.province": "Province",
    "level.city": "City",
    "level.county": "County",
    "level.township": "Township",
    "level.village": "Village",
    "tree.title": "Administrative tree",
    "tree.back": "Home",
    "tree.children": "Units below",
    "tree.code": "Code",
    "tree.name": "Name",
    "tree.level": "Level",
    "tree.empty": "No units below this one.",
    "tree.loading": "Loading…",
    "tree.prev": "Previous",
    "tree.next": "Next",
    "tree.page": "Page {page}",
    "tree.goto": "Find by code",
    "tree.goto.placeholder": "e.g. 130928101",
    "tree.goto.submit": "Find",
    "tree.login_first": "Please sign in first.",
    "err.network": "No connection. Please try again later; nothing you typed is lost.",
    "err.wasm": "The checking module did not load; the server will check instead.",
  },
};

function stored() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

let current = LANGS.includes(stored()) ? stored() : "zh";

export function lang() {
  return current;
}

/** The text for `key` in the current language, with `{name}` filled from `vars`. */
export function t(key, vars = {}) {
  const text = TEXT[current][key] ?? TEXT.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

/** Picks the message of a `{message_zh, message_en}` object in the current language. */
export function pick(message) {
  return current === "en" ? message.message_en || message.message_zh : message.message_zh || message.message_en;
}

/** Fills every marked element under `root` with the current language. */
export function apply(root = document) {
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}

export function setLang(next) {
  if (!LANGS.includes(next)) return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  apply();
  document.dispatchEvent(new CustomEvent("langchange", { detail: next }));
}

/** Wires the language toggle button (`#lang-toggle`) and fills the page once. */
export function init() {
  apply();
  const button = document.getElementById("lang-toggle");
  if (button) button.addEventListener("click", () => setLang(current === "zh" ? "en" : "zh"));
}

/** Both languages of `key`, as `{message_zh, message_en}` (the shape of an API error). */
export function both(key) {
  return { message_zh: TEXT.zh[key] ?? key, message_en: TEXT.en[key] ?? key };
}
