// The console's core: texts, the API call, sign-in and the session, and the page router. Each
// page is its own script (page-*.js) that registers itself in PAGES. Every text that comes from
// the server is put in the page with textContent, never as HTML, so a recipient named
// "<img src=x onerror=alert(1)>" shows as those characters (and the Content-Security-Policy
// would refuse to run it anyway).
"use strict";

const TEXT = {
  zh: {
    skip: "跳到正文", title: "短信通知平台", sign_out: "退出", sign_out_all: "在所有设备上退出",
    sign_in_title: "登录", username: "用户名", password: "密码", sign_in: "登录",
    search: "查询", more: "更多", save: "保存", cancel: "取消", close: "关闭", yes: "是", no: "否",
    role_admin: "管理员", role_sender: "发送员", role_viewer: "查看员",
    signed_in_as: (name, role) => `已登录：${name}（${role}）`,
    err_invalid: (left) => left === undefined ? "用户名或密码不正确。" : `用户名或密码不正确，还可尝试 ${left} 次。`,
    err_locked: (minutes) => `登录失败次数过多，请 ${minutes} 分钟后再试，或请管理员重置密码。`,
    err_disabled: "该账号已停用，请联系管理员。", err_missing: "请输入用户名和密码。",
    err_busy: "登录的人太多，请稍后再试。", err_other: "出错了，请稍后再试。",
    err_forbidden: "您的角色无权进行此操作。", err_network: "无法连接服务器，请检查网络后重试。",
    no_entries: "没有记录。", not_signed_in: "（未登录）", loading: "正在加载…",
    saved: "已保存。", all: "全部", none: "无",
  },
  en: {
    skip: "Skip to content", title: "SMS notification gateway", sign_out: "Sign out",
    sign_out_all: "Sign out everywhere", sign_in_title: "Sign in", username: "Name",
    password: "Password", sign_in: "Sign in", search: "Search", more: "More", save: "Save",
    cancel: "Cancel", close: "Close", yes: "yes", no: "no",
    role_admin: "administrator", role_sender: "sender", role_viewer: "viewer",
    signed_in_as: (name, role) => `Signed in as ${name} (${role})`,
    err_invalid: (left) => left === undefined ? "The name or the password is not right."
                                               : `The name or the password is not right (${left} tries left).`,
    err_locked: (minutes) => `Too many failed sign-ins: try again in ${minutes} minutes, or ask an administrator to reset the password.`,
    err_disabled: "This account is disabled; ask an administrator.", err_missing: "Give your name and password.",
    err_busy: "Too many sign-ins at once; try again in a moment.", err_other: "Something went wrong; try again later.",
    err_forbidden: "Your role may not do this.", err_network: "The server cannot be reached; check the network and try again.",
    no_entries: "No entries.", not_signed_in: "(not signed in)", loading: "Loading…",
    saved: "Saved.", all: "all", none: "none",
  },
};

// Pages add their own texts next to their code.
function addTexts(zh, en) {
  Object.assign(TEXT.zh, zh);
  Object.assign(TEXT.en, en);
}

// name -> {roles: [...], show(arg)}: the page for "#name" or "#name/arg".
const PAGES = {};

let lang = localStorage.getItem("smsgw.lang") === "en" ? "en" : "zh";
let session = null;  // {user, role, csrf_token}

const $ = (id) => document.getElementById(id);
const t = (key, ...args) => {
  const v = TEXT[lang][key];
  if (v === undefined) return key;
  return typeof v === "function" ? v(...args) : v;
};
const can = (...roles) => session !== null && roles.includes(session.role);
const locale = () => (lang === "zh" ? "zh-CN" : "en-GB");
// A time the API gives with an offset ("2027-01-04T09:30:00+08:00": schedule firings, in the
// daemon's zone) is shown at that offset, so a schedule written for 09:30 reads 09:30 on any
// computer; a "Z" time is shown in the browser's own zone.
const fmtTime = (s) => {
  if (!s) return "";
  const at = new Date(s);
  const m = /([+-])(\d\d):(\d\d)$/.exec(s);
  if (!m) return at.toLocaleString(locale());
  const offset = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  return new Date(at.getTime() + offset * 60000).toLocaleString(locale(), { timeZone: "UTC" });
};
const fmtNumber = (n) => (typeof n === "number" ? n.toLocaleString(locale()) : "");

// An element with text (never HTML) and attributes; children may be nodes or strings.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k in e && typeof v !== "string") e[k] = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = document.createElement("td");
    if (c instanceof Node) td.append(c);
    else td.textContent = c === undefined || c === null ? "" : String(c);
    tr.append(td);
  }
  return tr;
}

function emptyRow(body, columns) {
  const tr = row([t("no_entries")]);
  tr.firstChild.colSpan = columns;
  body.append(tr);
}

function applyLanguage() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll("[data-i18n-placeholder]")) e.placeholder = t(e.dataset.i18nPlaceholder);
  $("lang").textContent = lang === "zh" ? "English" : "中文";
  $("lang").lang = lang === "zh" ? "en" : "zh-CN";
  if (session) {
    showWho();
    route();
  }
}

