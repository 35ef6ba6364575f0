// Replies (issue 14): what people sent back, newest first, with the send each answers, and the
// suppression list their 退订/TD replies feed. Senders and administrators add numbers by hand;
// only administrators take one off (that overrides what the person asked).
"use strict";

addTexts({
  nav_replies: "回复", r_from: "手机号", r_kind: "类型", r_text: "内容", r_at: "收到时间", r_carrier: "通道",
  r_batch: "回复的报告", r_kind_reply: "回复", r_kind_opt_out: "退订", r_kind_opt_in: "恢复接收", r_kind_vote: "投票",
  r_sup_title: "退订名单", r_sup_hint: "名单内的号码不再收到短信，标记为“必须送达”的通知除外。",
  r_sup_phone: "手机号", r_sup_reason: "原因", r_sup_since: "加入时间", r_sup_note: "备注",
  r_reason_keyword: "本人回复退订", r_reason_manual: "手工加入", r_sup_add: "加入退订名单",
  r_sup_remove: "移出", r_sup_removed: (p) => `已将 ${p} 移出退订名单。`, r_sup_added: (p) => `已将 ${p} 加入退订名单。`,
  r_sup_confirm: (p) => `确定将 ${p} 移出退订名单？此后将恢复向其发送短信。`,
  b_replies: "查看此次发送收到的回复",
}, {
  nav_replies: "Replies", r_from: "Number", r_kind: "Kind", r_text: "Text", r_at: "Received", r_carrier: "Carrier",
  r_batch: "Answers report", r_kind_reply: "reply", r_kind_opt_out: "opt-out", r_kind_opt_in: "opt-in", r_kind_vote: "vote",
  r_sup_title: "Suppression list", r_sup_hint: "Numbers on the list get no messages, except notices marked mandatory.",
  r_sup_phone: "Number", r_sup_reason: "Reason", r_sup_since: "Since", r_sup_note: "Note",
  r_reason_keyword: "replied an opt-out word", r_reason_manual: "added by hand", r_sup_add: "Add to the list",
  r_sup_remove: "Remove", r_sup_removed: (p) => `${p} is off the suppression list.`, r_sup_added: (p) => `${p} is on the suppression list.`,
  r_sup_confirm: (p) => `Take ${p} off the suppression list? It will get messages again.`,
  b_replies: "Replies to this send",
});

PAGES.replies = (() => {
  let cursor = null;

  async function load(fresh) {
    const body = $("r-table").tBodies[0];
    if (fresh) cursor = null;
    const q = new URLSearchParams({ limit: "50" });
    if ($("r-from").value.trim()) q.set("from", $("r-from").value.trim());
    if ($("r-kind").value) q.set("kind", $("r-kind").value);
    if ($("r-batch").value.trim()) q.set("batch_id", $("r-batch").value.trim());
    if (cursor) q.set("cursor", cursor);
    const res = await api("GET", "/v1/inbound?" + q.toString());
    if (res.status !== 200) return say($("r-msg"), problemText(res));
    clear($("r-msg"));
    if (fresh) body.replaceChildren();
    for (const m of res.doc.inbound) {
      body.append(row([fmtTime(m.received_at), m.from, t("r_kind_" + m.kind), m.text, m.carrier,
                       m.batch_id ? el("a", { href: `#batches/${m.batch_id}`, text: m.batch_id }) : ""]));
    }
    if (fresh && res.doc.inbound.length === 0) emptyRow(body, 6);
    cursor = res.doc.next_cursor;
    $("r-more").hidden = !cursor;
  }

  async function loadSuppressions() {
    const body = $("r-sup-table").tBodies[0];
    const res = await api("GET", "/v1/suppressions?limit=1000");
    if (res.status !== 200) return say($("r-sup-msg"), problemText(res));
    body.replaceChildren();
    for (const s of res.doc.suppressions) {
      const remove = can("admin")
        ? el("button", { type: "button", text: t("r_sup_remove"), onclick: () => unsuppress(s.phone) })
        : "";
      body.append(row([s.phone, t("r_reason_" + s.reason), fmtTime(s.created_at), s.note, remove]));
    }
    if (res.doc.suppressions.length === 0) emptyRow(body, 5);
  }

  async function unsuppress(phone) {
    if (!window.confirm(t("r_sup_confirm", phone))) return;
    const res = await api("DELETE", "/v1/suppressions/" + encodeURIComponent(phone));
    if (res.status !== 204) return say($("r-sup-msg"), problemText(res));
    say($("r-sup-msg"), [t("r_sup_removed", phone)], "ok");
    loadSuppressions();
  }

  async function suppress(e) {
    e.preventDefault();
    const phone = $("r-sup-phone").value.trim();
    const body = { phone };
    if ($("r-sup-note").value.trim()) body.note = $("r-sup-note").value.trim();
    const res = await api("POST", "/v1/suppressions", body);
    if (res.status !== 201) return say($("r-sup-msg"), problemText(res));
    $("r-sup-phone").value = "";
    $("r-sup-note").value = "";
    say($("r-sup-msg"), [t("r_sup_added", res.doc.phone)], "ok");
    loadSuppressions();
  }

  return {
    roles: ["admin", "sender", "viewer"],
    init() {
      for (const kind of ["reply", "opt_out", "opt_in", "vote"]) {
        $("r-kind").append(el("option", { value: kind, "data-i18n": "r_kind_" + kind, text: t("r_kind_" + kind) }));
      }
      $("r-filter").addEventListener("submit", (e) => { e.preventDefault(); load(true); });
      $("r-more").addEventListener("click", () => load(false));
      $("r-sup-form").addEventListener("submit", suppress);
    },
    show(arg) {
      $("r-batch").value = arg || "";
      load(true);
      loadSuppressions();
    },
  };
})();
