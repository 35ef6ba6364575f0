// Message search: by number, status or batch, newest first, paged on the server. Viewers see
// the numbers masked (the server masks them for that role).
"use strict";

addTexts({
  nav_messages: "短信查询", m_to: "手机号", m_status: "状态", m_batch: "报告编号", m_text: "内容",
  m_at: "提交时间", m_carrier: "通道", m_error: "说明", m_id: "编号",
}, {
  nav_messages: "Messages", m_to: "Number", m_status: "Status", m_batch: "Report no.", m_text: "Text",
  m_at: "Created", m_carrier: "Carrier", m_error: "Note", m_id: "No.",
});

PAGES.messages = (() => {
  let cursor = null;

  async function load(fresh) {
    const body = $("m-table").tBodies[0];
    if (fresh) cursor = null;
    const q = new URLSearchParams({ limit: "50" });
    if ($("m-to").value.trim()) q.set("to", $("m-to").value.trim());
    if ($("m-status").value) q.set("status", $("m-status").value);
    if ($("m-batch").value.trim()) q.set("batch_id", $("m-batch").value.trim());
    if (cursor) q.set("cursor", cursor);
    const res = await api("GET", "/v1/messages?" + q.toString());
    if (res.status !== 200) return say($("m-msg"), problemText(res));
    clear($("m-msg"));
    if (fresh) body.replaceChildren();
    for (const m of res.doc.messages) {
      body.append(row([m.id, m.to, t("st_" + m.status), m.text, fmtTime(m.created_at), m.carrier, m.last_error,
                       el("a", { href: `#batches/${m.batch_id}`, text: m.batch_id })]));
    }
    if (fresh && res.doc.messages.length === 0) emptyRow(body, 8);
    cursor = res.doc.next_cursor;
    $("m-more").hidden = !cursor;
  }

  return {
    roles: ["admin", "sender", "viewer"],
    init() {
      $("m-filter").addEventListener("submit", (e) => { e.preventDefault(); load(true); });
      $("m-more").addEventListener("click", () => load(false));
      const select = $("m-status");
      for (const s of ["queued", "sending", "sent", "delivered", "failed", "expired", "cancelled"]) {
        select.append(el("option", { value: s, "data-status": s }));
      }
    },
    show() {
      for (const o of $("m-status").options) if (o.dataset.status) o.textContent = t("st_" + o.dataset.status);
      load(true);
    },
  };
})();
