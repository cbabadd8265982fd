/*
 * The Ingot API as the console uses it: the public REST API, same origin,
 * with the user's credentials (an Authorization or X-Auth-Token header
 * kept in sessionStorage for this tab only, never in a URL).
 */
"use strict";

const IngotApi = (() => {
  const KEY = "ingot.auth";
  const VERSION = "latest";

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;   // 0: ingotd could not be reached
    }
  }

  function credentials() {
    try {
      return JSON.parse(sessionStorage.getItem(KEY) || "null");
    } catch (e) {
      return null;
    }
  }

  function setCredentials(c) {
    if (c === null)
      sessionStorage.removeItem(KEY);
    else
      sessionStorage.setItem(KEY, JSON.stringify(c));
  }

  /* UTF-8 safe base64 of "user:password". */
  function basic(user, password) {
    const bytes = new TextEncoder().encode(user + ":" + password);
    let s = "";
    bytes.forEach((b) => { s += String.fromCharCode(b); });
    return { header: "Authorization", value: "Basic " + btoa(s) };
  }

  function token(t) {
    return { header: "X-Auth-Token", value: t.trim() };
  }

  /* Ironic's error body: {"error_message": "{\"faultstring\": ...}"}. */
  function faultOf(text, status) {
    try {
      const outer = JSON.parse(text);
      let em = outer.error_message;
      if (typeof em === "string") {
        try { em = JSON.parse(em); } catch (e) { return em; }
      }
      if (em && em.faultstring)
        return em.faultstring;
    } catch (e) { /* not JSON */ }
    return "HTTP " + status;
  }

  async function call(method, path, body, creds) {
    const headers = {
      "X-OpenStack-Ironic-API-Version": VERSION,
      "X-Requested-With": "XMLHttpRequest",
      "Accept": "application/json",
    };
    const c = creds === undefined ? credentials() : creds;
    if (c)
      headers[c.header] = c.value;
    const init = { method, headers, cache: "no-store", credentials: "omit",
      redirect: "error" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, "ingotd cannot be reached at " + location.origin +
        " (" + e.message + ")");
    }
    const text = await res.text();
    if (!res.ok)
      throw new ApiError(res.status, faultOf(text, res.status));
    return text ? JSON.parse(text) : null;
  }

  /* Every object of a paged list (follows ?marker= while pages are full). */
  async function list(path, key) {
    const limit = 1000;
    const sep = path.includes("?") ? "&" : "?";
    let out = [], marker = null;
    for (let page = 0; page < 100; page++) {
      const q = sep + "limit=" + limit + (marker ? "&marker=" + encodeURIComponent(marker) : "");
      const r = await call("GET", path + q);
      const items = r[key] || [];
      out = out.concat(items);
      if (items.length < limit)
        break;
      marker = items[items.length - 1].uuid;
    }
    return out;
  }

  /* A Keystone token from the Identity v3 endpoint (needs its CORS). */
  async function keystoneToken(url, user, password, project, domain) {
    const scope = project ? { project: { name: project, domain: { name: domain } } }
      : { system: { all: true } };
    const body = { auth: { identity: { methods: ["password"], password: {
      user: { name: user, domain: { name: domain }, password } } }, scope } };
    let res;
    try {
      res = await fetch(url.replace(/\/+$/, "") + "/auth/tokens", { method: "POST",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
        credentials: "omit" });
    } catch (e) {
      throw new ApiError(0, "Keystone cannot be reached at " + url +
        " (or does not allow this origin: see docs/operations.md)");
    }
    const t = res.headers.get("X-Subject-Token");
    if (!res.ok || !t)
      throw new ApiError(res.status, res.ok ? "Keystone did not expose X-Subject-Token"
        : "Keystone refused: HTTP " + res.status);
    return t;
  }

  return { ApiError, call, list, credentials, setCredentials, basic, token,
    keystoneToken };
})();
