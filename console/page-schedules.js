// Schedules: the list with pause and resume, one schedule's next firings and history, its
// `when` line edited with the next five firings shown live, and a calendar of the coming
// months with the holidays (休), the make-up workdays (班) and the days something is sent.
"use strict";

addTexts({
  nav_schedules: "定时发送", sc_name: "名称", sc_when: "时间规则", sc_enabled: "状态", sc_next: "下次发送",
  sc_last: "上次", sc_on: "启用中", sc_off: "已暂停", sc_pause: "暂停", sc_resume: "启用", sc_edit_when: "修改时间规则",
  sc_next5: "接下来五次", sc_history: "发送记录", sc_due: "应发时间", sc_outcome: "结果", sc_batch: "报告",
  sc_calendar: "日历", sc_rest: "休", sc_work: "班", sc_legend: "休：放假；班：调休上班；● 有定时发送",
  sc_paused: (n) => `“${n}”已暂停。`, sc_resumed: (n) => `“${n}”已启用。`,
  sc_held: (id) => `启用需另一位管理员审批（申请编号 ${id}）。`, sc_saved_when: "时间规则已保存。",
  out_fired: "已发送", out_missed: "错过", out_failed: "失败", sc_back: "返回列表",
  weekdays: ["一", "二", "三", "四", "五", "六", "日"], month_title: (y, m) => `${y}年${m}月`,
}, {
  nav_schedules: "Schedules", sc_name: "Name", sc_when: "When", sc_enabled: "State", sc_next: "Next",
  sc_last: "Last", sc_on: "on", sc_off: "paused", sc_pause: "Pause", sc_resume: "Resume", sc_edit_when: "Change the when line",
  sc_next5: "The next five", sc_history: "History", sc_due: "Due", sc_outcome: "Outcome", sc_batch: "Report",
  sc_calendar: "Calendar", sc_rest: "休", sc_work: "班", sc_legend: "休: day off; 班: make-up workday; ● a scheduled send",
  sc_paused: (n) => `"${n}" paused.`, sc_resumed: (n) => `"${n}" resumed.`,
  sc_held: (id) => `Switching it on waits for a second administrator (request ${id}).`, sc_saved_when: "The when line is saved.",
  out_fired: "fired", out_missed: "missed", out_failed: "failed", sc_back: "Back to the list",
  weekdays: ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"], month_title: (y, m) => `${y}-${String(m).padStart(2, "0")}`,
});

// "YYYY-MM-DD" of a local date.
const isoDay = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

// The calendar of `months` months from this one: 休/班 from GET /v1/calendar/{year}, and a dot on
// each day in `firings` (a Map of "YYYY-MM-DD" to the schedules' names).
async function renderCalendar(box, firings, months) {
  const now = new Date();
  const years = new Set();
  for (let i = 0; i < months; i++) years.add(new Date(now.getFullYear(), now.getMonth() + i, 1).getFullYear());
  const rest = new Map(), work = new Set();
  for (const y of years) {
    const res = await api("GET", `/v1/calendar/${y}`);
    if (res.status !== 200) continue;
    for (const h of res.doc.holidays) {
      for (let d = new Date(h.start + "T00:00:00"); isoDay(d) <= h.end; d.setDate(d.getDate() + 1)) rest.set(isoDay(d), h.name);
    }
    for (const d of res.doc.makeup_workdays) work.add(d);
  }
  box.replaceChildren();
  for (let i = 0; i < months; i++) {
    const first = new Date(now.getFullYear(), now.getMonth() + i, 1);
    const table = el("table", { class: "month" }, el("caption", { text: t("month_title", first.getFullYear(), first.getMonth() + 1) }));
    table.append(el("thead", {}, el("tr", {}, ...t("weekdays").map((w) => el("th", { text: w })))));
    const body = el("tbody");
    let tr = el("tr");
    for (let k = 0; k < (first.getDay() + 6) % 7; k++) tr.append(el("td"));
    for (let d = new Date(first); d.getMonth() === first.getMonth(); d.setDate(d.getDate() + 1)) {
      const day = isoDay(d);
      const td = el("td", { "data-day": day }, el("span", { class: "num", text: String(d.getDate()) }));
      if (rest.has(day)) { td.classList.add("rest"); td.title = rest.get(day); td.append(el("span", { class: "tag", text: t("sc_rest") })); }
      if (work.has(day)) { td.classList.add("work"); td.append(el("span", { class: "tag", text: t("sc_work") })); }
      if (firings.has(day)) { td.classList.add("fires"); td.title = (td.title ? td.title + " · " : "") + firings.get(day).join("、"); td.append(el("span", { class: "dot", text: "●" })); }
      if (day === isoDay(now)) td.classList.add("today");
      tr.append(td);
      if (tr.children.length === 7) { body.append(tr); tr = el("tr"); }
    }
    if (tr.children.length) body.append(tr);
    table.append(body);
    box.append(table);
  }
}

