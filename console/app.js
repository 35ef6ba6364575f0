// The console's script: sign-in, the session, and the pages. Every text that comes from the
// server is put in the page with textContent, never as HTML, so a recipient named
// "<img src=x onerror=alert(1)>" shows as those characters (and the Content-Security-Policy
// would refuse to run it anyway).
"use strict";

const TEXT = {
  zh: {
    skip: "跳到正文", title: "短信通知平台", sign_out: "退出", sign_out_all: "在所有设备上退出",
    sign_in_title: "登录", username: "用户名", password: "密码", sign_in: "登录",
    nav_home: "首页", nav_audit: "操作日志", audit_actor: "操作人", audit_action: "操作",
    audit_at: "时间", audit_from: "来源地址", audit_object: "对象", audit_change: "变更",
    search: "查询", more: "更多",
    role_admin: "管理员", role_sender: "发送员", role_viewer: "查看员",
    signed_in_as: (name, role) => `已登录：${name}（${role}）`,
    home_text: "欢迎使用短信通知平台。",
    err_invalid: (left) => left === undefined ? "用户名或密码不正确。" : `用户名或密码不正确，还可尝试 ${left} 次。`,
    err_locked: (minutes) => `登录失败次数过多，请 ${minutes} 分钟后再试，或请管理员重置密码。`,
    err_disabled: "该账号已停用，请联系管理员。", err_missing: "请输入用户名和密码。",
    err_busy: "登录的人太多，请稍后再试。", err_other: "出错了，请稍后再试。",
    created: "新建", deleted: "删除", no_entries: "没有记录。", not_signed_in: "（未登录）",
  },
  en: {
    skip: "Skip to content", title: "SMS notification gateway", sign_out: "Sign out",
    sign_out_all: "Sign out everywhere", sign_in_title: "Sign in", username: "Name",
    password: "Password", sign_in: "Sign in", nav_home: "Home", nav_audit: "Audit log",
    audit_actor: "Who", audit_action: "Action", audit_at: "When", audit_from: "From",
    audit_object: "Object", audit_change: "Change", search: "Search", more: "More",
    role_admin: "administrator", role_sender: "sender", role_viewer: "viewer",
    signed_in_as: (name, role) => `Signed in as ${name} (${role})`,
    home_text: "Welcome to the SMS notification gateway.",
    err_invalid: (left) => left === undefined ? "The name or the password is not right."
                                               : `The name or the password is not right (${left} tries left).`,
    err_locked: (minutes) => `Too many failed sign-ins: try again in ${minutes} minutes, or ask an administrator to reset the password.`,
    err_disabled: "This account is disabled; ask an administrator.", err_missing: "Give your name and password.",
    err_busy: "Too many sign-ins at once; try again in a moment.", err_other: "Something went wrong; try again later.",
    created: "created", deleted: "deleted", no_entries: "No entries.", not_signed_in: "(not signed in)",
  },
};

let lang = localStorage.getItem("smsgw.lang") === "en" ? "en" : "zh";
let session = null;  // {user, role, csrf_token}
let auditCursor = null;

const $ = (id) => document.getElementById(id);
const t = (key, ...args) => {
  const v = TEXT[lang][key];
  return typeof v === "function" ? v(...args) : v;
};

function applyLanguage() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  $("lang").textContent = lang === "zh" ? "English" : "中文";
  $("lang").lang = lang === "zh" ? "en" : "zh-CN";
  if (session) showWho();
}

// One API call with the session cookie; changes carry the CSRF token.
async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && session) headers["X-CSRF-Token"] = session.csrf_token;
  const res = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let doc = null;
  const type = res.headers.get("Content-Type") || "";
  if (type.includes("json")) doc = await res.json();
  if (res.status === 401 && path !== "/console/login") showLogin();
  return { status: res.status, doc, headers: res.headers };
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
  $("who-name").textContent = t("signed_in_as", session.user, t("role_" + session.role) || session.role);
}

function showApp() {
  $("login").hidden = true;
  $("app").hidden = false;
  $("who").hidden = false;
  showWho();
  $("home-text").textContent = t("home_text");
  $("nav-audit").hidden = session.role !== "admin";
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
  } catch (e) {
    showLogin(t("err_other"));
  } finally {
    button.disabled = false;
  }
}

async function signOut(everywhere) {
  await api("POST", "/console/logout", everywhere ? { everywhere: true } : undefined);
  showLogin();
}

function route() {
  const page = (location.hash || "#home").slice(1);
  const known = page === "audit" && session && session.role === "admin" ? "audit" : "home";
  for (const el of document.querySelectorAll(".page")) el.hidden = el.id !== "page-" + known;
  if (known === "audit") loadAudit(true);
}

// --- the audit log

function changeOf(e) {
  const b = e.before, a = e.after;
  if (b && a) {
    const parts = [];
    for (const key of Object.keys(a)) {
      if (JSON.stringify(b[key]) === JSON.stringify(a[key])) continue;
      parts.push(`${key}: ${b[key] === undefined ? "-" : JSON.stringify(b[key])} → ${JSON.stringify(a[key])}`);
    }
    return parts.join("; ");
  }
  if (a) return `${t("created")} ${JSON.stringify(a)}`;
  if (b) return `${t("deleted")} ${JSON.stringify(b)}`;
  return e.detail ? JSON.stringify(e.detail) : "";
}

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
}

async function loadAudit(fresh) {
  const body = $("audit-table").tBodies[0];
  if (fresh) {
    body.replaceChildren();
    auditCursor = null;
  }
  const q = new URLSearchParams({ limit: "50" });
  const actor = $("audit-actor").value.trim(), action = $("audit-action").value.trim();
  if (actor) q.set("actor", actor);
  if (action) q.set("action", action);
  if (auditCursor) q.set("cursor", auditCursor);
  const res = await api("GET", "/v1/audit?" + q.toString());
  if (res.status !== 200) return;
  for (const e of res.doc.entries) {
    const tr = document.createElement("tr");
    cell(tr, new Date(e.at).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB"));
    cell(tr, e.actor || t("not_signed_in"));
    cell(tr, e.address);
    cell(tr, e.action);
    cell(tr, e.object ? `${e.object.kind} ${e.object.id}` : "");
    cell(tr, changeOf(e), "change");
    body.appendChild(tr);
  }
  if (fresh && res.doc.entries.length === 0) {
    const tr = document.createElement("tr");
    cell(tr, t("no_entries"));
    body.appendChild(tr);
  }
  auditCursor = res.doc.next_cursor;
  $("audit-more").hidden = !auditCursor;
}

// --- start

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
  $("audit-filter").addEventListener("submit", (e) => { e.preventDefault(); loadAudit(true); });
  $("audit-more").addEventListener("click", () => loadAudit(false));
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
