// Polls (issue 14): SMS votes "TP 07". The polls with their state; one poll's live tally
// (refreshed every five seconds while it is on screen), the ballots that did not count, and
// the CSV files; senders and administrators open a new poll.
"use strict";

addTexts({
  nav_polls: "投票", p_name: "名称", p_keyword: "关键字", p_state: "状态", p_opens: "开始", p_closes: "截止",
  p_counts: "计票", p_counts_first: "每个号码第一票有效", p_counts_last: "每个号码最后一票有效",
  p_state_scheduled: "未开始", p_state_open: "进行中", p_state_closed: "已结束",
  p_new: "新建投票", p_options: "选项（每行一个：编号 名称，例如“07 第二中学”）", p_groups: "仅限分组成员投票（可不填，逗号分隔）",
  p_create: "创建", p_created: (n, k) => `已创建投票“${n}”：群众发送“${k} 编号”即可投票。`,
  p_tally: (n) => `计票：${n}`, p_code: "编号", p_label: "选项", p_votes: "票数",
  p_total: "有效票", p_rejected: "无效票", p_how: (k) => `发送“${k} 编号”（例如“${k} 01”）投票。`,
  p_tally_csv: "导出计票（CSV）", p_ballots_csv: "导出全部投票记录（CSV）",
  p_outcome: "结果", p_from: "手机号", p_at: "时间", p_rejected_title: "未计入的投票",
  o_counted: "有效", o_changed: "改投", o_duplicate: "重复投票", o_late: "截止后", o_early: "开始前",
  o_not_member: "非分组成员", o_unknown_code: "编号不存在",
  p_bad_option: (line) => `第 ${line} 行选项应为“编号 名称”。`,
}, {
  nav_polls: "Polls", p_name: "Name", p_keyword: "Keyword", p_state: "State", p_opens: "Opens", p_closes: "Closes",
  p_counts: "Counting", p_counts_first: "a number's first vote counts", p_counts_last: "a number's last vote counts",
  p_state_scheduled: "not open yet", p_state_open: "open", p_state_closed: "closed",
  p_new: "New poll", p_options: "Options (one a line: code and name, e.g. \"07 Second Middle School\")",
  p_groups: "Only members of these groups may vote (optional, comma separated)",
  p_create: "Create", p_created: (n, k) => `Poll "${n}" created: people vote by texting "${k} <code>".`,
  p_tally: (n) => `Tally: ${n}`, p_code: "Code", p_label: "Option", p_votes: "Votes",
  p_total: "Counted", p_rejected: "Not counted", p_how: (k) => `Text "${k} <code>" (e.g. "${k} 01") to vote.`,
  p_tally_csv: "Export the tally (CSV)", p_ballots_csv: "Export every vote (CSV)",
  p_outcome: "Outcome", p_from: "Number", p_at: "When", p_rejected_title: "Votes not counted",
  o_counted: "counted", o_changed: "changed", o_duplicate: "second vote", o_late: "after closing", o_early: "before opening",
  o_not_member: "not a member", o_unknown_code: "no such code",
  p_bad_option: (line) => `Option line ${line} must be "code name".`,
});

PAGES.polls = (() => {
  let current = null, timer = null;

  async function list() {
    const res = await api("GET", "/v1/polls");
    if (res.status !== 200) return say($("p-msg"), problemText(res));
    const body = $("p-table").tBodies[0];
    body.replaceChildren(...res.doc.polls.map((p) => row([
      el("a", { href: `#polls/${encodeURIComponent(p.name)}`, text: p.name }), p.keyword, t("p_state_" + p.state),
      fmtTime(p.opens_at), fmtTime(p.closes_at)])));
    if (res.doc.polls.length === 0) emptyRow(body, 5);
  }

  async function tally() {
    if (!current) return;
    const name = encodeURIComponent(current);
    const res = await api("GET", `/v1/polls/${name}`);
    if (res.status !== 200) return say($("p-msg"), problemText(res));
    const p = res.doc;
    $("p-detail-title").textContent = t("p_tally", p.name);
    $("p-detail-how").textContent = `${t("p_how", p.keyword)} ${t("p_state_" + p.state)} · ${fmtTime(p.opens_at)} – ${fmtTime(p.closes_at)} · ${t("p_counts_" + p.counts)}`;
    $("p-tally").tBodies[0].replaceChildren(...p.tally.options.map((o) => row([o.code, o.label, fmtNumber(o.votes)])));
    $("p-total").textContent = fmtNumber(p.tally.total);
    $("p-rejected").textContent = fmtNumber(p.tally.rejected);
    const reasons = Object.entries(p.tally.ballots_by_outcome).filter(([o, n]) => n > 0 && o !== "counted" && o !== "changed");
    $("p-rejected-by").textContent = reasons.map(([o, n]) => `${t("o_" + o)} ${n}`).join("，");
    $("p-tally-csv").href = `/v1/polls/${name}/tally?format=csv`;
    $("p-ballots-csv").href = `/v1/polls/${name}/ballots?format=csv`;
  }

  function parseOptions(text) {
    const options = [];
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; ++i) {
      const line = lines[i].trim();
      if (!line) continue;
      const m = line.match(/^(\S+)\s+(.+)$/);
      if (!m) return { error: t("p_bad_option", i + 1) };
      options.push({ code: m[1], label: m[2].trim() });
    }
    return { options };
  }

  async function create(e) {
    e.preventDefault();
    const parsed = parseOptions($("p-options").value);
    if (parsed.error) return say($("p-new-msg"), [parsed.error]);
    const body = {
      name: $("p-name").value.trim(), keyword: $("p-keyword").value.trim(), options: parsed.options,
      opens_at: $("p-opens").value ? new Date($("p-opens").value).toISOString() : undefined,
      closes_at: $("p-closes").value ? new Date($("p-closes").value).toISOString() : undefined,
      counts: $("p-counts").value,
    };
    const groups = $("p-groups").value.split(/[,，\s]+/).map((g) => g.trim()).filter(Boolean);
    if (groups.length) body.groups = groups;
    const res = await api("POST", "/v1/polls", body);
    if (res.status !== 201) return say($("p-new-msg"), problemText(res));
    say($("p-new-msg"), [t("p_created", res.doc.name, res.doc.keyword)], "ok");
    list();
  }

  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
  }

  return {
    roles: ["admin", "sender", "viewer"],
    init() {
      for (const c of ["first", "last"]) $("p-counts").append(el("option", { value: c, text: t("p_counts_" + c) }));
      $("p-new-form").addEventListener("submit", create);
      window.addEventListener("hashchange", () => { if (!location.hash.startsWith("#polls/")) stop(); });
    },
    show(arg) {
      stop();
      current = arg || null;
      $("p-detail").hidden = !current;
      list();
      if (current) {
        tally();
        timer = setInterval(() => { if (!document.hidden) tally(); }, 5000);  // a live tally
      }
    },
  };
})();
