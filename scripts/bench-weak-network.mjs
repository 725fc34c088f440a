// The cadre page over a throttled link, in headless Chromium (playwright-core, driving the
// Debian /usr/bin/chromium): a first visit (fresh profile, empty caches, already signed in)
// and a second visit (same profile: the service worker and its offline copy in place), on
// each network profile. Prints, per visit: time to visible (first contentful paint: the
// form's card or its loading line), time to usable (the form drawn and editable), time to
// checked (the browser module loaded), and the bytes and requests the page made until
// then. A benchmark, not a test: it asserts nothing. Run by scripts/bench-weak-network.sh,
// which starts the server and gives the URL and a cadre's login.
//
//   node scripts/bench-weak-network.mjs URL USERNAME PASSWORD

import { chromium } from "playwright-core";
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

async function visit(context, profile) {
  const page = await context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: profile.latency,
    downloadThroughput: (profile.down * 1000) / 8,
    uploadThroughput: (profile.up * 1000) / 8,
  });
  let bytes = 0;
  let requests = 0;
  let counting = true;
  cdp.on("Network.requestWillBeSent", () => counting && requests++);
  cdp.on("Network.loadingFinished", (e) => {
    if (counting) bytes += e.encodedDataLength;
  });
  await page.goto(`${base}/cadre.html`, { waitUntil: "commit" });
  await page.waitForFunction(() => window.__usable && window.__checked, null, { timeout: 120000, polling: 50 });
  counting = false;
  const times = await page.evaluate(() => {
    const paint = performance.getEntriesByName("first-contentful-paint")[0];
    return { visible: paint ? paint.startTime : NaN, usable: window.__usable, checked: window.__checked };
  });
  // Give the service worker its time to take the offline copy (not counted above).
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller, null, { timeout: 120000 }).catch(() => {});
  await page.waitForTimeout(1500);
  await page.close();
  return { ...times, bytes, requests };
}

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-quic"] });
await browser.close();

console.log("profile   visit   visible   usable    checked   bytes      requests");
for (const profile of PROFILES) {
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
    const r = await visit(context, profile);
    console.log(
      `${profile.name.padEnd(9)} ${which.padEnd(7)} ${s(r.visible).padEnd(9)} ${s(r.usable).padEnd(9)} ${s(r.checked).padEnd(9)} ${`${(r.bytes / 1024).toFixed(1)} KB`.padEnd(10)} ${r.requests}`,
    );
  }
  await context.close();
  rmSync(dir, { recursive: true, force: true });
}
