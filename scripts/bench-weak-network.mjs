// The cadre page over a throttled link, in headless Chromium (playwright-core, driving the
// Debian /usr/bin/chromium): a first visit (fresh profile, empty caches, already signed in)
// and a second visit (same profile: the service worker and its offline copy in place), on
// each network profile. Prints, per visit: time to visible (first contentful paint: the
// form's card or its loading line), time to usable (the form drawn and editable), time to
// checked (the browser module loaded), the bytes that crossed the link and the requests the
// page made until then. A benchmark, not a test: it asserts nothing. Run by
// scripts/bench-weak-network.sh, which starts the server and gives the URL and a login.
//
// The link is a throttling TCP proxy in front of the server (latency split between the
// two directions, each direction's bandwidth shared fairly by the connections using it, as
// TCP flows share a bottleneck), not Chromium's
// DevTools throttling: that one lets the body of a WebAssembly.instantiateStreaming fetch
// through at full speed (a 394 KB module "arrived" in no time at 240 kbit/s), so it would
// flatter exactly the largest download.
//
//   node scripts/bench-weak-network.mjs URL USERNAME PASSWORD

import { chromium } from "playwright-core";
import net from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [base, username, password] = process.argv.slice(2);
const PROFILES = [
  { name: "2G/EDGE", latency: 800, down: 240, up: 200 },
  { name: "weak 3G", latency: 400, down: 400, up: 400 },
];

// Marks the moments the page reports (data-ready="form", data-checks="ready") as they happen.
const MARKS = `(() => {
  const mark = () => {
    const b = document.body;
    if (!b) return;
    // The page marks both moments; for the page before issue 10 (no marks), the form's
    // state line and its first check are read instead, so the two can be compared.
    const state = document.getElementById("state");
    const old = !b.dataset.ready && state && state.textContent && !document.getElementById("report").hidden;
    if ((b.dataset.ready || old) && !window.__usable) window.__usable = performance.now();
    const problems = document.getElementById("problems");
    if ((b.dataset.checks || (problems && problems.children.length)) && !window.__checked) window.__checked = performance.now();
  };
  new MutationObserver(mark).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
})();`;

async function signIn() {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`sign-in: ${response.status} ${await response.text()}`);
  return (await response.json()).token;
}

/** One direction of the link: `bps` bytes a second shared fairly (round robin) by the
 * connections that have bytes waiting, as TCP flows share a bottleneck, then `delay` ms. */
function lane(bps, delay) {
  const waiting = new Set();
  let timer = null;
  let last = 0;
  const tick = () => {
    const now = Date.now();
    let budget = (bps * (now - last)) / 1000;
    last = now;
    while (budget >= 1 && waiting.size) {
      const share = Math.max(1, Math.floor(budget / waiting.size));
      for (const flow of [...waiting]) {
        const head = flow.items[0];
        if (head === null) {
          flow.items.shift();
          setTimeout(() => flow.to.end(), delay);
        } else {
          const n = Math.min(share, head.length, Math.floor(budget));
          if (n < 1) break;
          const part = head.subarray(0, n);
          flow.items[0] = head.subarray(n);
          budget -= n;
          setTimeout(() => flow.to.writable && flow.to.write(part), delay);
          if (!flow.items[0].length) flow.items.shift();
        }
        if (!flow.items.length) waiting.delete(flow);
      }
    }
    if (!waiting.size) {
      clearInterval(timer);
      timer = null;
    }
  };
  return (flow, chunk) => {
    flow.items.push(chunk);
    waiting.add(flow);
    if (!timer) {
      last = Date.now();
      timer = setInterval(tick, 5);
    }
  };
}

/** A link of `profile` in front of `target` (host:port): resolves to its port and counters. */
function link(target, profile) {
  const [host, port] = target.split(":");
  const down = lane((profile.down * 1000) / 8, profile.latency / 2);
  const up = lane((profile.up * 1000) / 8, profile.latency / 2);
  const counters = { down: 0, connections: 0 };
  const pass = (from, to, send, count) => {
    const flow = { to, items: [] };
    from.on("data", (chunk) => {
      if (count) counters.down += chunk.length;
      send(flow, chunk);
    });
    from.on("end", () => send(flow, null));
    from.on("error", () => to.destroy());
  };
  const server = net.createServer((client) => {
    counters.connections++;
    const upstream = net.connect(Number(port), host);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    pass(client, upstream, up, false);
    pass(upstream, client, down, true);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: server.address().port, counters })));
}

async function visit(context, url, counters) {
  const page = await context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  let requests = 0;
  let counting = true;
  cdp.on("Network.requestWillBeSent", () => counting && requests++);
  const before = counters.down;
  await page.goto(`${url}/cadre.html`, { waitUntil: "commit" });
  await page.waitForFunction(() => window.__usable && window.__checked, null, { timeout: 180000, polling: 50 });
  counting = false;
  const bytes = counters.down - before;
  if (process.env.JIANFU_BENCH_TRACE) {
    const entries = await page.evaluate(() =>
      performance.getEntriesByType("resource").map((e) => `${e.startTime.toFixed(0).padStart(6)} → ${e.responseEnd.toFixed(0).padStart(6)} ms  ${e.name.replace(location.origin, "")}`),
    );
    console.log(entries.join("\n"));
  }
  const times = await page.evaluate(() => {
    const paint = performance.getEntriesByName("first-contentful-paint")[0];
    return { visible: paint ? paint.startTime : NaN, usable: window.__usable, checked: window.__checked };
  });
  // Give the service worker its time to take the offline copy (its bytes are counted apart).
  const settled = counters.down;
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller, null, { timeout: 180000 }).catch(() => {});
  await page.waitForTimeout(3000);
  const after = counters.down - settled;
  await page.close();
  return { ...times, bytes, requests, after };
}

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

console.log("profile   visit   visible   usable    checked   bytes      requests  (then, in the background)");
const target = base.replace(/^http:\/\//, "");
for (const profile of PROFILES) {
  const { server, port, counters } = await link(target, profile);
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "jianfu-bench-"));
  const token = await signIn();
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking"],
  });
  await context.addInitScript(`try { if (!localStorage.getItem("jianfu.token")) localStorage.setItem("jianfu.token", ${JSON.stringify(token)}); } catch {}`);
  await context.addInitScript(MARKS);
  for (const which of ["first", "second"]) {
    const r = await visit(context, url, counters);
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    console.log(
      `${profile.name.padEnd(9)} ${which.padEnd(7)} ${s(r.visible).padEnd(9)} ${s(r.usable).padEnd(9)} ${s(r.checked).padEnd(9)} ${kb(r.bytes).padEnd(10)} ${String(r.requests).padEnd(9)} (+${kb(r.after)})`,
    );
  }
  await context.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
