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
    "link.cadre": "填写本期报告",
    "cadre.title": "本期报告",
    "cadre.period": "填报周期",
    "cadre.due": "截止 {due}；{last}（含）前提交不算迟报",
    "cadre.status.open": "待填报",
    "cadre.status.upcoming": "未开始",
    "cadre.status.on_time": "已按时提交",
    "cadre.status.late": "已提交（迟报）",
    "cadre.status.missing": "未提交",
    "cadre.status.exempt": "本期免报",
    "cadre.status.sealed_on_time": "按时封存，迟送达",
    "cadre.outcomes": "成果",
    "cadre.outcomes.hint": "每项写清做了什么、为谁做的、进展如何。",
    "cadre.outcome.add": "添加一项成果",
    "cadre.outcome.remove": "删除此项",
    "cadre.outcome.n": "第 {n} 项",
    "cadre.outcome.category": "类别",
    "cadre.outcome.what": "做了什么",
    "cadre.outcome.for_whom": "为谁",
    "cadre.outcome.status": "进展",
    "cadre.outcome.continues": "接续上期成果",
    "cadre.outcome.continues.none": "（不接续）",
    "cadre.outcome.place": "记录大致位置",
    "cadre.outcome.place.clear": "清除位置",
    "cadre.outcome.place.shown": "位置（已取整到约 110 米）：{lat}, {lon}",
    "outcome.done": "已完成",
    "outcome.in_progress": "进行中",
    "outcome.handed_off": "已移交",
    "outcome.blocked": "受阻",
    "cadre.fields": "其他事项",
    "cadre.days": "本期在村天数",
    "cadre.seal": "封存并提交",
    "cadre.export": "导出草稿文件",
    "cadre.import": "导入草稿文件",
    "cadre.saved": "已保存到本机 {time}",
    "cadre.state.editing": "草稿",
    "cadre.state.waiting": "已封存，等待网络，联网后自动提交",
    "cadre.state.sending": "正在提交…",
    "cadre.state.submitted": "已提交，服务器已收到",
    "cadre.state.refused": "服务器未接受，请修改后重新封存",
    "cadre.state.sign_in": "登录已过期：请重新登录，封存的报告会随后提交",
    "cadre.problems.none": "检查通过，可以提交。",
    "cadre.offline": "当前离线：草稿保存在本机，联网后再提交。",
    "cadre.not_cadre": "此页面供驻村干部使用。",
    "cadre.back": "返回首页",
    "cadre.no_period": "目前没有需要填报的周期。",
    "cadre.revise": "修改后重新封存",
    "cadre.loading": "正在加载本期报告…",
    "cadre.exempt": "本期免报：这一期无需填写。",
    "cadre.unavailable": "本机没有这一期的资料（联网时没有打开过）：请联网后再打开这一期。",
    "cadre.unseal": "撤回，继续修改",
    "cadre.undo": "撤销",
    "cadre.undo.text": "已删除第 {n} 项成果（{what}）。",
    "cadre.outcome.untitled": "未填写",
    "cadre.carried.hint": "这一项是上期未完成的成果，原样带入：请写明本期的新进展，或确认仍在进行。",
    "cadre.carried.edited": "这一项接续上期成果，已按本期情况修改。",
    "cadre.carried.confirm": "仍在进行，本期无新进展",
    "cadre.carried.needed": "这一项是上期带来的成果：请更新本期进展，或勾选“仍在进行，本期无新进展”。",
    "cadre.count": "{n} / {max} 字（最多 {max} 字）",
    "cadre.checks.loading": "正在加载校验模块，可以先填写。",
    "cadre.problems.left": "还有 {n} 处需要填写或修改。",
    "cadre.state.conflict": "服务器上有更新的版本：请选择保留哪一个",
    "cadre.receipt.title": "回执",
    "cadre.receipt.received": "服务器收到：{time}",
    "cadre.receipt.revision": "第 {n} 版",
    "cadre.receipt.on_time": "按时提交",
    "cadre.receipt.late": "迟报",
    "cadre.receipt.sealed_on_time": "按时封存，迟送达",
    "cadre.receipt.sealed": "本机记录的封存时间：{time}（本机时钟的记录，仅供参考）",
    "cadre.question": "审核人员提问（{time}）：{question}",
    "cadre.conflict.title": "服务器上有更新的版本",
    "cadre.conflict.text": "服务器上已有第 {n} 版（{time} 收到，{status}），比这份草稿所依据的版本新。请选择保留本机的版本、采用服务器的版本，或逐项选择后合并。",
    "cadre.conflict.mine": "保留本机的版本",
    "cadre.conflict.theirs": "采用服务器的版本",
    "cadre.conflict.merge": "按所选合并",
    "cadre.conflict.device": "本机",
    "cadre.conflict.server": "服务器（第 {n} 版）",
    "cadre.conflict.none": "（无此项）",
    "cadre.report.submitted": "已提交",
    "cadre.report.acknowledged": "已确认",
    "cadre.report.needs_clarification": "待说明",
    "cadre.locked": "本期已于 {time} 锁定：如需修改，请联系审核人员重新开放。",
    "err.storage": "本机存储不可用，草稿无法保存：请导出草稿文件备份。",
    "err.quota": "本机存储空间已满，草稿无法保存：请清理手机空间或导出草稿文件。",
    "err.import": "无法导入：文件不是本周期的草稿。",
    "err.offline_first": "当前离线，且本机还没有这个周期的资料：请联网后打开一次。",
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
    "link.cadre": "Write this period's report",
    "cadre.title": "This period's report",
    "cadre.period": "Period",
    "cadre.due": "Due {due}; on time if sent by {last} (inclusive)",
    "cadre.status.open": "to report",
    "cadre.status.upcoming": "not started",
    "cadre.status.on_time": "submitted on time",
    "cadre.status.late": "submitted (late)",
    "cadre.status.missing": "not submitted",
    "cadre.status.exempt": "exempt this period",
    "cadre.status.sealed_on_time": "sealed on time, delivered late",
    "cadre.outcomes": "Outcomes",
    "cadre.outcomes.hint": "For each: what was done, for whom, and how far it got.",
    "cadre.outcome.add": "Add an outcome",
    "cadre.outcome.remove": "Remove",
    "cadre.outcome.n": "Outcome {n}",
    "cadre.outcome.category": "Category",
    "cadre.outcome.what": "What was done",
    "cadre.outcome.for_whom": "For whom",
    "cadre.outcome.status": "Status",
    "cadre.outcome.continues": "Continues an earlier outcome",
    "cadre.outcome.continues.none": "(new outcome)",
    "cadre.outcome.place": "Record the approximate place",
    "cadre.outcome.place.clear": "Clear the place",
    "cadre.outcome.place.shown": "Place (rounded to about 110 m): {lat}, {lon}",
    "outcome.done": "done",
    "outcome.in_progress": "in progress",
    "outcome.handed_off": "handed off",
    "outcome.blocked": "blocked",
    "cadre.fields": "Other questions",
    "cadre.days": "Days in the village this period",
    "cadre.seal": "Seal and submit",
    "cadre.export": "Export the draft to a file",
    "cadre.import": "Import a draft file",
    "cadre.saved": "Saved on this device {time}",
    "cadre.state.editing": "Draft",
    "cadre.state.waiting": "Sealed; waiting for a connection, it will be sent automatically",
    "cadre.state.sending": "Sending…",
    "cadre.state.submitted": "Submitted: the server has it",
    "cadre.state.refused": "The server did not accept it; fix it and seal again",
    "cadre.state.sign_in": "Your sign-in expired: sign in again and the sealed report will be sent",
    "cadre.problems.none": "All checks pass: ready to submit.",
    "cadre.offline": "Offline: the draft is kept on this device; submit when connected.",
    "cadre.not_cadre": "This page is for village cadres.",
    "cadre.back": "Back to the front page",
    "cadre.no_period": "No period to report right now.",
    "cadre.revise": "Edit and seal again",
    "cadre.loading": "Loading this period's report…",
    "cadre.exempt": "Exempt this period: nothing to report.",
    "cadre.unavailable": "This device has nothing for this period (it was never opened while connected): open it once while connected.",
    "cadre.unseal": "Take it back and edit",
    "cadre.undo": "Undo",
    "cadre.undo.text": "Outcome {n} removed ({what}).",
    "cadre.outcome.untitled": "empty",
    "cadre.carried.hint": "Carried over unchanged from last period: write this period's progress, or confirm it is still under way.",
    "cadre.carried.edited": "Continues last period's outcome, updated for this period.",
    "cadre.carried.confirm": "Still under way, no new progress this period",
    "cadre.carried.needed": "Carried over from last period: update its progress, or tick \"Still under way, no new progress this period\".",
    "cadre.count": "{n} / {max} characters (at most {max})",
    "cadre.checks.loading": "Loading the checks; you can start writing.",
    "cadre.problems.left": "{n} thing(s) still to fill in or fix.",
    "cadre.state.conflict": "The server has a newer version: choose which to keep",
    "cadre.receipt.title": "Receipt",
    "cadre.receipt.received": "Received by the server: {time}",
    "cadre.receipt.revision": "revision {n}",
    "cadre.receipt.on_time": "on time",
    "cadre.receipt.late": "late",
    "cadre.receipt.sealed_on_time": "sealed on time, delivered late",
    "cadre.receipt.sealed": "Sealed on this device at {time} (the device clock's claim)",
    "cadre.question": "Reviewer's question ({time}): {question}",
    "cadre.conflict.title": "The server has a newer version",
    "cadre.conflict.text": "The server holds revision {n} (received {time}, {status}), newer than the one this draft was based on. Keep this device's version, take the server's, or choose outcome by outcome and merge.",
    "cadre.conflict.mine": "Keep this device's version",
    "cadre.conflict.theirs": "Take the server's version",
    "cadre.conflict.merge": "Merge as chosen",
    "cadre.conflict.device": "This device",
    "cadre.conflict.server": "Server (revision {n})",
    "cadre.conflict.none": "(not there)",
    "cadre.report.submitted": "submitted",
    "cadre.report.acknowledged": "acknowledged",
    "cadre.report.needs_clarification": "question asked",
    "cadre.locked": "This period was locked at {time}: ask a reviewer to reopen it to make changes.",
    "err.storage": "Storage on this device is unavailable, so the draft cannot be saved: export it to a file.",
    "err.quota": "Storage on this device is full, so the draft cannot be saved: free some space or export it to a file.",
    "err.import": "Cannot import: the file is not a draft of this period.",
    "err.offline_first": "Offline, and this device has nothing for this period yet: open it once while connected.",
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

/**
 * Adds a page's texts, `{zh: {...}, en: {...}}`, to the shared ones. Each page keeps its
 * texts in its own module under `js/i18n/` and registers them before `init()`. A key
 * registered twice with different text is a mistake and throws, so two pages cannot
 * silently give one key two meanings.
 */
export function register(texts) {
  for (const l of LANGS) {
    for (const [key, value] of Object.entries(texts[l] ?? {})) {
      if (key in TEXT[l] && TEXT[l][key] !== value) throw new Error(`i18n: ${key} registered twice`);
      TEXT[l][key] = value;
    }
  }
}

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
