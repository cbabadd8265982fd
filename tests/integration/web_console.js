// The web console in headless Chromium (puppeteer-core, the system's
// /usr/bin/chromium), against the ingotd web_console.sh started.  Prints
// TAP lines ("ok - ...", "not ok - ...") that the shell script counts.
//
//   node web_console.js URL SHOTS_DIR STOP_FILE STOPPED_FILE
//
// Environment: NODE_PORT (the switch port of node wa), PUPPETEER_CORE (its
// module path), CHROMIUM (executable).
"use strict";
const fs = require("fs");
const path = require("path");
const puppeteer = require(process.env.PUPPETEER_CORE);

const [url, shots, stopFile, stoppedFile] = process.argv.slice(2);
const port = process.env.NODE_PORT;
let failures = 0;

function ok(what, cond, detail) {
  console.log((cond ? "ok - " : "not ok - ") + what);
  if (!cond) {
    failures++;
    if (detail !== undefined) console.log("#   " + JSON.stringify(detail).slice(0, 600));
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Clicks sel; the live refresh may redraw the element between finding it
// and clicking it ("detached"), so a click is tried again on a fresh one.
async function click(p, sel) {
  for (let i = 0; ; i++) {
    try {
      await p.waitForSelector(sel, { timeout: 20000 });
      await p.click(sel);
      return;
    } catch (e) {
      if (i >= 20 || !/detached|not clickable|No element found|no node found/i.test(String(e)))
        throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, name + ".png"), fullPage: true });
}

// A page in its own browser context (its own sessionStorage), watching for
// script errors and CSP violations.
async function newPage(browser, problems) {
  const ctx = await browser.createBrowserContext();
  const page = await ctx.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  page.on("pageerror", (e) => problems.push("pageerror: " + e.message));
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) problems.push(m.text());
  });
  return page;
}

async function login(page, user, password) {
  await page.goto(url + "/console/", { waitUntil: "load" });
  await page.waitForSelector("#login-basic:not([hidden])", { timeout: 20000 });
  await page.type("#login-user", user);
  await page.type("#login-password", password);
  await click(page, "#login-submit");
}

async function nodeNames(page) {
  return page.$$eval("#nodes tbody tr", (rows) => rows.map((r) => r.dataset.node).sort());
}

async function waitNodes(page) {
  await page.waitForSelector("#nodes tbody tr", { timeout: 30000 });
}

const rowState = (page, name) => page.$eval(`#nodes tr[data-node="${name}"] .c-state .state`,
  (e) => e.textContent).catch(() => null);
const portVlan = (page) => page.$eval(`#switches g[data-port="${port}"]`,
  (g) => g.dataset.vlan + " " + g.querySelector("rect").getAttribute("fill")).catch(() => null);

// Clicks deploy on node wa's detail and records what the page shows until
// it says active: states in the table, VLANs of its switch port.
async function deployFromPage(page) {
  await click(page, '#nodes tr[data-node="wa"] button.link');
  await page.waitForSelector('#actions button[data-action="deploy"]', { timeout: 20000 });
  await shot(page, "3-node-detail");
  await click(page, '#actions button[data-action="deploy"]');
  await page.type("#deploy-image", "http://127.0.0.1:9/images/web.qcow2");
  await page.type("#deploy-checksum", "sha256:" + "ab".repeat(32));
  const states = [], vlans = [];
  await click(page, "#deploy-submit");
  const end = Date.now() + 60000;
  while (Date.now() < end) {
    const s = await rowState(page, "wa"), v = await portVlan(page);
    if (s && states[states.length - 1] !== s) states.push(s);
    if (v && vlans[vlans.length - 1] !== v) vlans.push(v);
    if (s === "active" && v && v.startsWith("200 ")) break;
    await sleep(100);
  }
  return { states, vlans };
}

const textOf = (page, sel) => page.$eval(sel, (e) => e.textContent).catch(() => "");

// Maintenance on (with a reason) and off from wa's detail: the table and
// the node's history show it.
async function maintenanceFromPage(page) {
  await page.waitForSelector('#actions button[data-action="maintenance on"]', { timeout: 20000 });
  await page.type("#maint-reason", "fan swap");
  await click(page, '#actions button[data-action="maintenance on"]');
  await page.waitForFunction(() => /maintenance: fan swap/.test(document.querySelector(
    '#nodes tr[data-node="wa"] .c-maint').textContent), { timeout: 20000 }).catch(() => {});
  ok("maintenance set from the page shows with its reason",
    /maintenance: fan swap/.test(await textOf(page, '#nodes tr[data-node="wa"] .c-maint')));
  await page.waitForFunction(() => /maintenance set/.test(
    document.querySelector("#detail-history").textContent), { timeout: 20000 }).catch(() => {});
  ok("the node's history shows it", /maintenance set/.test(await textOf(page, "#detail-history")));
  await click(page, '#actions button[data-action="maintenance off"]');
  await page.waitForFunction(() => document.querySelector(
    '#nodes tr[data-node="wa"] .c-maint').textContent === "", { timeout: 20000 }).catch(() => {});
  ok("maintenance unset from the page",
    (await textOf(page, '#nodes tr[data-node="wa"] .c-maint')) === "");
}

