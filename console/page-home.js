// The home page: today's and this week's sends, delivery rate, the queue, carriers, the next
// firings and the warnings staff must act on (GET /v1/dashboard, one call).
"use strict";

addTexts({
  estimated: "（推算）", nav_home: "首页", home_today: "今天", home_week: "本周", home_messages: "条短信",
  home_delivered: "成功", home_failed: "失败", home_rate: "送达率", home_queue: "排队中",
  home_oldest: (s) => `最早的已等待 ${s}`, home_carriers: "通道", carrier_up: "正常", carrier_down: "中断",
  home_next: "即将发送", home_approvals: (n) => `${n} 个发送申请等待审批`, home_warnings: "提醒",
  warn_no_official_calendar: (y) => `尚未载入 ${y} 年的国务院放假通知：该年的节日提醒按推算日期发送，请在通知发布后更新日历。`,
  warn_estimated_holiday: (y) => `有定时任务依据推算的 ${y} 年节日日期发送，请核对。`,
  secs: (n) => n < 120 ? `${n} 秒` : n < 7200 ? `${Math.round(n / 60)} 分钟` : `${Math.round(n / 3600)} 小时`,
}, {
  estimated: " (estimated)", nav_home: "Home", home_today: "Today", home_week: "This week", home_messages: "messages",
  home_delivered: "delivered", home_failed: "failed", home_rate: "delivery rate", home_queue: "Queued",
  home_oldest: (s) => `the oldest has waited ${s}`, home_carriers: "Carriers", carrier_up: "up", carrier_down: "down",
  home_next: "Next sends", home_approvals: (n) => `${n} send request(s) wait for approval`, home_warnings: "Warnings",
  warn_no_official_calendar: (y) => `No official holiday notice is loaded for ${y}: that year's holiday reminders use estimated dates. Update the calendar when the State Council publishes it.`,
  warn_estimated_holiday: (y) => `A schedule fires on an estimated ${y} holiday date; check it.`,
  secs: (n) => n < 120 ? `${n} s` : n < 7200 ? `${Math.round(n / 60)} min` : `${Math.round(n / 3600)} h`,
});

PAGES.home = (() => {
  function period(title, p) {
    const rate = p.delivery_rate === null || p.delivery_rate === undefined ? "–" : `${(p.delivery_rate * 100).toFixed(1)}%`;
    return el("div", { class: "card" },
      el("h3", { text: title }),
      el("p", { class: "big", text: fmtNumber(p.messages) }),
      el("p", { text: `${t("home_messages")} · ${t("home_delivered")} ${fmtNumber(p.delivered)} · ${t("home_failed")} ${fmtNumber(p.failed)}` }),
      el("p", { text: `${t("home_rate")} ${rate}` }));
  }

  function warningText(w) {
    const key = "warn_" + w.code;
    return TEXT[lang][key] ? t(key, w.year) : w.message;
  }

  async function show() {
    const box = $("home-cards");
    const res = await api("GET", "/v1/dashboard");
    if (res.status !== 200) return say($("home-msg"), problemText(res));
    clear($("home-msg"));
    const d = res.doc;
    const warnings = $("home-warnings");
    warnings.replaceChildren(...(d.calendar_warnings || []).map((w) => el("li", { text: warningText(w) })));
    $("home-warnings-box").hidden = warnings.children.length === 0;
    const q = d.queue || {};
    box.replaceChildren(
      period(t("home_today"), d.today), period(t("home_week"), d.week),
      el("div", { class: "card" }, el("h3", { text: t("home_queue") }),
         el("p", { class: "big", text: fmtNumber(q.queued) }),
         el("p", { text: q.oldest_queued_age_seconds == null ? "" : t("home_oldest", t("secs", q.oldest_queued_age_seconds)) })),
      el("div", { class: "card" }, el("h3", { text: t("home_carriers") }),
         el("ul", { class: "plain" }, ...(d.carriers || []).map((c) =>
           el("li", { class: c.up ? "up" : "down", text: `${c.name} (${c.type}): ${t(c.up ? "carrier_up" : "carrier_down")}` })))));
    const pending = d.pending_approvals || 0;
    const link = $("home-approvals");
    link.hidden = pending === 0;
    link.textContent = t("home_approvals", pending);
    const next = $("home-next").tBodies[0];
    next.replaceChildren();
    for (const f of d.next_firings || []) {
      next.append(row([fmtTime(f.at), el("a", { href: `#schedules/${f.id}`, text: f.schedule }),
                       f.holiday ? f.holiday.name + (f.holiday.estimated ? t("estimated") : "") : ""]));
    }
    if (next.children.length === 0) emptyRow(next, 3);
  }

  return { roles: ["admin", "sender", "viewer"], show };
})();
