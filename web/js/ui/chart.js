// Small SVG charts drawn from the API's numbers, each number printed beside its bar — no
// chart library. Bars keep the order they are given (never sorted by value: R2).
//
// Exports:
//   barChart({title, bars, max, format, id})
//       bars: [{label, value, kind}] — label a text spec (dom.js textOf), value a number,
//       kind a class suffix (bar-<kind>, coloured in app.css); format(value) → the printed
//       number (default: up to one decimal in the page's language). Returns a <figure>
//       holding an <svg role="img"> with a <title> and a <desc> that list every bar, and the
//       title as <figcaption>. The bars scale to `max` (default the largest value).
//   legend(items)
//       items: [{kind, label}] → <ul class="legend"> with a swatch (class swatch-<kind>) each

import { lang } from "../i18n.js";
import { el, svg, textOf } from "./dom.js";

const WIDTH = 400;
const LABEL = 22; // the label line above each bar
const BAR = 20;
const GAP = 12;
const VALUE_ROOM = 130; // room right of the longest bar for its number

export function number(value, digits = 1) {
  return new Intl.NumberFormat(lang() === "zh" ? "zh-CN" : "en-US", { maximumFractionDigits: digits }).format(value);
}

export function barChart({ title, bars, max, format = (v) => number(v), id }) {
  const top = Math.max(max ?? 0, ...bars.map((b) => b.value), 0) || 1;
  const span = WIDTH - VALUE_ROOM;
  const rowHeight = LABEL + BAR + GAP;
  const height = bars.length * rowHeight;
  const titleText = textOf(title);
  const lines = bars.map((b) => `${textOf(b.label)}: ${format(b.value)}`);
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", class: "bar-chart", "aria-labelledby": id ? `${id}-t ${id}-d` : undefined },
    svg("title", { id: id ? `${id}-t` : undefined }, titleText),
    svg("desc", { id: id ? `${id}-d` : undefined }, lines.join("; ")),
  );
  bars.forEach((b, i) => {
    const y = i * rowHeight;
    const w = Math.max(b.value > 0 ? 2 : 0, (b.value / top) * span);
    chart.append(
      svg("text", { x: 0, y: y + LABEL - 6, class: "bar-label" }, textOf(b.label)),
      svg("rect", { x: 0, y: y + LABEL, width: w.toFixed(1), height: BAR, rx: 3, class: `bar bar-${b.kind ?? "plain"}` }),
      svg("text", { x: (w + 6).toFixed(1), y: y + LABEL + BAR - 5, class: "bar-value", "data-value": b.value }, format(b.value)),
    );
  });
  return el("figure", { className: "chart", id }, chart, el("figcaption", { className: "muted", textContent: titleText }));
}

export function legend(items) {
  return el("ul", { className: "legend" },
    ...items.map((item) => el("li", {}, el("span", { className: `swatch swatch-${item.kind}`, attrs: { "aria-hidden": "true" } }), textOf(item.label))));
}
