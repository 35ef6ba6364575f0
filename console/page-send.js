// Send: groups and numbers, a template with its params or a free text, an optional time; then a
// check (a dry run: the first rendered messages, recipients and SMS, whether a second
// administrator must approve) and only then the send itself.
"use strict";

addTexts({
  nav_send: "发送短信", s_groups: "发送给分组", s_numbers: "其他手机号（每行一个）", s_what: "内容",
  s_use_template: "使用模板", s_use_text: "直接输入", s_template: "模板", s_text: "短信内容", s_params: "模板参数",
  s_send_at: "定时发送（不填则立即发送）", s_check: "检查", s_confirm: "确认发送", s_summary: "发送前确认",
  s_recipients: "收件人", s_sms: "短信条数", s_skipped: "不发送", s_reason_inactive: "已停用",
  s_reason_daily_cap: "超过每日上限", s_reason_opted_out: "已退订",
  s_mandatory: "必须送达（已退订的号码也发送，仅用于正式通知）", s_sample: "前几条短信（号码已隐藏部分）", s_to: "号码", s_sms_text: "内容",
  s_segments: "条数", s_needs_approval: (n) => `收件人超过 ${n} 人：发送后需另一位管理员审批，审批通过前不会发出。`,
  s_held: (id) => `已提交审批（申请编号 ${id}），另一位管理员批准后才会发送。`,
  s_sent: (n) => `已提交发送：${n} 条。`, s_open_batch: "查看发送报告", s_open_approvals: "查看审批",
  s_changed: "内容已修改，请重新检查。", s_pick_template: "（请选择）",
  s_draw: "随机抽取人数（不填则发给全部）", s_seed: "抽签种子（可不填，例如“2026-12 听证会”）",
  s_drawn: (n, pop, seed) => `从 ${pop} 人中随机抽取 ${n} 人，种子“${seed}”：`, s_name: "姓名", s_unit: "单位",
}, {
  nav_send: "Send", s_groups: "To groups", s_numbers: "Other numbers (one per line)", s_what: "Message",
  s_use_template: "A template", s_use_text: "A text", s_template: "Template", s_text: "Text", s_params: "Template values",
  s_send_at: "Send at (empty: now)", s_check: "Check", s_confirm: "Send now", s_summary: "Before sending",
  s_recipients: "Recipients", s_sms: "SMS", s_skipped: "Not sent", s_reason_inactive: "inactive",
  s_reason_daily_cap: "over the daily cap", s_reason_opted_out: "opted out",
  s_mandatory: "Mandatory (sent to opted-out numbers too; official notices only)", s_sample: "The first messages (numbers partly hidden)", s_to: "To", s_sms_text: "Text",
  s_segments: "SMS", s_needs_approval: (n) => `More than ${n} recipients: a second administrator must approve this send before anything goes out.`,
  s_held: (id) => `Sent for approval (request ${id}); nothing goes out until a second administrator approves it.`,
  s_sent: (n) => `Accepted: ${n} messages.`, s_open_batch: "Open the report", s_open_approvals: "Open the approvals",
  s_changed: "The send has changed; check it again.", s_pick_template: "(choose)",
  s_draw: "Draw this many at random (empty: send to all)", s_seed: "Seed of the draw (optional, e.g. \"2026-12 hearing\")",
  s_drawn: (n, pop, seed) => `${n} drawn at random from ${pop}, seed "${seed}":`, s_name: "Name", s_unit: "Unit",
});

