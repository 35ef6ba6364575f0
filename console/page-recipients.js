// Recipients and groups: search and filter (server-side paging, so 100,000 people stay fast),
// edit, deactivate, add, and the CSV/Excel import with every bad row shown before anything is
// written.
"use strict";

addTexts({
  nav_recipients: "通讯录", r_name: "姓名", r_phone: "手机", r_unit: "单位", r_title: "职务",
  r_groups: "分组", r_active: "在用", r_actions: "操作", r_search: "姓名、手机或单位",
  r_group_any: "全部分组", r_active_any: "全部", r_active_yes: "在用", r_active_no: "已停用",
  r_edit: "编辑", r_deactivate: "停用", r_activate: "启用", r_new: "新增人员", r_edit_title: "编辑人员",
  r_groups_hint: "多个分组用逗号分隔", r_saved: (n) => `已保存：${n}`,
  imp_title: "导入名单（CSV，可直接用 Excel 另存为 CSV）",
  imp_hint: "第一行为表头：姓名,手机,单位,职务,分组（或 name,phone,unit,title,groups），多个分组用分号分隔。先检查，确认无误后再导入。",
  imp_file: "选择文件", imp_check: "检查", imp_run: "导入", imp_encoding: (e) => `文件编码：${e}`,
  imp_summary: (c, u) => `将新增 ${c} 人，更新 ${u} 人。`, imp_done: (c, u) => `已导入：新增 ${c} 人，更新 ${u} 人。`,
  imp_errors: (n) => `${n} 行有错误，这些行不会导入：`, imp_line: "行号", imp_message: "问题",
  imp_no_file: "请先选择文件。",
  g_title: "分组", g_name: "分组名", g_description: "说明", g_members: "人数", g_active: "在用人数",
  g_new: "新建分组", g_create: "新建",
}, {
  nav_recipients: "Recipients", r_name: "Name", r_phone: "Phone", r_unit: "Unit", r_title: "Title",
  r_groups: "Groups", r_active: "Active", r_actions: "", r_search: "name, phone or unit",
  r_group_any: "any group", r_active_any: "all", r_active_yes: "active", r_active_no: "inactive",
  r_edit: "Edit", r_deactivate: "Deactivate", r_activate: "Activate", r_new: "Add a person", r_edit_title: "Edit a person",
  r_groups_hint: "groups separated by commas", r_saved: (n) => `Saved: ${n}`,
  imp_title: "Import a list (CSV; Excel's \"Save as CSV\" will do)",
  imp_hint: "First line: name,phone,unit,title,groups (or 姓名,手机,单位,职务,分组), groups separated by ;. Check first, then import.",
  imp_file: "File", imp_check: "Check", imp_run: "Import", imp_encoding: (e) => `Encoding: ${e}`,
  imp_summary: (c, u) => `Would add ${c} and update ${u}.`, imp_done: (c, u) => `Imported: ${c} added, ${u} updated.`,
  imp_errors: (n) => `${n} row(s) have errors and will not be imported:`, imp_line: "Line", imp_message: "Problem",
  imp_no_file: "Choose a file first.",
  g_title: "Groups", g_name: "Group", g_description: "Description", g_members: "Members", g_active: "Active",
  g_new: "New group", g_create: "Create",
});

// The groups, fetched once per page visit and shared with the templates and send pages.
async function loadGroups() {
  const res = await api("GET", "/v1/groups");
  return res.status === 200 ? res.doc.groups : [];
}

function fillGroupSelect(select, groups, anyLabel) {
  const keep = select.value;
  select.replaceChildren(el("option", { value: "", text: anyLabel }),
                         ...groups.map((g) => el("option", { value: g.name, text: `${g.name}（${g.active_members}）` })));
  select.value = groups.some((g) => g.name === keep) ? keep : "";
}

