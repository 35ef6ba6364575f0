// Templates: the list, and an editor with a live preview (the final text with the signature,
// its encoding, characters, segments, and the SMS count for a chosen group) computed by the
// server as it will be sent, while the text is typed.
"use strict";

addTexts({
  nav_templates: "短信模板", tp_name: "模板名", tp_description: "说明", tp_params: "参数", tp_updated: "修改时间",
  tp_body: "正文", tp_new: "新建模板", tp_open: "打开", tp_preview: "预览", tp_group: "发送给分组",
  tp_group_none: "（不选）", tp_encoding: "编码", tp_chars: "字数", tp_segments: "条数（每人）",
  tp_total: (n, g, s) => `发给“${g}”的 ${n} 人，共计 ${n * s} 条短信。`,
  tp_param_hint: "预览用的参数值", tp_saved: (n) => `模板“${n}”已保存。`, tp_enc_ucs2: "UCS-2（含中文，每条 70 字，长短信每条 67 字）",
  tp_enc_gsm7: "GSM-7（每条 160 字符，长短信每条 153）", tp_sample: "预览按示例收件人“张三 主任 区纪委”填写姓名、职务、单位。",
}, {
  nav_templates: "Templates", tp_name: "Name", tp_description: "Description", tp_params: "Params", tp_updated: "Changed",
  tp_body: "Text", tp_new: "New template", tp_open: "Open", tp_preview: "Preview", tp_group: "Send to group",
  tp_group_none: "(none)", tp_encoding: "Encoding", tp_chars: "Characters", tp_segments: "SMS per person",
  tp_total: (n, g, s) => `To the ${n} people of "${g}": ${n * s} SMS in all.`,
  tp_param_hint: "values for the preview", tp_saved: (n) => `Template "${n}" saved.`, tp_enc_ucs2: "UCS-2 (Chinese: 70 per SMS, 67 per part of a long one)",
  tp_enc_gsm7: "GSM-7 (160 per SMS, 153 per part)", tp_sample: "The preview fills name, title and unit from a sample person (张三, 主任, 区纪委).",
});

PAGES.templates = (() => {
  let groups = [];
  let seq = 0;  // answers to older previews are dropped: typing fast must not show stale counts
  const params = {};  // name -> input, grown from the preview's "missing params" answers

  function paramValues() {
    const out = {};
    for (const [name, input] of Object.entries(params)) if (input.value !== "") out[name] = input.value;
    return out;
  }

  function addParamInputs(errors) {
    for (const e of errors || []) {
      const m = /^params\.(.+)$/.exec(e.field || "");
      if (!m || params[m[1]]) continue;
      const id = "tp-param-" + Object.keys(params).length;
      const input = el("input", { id, "data-param": m[1], maxlength: "500" });
      input.addEventListener("input", debounce(preview, 250));
      params[m[1]] = input;
      $("tp-params").append(el("label", { for: id, text: m[1] }), input);
    }
    $("tp-params-box").hidden = Object.keys(params).length === 0;
  }

  async function preview() {
    const mine = ++seq;
    const body = $("tp-body").value;
    const out = $("tp-out");
    if (body === "") {
      out.hidden = true;
      return;
    }
    const name = $("tp-name").value.trim() || "draft";
    const res = await api("POST", `/v1/templates/${encodeURIComponent(name)}/preview`, {
      body, params: paramValues(), recipient: { name: "张三", title: "主任", unit: "区纪委" },
    });
    if (mine !== seq) return;
    if (res.status === 422) addParamInputs((res.doc || {}).errors);
    if (res.status !== 200) {
      out.hidden = true;
      return say($("tp-preview-msg"), problemText(res));
    }
    clear($("tp-preview-msg"));
    const p = res.doc;
    out.hidden = false;
    $("tp-text").textContent = p.text;
    $("tp-encoding").textContent = t(p.encoding === "ucs2" ? "tp_enc_ucs2" : "tp_enc_gsm7");
    $("tp-chars").textContent = String(p.chars);
    $("tp-segments").textContent = String(p.segments);
    const g = groups.find((x) => x.name === $("tp-group").value);
    $("tp-total").textContent = g ? t("tp_total", g.active_members, g.name, p.segments) : "";
  }

  async function open(name) {
    const res = await api("GET", `/v1/templates/${encodeURIComponent(name)}`);
    if (res.status !== 200) return say($("tp-msg"), problemText(res));
    $("tp-name").value = res.doc.name;
    $("tp-description").value = res.doc.description || "";
    $("tp-body").value = res.doc.body;
    preview();
    $("tp-body").focus();
  }

  function fresh() {
    $("tp-name").value = "";
    $("tp-description").value = "";
    $("tp-body").value = "";
    $("tp-out").hidden = true;
    clear($("tp-preview-msg"));
    $("tp-name").focus();
  }

  async function save(event) {
    event.preventDefault();
    const name = $("tp-name").value.trim();
    const res = await api("PUT", `/v1/templates/${encodeURIComponent(name)}`, {
      name, body: $("tp-body").value, description: $("tp-description").value.trim(),
    });
    if (res.status !== 200 && res.status !== 201) return say($("tp-msg"), problemText(res));
    say($("tp-msg"), [t("tp_saved", name)], "ok");
    await list();
  }

  async function list() {
    const res = await api("GET", "/v1/templates");
    const body = $("tp-table").tBodies[0];
    body.replaceChildren();
    if (res.status !== 200) return say($("tp-msg"), problemText(res));
    for (const tp of res.doc.templates) {
      body.append(row([el("button", { type: "button", class: "link", text: tp.name, onclick: () => open(tp.name) }),
                       tp.description, (tp.params || []).join(", "), fmtTime(tp.updated_at)]));
    }
    if (res.doc.templates.length === 0) emptyRow(body, 4);
  }

  async function show() {
    clear($("tp-msg"));
    groups = await loadGroups();
    fillGroupSelect($("tp-group"), groups, t("tp_group_none"));
    await list();
  }

  return {
    roles: ["admin", "sender", "viewer"],
    init() {
      const live = debounce(preview, 250);
      $("tp-body").addEventListener("input", live);
      $("tp-group").addEventListener("change", preview);
      $("tp-form").addEventListener("submit", save);
      $("tp-new").addEventListener("click", fresh);
    },
    show,
  };
})();
