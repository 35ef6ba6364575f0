#!/usr/bin/python3
"""Browser tests of the web console (issue 13): headless Chromium, driven by Selenium, against
the real smsgwd started as a subprocess on loopback with its own database and a `file` carrier.

    /usr/bin/python3 tests/browser/console_test.py --smsgwd build/daemon/app/smsgwd \
        --screenshots build/tests/browser-screenshots [unittest arguments]

Each test saves a screenshot of how it ended (passed or not) in --screenshots. Debian's
chromium, chromium-driver, python3-selenium and fonts-wqy-zenhei are needed (scripts/deps.sh).
"""

import argparse
import hashlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = "browser-test-admin-token-0123456789"
PASSWORD = "correct horse battery"
ARGS = None  # the parsed command line, set in main()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """smsgwd on a free loopback port with a fresh data dir, stopped with SIGTERM."""

    def __init__(self, binary, extra=""):
        self.dir = tempfile.mkdtemp(prefix="smsgw-browser-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.outbox = os.path.join(self.dir, "outbox.jsonl")
        config = f"""
[daemon]
data_dir = "{self.dir}/var"
templates_dir = "{SOURCE}/templates"
calendar_dir = "{SOURCE}/config/calendar"
[api]
listen = "127.0.0.1:{self.port}"
[[api.tokens]]
name = "browser-admin"
sha256 = "{hashlib.sha256(TOKEN.encode()).hexdigest()}"
scopes = ["send", "read", "admin"]
[[carriers]]
name = "outbox"
type = "file"
path = "{self.outbox}"
[sms]
signature = "【区纪委】"
# The send test waits for the outbox: held until 08:00 it would pass only by day.
quiet_hours = "off"
[console]
assets_dir = "{SOURCE}/console"
{extra}
"""
        path = os.path.join(self.dir, "smsgw.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(config)
        self.log = open(os.path.join(self.dir, "smsgwd.log"), "w")
        self.proc = subprocess.Popen([binary, "--config", path], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError):
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("smsgwd did not start: " + self.read_log())
                time.sleep(0.1)

    def read_log(self):
        with open(os.path.join(self.dir, "smsgwd.log"), encoding="utf-8", errors="replace") as f:
            return f.read()

    def call(self, method, path, body=None, content_type="application/json"):
        data = None
        headers = {"Authorization": "Bearer " + TOKEN}
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = content_type
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                text = res.read()
                return res.status, json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            text = e.read()
            return e.code, json.loads(text) if text else None

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def chrome():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800",
              "--lang=zh-CN", "--disable-gpu", "--no-first-run", "--disable-extensions"):
        options.add_argument(a)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


class ConsoleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A send to more than 2 people needs a second administrator.
        cls.daemon = Daemon(ARGS.smsgwd, "approval_threshold = 2\n")
        for name, role in (("li.admin", "admin"), ("chen.admin", "admin"), ("wang.send", "sender"),
                           ("zhao.view", "viewer"), ("lock.me", "sender")):
            status, _ = cls.daemon.call("POST", "/v1/users", {"name": name, "role": role, "password": PASSWORD})
            assert status == 201, status
        with open(os.path.join(SOURCE, "config/sample-recipients.csv"), "rb") as f:
            status, doc = cls.daemon.call("POST", "/v1/recipients/import", f.read(), "text/csv")
            assert status == 200 and not doc["errors"], doc
        cls.browser = chrome()
        cls.wait = WebDriverWait(cls.browser, 10)
        os.makedirs(ARGS.screenshots, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.daemon.stop()

    def setUp(self):
        self.browser.delete_all_cookies()

    def tearDown(self):
        self.browser.save_screenshot(os.path.join(ARGS.screenshots, self._testMethodName + ".png"))
        # No script error may go unnoticed (network errors are answers the tests provoke).
        errors = [e for e in self.browser.get_log("browser")
                  if e["level"] == "SEVERE" and e.get("source") != "network"]
        self.assertEqual(errors, [])

    # --- helpers

    def snap(self, name, id_):
        """Saves a named screenshot of a step with element id_ in view (docs/images come from these)."""
        self.browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", self.by_id(id_))
        self.browser.save_screenshot(os.path.join(ARGS.screenshots, name + ".png"))

    def open(self, hash_=""):
        self.browser.get(f"{self.daemon.url}/console/{hash_}")

    def by_id(self, id_):
        return self.browser.find_element(By.ID, id_)

    def visible(self, id_):
        return self.wait.until(lambda b: b.find_element(By.ID, id_) if b.find_element(By.ID, id_).is_displayed() else None)

    def text_of(self, id_, predicate, timeout=10):
        """Waits until element id_'s text satisfies predicate; returns the text."""
        try:
            WebDriverWait(self.browser, timeout).until(lambda b: predicate(b.find_element(By.ID, id_).text))
        except TimeoutException:
            self.fail(f"#{id_} is {self.by_id(id_).text!r}")
        return self.by_id(id_).text

    def sign_in(self, name, password=PASSWORD):
        self.open()
        self.visible("username").clear()
        self.by_id("username").send_keys(name)
        self.by_id("password").send_keys(password)
        self.by_id("sign-in").click()

    def signed_in(self, name):
        self.sign_in(name)
        self.text_of("who-name", lambda t: name in t)

    def go(self, page):
        self.browser.execute_script("location.hash = arguments[0]", "#" + page)
        self.visible("page-" + page.split("/")[0])

    def rows(self, table_id):
        return [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                for tr in self.by_id(table_id).find_elements(By.CSS_SELECTOR, "tbody tr")]

    def wait_rows(self, table_id, predicate):
        try:
            self.wait.until(lambda b: predicate(self.rows(table_id)))
        except TimeoutException:
            self.fail(f"#{table_id} holds {self.rows(table_id)!r}")
        return self.rows(table_id)

    # --- sign-in

    def test_sign_in_with_a_wrong_then_the_right_password(self):
        self.sign_in("wang.send", "not the password")
        self.text_of("login-error", lambda t: "用户名或密码不正确" in t and "4" in t)
        self.signed_in("wang.send")
        self.assertIn("发送员", self.by_id("who-name").text)
        self.by_id("lang").click()
        self.text_of("who-name", lambda t: "Signed in as wang.send (sender)" in t)
        self.by_id("lang").click()
        self.by_id("sign-out").click()
        self.visible("login")

    def test_five_wrong_passwords_lock_the_name(self):
        for _ in range(5):
            self.sign_in("lock.me", "wrong password!")
            self.text_of("login-error", lambda t: t != "")
        self.sign_in("lock.me")  # the right password no longer helps
        self.text_of("login-error", lambda t: "登录失败次数过多" in t)
        self.assertFalse(self.by_id("app").is_displayed())

    # --- keyboard and phone

    def test_keyboard_alone_on_a_phone_sized_screen(self):
        self.browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                     {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
        try:
            self.open()
            self.visible("username")
            # Sign-in by keyboard: the name field has the focus, Tab moves on, Enter signs in.
            active = self.browser.switch_to.active_element
            self.assertEqual(active.get_attribute("id"), "username")
            active.send_keys("wang.send", Keys.TAB)
            self.browser.switch_to.active_element.send_keys(PASSWORD, Keys.ENTER)
            self.text_of("who-name", lambda t: "wang.send" in t)
            for page in ("home", "send", "recipients", "templates", "schedules", "batches", "messages"):
                self.go(page)
                # The page's first answer is in: a row (or "no records" row), a card or a group.
                self.wait.until(lambda b: b.execute_script(
                    "return document.getElementById(arguments[0]).querySelector('tbody tr, .card, #s-groups input') !== null",
                    "page-" + page))
                overflow = self.browser.execute_script(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                self.assertLessEqual(overflow, 0, f"#{page} scrolls sideways on a 390 px wide phone")
            # Every nav link is reachable with Tab and opens its page with Enter.
            self.go("home")
            link = self.by_id("nav-send")
            self.browser.execute_script("arguments[0].focus()", self.by_id("nav-home"))
            for _ in range(10):
                if self.browser.switch_to.active_element == link:
                    break
                self.browser.switch_to.active_element.send_keys(Keys.TAB)
            self.assertEqual(self.browser.switch_to.active_element, link, "Tab reaches the send page's link")
            link.send_keys(Keys.ENTER)
            self.visible("page-send")
            self.snap("console-phone", "page-send")
        finally:
            self.browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    # --- recipients

    def test_a_gbk_csv_with_two_bad_rows_shows_both_before_anything_is_written(self):
        rows = ["姓名,手机,单位,职务,分组",
                "吴一,13800138101,区纪委,主任,cadres",
                "郑二,1380013,区人大,代表,deputies",      # line 3: too short
                "冯三,13800138103,区政协,委员,cppcc",
                ",13800138104,区财政局,科员,cadres",      # line 5: no name
                "陈四,13800138105,区教育局,局长,cadres"]
        path = os.path.join(self.daemon.dir, "名单.csv")
        with open(path, "wb") as f:
            f.write(("\r\n".join(rows) + "\r\n").encode("gbk"))
        self.signed_in("li.admin")
        self.go("recipients")
        self.by_id("imp-file").send_keys(path)
        self.by_id("imp-check").click()
        errors = self.wait_rows("imp-errors", lambda r: len(r) == 2)
        self.assertEqual([r[0] for r in errors], ["3", "5"])
        self.assertIn("11", errors[0][1])
        self.assertIn("name", errors[1][1])
        self.assertIn("gbk", self.by_id("imp-msg").text)
        self.assertIn("将新增 3 人", self.by_id("imp-msg").text)
        self.snap("console-import", "imp-errors")
        _, found = self.daemon.call("GET", "/v1/recipients?q=13800138101")
        self.assertEqual(found["recipients"], [], "a dry run wrote nothing")
        self.by_id("imp-run").click()
        self.text_of("imp-msg", lambda t: "已导入：新增 3 人" in t)
        _, found = self.daemon.call("GET", "/v1/recipients?q=13800138101")
        self.assertEqual([r["name"] for r in found["recipients"]], ["吴一"])

    def test_a_recipient_named_like_markup_shows_as_text(self):
        name = "<img src=x onerror=alert(1)>"
        status, _ = self.daemon.call("POST", "/v1/recipients", {"name": name, "phone": "13900139777", "groups": ["cadres"]})
        self.assertEqual(status, 201)
        self.signed_in("zhao.view")
        self.go("recipients")
        self.by_id("r-q").send_keys("13900139777\n")
        found = self.wait_rows("recipients-table", lambda r: len(r) == 1 and r[0][0] == name)
        self.assertEqual(found[0][0], name)
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, "#recipients-table img"), [])
        with self.assertRaises(NoAlertPresentException):
            self.browser.switch_to.alert.text

    def test_an_admin_edits_and_deactivates_a_recipient(self):
        self.daemon.call("POST", "/v1/recipients", {"name": "褚五", "phone": "13900139555", "groups": ["cadres"]})
        self.signed_in("li.admin")
        self.go("recipients")
        self.by_id("r-q").send_keys("13900139555\n")
        self.wait_rows("recipients-table", lambda r: len(r) == 1 and r[0][0] == "褚五")
        self.by_id("recipients-table").find_element(By.XPATH, ".//button[text()='编辑']").click()
        self.visible("rf-title").send_keys("副主任")
        self.by_id("rf-save").click()
        self.wait_rows("recipients-table", lambda r: len(r) == 1 and r[0][3] == "副主任")
        self.by_id("recipients-table").find_element(By.XPATH, ".//button[text()='停用']").click()
        self.wait_rows("recipients-table", lambda r: len(r) == 1 and r[0][5] == "否")
        _, found = self.daemon.call("GET", "/v1/recipients?q=13900139555")
        self.assertEqual((found["recipients"][0]["title"], found["recipients"][0]["active"]), ("副主任", False))

    # --- templates

    def test_the_segment_count_changes_while_typing(self):
        self.signed_in("li.admin")
        self.go("templates")
        self.by_id("tp-name").send_keys("browser-notice")
        body = self.by_id("tp-body")
        body.send_keys("请各位代表准时参加会议。")  # with the signature: 17 characters, one SMS
        self.text_of("tp-segments", lambda t: t == "1")
        self.assertEqual(self.by_id("tp-chars").text, "17")
        self.assertIn("UCS-2", self.by_id("tp-encoding").text)
        self.assertTrue(self.by_id("tp-text").text.startswith("【区纪委】"))
        body.send_keys("会议期间请将手机调至静音，" * 5)  # 17 + 65 = 82 characters: two parts
        self.text_of("tp-segments", lambda t: t == "2")
        self.assertEqual(self.by_id("tp-chars").text, "82")
        select = self.by_id("tp-group")
        select.find_element(By.CSS_SELECTOR, "option[value='cadres']").click()
        self.text_of("tp-total", lambda t: "cadres" in t and "条短信" in t)
        self.snap("console-template", "tp-total")
        self.by_id("tp-save").click()
        self.text_of("tp-msg", lambda t: "已保存" in t)
        status, doc = self.daemon.call("GET", "/v1/templates/browser-notice")
        self.assertEqual(status, 200)
        self.assertTrue(doc["body"].startswith("请各位代表准时参加会议。会议期间"))

    # --- schedules

    def test_a_schedule_its_calendar_and_its_when_line_typed_live(self):
        status, sched = self.daemon.call("POST", "/v1/schedules", {
            "name": "browser-briefing", "when": "first workday of every month at 09:30",
            "groups": ["deputies"], "template": "monthly-work-briefing",
            "params": {"summary": "本月重点工作安排已印发。"}, "enabled": False})
        self.assertEqual(status, 201, sched)
        self.signed_in("li.admin")
        self.go("schedules")
        listed = self.wait_rows("sc-table", lambda r: any(x and x[0] == "browser-briefing" for x in r))
        mine = next(x for x in listed if x[0] == "browser-briefing")
        self.assertEqual(mine[2], "已暂停")
        # Three months of calendar from today, with the holidays (New Year, 春节) marked 休.
        self.wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#sc-calendar table.month")) == 3)
        rest = self.browser.find_elements(By.CSS_SELECTOR, "#sc-calendar td.rest .tag")
        self.assertTrue(rest and all(tag.text == "休" for tag in rest), "holidays are marked 休")

        # Switching it on is a request for a second administrator, not done at once.
        self.browser.find_element(By.CSS_SELECTOR, "[data-toggle='browser-briefing']").click()
        self.text_of("sc-msg", lambda t: "另一位管理员审批" in t)
        _, again = self.daemon.call("GET", f"/v1/schedules/{sched['id']}")
        self.assertFalse(again["enabled"])

        # The detail page: the next five; typing a new line shows its next five as it is typed.
        self.go(f"schedules/{sched['id']}")
        self.wait_rows("sc-next", lambda r: len(r) == 5 and all("9:30" in x[0] for x in r))
        when = self.by_id("sc-when")
        when.clear()
        when.send_keys("cron 15 8 * * 1-5")
        nxt = self.wait_rows("sc-when-next", lambda r: len(r) == 5 and all("8:15" in x[0] for x in r))
        self.assertEqual(len(nxt), 5)
        when.send_keys(" and never")
        self.text_of("sc-when-msg", lambda t: t != "")
        self.assertEqual(self.rows("sc-when-next"), [])
        self.snap("console-schedules", "sc-when-form")

    # --- sending, approvals, the report, the audit log

    def test_a_large_send_waits_for_a_second_admin_then_reports(self):
        self.signed_in("li.admin")
        self.go("send")
        self.wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#s-groups input[value='cadres']"))
        self.browser.find_element(By.CSS_SELECTOR, "#s-groups input[value='cadres']").click()
        self.by_id("s-mode-text").click()
        self.by_id("s-text").send_keys("节日期间严守纪律，廉洁过节。")
        self.by_id("s-check").click()
        self.visible("s-summary")
        recipients = int(self.by_id("s-n-recipients").text)
        self.assertGreater(recipients, 2)
        self.assertIn("另一位管理员审批", self.by_id("s-approval").text)
        sample = self.rows("s-sample")
        self.assertTrue(sample and "*" in sample[0][0] and sample[0][1].startswith("【区纪委】节日期间"))
        self.snap("console-send", "s-summary")
        self.by_id("s-confirm").click()
        held = self.text_of("s-msg", lambda t: "已提交审批" in t)
        approval_id = held.split("申请编号 ")[1].split("）")[0]
        self.assertEqual(self.outbox_lines(), 0, "nothing is sent before the approval")

        # The requester cannot approve their own request: no button, only withdraw.
        self.go("approvals")
        self.wait_rows("ap-table", lambda r: any(x and x[0] == approval_id for x in r))
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, f"[data-approve='{approval_id}']"), [])
        self.assertTrue(self.browser.find_elements(By.CSS_SELECTOR, f"[data-withdraw='{approval_id}']"))

        self.by_id("sign-out").click()
        self.signed_in("chen.admin")
        self.go("approvals")
        button = self.wait.until(lambda b: b.find_element(By.CSS_SELECTOR, f"[data-approve='{approval_id}']"))
        button.click()
        self.text_of("ap-msg", lambda t: f"申请 {approval_id} 已批准" in t)
        self.by_id("ap-msg").find_element(By.TAG_NAME, "a").click()

        # The batch report: every recipient is in one of the statuses, and they get sent.
        self.visible("b-detail")
        try:
            self.wait.until(lambda b: self.outbox_lines() == recipients)
        except TimeoutException:
            self.fail(f"the outbox holds {self.outbox_lines()} lines, not {recipients}; smsgwd: {self.daemon.read_log()[-3000:]}")
        self.browser.refresh()
        by_status = self.wait_rows("b-by-status", lambda r: r and r[0][0] != "没有记录。")
        self.assertEqual(sum(int(n.replace(",", "")) for _, n in by_status), recipients)
        self.assertIn("console:li.admin", self.by_id("b-summary").text)
        by_group = self.wait_rows("b-by-group", lambda r: r and r[0][0] == "cadres")
        self.assertIn(str(recipients), by_group[0][1])
        self.snap("console-report", "b-detail")

        # The audit log names both people.
        self.go("audit")
        self.by_id("audit-action").send_keys("approval.\n")
        entries = self.wait_rows("audit-table", lambda r: sum(1 for x in r if len(x) > 3 and x[3].startswith("approval.")) >= 2)
        actions = {(x[1], x[3]) for x in entries}
        self.assertIn(("li.admin", "approval.request"), actions)
        self.assertIn(("chen.admin", "approval.approve"), actions)

    def outbox_lines(self):
        try:
            with open(self.daemon.outbox, encoding="utf-8") as f:
                return sum(1 for _ in f)
        except FileNotFoundError:
            return 0

    # --- security

    def test_replies_and_the_suppression_list(self):
        # Two replies pushed in by a system with the admin token: one answer, one 退订.
        status, doc = self.daemon.call("POST", "/v1/inbound/outbox", [
            {"id": "bt-1", "from": "13900139001", "text": "收到，准时参加"},
            {"id": "bt-2", "from": "13900139002", "text": "ＴＤ"}])
        self.assertEqual(status, 200, doc)
        self.signed_in("li.admin")
        self.go("replies")
        rows = self.wait_rows("r-table", lambda r: any("收到，准时参加" in c for row in r for c in row))
        self.assertTrue(any(row[1] == "+8613900139002" and row[2] == "退订" for row in rows), rows)
        sup = self.wait_rows("r-sup-table", lambda r: any(row[0] == "+8613900139002" for row in r))
        self.assertTrue(any(row[1] == "本人回复退订" for row in sup), sup)
        self.snap("console-replies", "r-sup-title")
        # A report's link opens its replies (none for this batch-less push).
        status, sent = self.daemon.call("POST", "/v1/messages", {"to": ["13900139002"], "text": "会议通知"})
        self.assertEqual(status, 202, sent)
        self.assertEqual(sent["skipped_by_reason"], {"opted_out": 1}, sent)
        self.go("batches/" + sent["batch_id"])
        self.text_of("b-detail-title", lambda t: sent["batch_id"] in t)
        self.by_id("b-replies").click()
        self.visible("page-replies")
        self.assertEqual(self.by_id("r-batch").get_attribute("value"), sent["batch_id"])
        self.wait_rows("r-table", lambda r: len(r) == 1 and len(r[0]) == 1)  # "no entries"
        self.go("replies")
        self.wait_rows("r-table", lambda r: len(r) >= 2)
        # Only the opt-out kind, by the filter.
        self.by_id("r-kind").send_keys("退订")
        self.by_id("r-filter").submit()
        self.wait_rows("r-table", lambda r: len(r) >= 1 and all(row[2] == "退订" for row in r))
        # Added by hand, then taken off again (an administrator, after confirming).
        self.by_id("r-sup-phone").send_keys("13900139003")
        self.by_id("r-sup-note").send_keys("本人来电")
        self.by_id("r-sup-form").submit()
        self.text_of("r-sup-msg", lambda t: "+8613900139003" in t)
        self.wait_rows("r-sup-table", lambda r: any(row[0] == "+8613900139003" for row in r))
        remove = [tr for tr in self.by_id("r-sup-table").find_elements(By.CSS_SELECTOR, "tbody tr")
                  if tr.find_elements(By.TAG_NAME, "td")[0].text == "+8613900139003"][0]
        remove.find_element(By.TAG_NAME, "button").click()
        self.browser.switch_to.alert.accept()
        self.wait_rows("r-sup-table", lambda r: not any(row[0] == "+8613900139003" for row in r))
        status, doc = self.daemon.call("GET", "/v1/audit?action=suppression.")
        self.assertEqual([e["action"] for e in doc["entries"]][:2], ["suppression.remove", "suppression.add"], doc)
        # A viewer reads the list masked and has no add form nor remove buttons.
        self.browser.delete_all_cookies()
        self.signed_in("zhao.view")
        self.go("replies")
        sup = self.wait_rows("r-sup-table", lambda r: any("****" in row[0] for row in r))
        self.assertFalse(any("13900139002" in row[0] for row in sup), sup)
        self.assertFalse(self.by_id("r-sup-form").is_displayed())
        self.assertEqual(self.by_id("r-sup-table").find_elements(By.TAG_NAME, "button"), [])

    def test_a_meeting_notice_its_replies_and_a_reminder(self):
        until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
        status, sent = self.daemon.call("POST", "/v1/messages", {
            "to": ["13700137001", "13700137002", "13700137003"], "text": "周五上午九时开会，回复1确认参会。",
            "confirm": {"yes": ["1", "是"], "no": ["2"], "until": until}})
        self.assertEqual(status, 202, sent)
        batch = sent["batch_id"]
        deadline = time.time() + 15
        while self.daemon.call("GET", "/v1/batches/" + batch)[1]["by_status"]["sent"] < 3:
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        status, doc = self.daemon.call("POST", "/v1/inbound/outbox", [
            {"id": "mt-1", "from": "13700137001", "text": "1"},
            {"id": "mt-2", "from": "13700137002", "text": "我可能晚到"}])
        self.assertEqual(status, 200, doc)
        self.signed_in("wang.send")
        self.go("batches/" + batch)
        self.visible("b-confirm")
        counts = self.wait_rows("b-confirmations", lambda r: len(r) == 4 and r[0][1] == "1")
        self.assertEqual([r[1] for r in counts], ["1", "0", "1", "1"], counts)
        answers = self.wait_rows("b-answers", lambda r: len(r) == 3)
        self.assertIn(["+8613700137002", "无法识别", "我可能晚到"], [r[:3] for r in answers])
        self.by_id("b-answer-filter").send_keys("未回复")
        self.wait_rows("b-answers", lambda r: len(r) == 1 and r[0][0] == "+8613700137003")
        self.assertIn("/replies?format=csv", self.by_id("b-answers-csv").get_attribute("href"))
        self.snap("console-confirmations", "b-confirm-title")
        self.by_id("b-remind-text").send_keys("请回复1确认是否参会。")
        self.by_id("b-remind").click()
        self.browser.switch_to.alert.accept()
        self.text_of("b-remind-msg", lambda t: "1 位" in t)
        status, reminders = self.daemon.call("GET", "/v1/batches?limit=1")
        self.assertEqual(reminders["batches"][0]["count"], 1, reminders)

    def test_a_random_draw_shows_who_before_and_after_the_send(self):
        self.signed_in("wang.send")
        self.go("send")
        self.wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#s-groups input[value='cadres']"))
        self.browser.find_element(By.CSS_SELECTOR, "#s-groups input[value='cadres']").click()
        self.by_id("s-mode-text").click()
        self.by_id("s-text").send_keys("您被抽中参加听证会。")
        self.by_id("s-draw").send_keys("2")
        self.by_id("s-check").click()
        self.visible("s-drawn")
        shown = self.wait_rows("s-drawn-table", lambda r: len(r) == 2)
        self.assertIn("随机抽取 2 人", self.by_id("s-drawn-title").text)
        self.assertEqual(self.by_id("s-n-recipients").text, "2")
        self.by_id("s-confirm").click()
        self.text_of("s-msg", lambda t: "已提交发送" in t)
        self.by_id("s-msg").find_element(By.TAG_NAME, "a").click()
        self.visible("b-draw")
        drawn = self.wait_rows("b-drawn", lambda r: len(r) == 2)
        # The send went to the people the check showed (the check's seed is the send's).
        self.assertEqual([r[0] for r in drawn], [r[0] for r in shown])
        self.assertIn("种子", self.by_id("b-draw-facts").text)

    def test_a_poll_created_in_the_console_tallies_votes_live(self):
        self.signed_in("wang.send")
        self.go("polls")
        self.by_id("p-name").send_keys("best-unit")
        self.by_id("p-keyword").send_keys("tp")
        self.by_id("p-options").send_keys("01 城关镇卫生院\n07 第二中学")
        # datetime-local inputs take a value in the page's own format; set it as a person's picker would.
        self.browser.execute_script(
            "const f = (d) => new Date(d - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);"
            "document.getElementById('p-opens').value = f(Date.now() - 3600000);"
            "document.getElementById('p-closes').value = f(Date.now() + 86400000);")
        self.browser.find_element(By.CSS_SELECTOR, "#p-new-form button[type=submit]").click()
        self.text_of("p-new-msg", lambda t: "TP 编号" in t)
        self.wait_rows("p-table", lambda r: any(x and x[0] == "best-unit" for x in r))
        status, doc = self.daemon.call("POST", "/v1/inbound/outbox", [
            {"id": "pv-1", "from": "13700137101", "text": "TP 07"},
            {"id": "pv-2", "from": "13700137102", "text": "ｔｐ７"},
            {"id": "pv-3", "from": "13700137101", "text": "TP 01"},
            {"id": "pv-4", "from": "13700137103", "text": "TP 99"}])
        self.assertEqual(status, 200, doc)
        self.browser.find_element(By.LINK_TEXT, "best-unit").click()
        self.visible("p-detail")
        tally = self.wait_rows("p-tally", lambda r: len(r) == 2 and r[1][2] == "2")
        self.assertEqual(tally[0][:3], ["01", "城关镇卫生院", "0"])
        self.assertEqual(self.by_id("p-total").text, "2")
        self.assertEqual(self.by_id("p-rejected").text, "2")
        self.assertIn("重复投票 1", self.by_id("p-rejected-by").text)
        # Live: a vote arriving now shows without a reload.
        self.daemon.call("POST", "/v1/inbound/outbox", [{"id": "pv-5", "from": "13700137104", "text": "TP 1"}])
        self.wait_rows("p-tally", lambda r: len(r) == 2 and r[0][2] == "1")
        self.assertIn("format=csv", self.by_id("p-tally-csv").get_attribute("href"))
        self.snap("console-poll", "p-detail")

    def test_a_viewer_cannot_send(self):
        self.signed_in("zhao.view")
        self.assertFalse(self.by_id("nav-send").is_displayed())
        self.open("#send")
        self.visible("page-home")
        self.assertFalse(self.by_id("page-send").is_displayed())
        # Even a request made by hand from the page, with the CSRF token, is refused.
        status = self.browser.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch('/v1/messages', {method: 'POST', credentials: 'same-origin',
                  headers: {'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf_token},
                  body: JSON.stringify({to: ['13800138000'], text: 'x'})}).then(r => done(r.status));""")
        self.assertEqual(status, 403)

    def test_a_form_on_another_site_cannot_change_anything(self):
        # Another origin (another port of 127.0.0.1: the same site, so the SameSite cookie goes
        # along, which is why the Origin and CSRF checks matter) serves a form that posts here.
        target = self.daemon.url
        page = f"""<!doctype html><html><body>
<form id="evil" method="post" action="{target}/v1/groups" enctype="text/plain">
<input name='{{"name":"evil","description":"' value='"}}'></form>
<form id="out" method="post" action="{target}/console/logout"></form>
</body></html>""".encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        other = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=other.serve_forever, daemon=True).start()
        try:
            self.signed_in("li.admin")
            for form in ("evil", "out"):
                self.browser.get(f"http://127.0.0.1:{other.server_port}/")
                self.browser.execute_script(f"document.getElementById('{form}').submit()")
                self.wait.until(lambda b: b.current_url.startswith(target))
                self.assertIn("403", self.browser.page_source)
            status, _ = self.daemon.call("GET", "/v1/groups/evil")
            self.assertEqual(status, 404, "the cross-site post created nothing")
            self.open()
            self.text_of("who-name", lambda t: "li.admin" in t)  # and did not sign anyone out
        finally:
            other.shutdown()


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--smsgwd", required=True)
    parser.add_argument("--screenshots", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