PAGES.recipients = (() => {
  let cursor = null;
  let editing = null;  // the recipient in the form, null for a new one
  let importFile = null;

  function actions(r) {
    if (!can("admin")) return "";
    return el("span", { class: "actions" },
      el("button", { type: "button", class: "small", text: t("r_edit"), onclick: () => edit(r) }),
      el("button", { type: "button", class: "small secondary", text: t(r.active ? "r_deactivate" : "r_activate"),
                     onclick: () => setActive(r, !r.active) }));
  }

  async function load(fresh) {
    const body = $("recipients-table").tBodies[0];
    if (fresh) cursor = null;
    const q = new URLSearchParams({ limit: "50" });
    const text = $("r-q").value.trim();
    if (text) q.set("q", text);
    if ($("r-group").value) q.set("group", $("r-group").value);
    if ($("r-active").value) q.set("active", $("r-active").value);
    if (cursor) q.set("cursor", cursor);
    const res = await api("GET", "/v1/recipients?" + q.toString());
    if (res.status !== 200) return say($("r-msg"), problemText(res));
    if (fresh) body.replaceChildren();
    for (const r of res.doc.recipients) {
      const tr = row([r.name, r.phone, r.unit, r.title, (r.groups || []).join("、"), t(r.active ? "yes" : "no"), actions(r)]);
      if (!r.active) tr.className = "inactive";
      body.append(tr);
    }
    if (fresh && res.doc.recipients.length === 0) emptyRow(body, 7);
    cursor = res.doc.next_cursor;
    $("r-more").hidden = !cursor;
  }

  function edit(r) {
    editing = r;
    $("r-form-title").textContent = t(r ? "r_edit_title" : "r_new");
    $("rf-name").value = r ? r.name : "";
    $("rf-phone").value = r ? r.phone : "";
    $("rf-unit").value = r ? r.unit : "";
    $("rf-title").value = r ? r.title : "";
    $("rf-groups").value = r ? (r.groups || []).join(", ") : "";
    $("rf-active").checked = r ? r.active : true;
    clear($("rf-msg"));
    $("r-form").hidden = false;
    $("rf-name").focus();
  }

  async function save(event) {
    event.preventDefault();
    const body = {
      name: $("rf-name").value.trim(), phone: $("rf-phone").value.trim(), unit: $("rf-unit").value.trim(),
      title: $("rf-title").value.trim(), active: $("rf-active").checked,
      groups: $("rf-groups").value.split(/[,，;；、]/).map((s) => s.trim()).filter(Boolean),
    };
    const res = editing ? await api("PATCH", `/v1/recipients/${editing.id}`, body) : await api("POST", "/v1/recipients", body);
    if (res.status !== 200 && res.status !== 201) return say($("rf-msg"), problemText(res));
    $("r-form").hidden = true;
    say($("r-msg"), [t("r_saved", res.doc.name)], "ok");
    await show();
  }

  async function setActive(r, active) {
    const res = await api("PATCH", `/v1/recipients/${r.id}`, { active });
    if (res.status !== 200) return say($("r-msg"), problemText(res));
    say($("r-msg"), [t("r_saved", r.name)], "ok");
    await load(true);
  }

  // The import: the file's bytes go as they are (GBK from Excel or UTF-8); the server decodes.
  async function runImport(dryRun) {
    const box = $("imp-msg");
    if (!importFile) return say(box, [t("imp_no_file")]);
    const bytes = await importFile.arrayBuffer();
    const res = await api("POST", "/v1/recipients/import" + (dryRun ? "?dry_run=true" : ""), bytes, "text/csv");
    const errors = $("imp-errors").tBodies[0];
    errors.replaceChildren();
    $("imp-errors").hidden = true;
    if (res.status !== 200) {
      $("imp-run").disabled = true;
      return say(box, problemText(res));
    }
    const d = res.doc;
    const lines = [t("imp_encoding", d.encoding), dryRun ? t("imp_summary", d.created, d.updated) : t("imp_done", d.created, d.updated)];
    if (d.errors.length) {
      lines.push(t("imp_errors", d.errors.length));
      for (const e of d.errors) errors.append(row([e.line, e.message]));
      $("imp-errors").hidden = false;
    }
    say(box, lines, d.errors.length ? "error" : "ok");
    $("imp-run").disabled = !dryRun || d.created + d.updated === 0;
    if (!dryRun) await show();
  }

  async function loadGroupTable(groups) {
    const body = $("groups-table").tBodies[0];
    body.replaceChildren(...groups.map((g) => row([g.name, g.description, fmtNumber(g.members), fmtNumber(g.active_members)])));
    if (groups.length === 0) emptyRow(body, 4);
  }

  async function createGroup(event) {
    event.preventDefault();
    const res = await api("POST", "/v1/groups", { name: $("gf-name").value.trim(), description: $("gf-description").value.trim() });
    if (res.status !== 201) return say($("g-msg"), problemText(res));
    say($("g-msg"), [t("r_saved", res.doc.name)], "ok");
    $("gf-name").value = "";
    $("gf-description").value = "";
    await show();
  }

  async function show() {
    const groups = await loadGroups();
    fillGroupSelect($("r-group"), groups, t("r_group_any"));
    await loadGroupTable(groups);
    await load(true);
  }

  return {
    roles: ["admin", "sender", "viewer"],
    init() {
      $("r-filter").addEventListener("submit", (e) => { e.preventDefault(); load(true); });
      $("r-group").addEventListener("change", () => load(true));
      $("r-active").addEventListener("change", () => load(true));
      $("r-more").addEventListener("click", () => load(false));
      $("r-new").addEventListener("click", () => edit(null));
      $("r-form").addEventListener("submit", save);
      $("rf-cancel").addEventListener("click", () => { $("r-form").hidden = true; });
      $("imp-file").addEventListener("change", (e) => {
        importFile = e.target.files[0] || null;
        $("imp-run").disabled = true;
        clear($("imp-msg"));
      });
      $("imp-check").addEventListener("click", () => runImport(true));
      $("imp-run").addEventListener("click", () => runImport(false));
      $("g-form").addEventListener("submit", createGroup);
    },
    show,
  };
})();