PAGES.schedules = (() => {
  let current = null;  // the schedule shown in detail
  let seq = 0;

  async function toggle(s) {
    const res = await api("PATCH", `/v1/schedules/${s.id}`, { enabled: !s.enabled });
    if (res.status === 202 && res.doc.approval) return say($("sc-msg"), [t("sc_held", res.doc.approval.id)], "ok");
    if (res.status !== 200) return say($("sc-msg"), problemText(res));
    say($("sc-msg"), [t(s.enabled ? "sc_paused" : "sc_resumed", s.name)], "ok");
    await (current ? detail(current.id) : list());
  }

  function toggleButton(s) {
    if (!can("admin")) return "";
    return el("button", { type: "button", class: "small secondary", "data-toggle": s.name,
                          text: t(s.enabled ? "sc_pause" : "sc_resume"), onclick: () => toggle(s) });
  }

  async function list() {
    current = null;
    $("sc-list").hidden = false;
    $("sc-detail").hidden = true;
    const res = await api("GET", "/v1/schedules");
    if (res.status !== 200) return say($("sc-msg"), problemText(res));
    const body = $("sc-table").tBodies[0];
    body.replaceChildren();
    const firings = new Map();
    for (const s of res.doc.schedules) {
      body.append(row([el("a", { href: `#schedules/${s.id}`, text: s.name }), s.when, t(s.enabled ? "sc_on" : "sc_off"),
                       fmtTime(s.next_at), s.last_run ? `${fmtTime(s.last_run.at)} ${t("out_" + s.last_run.outcome)}` : "",
                       toggleButton(s)]));
    }
    if (res.doc.schedules.length === 0) emptyRow(body, 6);
    for (const s of res.doc.schedules.filter((x) => x.enabled)) {
      const next = await api("GET", `/v1/schedules/${s.id}/next?count=10`);
      if (next.status !== 200) continue;
      for (const f of next.doc.next) {
        const day = isoDay(new Date(f.at));
        firings.set(day, [...(firings.get(day) || []), s.name]);
      }
    }
    await renderCalendar($("sc-calendar"), firings, 3);
  }

  function fillNext(tableId, next) {
    const body = $(tableId).tBodies[0];
    body.replaceChildren(...next.map((f) => row([fmtTime(f.at), f.holiday ? f.holiday.name + (f.holiday.estimated ? t("estimated") : "") : ""])));
    if (next.length === 0) emptyRow(body, 2);
  }

  // The next five firings of the line being typed, from the server's own parser and calendar.
  async function previewWhen() {
    const mine = ++seq;
    const res = await api("POST", "/v1/schedules/preview", { when: $("sc-when").value, count: 5 });
    if (mine !== seq) return;
    if (res.status !== 200) {
      $("sc-when-next").tBodies[0].replaceChildren();
      return say($("sc-when-msg"), problemText(res));
    }
    clear($("sc-when-msg"));
    fillNext("sc-when-next", res.doc.next);
  }

  async function saveWhen(event) {
    event.preventDefault();
    const res = await api("PATCH", `/v1/schedules/${current.id}`, { when: $("sc-when").value });
    if (res.status !== 200) return say($("sc-when-msg"), problemText(res));
    say($("sc-msg"), [t("sc_saved_when")], "ok");
    await detail(current.id);
  }

  async function detail(id) {
    $("sc-list").hidden = true;
    $("sc-detail").hidden = false;
    const res = await api("GET", `/v1/schedules/${encodeURIComponent(id)}`);
    if (res.status !== 200) return say($("sc-msg"), problemText(res));
    const s = current = res.doc;
    $("sc-detail-title").textContent = s.name;
    $("sc-detail-info").textContent = `${s.description || ""} · ${t(s.enabled ? "sc_on" : "sc_off")} · ${s.when}`;
    $("sc-detail-actions").replaceChildren(toggleButton(s));
    $("sc-when").value = s.when;
    $("sc-when-form").hidden = !can("admin");
    clear($("sc-when-msg"));
    const next = await api("GET", `/v1/schedules/${s.id}/next?count=5`);
    fillNext("sc-next", next.status === 200 ? next.doc.next : []);
    if (can("admin")) fillNext("sc-when-next", next.status === 200 ? next.doc.next : []);
    const hist = await api("GET", `/v1/schedules/${s.id}/history?limit=20`);
    const body = $("sc-history").tBodies[0];
    body.replaceChildren();
    for (const r of hist.status === 200 ? hist.doc.runs : []) {
      body.append(row([fmtTime(r.due_at), t("out_" + r.outcome), r.count,
                       r.batch_id ? el("a", { href: `#batches/${r.batch_id}`, text: r.batch_id }) : (r.error || "")]));
    }
    if (body.children.length === 0) emptyRow(body, 4);
  }

  return {
    roles: ["admin", "sender", "viewer"],
    init() {
      $("sc-when").addEventListener("input", debounce(previewWhen, 300));
      $("sc-when-form").addEventListener("submit", saveWhen);
    },
    show(arg) {
      clear($("sc-msg"));
      return arg ? detail(arg) : list();
    },
  };
})();
