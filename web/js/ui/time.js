// Dates and times as people read them: instants (unix seconds) in the policy's IANA time
// zone, never UTC unless the policy says so; civil dates (YYYY-MM-DD, already local) as
// they are; periods as "2026年第48周（11月23日–29日）" / "Week 48, 2026 (Nov 23–29)".
// Every text follows the current language (i18n.js lang()).
//
// Exports:
//   DEFAULT_ZONE                      "Asia/Shanghai", the product's default policy zone
//   formatInstant(unix, zone, opts)   "2026年11月25日 10:00" / "Nov 25, 2026, 10:00";
//                                     opts {date: true, time: true, seconds: false}
//   localDate(unix, zone)             the local civil date "2026-11-25" of an instant
//   formatDate(iso, opts)             "2026年11月25日" / "Nov 25, 2026"; opts {year: true, weekday: false}
//   dateRange(start, endExclusive, opts)  "11月23日–29日" / "Nov 23–29" (opts {year: false})
//   addDays(iso, n), lastDay(endExclusive)  civil date arithmetic
//   isoWeek(iso)                      {year, week} of the ISO week holding that date
//   periodOf(keyOrPeriod)             {kind, start, end} from "weekly:2026-11-16" or an API period
//   periodLabel(keyOrPeriod)          the full label of a period
//   periodShort(keyOrPeriod)          a short label for a grid column ("第48周" / "Wk 48")
//   zoneName(zone)                    the zone in words: "中国标准时间" / "China Standard Time"

import { lang, t } from "../i18n.js";

export const DEFAULT_ZONE = "Asia/Shanghai";

const locale = () => (lang() === "zh" ? "zh-CN" : "en-US");

function utc(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

const iso = (date) => date.toISOString().slice(0, 10);

export function addDays(day, n) {
  const date = utc(day);
  date.setUTCDate(date.getUTCDate() + n);
  return iso(date);
}

export const lastDay = (endExclusive) => addDays(endExclusive, -1);

/** A formatter in `zone`; an unknown zone name falls back to the product's default. */
function formatter(options, zone) {
  try {
    return new Intl.DateTimeFormat(locale(), { ...options, timeZone: zone || DEFAULT_ZONE });
  } catch {
    return new Intl.DateTimeFormat(locale(), { ...options, timeZone: DEFAULT_ZONE });
  }
}

export function formatInstant(unix, zone, { date = true, time = true, seconds = false } = {}) {
  if (unix === null || unix === undefined) return "—";
  const options = {};
  if (date) Object.assign(options, { year: "numeric", month: lang() === "zh" ? "long" : "short", day: "numeric" });
  if (time) Object.assign(options, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", ...(seconds ? { second: "2-digit" } : {}) });
  return formatter(options, zone).format(new Date(unix * 1000));
}

export function localDate(unix, zone) {
  const parts = Object.fromEntries(
    formatter({ year: "numeric", month: "2-digit", day: "2-digit" }, zone)
      .formatToParts(new Date(unix * 1000))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}`;
}

function monthName(month, style = "short") {
  return new Intl.DateTimeFormat("en-US", { month: style, timeZone: "UTC" }).format(new Date(Date.UTC(2000, month - 1, 1)));
}

const WEEKDAYS_ZH = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];

export function formatDate(day, { year = true, weekday = false } = {}) {
  if (!day) return "—";
  const [y, m, d] = day.split("-").map(Number);
  const wd = utc(day).getUTCDay();
  if (lang() === "zh") return `${year ? `${y}年` : ""}${m}月${d}日${weekday ? `（${WEEKDAYS_ZH[wd]}）` : ""}`;
  const name = new Intl.DateTimeFormat("en-US", { weekday: "short", timeZone: "UTC" }).format(utc(day));
  return `${weekday ? `${name}, ` : ""}${monthName(m)} ${d}${year ? `, ${y}` : ""}`;
}

export function dateRange(start, endExclusive, { year = false } = {}) {
  const end = lastDay(endExclusive);
  const [y1, m1, d1] = start.split("-").map(Number);
  const [y2, m2, d2] = end.split("-").map(Number);
  if (start === end) return formatDate(start, { year });
  const crossYear = y1 !== y2;
  if (lang() === "zh") {
    const first = `${year || crossYear ? `${y1}年` : ""}${m1}月${d1}日`;
    if (crossYear) return `${first}–${y2}年${m2}月${d2}日`;
    return m1 === m2 ? `${first}–${d2}日` : `${first}–${m2}月${d2}日`;
  }
  if (crossYear) return `${monthName(m1)} ${d1}, ${y1} – ${monthName(m2)} ${d2}, ${y2}`;
  const tail = year ? `, ${y1}` : "";
  return m1 === m2 ? `${monthName(m1)} ${d1}–${d2}${tail}` : `${monthName(m1)} ${d1} – ${monthName(m2)} ${d2}${tail}`;
}

export function isoWeek(day) {
  const date = utc(day);
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday); // the Thursday of this week
  const year = date.getUTCFullYear();
  const week = Math.ceil(((date - Date.UTC(year, 0, 1)) / 86400000 + 1) / 7);
  return { year, week };
}

function addMonths(day, n) {
  const [y, m] = day.split("-").map(Number);
  return iso(new Date(Date.UTC(y, m - 1 + n, 1)));
}

const LENGTH = { daily: (s) => addDays(s, 1), weekly: (s) => addDays(s, 7), biweekly: (s) => addDays(s, 14), monthly: (s) => addMonths(s, 1), quarterly: (s) => addMonths(s, 3) };

export function periodOf(period) {
  const key = typeof period === "string" ? period : period.key;
  const [kind, start] = key.split(":");
  const end = typeof period === "object" && period.end ? period.end : LENGTH[kind]?.(start) ?? start;
  return { kind, start: typeof period === "object" && period.start ? period.start : start, end };
}

export function periodLabel(period) {
  const { kind, start, end } = periodOf(period);
  const [y, m] = start.split("-").map(Number);
  switch (kind) {
    case "weekly": {
      const { year, week } = isoWeek(start);
      return t("period.weekly", { year, week, range: dateRange(start, end) });
    }
    case "biweekly":
      return t("period.biweekly", { year: y, range: dateRange(start, end) });
    case "monthly":
      return t("period.monthly", { year: y, month: m, monthName: monthName(m, "long") });
    case "quarterly":
      return t("period.quarterly", { year: y, quarter: Math.floor((m - 1) / 3) + 1 });
    default:
      return t("period.daily", { date: formatDate(start) });
  }
}

export function periodShort(period) {
  const { kind, start } = periodOf(period);
  const [, m] = start.split("-").map(Number);
  switch (kind) {
    case "weekly":
      return t("period.short.weekly", { week: isoWeek(start).week });
    case "biweekly":
      return t("period.short.biweekly", { date: formatDate(start, { year: false }) });
    case "monthly":
      return t("period.short.monthly", { month: m, monthName: monthName(m) });
    case "quarterly":
      return t("period.short.quarterly", { quarter: Math.floor((m - 1) / 3) + 1 });
    default:
      return t("period.short.daily", { date: formatDate(start, { year: false }) });
  }
}

export function zoneName(zone) {
  try {
    const parts = formatter({ timeZoneName: "long" }, zone).formatToParts(new Date());
    return parts.find((p) => p.type === "timeZoneName")?.value ?? zone;
  } catch {
    return zone;
  }
}