PAGES.send = (() => {
  let checked = null;  // the body the summary was made for: the confirm sends exactly that

  function request() {
    const body = {};
    const groups = [...document.querySelectorAll("#s-groups input:checked")].map((c) => c.value);
    const to = $("s-numbers").value.split(/[\s,，;；]+/).map((s) => s.trim()).filter(Boolean);
    if (groups.length) body.groups = groups;
    if (to.length) body.to = to;
    if ($("s-mode-template").checked) {
      body.template = $("s-template").value;
      const params = {};
      for (const input of document.querySelectorAll("#s-params input")) if (input.value !== "") params[input.dataset.param] = input.value;
      if (Object.keys(params).length) body.params = params;
    } else {
      body.text = $("s-text").value;
    }
    if ($("s-send-at").value) body.send_at = new Date($("s-send-at").value).toISOString();
    if ($("s-mandatory").checked) body.mandatory = true;
    if ($("s-draw").value !== "") {
      body.sample = { size: Number($("s-draw").value) };
      if ($("s-seed").value.trim()) body.sample.seed = $("s-seed").value.trim();
    }
    return body;
  }

  function changed() {
    if (checked === null) return;
    checked = null;
    $("s-confirm").disabled = true;
    say($("s-msg"), [t("s_changed")], "ok");
  }

  function showMode() {
    const tpl = $("s-mode-template").checked;
    $("s-template-box").hidden = !tpl;
    $("s-text-box").hidden = tpl;
  }

  async function templateChosen() {
    const box = $("s-params");
    box.replaceChildren();
    const name = $("s-template").value;
    if (!name) return;
    const res = await api("GET", `/v1/templates/${encodeURIComponent(name)}`);
    if (res.status !== 200) return;
    const perRecipient = ["name", "title", "unit", "today", "today_cn", "now", "year", "month", "day"];
    for (const [i, p] of (res.doc.params || []).filter((p) => !perRecipient.includes(p)).entries()) {
      const input = el("input", { id: `s-param-${i}`, "data-param": p, maxlength: "500" });
      input.addEventListener("input", changed);
      box.append(el("label", { for: input.id, text: p }), input);
    }
    $("s-params-box").hidden = box.children.length === 0;
  }

  async function check(event) {
    event.preventDefault();
    const body = request();
    const res = await api("POST", "/v1/messages?dry_run=true", body);
    $("s-summary").hidden = true;
    $("s-confirm").disabled = true;
    if (res.status !== 200) return say($("s-msg"), problemText(res));
    clear($("s-msg"));
    const d = res.doc;
    $("s-n-recipients").textContent = fmtNumber(d.recipients);
    $("s-n-sms").textContent = fmtNumber(d.sms);
    const reasons = Object.entries(d.skipped_by_reason || {}).map(([k, n]) => `${t("s_reason_" + k)} ${n}`);
    $("s-n-skipped").textContent = d.skipped ? `${d.skipped}（${reasons.join("，")}）` : "0";
    const sample = $("s-sample").tBodies[0];
    sample.replaceChildren(...d.sample.map((m) => row([m.to, m.text, m.segments])));
    const approval = $("s-approval");
    approval.hidden = !d.needs_approval;
    approval.textContent = d.needs_approval ? t("s_needs_approval", d.approval_threshold) : "";
    const drawn = $("s-drawn");
    drawn.hidden = !d.draw;
    if (d.draw) {
      // The seed the check drew with is the one the send uses: the send goes to these people.
      body.sample.seed = d.draw.seed;
      $("s-drawn-title").textContent = t("s_drawn", d.draw.size, d.draw.population, d.draw.seed);
      $("s-drawn-table").tBodies[0].replaceChildren(...d.draw.drawn.map((p) => row([p.name, p.unit, p.to])));
    }
    $("s-summary").hidden = false;
    checked = body;
    $("s-confirm").disabled = d.recipients === 0;
    $("s-confirm").focus();
  }

  async function confirmSend() {
    if (checked === null) return;
    const button = $("s-confirm");
    button.disabled = true;
    const res = await api("POST", "/v1/messages", checked);
    checked = null;
    const box = $("s-msg");
    if (res.status !== 202) return say(box, problemText(res));
    $("s-summary").hidden = true;
    if (res.doc.approval) {
      say(box, [t("s_held", res.doc.approval.id)], "ok");
      box.append(el("a", { href: "#approvals", text: t("s_open_approvals") }));
    } else {
      say(box, [t("s_sent", res.doc.count)], "ok");
      box.append(el("a", { href: `#batches/${res.doc.batch_id}`, text: t("s_open_batch") }));
    }
  }

  async function show() {
    const groups = await loadGroups();
    const kept = new Set([...document.querySelectorAll("#s-groups input:checked")].map((c) => c.value));
    $("s-groups").replaceChildren(...groups.map((g, i) => el("label", { class: "check" },
      el("input", { type: "checkbox", id: `s-group-${i}`, value: g.name, checked: kept.has(g.name), onchange: changed }),
      ` ${g.name}（${g.active_members}）`)));
    const res = await api("GET", "/v1/templates");
    const keep = $("s-template").value;
    const names = res.status === 200 ? res.doc.templates.map((x) => x.name) : [];
    $("s-template").replaceChildren(el("option", { value: "", text: t("s_pick_template") }),
                                    ...names.map((n) => el("option", { value: n, text: n })));
    $("s-template").value = names.includes(keep) ? keep : "";
    showMode();
  }

  return {
    roles: ["admin", "sender"],
    init() {
      $("s-form").addEventListener("submit", check);
      $("s-confirm").addEventListener("click", confirmSend);
      for (const id of ["s-mode-template", "s-mode-text"]) $(id).addEventListener("change", () => { showMode(); changed(); });
      $("s-template").addEventListener("change", () => { templateChosen(); changed(); });
      $("s-mandatory").addEventListener("change", changed);
      $("s-draw").addEventListener("input", changed);
      $("s-seed").addEventListener("input", changed);
      for (const id of ["s-numbers", "s-text", "s-send-at"]) $(id).addEventListener("input", changed);
    },
    show,
  };
})();
