/*
 * Ingot's web console: nodes, networks and switch ports, refreshed live by
 * polling the public API (one refresh at a time, every refresh_seconds of
 * config.json, paused while the tab is hidden), with the actions the
 * caller's role allows.  Every value from the API reaches the page as
 * text (textContent), never as markup.
 */
"use strict";

(() => {
  const A = IngotApi;
  const $ = (id) => document.getElementById(id);
  const S = {
    conf: { auth: "noauth", refresh_seconds: 3 },
    who: null, nodes: [], ports: [], networks: [], vifs: new Map(),
    nodePorts: new Map(), view: "nodes", detail: null, history: [],
    timer: null, busy: false, cycle: 0, lastOk: null, running: false,
  };
  const SLOW_EVERY = 5;        /* VIFs and tenants' ports: every 5th refresh */
  const RANK = { none: 0, reader: 1, member: 2, admin: 3 };
  const VERBS = {
    enroll: ["manage"], manageable: ["provide"], available: ["deploy", "manage"],
    active: ["undeploy"], "deploy failed": ["undeploy"], error: ["undeploy"],
    "clean failed": ["manage"], "inspect failed": ["manage"],
    "wait call-back": ["abort"], "clean wait": ["abort"], "inspect wait": ["abort"],
  };
  const TARGET = { manage: "manage", provide: "provide", deploy: "active",
    undeploy: "deleted", abort: "abort" };
  /* Which network a node's ports are on in each state (architecture.md). */
  const PHASE = {
    deploying: "provisioning", "wait call-back": "provisioning",
    inspecting: "provisioning", "inspect wait": "provisioning",
    rescuing: "provisioning", "rescue wait": "provisioning",
    cleaning: "cleaning", "clean wait": "cleaning", active: "tenant",
  };

  /* --- DOM helpers ------------------------------------------------------ */

  function el(tag, props, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "class") e.className = v;
      else if (k === "data") Object.assign(e.dataset, v);
      else if (k === "on") Object.entries(v).forEach(([ev, f]) => e.addEventListener(ev, f));
      else e[k] = v;
    }
    for (const k of kids.flat()) {
      if (k === null || k === undefined || k === false) continue;
      e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    }
    return e;
  }

  function svg(tag, attrs, ...kids) {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    kids.forEach((k) => e.append(k instanceof Node ? k : document.createTextNode(String(k))));
    return e;
  }

  function show(id, on) { $(id).hidden = !on; }

  function banner(text) {
    $("banner").textContent = text || "";
    show("banner", !!text);
    document.body.classList.toggle("stale", !!text);
  }

  function clock(d) { return d ? d.toLocaleTimeString() : "never"; }

  /* --- VLANs and colours -------------------------------------------------- */

  function colour(vlan) {
    if (!vlan) return "#b8bcc2";
    return "hsl(" + Math.round((vlan * 137.508) % 360) + ", 62%, 52%)";
  }

  function netByUuid(u) { return S.networks.find((n) => n.uuid === u); }
  function netByVlan(v) { return S.networks.find((n) => n.vlan_id === v); }
  function netByPurpose(p) { return S.networks.find((n) => n.purpose === p); }

  /*
   * Where a port is: what the switch was last set to (internal_info, for
   * nodes whose network_interface is vlan), else what the node's state
   * and VIFs mean.  {vlan, trunks, phase, source}.
   */
  function portVlan(port, node) {
    if (!node || node.network_interface !== "vlan")
      return { vlan: 0, trunks: [], phase: "not managed", source: "" };
    const ii = port.internal_info || {};
    if (ii.ingot_phase)
      return { vlan: ii.ingot_native_vlan || 0, trunks: ii.ingot_trunks || [],
        phase: ii.ingot_phase, source: "switch" };
    const phase = PHASE[node.provision_state] || "isolated";
    let net = null;
    if (phase === "provisioning") net = netByPurpose("provisioning");
    if (phase === "cleaning") net = netByPurpose("cleaning") || netByPurpose("provisioning");
    if (phase === "tenant") net = netByUuid((S.vifs.get(node.uuid) || [])[0]);
    return { vlan: net ? net.vlan_id : 0, trunks: [], phase, source: "expected" };
  }

  function vlanLabel(v) {
    if (v.phase === "not managed") return "not managed";
    if (!v.vlan) return "isolated";
    const n = netByVlan(v.vlan);
    return "VLAN " + v.vlan + (n ? " (" + n.name + ")" : "") +
      (v.trunks.length > 1 ? " + trunks " + v.trunks.join(",") : "") +
      (v.source === "expected" ? " expected" : "");
  }

  function swatch(vlan) {
    const s = el("span", { class: "swatch" });
    s.style.backgroundColor = colour(vlan);
    return s;
  }

  /* --- roles and actions ------------------------------------------------ */

  function mine(p) {
    return !!p && !!S.who && (p === S.who.project || p === S.who.project_name);
  }

  /* The actions the caller's role allows on node (docs/api.md's policy). */
  function allowed(node) {
    const w = S.who, out = [];
    if (!w || RANK[w.role] < RANK.member) return out;
    const owner = w.system || mine(node.owner);
    const user = owner || mine(node.lessee);
    const admin = RANK[w.role] >= RANK.admin;
    const busy = !!node.target_provision_state;
    for (const v of busy ? [] : VERBS[node.provision_state] || []) {
      if ((v === "manage" || v === "provide") && !(owner || admin)) continue;
      if (user && !node.maintenance) out.push(v);
    }
    if (user && !node.target_power_state) out.push("power on", "power off");
    if (owner && !node.maintenance) out.push("maintenance on");
    if (node.maintenance && (w.system ? admin : owner)) out.push("maintenance off");
    return out;
  }

  /* --- refresh ---------------------------------------------------------- */

  async function eachLimited(items, n, f) {
    const queue = items.slice();
    const run = async () => { while (queue.length) await f(queue.shift()); };
    await Promise.all(Array.from({ length: Math.min(n, queue.length) }, run));
  }

  async function loadPorts(slow) {
    if (S.who.system) {
      S.ports = await A.list("/v1/ports/detail", "ports");
      return;
    }
    if (!slow) return;
    /* Projects read the ports of the nodes they own (lessees: none). */
    const fields = "?fields=uuid,address,node_uuid,local_link_connection,internal_info";
    await eachLimited(S.nodes.filter((n) => mine(n.owner)), 4, async (n) => {
      try {
        const r = await A.call("GET", "/v1/nodes/" + n.uuid + "/ports" + fields);
        S.nodePorts.set(n.uuid, r.ports || []);
      } catch (e) {
        if (e.status !== 403 && e.status !== 404) throw e;
      }
    });
    S.ports = [].concat(...S.nodes.map((n) => S.nodePorts.get(n.uuid) || []));
  }

  async function loadVifs(changed) {
    await eachLimited(changed, 4, async (n) => {
      try {
        const r = await A.call("GET", "/v1/nodes/" + n.uuid + "/vifs");
        S.vifs.set(n.uuid, (r.vifs || []).map((v) => v.id));
      } catch (e) {
        if (e.status !== 403 && e.status !== 404) throw e;
      }
    });
  }

  async function loadAll() {
    const before = new Map(S.nodes.map((n) => [n.uuid, n.provision_state]));
    const slow = S.cycle % SLOW_EVERY === 0;
    S.nodes = await A.list("/v1/nodes/detail", "nodes");
    S.nodes.sort((a, b) => (a.name || a.uuid).localeCompare(b.name || b.uuid));
    S.networks = await A.list("/v1/networks?detail=true", "networks");
    await loadPorts(slow);
    await loadVifs(S.nodes.filter((n) => slow || before.get(n.uuid) !== n.provision_state));
    if (S.detail) {
      const h = await A.call("GET", "/v1/nodes/" + S.detail + "/history?detail=true")
        .catch(() => ({ history: [] }));
      S.history = h.history || [];
    }
  }

  async function refresh() {
    clearTimeout(S.timer);
    if (S.busy || !S.running) return;
    S.busy = true;
    try {
      await loadAll();
      S.cycle++;
      S.lastOk = new Date();
      banner("");
      render();
      $("live").textContent = "live \u00b7 updated " + clock(S.lastOk);
      $("live").className = "live ok";
    } catch (e) {
      failed(e);
    } finally {
      S.busy = false;
      schedule();
    }
  }

  function failed(e) {
    if (e.status === 401) {
      logout("Your credentials were refused (HTTP 401): " + e.message +
        " Log in again.");
      return;
    }
    const what = e.status === 0 ? e.message :
      "ingotd answered HTTP " + e.status + ": " + e.message;
    banner(what + " \u2014 showing what was read at " + clock(S.lastOk) +
      "; retrying every " + period() + " s.");
    $("live").textContent = e.status === 0 ? "offline" : "error";
    $("live").className = "live bad";
  }

  function period() { return Math.max(1, S.conf.refresh_seconds || 3); }

  function schedule(ms) {
    clearTimeout(S.timer);
    if (!S.running || document.hidden) return;
    S.timer = setTimeout(refresh, ms === undefined ? period() * 1000 : ms);
  }

  /* --- rendering: nodes ------------------------------------------------- */

  function stateCell(n) {
    const t = n.target_provision_state;
    const cls = /failed|error/.test(n.provision_state) ? "bad" :
      t ? "busy" : n.provision_state === "active" ? "good" : "";
    return el("td", { class: "c-state " + cls },
      el("span", { class: "state" }, n.provision_state),
      t ? el("span", { class: "target" }, " \u2192 " + t) : null);
  }

  function powerCell(n) {
    return el("td", { class: "c-power" }, n.power_state || "unknown",
      n.target_power_state ? " \u2192 " + n.target_power_state : "");
  }

  function maintCell(n) {
    return el("td", { class: "c-maint" },
      n.maintenance ? el("div", { class: "warn" }, "maintenance" +
        (n.maintenance_reason ? ": " + n.maintenance_reason : "")) : null,
      n.fault ? el("div", { class: "bad" }, "fault: " + n.fault) : null);
  }

  function portsCell(n) {
    const ports = S.ports.filter((p) => p.node_uuid === n.uuid);
    return el("td", { class: "c-ports" }, ports.map((p) => {
      const v = portVlan(p, n), llc = p.local_link_connection || {};
      return el("div", { class: "port", data: { port: llc.port_id || p.address,
        vlan: String(v.vlan) } }, swatch(v.vlan), p.address,
        llc.port_id ? " @ " + (llc.switch_info || llc.switch_id || "?") + "/" + llc.port_id : "",
        " \u2014 " + vlanLabel(v));
    }));
  }

  function stepName(s) {
    return s && s.step ? (s.interface ? s.interface + "." : "") + s.step : "";
  }

  function progressCell(n) {
    const dii = n.driver_internal_info || {};
    return el("td", { class: "c-progress" },
      stepName(n.deploy_step) ? el("div", {}, "deploy step: " + stepName(n.deploy_step)) : null,
      stepName(n.clean_step) ? el("div", {}, "clean step: " + stepName(n.clean_step)) : null,
      n.target_provision_state && dii.agent_status_message ?
        el("div", {}, dii.agent_status_message) : null,
      n.last_error ? el("div", { class: "bad last-error" }, n.last_error) : null);
  }

  function nodeRow(n) {
    return el("tr", { data: { node: n.name || n.uuid, uuid: n.uuid } },
      el("td", { class: "c-name" },
        el("button", { type: "button", class: "link", on: { click: () => openDetail(n.uuid) } },
          n.name || n.uuid), el("div", { class: "uuid" }, n.uuid)),
      stateCell(n), powerCell(n), maintCell(n),
      el("td", { class: "c-owner" }, (n.owner || "\u2014") + " / " + (n.lessee || "\u2014")),
      portsCell(n), progressCell(n));
  }

  function renderNodes() {
    $("nodes").tBodies[0].replaceChildren(...S.nodes.map(nodeRow));
    $("nodes-count").textContent = "(" + S.nodes.length + ")";
    show("nodes-empty", S.nodes.length === 0);
  }

  /* --- rendering: networks and switches -------------------------------- */

  function members(net) {
    const names = [];
    for (const n of S.nodes) {
      const onIt = (S.vifs.get(n.uuid) || []).includes(net.uuid) ||
        S.ports.some((p) => p.node_uuid === n.uuid && portVlan(p, n).vlan === net.vlan_id);
      if (onIt) names.push(n.name || n.uuid);
    }
    return names.join(", ");
  }

  function renderNetworks() {
    $("networks").tBodies[0].replaceChildren(...S.networks.map((net) =>
      el("tr", { data: { network: net.name } }, el("td", {}, swatch(net.vlan_id)),
        el("td", {}, net.name), el("td", {}, net.vlan_id), el("td", {}, net.purpose),
        el("td", {}, (net.project || "\u2014") + (net.shared ? " (shared)" : "")),
        el("td", {}, net.cidr || ""), el("td", { class: "members" }, members(net)))));
    $("legend").replaceChildren(
      el("span", {}, swatch(0), "isolated / not managed"),
      ...S.networks.map((n) => el("span", {}, swatch(n.vlan_id), n.name + " (" + n.vlan_id + ")")));
  }

  function switchDiagram(id, ports) {
    const W = 64, H = 40, G = 8;
    const width = Math.max(1, ports.length) * (W + G) + G;
    const box = svg("svg", { width, height: H + 34, viewBox: "0 0 " + width + " " + (H + 34),
      class: "switch", role: "img" });
    ports.forEach(({ port, node }, i) => {
      const v = portVlan(port, node), llc = port.local_link_connection;
      const x = G + i * (W + G);
      const g = svg("g", { "data-port": llc.port_id, "data-vlan": v.vlan,
        "data-node": node ? node.name || node.uuid : "" },
        svg("title", {}, llc.port_id + ": " + (node ? node.name || node.uuid : "?") +
          ", " + vlanLabel(v) + ", " + v.phase),
        svg("rect", { x, y: 4, width: W, height: H, rx: 5, fill: colour(v.vlan),
          stroke: v.phase === "not managed" ? "#555" : "#222",
          "stroke-dasharray": v.phase === "not managed" ? "4 3" : "none" }),
        svg("text", { x: x + W / 2, y: 4 + H / 2 + 4, "text-anchor": "middle",
          class: "port-label" }, v.vlan ? String(v.vlan) : "\u2013"),
        svg("text", { x: x + W / 2, y: H + 18, "text-anchor": "middle", class: "port-id" },
          llc.port_id.slice(0, 10)),
        svg("text", { x: x + W / 2, y: H + 30, "text-anchor": "middle", class: "port-node" },
          node ? (node.name || node.uuid).slice(0, 10) : ""));
      box.append(g);
    });
    return el("div", { class: "switch-box", data: { switch: id } },
      el("h3", {}, "Switch " + id), box);
  }

  function renderSwitches() {
    const by = new Map();
    for (const p of S.ports) {
      const llc = p.local_link_connection || {};
      if (!llc.port_id) continue;
      const id = llc.switch_info || llc.switch_id || "unknown";
      if (!by.has(id)) by.set(id, []);
      by.get(id).push({ port: p, node: S.nodes.find((n) => n.uuid === p.node_uuid) });
    }
    const boxes = [...by.entries()].sort().map(([id, ports]) => {
      ports.sort((a, b) => a.port.local_link_connection.port_id.localeCompare(
        b.port.local_link_connection.port_id, undefined, { numeric: true }));
      return switchDiagram(id, ports);
    });
    $("switches").replaceChildren(...boxes);
    show("switches-empty", boxes.length === 0);
  }

  /* --- rendering: node detail ------------------------------------------- */

  const DETAIL_FIELDS = ["uuid", "name", "driver", "provision_state",
    "target_provision_state", "power_state", "target_power_state", "maintenance",
    "maintenance_reason", "fault", "owner", "lessee", "resource_class",
    "network_interface", "deploy_interface", "deploy_step", "clean_step",
    "last_error", "provision_updated_at", "updated_at"];

  function text(v) {
    if (v === null || v === undefined || (typeof v === "object" &&
      Object.keys(v).length === 0)) return "\u2014";
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  }

  function renderDetail() {
    const n = S.nodes.find((x) => x.uuid === S.detail);
    show("detail", !!n && S.view === "nodes");
    if (!n) return;
    $("detail-title").textContent = "Node " + (n.name || n.uuid);
    $("detail-error").textContent = n.last_error ? "Last error: " + n.last_error : "";
    const ii = n.instance_info || {};
    $("detail-fields").tBodies[0].replaceChildren(...DETAIL_FIELDS.map((f) =>
      el("tr", { data: { field: f } }, el("th", {}, f), el("td", {}, text(n[f])))),
      el("tr", {}, el("th", {}, "image_source"), el("td", {}, text(ii.image_source))));
    $("detail-ports").tBodies[0].replaceChildren(...S.ports.filter((p) =>
      p.node_uuid === n.uuid).map((p) => {
      const v = portVlan(p, n), llc = p.local_link_connection || {};
      return el("tr", {}, el("td", {}, swatch(v.vlan), p.address),
        el("td", {}, (llc.switch_info || llc.switch_id || "") + (llc.port_id ? "/" + llc.port_id : "")),
        el("td", {}, vlanLabel(v) + " (" + v.phase + ")"));
    }));
    $("detail-vifs").replaceChildren(...(S.vifs.get(n.uuid) || []).map((id) => {
      const net = netByUuid(id);
      return el("li", {}, net ? net.name + " (VLAN " + net.vlan_id + ")" : id);
    }));
    $("detail-history").tBodies[0].replaceChildren(...S.history.slice().reverse().map((h) =>
      el("tr", { class: h.severity === "ERROR" ? "bad" : "" }, el("td", {}, h.created_at),
        el("td", {}, h.severity), el("td", {}, h.event))));
    if (S.history.length === 0)
      $("detail-history").tBodies[0].append(el("tr", {}, el("td", { colSpan: 3, class: "hint" },
        "No event recorded (errors, maintenance and power faults are).")));
    renderActions(n);
  }

  function renderActions(n) {
    const acts = allowed(n);
    const reason = el("input", { id: "maint-reason", placeholder: "maintenance reason" });
    const sig = n.uuid + "|" + acts.join("|");
    if ($("actions").dataset.sig === sig) return;   /* keeps focus and typing */
    $("actions").dataset.sig = sig;
    $("actions").replaceChildren(...acts.map((a) => el("button", { type: "button",
      class: "action", data: { action: a }, on: { click: () => act(n, a, reason.value) } }, a)),
    ...(acts.includes("maintenance on") ? [reason] : []),
    ...(acts.length === 0 ? [el("span", { class: "hint" }, "No action: your role (" +
        (S.who ? S.who.role : "?") + ") or the node's state allows none.")] : []));
  }

  function render() {
    renderNodes();
    renderNetworks();
    renderSwitches();
    if (S.detail) renderDetail();
  }

  function openDetail(uuid) {
    S.detail = uuid;
    S.history = [];
    $("action-msg").textContent = "";
    show("deploy-form", false);
    renderDetail();
    $("detail").scrollIntoView({ block: "start" });
    schedule(0);
  }

  /* --- actions ---------------------------------------------------------- */

  async function act(n, a, reason) {
    const base = "/v1/nodes/" + n.uuid;
    if (a === "deploy") {
      show("deploy-form", true);
      $("deploy-image").focus();
      return;
    }
    const req = a.startsWith("power") ? ["PUT", base + "/states/power", { target: a }] :
      a === "maintenance on" ? ["PUT", base + "/maintenance", reason ? { reason } : {}] :
      a === "maintenance off" ? ["DELETE", base + "/maintenance"] :
      ["PUT", base + "/states/provision", { target: TARGET[a] }];
    await send(a, n, () => A.call(...req));
  }

  async function send(what, n, f) {
    $("action-msg").textContent = what + " " + (n.name || n.uuid) + "\u2026";
    $("action-msg").className = "msg";
    try {
      await f();
      $("action-msg").textContent = what + " requested for " + (n.name || n.uuid) + ".";
    } catch (e) {
      $("action-msg").textContent = what + " refused: " + e.message +
        (e.status ? " (HTTP " + e.status + ")" : "");
      $("action-msg").className = "msg error";
      if (e.status === 401) failed(e);
    }
    schedule(300);
  }

  async function deploySubmit(ev) {
    ev.preventDefault();
    const n = S.nodes.find((x) => x.uuid === S.detail);
    if (!n) return;
    const image = $("deploy-image").value.trim(), sum = $("deploy-checksum").value.trim();
    const patch = [{ op: "add", path: "/instance_info/image_source", value: image }];
    if (sum) patch.push({ op: "add", path: "/instance_info/image_checksum", value: sum });
    show("deploy-form", false);
    await send("deploy", n, async () => {
      await A.call("PATCH", "/v1/nodes/" + n.uuid, patch);
      await A.call("PUT", "/v1/nodes/" + n.uuid + "/states/provision", { target: "active" });
    });
  }

  /* --- login ------------------------------------------------------------ */

  function showLogin(msg) {
    S.running = false;
    clearTimeout(S.timer);
    ["view-nodes", "view-networks", "detail", "tabs", "logout"].forEach((i) => show(i, false));
    show("login", true);
    show("login-basic", S.conf.auth === "http_basic");
    show("login-keystone", S.conf.auth === "keystone");
    $("ks-url").textContent = S.conf.keystone_url || "(no keystone_url configured)";
    show("login-ks", !!S.conf.keystone_url);
    $("login-msg").textContent = msg || "";
    $("who").textContent = "";
    $("live").textContent = "";
    banner("");
  }

  function logout(msg) {
    A.setCredentials(null);
    S.who = null;
    S.nodes = []; S.ports = []; S.networks = []; S.vifs.clear(); S.nodePorts.clear();
    showLogin(msg);
  }

  async function tryLogin(creds) {
    $("login-msg").textContent = "Checking\u2026";
    try {
      S.who = await A.call("GET", "/v1/whoami", undefined, creds);
    } catch (e) {
      $("login-msg").textContent = e.status === 401 ?
        "Wrong user name or password (or token): ingotd refused them (HTTP 401)." :
        e.status === 0 ? e.message : "Login failed: " + e.message + " (HTTP " + e.status + ")";
      return;
    }
    A.setCredentials(creds);
    start();
  }

  function start() {
    show("login", false);
    ["tabs", "logout"].forEach((i) => show(i, S.conf.auth !== "noauth" || i === "tabs"));
    $("who").textContent = S.who.user + " \u00b7 " + (S.who.system ? "system" :
      "project " + (S.who.project_name || S.who.project)) + " " + S.who.role;
    setView(S.view);
    S.running = true;
    S.cycle = 0;
    refresh();
  }

  function setView(v) {
    S.view = v;
    show("view-nodes", v === "nodes");
    show("view-networks", v === "networks");
    document.querySelectorAll(".tab").forEach((b) =>
      b.classList.toggle("active", b.dataset.view === v));
    if (S.detail) renderDetail();
  }

  async function boot() {
    try {
      const r = await fetch("config.json", { cache: "no-store" });
      S.conf = Object.assign(S.conf, await r.json());
    } catch (e) {
      banner("ingotd cannot be reached at " + location.origin + ": reload when it is back.");
      return;
    }
    const creds = A.credentials();
    if (creds || S.conf.auth === "noauth") {
      try {
        S.who = await A.call("GET", "/v1/whoami");
        start();
        return;
      } catch (e) {
        if (e.status !== 401) { banner(e.message); return; }
        A.setCredentials(null);
      }
    }
    showLogin(creds ? "Your session ended; log in again." : "");
  }

  function wire() {
    $("login-basic").addEventListener("submit", (ev) => {
      ev.preventDefault();
      tryLogin(A.basic($("login-user").value, $("login-password").value));
      $("login-password").value = "";
    });
    $("login-token").addEventListener("submit", (ev) => {
      ev.preventDefault();
      tryLogin(A.token($("login-token-value").value));
    });
    $("login-ks").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const t = await A.keystoneToken(S.conf.keystone_url, $("ks-user").value,
          $("ks-password").value, $("ks-project").value.trim(), $("ks-domain").value.trim());
        $("ks-password").value = "";
        tryLogin(A.token(t));
      } catch (e) {
        $("login-msg").textContent = e.message;
      }
    });
    $("logout").addEventListener("click", () => logout("Logged out."));
    $("detail-close").addEventListener("click", () => { S.detail = null; show("detail", false); });
    $("deploy-form").addEventListener("submit", deploySubmit);
    $("deploy-cancel").addEventListener("click", () => show("deploy-form", false));
    document.querySelectorAll(".tab").forEach((b) =>
      b.addEventListener("click", () => setView(b.dataset.view)));
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && S.running) schedule(0);
    });
  }

  wire();
  boot();
})();
