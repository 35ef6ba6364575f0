// Batches: the recent sends, and one send's report: per status, per skip reason, per group, the
// failed numbers, and a CSV export of every message.
"use strict";

addTexts({
  nav_batches: "发送报告", b_id: "编号", b_source: "来源", b_at: "时间", b_count: "短信", b_progress: "结果",
  b_open: "打开编号", b_report: (id) => `发送报告 #${id}`, b_status: "状态", b_n: "条数", b_skipped: "未发送",
  b_reason: "原因", b_group: "分组", b_failed: "失败的号码", b_error: "原因", b_carrier: "通道",
  b_export: "导出 CSV", b_exporting: (n) => `正在导出…已取 ${n} 条`,
  st_queued: "排队中", st_sending: "发送中", st_sent: "已发出", st_delivered: "已送达", st_failed: "失败",
  st_expired: "已过期", st_cancelled: "已取消",
  b_confirm_title: "回复确认", b_answer: "回复", b_people: "人数", b_answers_csv: "导出回复（CSV）",
  b_remind_text: "提醒短信内容", b_remind: "提醒未回复的人",
  b_words: (yes, no, until) => `回复 ${yes} 为确认${no ? `，回复 ${no} 为不参加` : ""}；${until} 前的回复计入。`,
  b_reminded: (n, id) => `已向 ${n} 位未回复的人发送提醒（报告 #${id}）。`,
  b_remind_confirm: (n) => `向 ${n} 位未回复的人发送提醒？`,
  cf_confirmed: "已确认", cf_declined: "不参加", cf_unreadable: "无法识别", cf_no_reply: "未回复",
  b_draw_title: "随机抽取", b_draw_facts: (n, pop, seed) => `从 ${pop} 人中抽取 ${n} 人；种子“${seed}”（用同一种子和名单可复核）。`,
}, {
  nav_batches: "Reports", b_id: "No.", b_source: "Source", b_at: "When", b_count: "Messages", b_progress: "Outcome",
  b_open: "Open no.", b_report: (id) => `Report #${id}`, b_status: "Status", b_n: "Messages", b_skipped: "Not sent",
  b_reason: "Reason", b_group: "Group", b_failed: "Failed numbers", b_error: "Reason", b_carrier: "Carrier",
  b_export: "Export CSV", b_exporting: (n) => `Exporting… ${n} so far`,
  st_queued: "queued", st_sending: "sending", st_sent: "sent", st_delivered: "delivered", st_failed: "failed",
  st_expired: "expired", st_cancelled: "cancelled",
  b_confirm_title: "Replies asked for", b_answer: "Answer", b_people: "People", b_answers_csv: "Export the replies (CSV)",
  b_remind_text: "Reminder text", b_remind: "Remind those who have not replied",
  b_words: (yes, no, until) => `${yes} confirms${no ? `, ${no} declines` : ""}; replies until ${until} count.`,
  b_reminded: (n, id) => `Reminder sent to ${n} people who had not replied (report #${id}).`,
  b_remind_confirm: (n) => `Send a reminder to ${n} people who have not replied?`,
  cf_confirmed: "confirmed", cf_declined: "declined", cf_unreadable: "unreadable", cf_no_reply: "no reply",
  b_draw_title: "Random draw", b_draw_facts: (n, pop, seed) => `${n} drawn from ${pop}; seed "${seed}" (the same seed and list repeat the draw).`,
});

function statusLine(byStatus) {
  return Object.entries(byStatus || {}).filter(([, n]) => n > 0).map(([s, n]) => `${t("st_" + s)} ${n}`).join("，");
}

