// The audit log (admins): who changed what, from where, with the before/after of edits.
"use strict";

addTexts({
  nav_audit: "操作日志", audit_actor: "操作人", audit_action: "操作", audit_at: "时间",
  audit_from: "来源地址", audit_object: "对象", audit_change: "变更", created: "新建", deleted: "删除",
}, {
  nav_audit: "Audit log", audit_actor: "Who", audit_action: "Action", audit_at: "When",
  audit_from: "From", audit_object: "Object", audit_change: "Change", created: "created", deleted: "deleted",
});

PAGES.audit = (() => {
  let cursor = null;

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

  async function load(fresh) {
    const body = $("audit-table").tBodies[0];
    if (fresh) {
      body.replaceChildren();
      cursor = null;
    }
    const q = new URLSearchParams({ limit: "50" });
    const actor = $("audit-actor").value.trim(), action = $("audit-action").value.trim();
    if (actor) q.set("actor", actor);
    if (action) q.set("action", action);
    if (cursor) q.set("cursor", cursor);
    const res = await api("GET", "/v1/audit?" + q.toString());
    if (res.status !== 200) return say($("audit-msg"), problemText(res));
    clear($("audit-msg"));
    for (const e of res.doc.entries) {
      const tr = row([fmtTime(e.at), e.actor || t("not_signed_in"), e.address, e.action,
                      e.object ? `${e.object.kind} ${e.object.id}` : "", changeOf(e)]);
      tr.lastChild.className = "change";
      body.append(tr);
    }
    if (fresh && res.doc.entries.length === 0) emptyRow(body, 6);
    cursor = res.doc.next_cursor;
    $("audit-more").hidden = !cursor;
  }

  return {
    roles: ["admin"],
    init() {
      $("audit-filter").addEventListener("submit", (e) => { e.preventDefault(); load(true); });
      $("audit-more").addEventListener("click", () => load(false));
    },
    show() { load(true); },
  };
})();
