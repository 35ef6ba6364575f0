// Approvals: sends above the threshold and schedules switched on by a person wait here until a
// second administrator approves them. Nobody approves their own; the requester may withdraw.
"use strict";

addTexts({
  nav_approvals: "审批", ap_status: "状态", ap_pending: "待审批", ap_approved: "已批准", ap_rejected: "已驳回",
  ap_expired: "已过期", ap_kind: "事项", ap_kind_send: "群发短信", "ap_kind_schedule.enable": "启用定时任务",
  ap_by: "申请人", ap_at: "申请时间", ap_expires: "有效期至", ap_what: "内容", ap_decided: "审批人",
  ap_approve: "批准", ap_reject: "驳回", ap_withdraw: "撤回", ap_reason: "驳回理由（可不填）",
  ap_send_summary: (s) => `${s.recipients} 人，${s.sms} 条短信` + (s.template ? `，模板“${s.template}”` : "") +
                        (s.groups && s.groups.length ? `，分组：${s.groups.join("、")}` : ""),
  ap_schedule_summary: (s) => `定时任务“${s.schedule}”`, ap_own: "（本人申请，需由其他管理员审批）",
  ap_done_approve: (id) => `申请 ${id} 已批准。`, ap_done_reject: (id) => `申请 ${id} 已驳回。`,
  ap_done_withdraw: (id) => `申请 ${id} 已撤回。`,
}, {
  nav_approvals: "Approvals", ap_status: "Status", ap_pending: "pending", ap_approved: "approved", ap_rejected: "rejected",
  ap_expired: "expired", ap_kind: "What", ap_kind_send: "a send", "ap_kind_schedule.enable": "switch a schedule on",
  ap_by: "Asked by", ap_at: "Asked at", ap_expires: "Expires", ap_what: "Details", ap_decided: "Decided by",
  ap_approve: "Approve", ap_reject: "Reject", ap_withdraw: "Withdraw", ap_reason: "Reason (optional)",
  ap_send_summary: (s) => `${s.recipients} recipients, ${s.sms} SMS` + (s.template ? `, template "${s.template}"` : "") +
                        (s.groups && s.groups.length ? `, groups: ${s.groups.join(", ")}` : ""),
  ap_schedule_summary: (s) => `schedule "${s.schedule}"`, ap_own: "(your own: another administrator approves it)",
  ap_done_approve: (id) => `Request ${id} approved.`, ap_done_reject: (id) => `Request ${id} rejected.`,
  ap_done_withdraw: (id) => `Request ${id} withdrawn.`,
});

PAGES.approvals = (() => {
  let cursor = null;

  function summaryOf(a) {
    const s = a.summary || {};
    if (a.kind === "send") {
      const box = el("div", {}, el("div", { text: t("ap_send_summary", s) }));
      for (const m of s.sample || []) box.append(el("div", { class: "sample", text: `${m.to}: ${m.text}` }));
      return box;
    }
    return el("div", { text: t("ap_schedule_summary", s) });
  }

  async function decide(a, verb) {
    const body = verb === "reject" && $("ap-reason").value.trim() ? { reason: $("ap-reason").value.trim() } : undefined;
    const res = await api("POST", `/v1/approvals/${a.id}/${verb === "withdraw" ? "reject" : verb}`, body);
    if (res.status !== 200) return say($("ap-msg"), problemText(res));
    say($("ap-msg"), [t("ap_done_" + verb, a.id)], "ok");
    if (verb === "approve" && res.doc.batch) {
      $("ap-msg").append(el("a", { href: `#batches/${res.doc.batch.batch_id}`, text: t("s_open_batch") }));
    }
    await load(true);
  }

  function actions(a) {
    if (a.status !== "pending") return a.decided_by ? `${a.decided_by}${a.note ? "：" + a.note : ""}` : "";
    const own = a.requested_by === session.user;
    const box = el("span", { class: "actions" });
    if (can("admin") && !own) {
      box.append(el("button", { type: "button", class: "small", "data-approve": a.id, text: t("ap_approve"), onclick: () => decide(a, "approve") }));
    }
    if (can("admin") && !own) {
      box.append(el("button", { type: "button", class: "small secondary", "data-reject": a.id, text: t("ap_reject"), onclick: () => decide(a, "reject") }));
    }
    if (own) {
      box.append(el("span", { text: t("ap_own") }),
                 el("button", { type: "button", class: "small secondary", "data-withdraw": a.id, text: t("ap_withdraw"), onclick: () => decide(a, "withdraw") }));
    }
    return box;
  }

  async function load(fresh) {
    const body = $("ap-table").tBodies[0];
    if (fresh) cursor = null;
    const q = new URLSearchParams({ limit: "50" });
    if ($("ap-status").value) q.set("status", $("ap-status").value);
    if (cursor) q.set("cursor", cursor);
    const res = await api("GET", "/v1/approvals?" + q.toString());
    if (res.status !== 200) return say($("ap-msg"), problemText(res));
    if (fresh) body.replaceChildren();
    for (const a of res.doc.approvals) {
      const tr = row([a.id, t("ap_kind_" + a.kind), summaryOf(a), `${a.requested_by}（${a.requested_from}）`,
                      fmtTime(a.requested_at), fmtTime(a.expires_at), t("ap_" + a.status), actions(a)]);
      tr.dataset.approval = a.id;
      body.append(tr);
    }
    if (fresh && res.doc.approvals.length === 0) emptyRow(body, 8);
    cursor = res.doc.next_cursor;
    $("ap-more").hidden = !cursor;
  }

  return {
    roles: ["admin", "sender", "viewer"],
    init() {
      $("ap-status").addEventListener("change", () => load(true));
      $("ap-more").addEventListener("click", () => load(false));
    },
    show() {
      $("ap-reason-box").hidden = !can("admin");
      load(true);
    },
  };
})();