PAGES.batches = (() => {
  let cursor = null, failedCursor = null, current = null, answersCursor = null, counted = null, noReply = 0;

  async function list(fresh) {
    const body = $("b-table").tBodies[0];
    if (fresh) cursor = null;
    const q = new URLSearchParams({ limit: "50" });
    if (cursor) q.set("cursor", cursor);
    const res = await api("GET", "/v1/batches?" + q.toString());
    if (res.status !== 200) return say($("b-msg"), problemText(res));
    if (fresh) body.replaceChildren();
    for (const b of res.doc.batches) {
      body.append(row([el("a", { href: `#batches/${b.id}`, text: b.id }), b.source, fmtTime(b.created_at),
                       fmtNumber(b.count), statusLine(b.by_status)]));
    }
    if (fresh && res.doc.batches.length === 0) emptyRow(body, 5);
    cursor = res.doc.next_cursor;
    $("b-more").hidden = !cursor;
  }

  function table(id, entries) {
    const body = $(id).tBodies[0];
    body.replaceChildren(...entries.map((cells) => row(cells)));
    if (entries.length === 0) emptyRow(body, $(id).tHead.rows[0].cells.length);
  }

  async function failed(fresh) {
    if (fresh) failedCursor = null;
    const q = new URLSearchParams({ batch_id: current, status: "failed", limit: "100" });
    if (failedCursor) q.set("cursor", failedCursor);
    const res = await api("GET", "/v1/messages?" + q.toString());
    if (res.status !== 200) return;
    const body = $("b-failed").tBodies[0];
    if (fresh) body.replaceChildren();
    for (const m of res.doc.messages) body.append(row([m.to, m.carrier, m.last_error, fmtTime(m.updated_at)]));
    if (fresh && res.doc.messages.length === 0) emptyRow(body, 4);
    failedCursor = res.doc.next_cursor;
    $("b-failed-more").hidden = !failedCursor;
  }

  async function report(id) {
    current = id;
    $("b-list").hidden = true;
    $("b-detail").hidden = false;
    $("b-detail-title").textContent = t("b_report", id);
    $("b-replies").href = `#replies/${encodeURIComponent(id)}`;
    const res = await api("GET", `/v1/batches/${encodeURIComponent(id)}`);
    if (res.status !== 200) return say($("b-msg"), problemText(res));
    clear($("b-msg"));
    const b = res.doc;
    $("b-summary").textContent = `${b.source} · ${fmtTime(b.created_at)} · ${t("b_count")} ${fmtNumber(b.count)} · ${t("b_skipped")} ${fmtNumber(b.skipped)}`;
    table("b-by-status", Object.entries(b.by_status).map(([s, n]) => [t("st_" + s), fmtNumber(n)]));
    table("b-by-reason", Object.entries(b.skipped_by_reason || {}).map(([r, n]) => [t("s_reason_" + r), fmtNumber(n)]));
    table("b-by-group", Object.entries(b.by_group || {}).map(([g, s]) => [g, statusLine(s)]));
    $("b-draw").hidden = !b.sample;
    if (b.sample) {
      $("b-draw-facts").textContent = t("b_draw_facts", b.sample.size, b.sample.population, b.sample.seed);
      table("b-drawn", b.sample.drawn.map((p) => [p.name, p.unit, p.to]));
    }
    clear($("b-remind-msg"));
    $("b-confirm").hidden = !b.confirm;
    if (b.confirm) {
      counted = b.confirm.counts_for;
      noReply = b.confirmations.no_reply;
      $("b-confirm-words").textContent = t("b_words", b.confirm.yes.join(" / "), b.confirm.no.join(" / "), fmtTime(b.confirm.until));
      table("b-confirmations", ["confirmed", "declined", "unreadable", "no_reply"].map((s) => [t("cf_" + s), fmtNumber(b.confirmations[s])]));
      $("b-answers-csv").href = `/v1/batches/${encodeURIComponent(counted)}/replies?format=csv`;
      $("b-answers-csv").setAttribute("download", `batch-${counted}-replies.csv`);
      $("b-remind").disabled = noReply === 0;
      await answers(true);
    }
    await failed(true);
  }

  async function answers(fresh) {
    if (fresh) answersCursor = null;
    const q = new URLSearchParams({ limit: "100" });
    if ($("b-answer-filter").value) q.set("status", $("b-answer-filter").value);
    if (answersCursor) q.set("cursor", answersCursor);
    const res = await api("GET", `/v1/batches/${encodeURIComponent(counted)}/replies?` + q.toString());
    if (res.status !== 200) return say($("b-msg"), problemText(res));
    const body = $("b-answers").tBodies[0];
    if (fresh) body.replaceChildren();
    for (const r of res.doc.replies) body.append(row([r.to, t("cf_" + r.status), r.text, fmtTime(r.at)]));
    if (fresh && res.doc.replies.length === 0) emptyRow(body, 4);
    answersCursor = res.doc.next_cursor;
    $("b-answers-more").hidden = !answersCursor;
  }

  async function remind(e) {
    e.preventDefault();
    if (!window.confirm(t("b_remind_confirm", noReply))) return;
    const res = await api("POST", `/v1/batches/${encodeURIComponent(current)}/remind`, { text: $("b-remind-text").value });
    if (res.status !== 202) return say($("b-remind-msg"), problemText(res));
    $("b-remind-text").value = "";
    say($("b-remind-msg"), [t("b_reminded", res.doc.count, res.doc.batch_id)], "ok");
  }

  // Every message of the batch, 1,000 per request, as one CSV file.
  async function exportCsv() {
    const button = $("b-export");
    button.disabled = true;
    const lines = [["id", "to", "status", "carrier", "last_error", "created_at", "updated_at"].join(",")];
    let next = null;
    try {
      do {
        const q = new URLSearchParams({ batch_id: current, limit: "1000" });
        if (next) q.set("cursor", next);
        const res = await api("GET", "/v1/messages?" + q.toString());
        if (res.status !== 200) return say($("b-msg"), problemText(res));
        for (const m of res.doc.messages) {
          lines.push([m.id, m.to, m.status, m.carrier, m.last_error, m.created_at, m.updated_at].map(csvCell).join(","));
        }
        button.textContent = t("b_exporting", lines.length - 1);
        next = res.doc.next_cursor;
      } while (next);
      // A byte order mark so that Excel opens the UTF-8 file with its Chinese intact.
      download(`batch-${current}.csv`, "\ufeff" + lines.join("\r\n") + "\r\n", "text/csv;charset=utf-8");
    } finally {
      button.disabled = false;
      button.textContent = t("b_export");
    }
  }

  return {
    roles: ["admin", "sender", "viewer"],
    init() {
      $("b-more").addEventListener("click", () => list(false));
      $("b-failed-more").addEventListener("click", () => failed(false));
      $("b-export").addEventListener("click", exportCsv);
      for (const s of ["confirmed", "declined", "unreadable", "no_reply"]) {
        $("b-answer-filter").append(el("option", { value: s, "data-i18n": "cf_" + s, text: t("cf_" + s) }));
      }
      $("b-answer-filter").addEventListener("change", () => answers(true));
      $("b-answers-more").addEventListener("click", () => answers(false));
      $("b-remind-form").addEventListener("submit", remind);
      $("b-open").addEventListener("submit", (e) => {
        e.preventDefault();
        const id = $("b-open-id").value.trim();
        if (id) location.hash = `#batches/${id}`;
      });
    },
    show(arg) {
      if (arg) return report(arg);
      $("b-list").hidden = false;
      $("b-detail").hidden = true;
      clear($("b-msg"));
      list(true);
    },
  };
})();