// One API call with the session cookie; changes carry the CSRF token. Never throws: a network
// failure is status 0 with a problem saying so.
async function api(method, path, body, contentType) {
  const headers = {};
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = contentType || "application/json";
    payload = contentType ? body : JSON.stringify(body);
  }
  if (method !== "GET" && session) headers["X-CSRF-Token"] = session.csrf_token;
  let res;
  try {
    res = await fetch(path, { method, headers, credentials: "same-origin", body: payload });
  } catch (e) {
    return { status: 0, doc: { title: t("err_network") }, headers: new Headers() };
  }
  let doc = null;
  const type = res.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try { doc = await res.json(); } catch (e) { doc = null; }
  }
  if (res.status === 401 && path !== "/console/login") showLogin();
  return { status: res.status, doc, headers: res.headers };
}

// A problem+json answer as readable lines: the title, the detail, then each field's error.
function problemText(res) {
  if (res.status === 403) return [t("err_forbidden"), (res.doc && res.doc.detail) || ""].filter(Boolean);
  const p = res.doc || {};
  const lines = [p.title || t("err_other")];
  if (p.detail) lines.push(p.detail);
  for (const e of p.errors || []) lines.push(e.field ? `${e.field}: ${e.message}` : e.message);
  return lines;
}

// Shows a message (lines of text) in a page's message box; kind "error" or "ok".
function say(box, lines, kind) {
  box.replaceChildren(...[].concat(lines).map((l) => el("div", { text: l })));
  box.className = kind === "ok" ? "notice" : "error";
  box.hidden = lines.length === 0;
  box.setAttribute("role", kind === "ok" ? "status" : "alert");
}

function clear(box) {
  box.replaceChildren();
  box.hidden = true;
}

function showLogin(message) {
  session = null;
  $("app").hidden = true;
  $("who").hidden = true;
  $("login").hidden = false;
  const err = $("login-error");
  err.hidden = !message;
  err.textContent = message || "";
  $("username").focus();
}

function showWho() {
  $("who-name").textContent = t("signed_in_as", session.user, t("role_" + session.role));
}

function showApp() {
  $("login").hidden = true;
  $("app").hidden = false;
  $("who").hidden = false;
  showWho();
  for (const a of document.querySelectorAll("nav a[data-roles]")) {
    a.hidden = !a.dataset.roles.split(" ").includes(session.role);
  }
  for (const e of document.querySelectorAll("[data-roles]:not(nav a)")) {
    e.hidden = !e.dataset.roles.split(" ").includes(session.role);
  }
  route();
}

function signInError(res) {
  const p = res.doc || {};
  if (res.status === 401) return t("err_invalid", p.tries_left);
  if (res.status === 429) return t("err_locked", Math.max(1, Math.ceil((p.retry_after || 60) / 60)));
  if (res.status === 403) return t("err_disabled");
  if (res.status === 422) return t("err_missing");
  if (res.status === 503) return t("err_busy");
  return t("err_other");
}

async function signIn(event) {
  event.preventDefault();
  const button = $("sign-in");
  button.disabled = true;
  try {
    const res = await api("POST", "/console/login", { username: $("username").value, password: $("password").value });
    $("password").value = "";
    if (res.status === 200) {
      session = res.doc;
      history.replaceState(null, "", "/console/#home");
      showApp();
    } else {
      showLogin(signInError(res));
    }
  } finally {
    button.disabled = false;
  }
}

async function signOut(everywhere) {
  await api("POST", "/console/logout", everywhere ? { everywhere: true } : undefined);
  showLogin();
}

// "#name/arg": the page and its argument (a batch id, a schedule id).
function route() {
  const [name, ...rest] = (location.hash || "#home").slice(1).split("/");
  const page = PAGES[name] && can(...PAGES[name].roles) ? name : "home";
  for (const e of document.querySelectorAll(".page")) e.hidden = e.id !== "page-" + page;
  for (const a of document.querySelectorAll("nav a")) {
    if (a.getAttribute("href") === "#" + page) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (PAGES[page]) PAGES[page].show(decodeURIComponent(rest.join("/")));
}

// Calls fn at most once per `ms` of quiet: live previews while typing.
function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// A file download made here (CSV export), without a round trip to the server.
function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// One CSV cell: quoted when needed; a leading = + - @ is prefixed with ' so that a spreadsheet
// does not run a recipient's name as a formula (CSV injection).
function csvCell(v) {
  let s = v === null || v === undefined ? "" : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const FORM_ERRORS = { invalid: "err_invalid", locked: "err_locked", disabled: "err_disabled",
                      missing: "err_missing", busy: "err_busy" };

async function boot() {
  applyLanguage();
  $("lang").addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh";
    localStorage.setItem("smsgw.lang", lang);
    applyLanguage();
  });
  $("login-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", () => signOut(false));
  $("sign-out-all").addEventListener("click", () => signOut(true));
  for (const p of Object.values(PAGES)) if (p.init) p.init();
  window.addEventListener("hashchange", () => { if (session) route(); });
  // A sign-in by a plain form (no script ran then) comes back with ?error=...
  const formError = new URLSearchParams(location.search).get("error");
  const res = await api("GET", "/console/session");
  if (res.status === 200) {
    session = res.doc;
    showApp();
  } else {
    showLogin(formError && FORM_ERRORS[formError] ? t(FORM_ERRORS[formError], formError === "locked" ? 15 : undefined) : "");
  }
}

document.addEventListener("DOMContentLoaded", boot);