async function adminFlow(browser) {
  const problems = [];
  const page = await newPage(browser, problems);
  await page.goto(url + "/console/", { waitUntil: "load" });
  await page.waitForSelector("#login-basic:not([hidden])", { timeout: 20000 });
  await shot(page, "1-login");
  await login(page, "sysadmin", "pw-sysadmin");
  await waitNodes(page);
  await page.waitForFunction(() => document.querySelectorAll("#switches g[data-port]").length > 0,
    { timeout: 30000 }).catch(() => {});
  const names = await nodeNames(page);
  ok("the system admin sees every node", JSON.stringify(names) ===
    JSON.stringify(["na", "nb", "nl", "nu", "wa"]), names);
  ok("wa shows its state (available)", (await rowState(page, "wa")) === "available",
    await rowState(page, "wa"));
  ok("nl shows owner and lessee", (await page.$eval('#nodes tr[data-node="nl"] .c-owner',
    (e) => e.textContent)) === "a / b");
  ok("the header names the user and role", /sysadmin .* admin/.test(
    await page.$eval("#who", (e) => e.textContent)));
  const stored = await page.evaluate(() => sessionStorage.getItem("ingot.auth") || "");
  ok("credentials kept in sessionStorage", stored.includes("Basic "));
  ok("credentials never in the URL", !page.url().includes("pw-sysadmin"));
  await shot(page, "2-nodes");
  const before = await portVlan(page);
  ok("wa's switch port drawn, isolated before the deploy", before !== null &&
    before.startsWith("0 "), before);
  await click(page, 'button[data-view="networks"]');
  await shot(page, "4-networks-before");
  await click(page, 'button[data-view="nodes"]');
  const { states, vlans } = await deployFromPage(page);
  ok("deploy from the page: wa becomes active live", states[states.length - 1] === "active", states);
  ok("a transient state was shown on the way", states.some((s) =>
    /deploying|wait call-back/.test(s)), states);
  ok("wa's port went to the provisioning VLAN (100) on the way",
    vlans.some((v) => v.startsWith("100 ")), vlans);
  ok("then to tenant a's VLAN (200), in another colour",
    vlans.length > 0 && vlans[vlans.length - 1].startsWith("200 ") &&
    vlans[vlans.length - 1].split(" ")[1] !== before.split(" ")[1], vlans);
  ok("the image URL was recorded", /web\.qcow2/.test(await page.$eval("#detail-fields",
    (e) => e.textContent)));
  await maintenanceFromPage(page);
  await shot(page, "5-deployed");
  await click(page, 'button[data-view="networks"]');
  await page.waitForFunction(() => /wa/.test((document.querySelector(
    '#networks tr[data-network="ta"] .members') || {}).textContent || ""), { timeout: 15000 })
    .catch(() => {});
  ok("network ta lists wa as a member", /\bwa\b/.test(await page.$eval(
    '#networks tr[data-network="ta"] .members', (e) => e.textContent).catch(() => "")));
  await shot(page, "6-networks-after");
  ok("no script error or CSP violation (admin)", problems.length === 0, problems);
  return page;
}

async function tenantFlow(browser) {
  const problems = [];
  const page = await newPage(browser, problems);
  await login(page, "amember", "pw-amember");
  await waitNodes(page);
  const names = await nodeNames(page);
  ok("tenant a sees only its nodes (owned or leased)",
    JSON.stringify(names) === JSON.stringify(["na", "nl", "wa"]), names);
  const nets = await page.$$eval("#networks tbody tr", (r) => r.map((x) => x.dataset.network).sort());
  ok("tenant a does not see tenant b's network", !nets.includes("tb") && nets.includes("ta"), nets);
  await click(page, '#nodes tr[data-node="na"] button.link');
  await page.waitForSelector("#detail:not([hidden])");
  const acts = await page.$$eval("#actions button", (b) => b.map((x) => x.dataset.action));
  ok("a project member gets actions on its node", acts.includes("power on"), acts);
  await shot(page, "7-tenant");
  ok("no script error or CSP violation (tenant)", problems.length === 0, problems);
  const page2 = await newPage(browser, problems);
  await login(page2, "breader", "pw-breader");
  await waitNodes(page2);
  ok("tenant b sees its own and its leased node", JSON.stringify(await nodeNames(page2)) ===
    JSON.stringify(["nb", "nl"]), await nodeNames(page2));
  await click(page2, '#nodes tr[data-node="nb"] button.link');
  await page2.waitForSelector("#detail:not([hidden])");
  ok("a reader gets no action buttons", (await page2.$$("#actions button")).length === 0);
}

async function wrongPassword(browser) {
  const page = await newPage(browser, []);
  await login(page, "creader", "not-the-password");
  await page.waitForFunction(() => /Wrong user name or password/.test(
    document.getElementById("login-msg").textContent), { timeout: 20000 }).catch(() => {});
  const msg = await page.$eval("#login-msg", (e) => e.textContent);
  ok("a wrong password shows a clear message", /Wrong user name or password/.test(msg), msg);
  ok("... and no node", (await page.$$("#nodes tbody tr")).length === 0);
  await shot(page, "8-wrong-password");
}

async function ingotdStopped(page) {
  fs.writeFileSync(stopFile, "");
  const end = Date.now() + 60000;
  while (!fs.existsSync(stoppedFile) && Date.now() < end) await sleep(100);
  await page.waitForSelector("#banner:not([hidden])", { timeout: 30000 }).catch(() => {});
  const text = await page.$eval("#banner", (e) => e.hidden ? "" : e.textContent);
  ok("ingotd stopped: the page says it cannot be reached", /cannot be reached/.test(text), text);
  ok("... and the live marker says offline",
    (await page.$eval("#live", (e) => e.textContent)) === "offline");
  await shot(page, "9-ingotd-stopped");
}

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    userDataDir: path.join(shots, "..", "chromium-profile"),
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
      "--no-first-run", "--disable-extensions"],
  });
  try {
    const admin = await adminFlow(browser);
    await tenantFlow(browser);
    await wrongPassword(browser);
    await ingotdStopped(admin);
  } catch (e) {
    ok("browser script ran to its end", false, String(e && e.stack || e));
  } finally {
    await browser.close();
  }
  process.exit(failures ? 1 : 0);
})();
