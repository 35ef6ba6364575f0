#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<harness>/ from the inputs the tests use.

Run it again after adding seeds here; it rewrites every corpus folder it knows. The files are
small and committed, so scripts/fuzz.sh needs no Python. Inputs that found bugs live in
tests/fuzz/regressions/, not here (libFuzzer names them crash-<sha1>, and they stay).
"""

import json
import pathlib
import re
import shutil

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fuzz" / "corpus"


def raw_strings(path):
    """The R"(...)" literals of a C++ test file."""
    return re.findall(r'R"\((.*?)\)"', (ROOT / path).read_text(encoding="utf-8"), re.S)


def text(path):
    return (ROOT / path).read_bytes()


PHONES = [
    "13800138000", "+8613800138000", "8613800138000", "008613800138000", "+86 138-0013-8000",
    "(+86) 138.0013.8000", "  19912345678 ", "１３８００１３８０００", "＋８６ １３８－００１３－８０００",
    "（＋86）13800138000", "+44 7700 900123", "0044 7700 900123", "+1 (415) 555-2671",
    "+85291234567", "", "   ", "+", "1380013800a", "138+00138000", "12800138000", "1380013800",
    "138001380001", "+861080001234", "+0123456789", "+4412345", "+4412345678901234",
    "电话13800138000", "+8613800138000\n1", "+86138****8000", "+12345678", "1234",
]

TIMES = [
    "1900-02-29T00:00:00Z", "1969-12-31T23:59:59.999Z", "1970-01-01T00:00:00Z",
    "2000-02-29T12:00:00Z", "2024-02-29T00:00:00Z", "2026-02-29T00:00:00Z",
    "2026-11-26 09:30:00Z", "2026-11-26T04:00:00-05:30", "2026-11-26T09:30:00",
    "2026-11-26T09:30:00+08", "2026-11-26T09:30:00+24:00", "2026-11-26T09:30:00.007Z",
    "2026-11-26T09:30:00.123999999Z", "2026-11-26T09:30:00.250Z", "2026-11-26T09:30:00.5Z",
    "2026-11-26T09:30:00.Z", "2026-11-26T09:30:00Z", "2026-11-26T17:30:00+08:00",
    "2026-11-26T24:00:00Z", "2026-11-26t09:30:00z", "2026-13-01T00:00:00Z",
    "2026-12-31T23:59:60Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z",
    "0000-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01",
]

DURATIONS = [
    "0s", "1.5s", "1500ms", "1d", "1d12h", "1h30m", "1m30s500ms", "200ms", "2d", "2h", "30m",
    "30s", "5 s", "5", "5S", "5s", "5sec", "5x", "6h", "90m", "99999999999999999999ms",
    "9999999999999999d", "-5s", "106751991167d", "9223372036854775807ms", "1d1d1d",
]

QUIET = [
    "22:00-08:00", " 9:05 - 17:30 ", "08:00-08:00", "09:05-17:30", "12:00-13:30", "22-08",
    "2200-0800", "22:00", "22:00-08:00-09:00", "22:00-8", "22:30-00:00", "22:30-24:00",
    "22:60-08:00", "25:00-08:00", "off", "none", "",
    "22:00-08:00\n2026-11-26T23:30:00+08:00", "23:59-00:01\n2026-12-31T23:59:30Z",
    "00:00-23:59\n2026-03-08T06:59:00Z", "01:30-03:00\n2026-03-08T06:45:00Z",
]

CRONS = [
    "  30   9 * *   1-5 ", "* * * * *", "*/15 8-18/5 1,15 JAN-mar,Dec sun,Sat", "0 */6 * * *",
    "0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 12 31 * *", "0 8 * * 5", "0 8 */2 * 1", "0 8 13 * 5",
    "0 9 * * 5-7", "0 9 * * 7", "0 9 29 2 *", "30 9 * * *", "30 9 * * 1-5", "5/20 * * * *", "",
    "*/0 * * * *", "0 0 * * 8", "0 0 * * mon-xyz", "0 0 * 13 *", "0 0 * foo *", "0 0 0 * *",
    "0 24 * * *", "0 5-1 * * *", "0 9 * * * *", "0 9 * *", "1,,2 * * * *", "60 * * * *",
    "x * * * *", "0 9 29 2 1\n2026-11-26 09:30", "59 23 31 12 *\n2026-12-31 23:59",
    "0 0 29 2 *\n2096-03-01 00:00", "* * * * *\n9999-12-31 23:59",
]

WHENS = [
    "0 workdays before the end of mid_autumn at 18:00", "1 day before 清明 at 09:00",
    "1 workday before every holiday at 09:00", "1 workday before national_day, mid_autumn at 09:00",
    "1 workday before spring_festival at 09:00", "1 workday before 中秋 at 09:00",
    "1 workday before 春节, 国庆节 at 09:00", "2 days after the end of 国庆节 at 10:00",
    "2 workdays after national_day at 10:00", "3 Days After The Start Of 国庆 at 8:05",
    "5 days before labour_day at 09:00", "AT 2026-12-01T01:00:00Z",
    "Last Workday of each month at 17:00", "at 2026-12-01 09:00", "at 2026-12-01T09:00:00+08:00",
    "at 2026-12-01T09:00:30+08:00", "cron  30 9  * * mon-fri", "cron 30 9 * * 1-5",
    "first workday of every month at 09:30", "last workday of every month at 17:00", "   ",
    "1 day around spring_festival at 09:00", "1 day before , at 09:00", "1 week before spring_festival at 09:00",
    "1 workday before spring_festival at 25:00", "31 days before spring_festival at 09:00",
    "at 2026-02-30 09:00", "cron 0 24 * * *", "tomorrow at 9",
    "30 workdays after every holiday at 23:59\n2099-12-01T00:00:00Z\n1000",
    "cron * * * * *\n2026-11-26T09:30:00+08:00\n1000",
    "1 workday before every holiday at 09:00\n1901-01-01T00:00:00Z\n50",
    "first workday of every month at 09:30\n2100-12-01T00:00:00+08:00\n30",
    "at 2026-12-01 09:00\n2026-12-01T00:59:59Z\n1",
]

TEMPLATES = [
    "会议取消。Meeting cancelled { and } alone are fine.", "",
    "{{name}}同志，{{ holiday.name }}快乐{{\n a_1\t}}",
    "{{b}}{{a | default:\"x\"}}{{b}}{{name}}{{c | default:'y'}}{{c}}{{ '{{' }}",
    "{{name}}：{{meeting}}于{{time}}，{{meeting}}", "[{{x}}]",
    "{{ place | default:\"区行政中心\" }}", "{{ place|default:'含\"引号\"' }}",
    "{{ x | default:\"\" }}", "{{ d | date_cn }}", "{{d|date_cn}}",
    "{{ d | date_cn | default:\"待定\" }}", "{{ \"2026-05-01\" | date_cn }}",
    "写作 {{ '{{' }}name{{ \"}}\" }} 即可", "{{", "}}", "{{}}", "{{ 1abc }}", "{{ a | upper }}",
    "{{ a | default }}", "{{ a | default:x }}", "{{ a | default:\"x }}", "line one\n  {{ bad name }}",
    "{{today}} {{today_cn}} {{now}} {{year}}年{{month}}月{{day}}日", "{{ holiday.start | date_cn }}至{{ holiday.end | date_cn }}",
    "{{ a.b.c }}{{ a. }}{{ .a }}", "{{ a | default:'' | date_cn }}",
]

CSVS = [
    b"name,phone\nZhang San,13800138000\n", b"\xef\xbb\xbfname,phone\n\xe5\xbc\xa0\xe4\xb8\x89,13800138000\n",
    b"name,phone\r\na,13800138000\r\n\xff\xff,13900139000\r\n", b"name,phone\n\xd5",
    b"name,phone\na,13800138000\n\"b,13900139000\nc,13700137000\nd,1\n",
    b"name,phone,unit\ra,13800138000,\"x\ry\"\r\rb,13900139000,\r",
    "\n\nname,phone,unit\n\n   \n,,\n a ,13800138000,\n\n\u3000,,\nb,13900139000,\n".encode(),
    " Groups ,TITLE, Phone,Unit,NAME\ncadres,局长,13800138000,区纪委,张三\n".encode(),
    "姓名,手机号码,单位,职务,分组\n张三,13800138000,区纪委,主任,cadres；staff、Leaders\n".encode(),
    "name,phone,email,备注\na,13800138000,x,y\n".encode(), b"name,unit\na,b\n",
    "name,phone,手机\na,13800138000,13900139000\n".encode(), b"\n\nphone\n13800138000\n",
    b"name,phone,,\na,13800138000,junk,\n", b"", b"\n\r\n", b"\xef\xbb\xbf", b"name,phone\r\n",
    b"name,phone\na,13800138000\nb,+86 138 0013 8000\nc,008613800138000\n",
    "name,phone,groups\n,12,纪委;ok\n".encode(), b"name,phone\n\"O\"\"Brien\",13800138000\nO\"Brien,13900139000\n",
    b"name,phone\n\"a\"x,13800138000\n", b"name,phone,groups\na,13800138000," + b"g" * 70 + b"\n",
]
CSV_LABELS = ["*", "utf-8", "utf8", "gbk", "gb2312", "gb18030", "", "latin1", "UTF-8", "\"gbk\""]

SEND_BODIES = [
    {"to": ["13800138000", "+86 138-0013-8000", "13900139000"], "text": "会议通知", "priority": "urgent"},
    {"to": ["13800138000", 5, "12345"], "text": "", "priority": "high", "send_at": "tomorrow",
     "expires_at": "2001-01-01T00:00:00Z", "colour": "red"},
    {}, {"to": 13800138000, "text": 5}, {"to": [], "text": "hi"}, {"to": "12345", "text": "hi"},
    {"to": "13800138000", "text": "a" * 80},
    {"to": "13800138000", "template": "meeting", "params": {"meeting": "党风廉政会", "time": "9点", "n": 3}},
    {"groups": ["staff"], "template": "meeting", "params": {"meeting": "x", "time": True}},
    {"groups": ["staff", "staff", ""], "text": "x", "template": "y"},
    {"to": "13800138000", "text": "x", "send_at": "2026-11-27T09:00:00+08:00",
     "expires_at": "2026-11-27T08:00:00+08:00"},
    {"to": "13800138000", "text": "x", "params": {"a": "b"}},
    {"to": None, "groups": None, "text": None, "template": "t", "params": [1]},
]

SCHEDULE_BODIES = [
    {"name": "holiday-notice", "when": "1 workday before every holiday at 09:00", "groups": ["staff"],
     "template": "meeting", "params": {"meeting": "节前会", "time": "9点"}, "expires": "holiday_end"},
    {"name": "weekly", "when": "cron 30 9 * * 1-5", "to": ["13800138000", "+86 138 0013 8000"],
     "template": " meeting ", "priority": "urgent", "expires": "12h", "enabled": False},
    {"name": "once", "description": "一次", "when": "at 2026-12-01 09:00", "to": ["+447400123456"],
     "template": "t", "expires": "none", "params": {"n": 1, "b": True, "x": None}},
    {"name": "BAD NAME", "when": "tomorrow", "groups": [], "template": "", "expires": "holiday_end"},
    {"name": "x", "when": "cron 0 9 * * *", "groups": ["a", " ", 3], "to": ["123"], "template": "t",
     "expires": "0s", "enabled": "yes"},
    [], "string", {"name": "m", "when": "last workday of every month at 17:00", "groups": ["g"],
                   "template": "t", "expires": "1d12h"},
]

CALLBACKS = [
    {"message_id": "abc-1", "status": "delivered"}, {"message_id": "abc-1", "status": "failed", "error": "UNDELIV"},
    {"message_id": "", "status": "delivered"}, {"message_id": 5, "status": "delivered"},
    {"status": "delivered"}, {"message_id": "x"}, {"message_id": "x", "status": "ok"},
    {"message_id": "x", "status": "failed", "error": 3}, [], "x", None,
]

# fuzz_api_json: first byte picks the route (see kRoutes in fuzz_api_json.cpp).
API_JSON = [
    (0, {"name": "X", "phone": "+86 138 0013 8000"}), (0, {"phone": "123", "colour": "red"}),
    (0, {"name": "李四", "phone": "13900139000", "unit": "办公室", "title": "科员", "groups": ["staff", "new-group"]}),
    (1, {"active": False, "title": "主任"}), (1, {"phone": "13800138000", "groups": []}), (1, {"name": ""}),
    (2, {"name": "cadres", "description": "领导干部"}), (2, {"name": "Bad Name"}), (2, {"name": "g" * 65}),
    (3, {"name": "notice", "body": "{{name}}：{{what}}", "params": ["what"]}),
    (3, {"name": "bad", "body": "{{ x | upper }}"}), (3, {"name": "t2", "body": "{{holiday.name}}", "params": ["holiday"]}),
    (4, {"body": "{{name}}同志：{{meeting}}", "params": ["meeting"], "description": "改"}),
    (5, {"body": "新模板 {{today_cn}}"}), (5, {"name": "other", "body": "x"}),
    (6, {"params": {"meeting": "会", "time": "9点"}, "recipient": {"name": "张三"}}), (6, {}),
    (7, {"name": "reports2", "scopes": ["read", "send"]}), (7, {"name": "ops", "scopes": ["admin"]}),
    (7, {"name": "x", "scopes": ["root"]}),
    (8, SCHEDULE_BODIES[0] | {"name": "n2"}), (8, SCHEDULE_BODIES[1]), (8, SCHEDULE_BODIES[3]),
    (9, SCHEDULE_BODIES[0] | {"when": "cron 0 8 * * 1"}), (10, {"enabled": False}), (10, {"when": "at 2027-01-01 09:00"}),
    (10, {"name": "renamed", "expires": "2h"}),
    (11, {"message_id": "abc-1", "status": "delivered"}), (11, {"message_id": "x"}),
    (12, SEND_BODIES[0]), (12, SEND_BODIES[7]), (12, SEND_BODIES[8]), (12, SEND_BODIES[1]),
]

AUTH = {"send": "send-secret", "read": "read-secret", "admin": "admin-secret", "callback": "callback-secret"}


def request(method, target, token=None, body=None, content_type="application/json", extra=()):
    lines = [f"{method} {target}"]
    if token:
        lines.append(f"Authorization: Bearer {AUTH.get(token, token)}")
    if body is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.extend(extra)
    return "\n".join(lines) + "\n\n" + (body if isinstance(body, str) else json.dumps(body, ensure_ascii=False) if body is not None else "")


ROUTER = [
    request("GET", "/healthz"), request("GET", "/readyz", "read"), request("GET", "/metrics", "read"),
    request("POST", "/v1/messages", "send", SEND_BODIES[0]),
    request("POST", "/v1/messages", "send", SEND_BODIES[0], extra=["Idempotency-Key: order-42"]) + "\n%%\n" +
    request("POST", "/v1/messages", "send", SEND_BODIES[0] | {"text": "改"}, extra=["Idempotency-Key: order-42"]),
    request("GET", "/v1/messages?status=queued&limit=10&to=%2B8613900139000", "read"),
    request("GET", "/v1/messages?cursor=abc&batch_id=0&colour=red&limit=1001", "read"),
    request("GET", "/v1/messages?status=%zz", "read"), request("GET", "/v1/messages/1", "read"),
    request("DELETE", "/v1/messages/1", "send") + "\n%%\n" + request("DELETE", "/v1/messages/1", "admin"),
    request("GET", "/v1/batches/1", "read"), request("GET", "/v1/batches/x", "read"),
    request("POST", "/v1/callbacks/generic", "callback", CALLBACKS[0]),
    request("POST", "/v1/callbacks/nope", "callback", CALLBACKS[0]),
    request("POST", "/v1/callbacks/generic/fuzz-callback-secret-0123", None, CALLBACKS[0]),
    request("POST", "/v1/callbacks/generic/wrong-secret", None, CALLBACKS[0]),
    request("POST", "/v1/schedules", "admin", '{"extra": ' + "[" * 100 + "]" * 100 + "}"),
    request("GET", "/v1/recipients?group=staff&q=%E5%BC%A0&limit=5", "read"),
    request("POST", "/v1/recipients", "admin", API_JSON[2][1]), request("PATCH", "/v1/recipients/1", "admin", {"unit": "新单位"}),
    request("DELETE", "/v1/recipients/1", "admin"), request("GET", "/v1/recipients/1", "read"),
    request("POST", "/v1/recipients/import?dry_run=true", "admin", CSVS[0].decode(), "text/csv; charset=utf-8"),
    request("POST", "/v1/recipients/import", "admin", "姓名,手机\n王五,13700137000\n", "text/csv"),
    request("POST", "/v1/recipients/import?dry_run=maybe", "admin", "name,phone\n", "text/csv; charset=latin1"),
    request("GET", "/v1/groups", "read"), request("GET", "/v1/groups/staff", "read"), request("DELETE", "/v1/groups/staff", "admin"),
    request("POST", "/v1/groups", "admin", {"name": "cadres"}),
    request("GET", "/v1/templates", "read"), request("GET", "/v1/templates/meeting", "read"),
    request("PUT", "/v1/templates/meeting", "admin", API_JSON[12][1]), request("DELETE", "/v1/templates/meeting", "admin"),
    request("POST", "/v1/templates/meeting/preview", "read", API_JSON[15][1]),
    request("POST", "/v1/templates/nope/preview", "read", {}),
    request("GET", "/v1/tokens", "admin"), request("POST", "/v1/tokens", "admin", {"name": "r", "scopes": ["read"]}),
    request("DELETE", "/v1/tokens/reports", "admin"), request("DELETE", "/v1/tokens/ops", "admin"),
    request("GET", "/v1/calendar/2026", "read"), request("GET", "/v1/calendar/1900", "read"),
    request("GET", "/v1/calendar/day/2026-10-01", "read"), request("GET", "/v1/calendar/day/2026-02-30", "read"),
    request("GET", "/v1/schedules", "read"), request("GET", "/v1/schedules/1", "read"),
    request("GET", "/v1/schedules/1/next?count=5", "read"), request("GET", "/v1/schedules/1/history?limit=5", "read"),
    request("POST", "/v1/schedules", "admin", SCHEDULE_BODIES[1] | {"template": "meeting"}),
    request("PUT", "/v1/schedules/1", "admin", SCHEDULE_BODIES[0]), request("PATCH", "/v1/schedules/1", "admin", {"enabled": False}),
    request("DELETE", "/v1/schedules/1", "admin"),
    request("GET", "/v1/messages", None), request("GET", "/v1/messages", "wrong-token"),
    request("POST", "/v1/messages", "read", SEND_BODIES[0]), request("PUT", "/v1/messages", "send"),
    request("POST", "/v1/messages", "send", "{not json"), request("POST", "/v1/messages", "send", "[1,2]"),
    request("POST", "/v1/messages", "send", SEND_BODIES[0], "text/plain"),
    request("GET", "/nope", "read"), request("BREW /v1/messages", "x"),
    # The console: router_fixture.hpp prepares li.admin and a session with these values.
    request("POST", "/console/login", None, {"username": "li.admin", "password": "fuzz-password-0123"}),
    request("POST", "/console/login", None, "username=li.admin&password=wrong+one%21", "application/x-www-form-urlencoded"),
    request("POST", "/console/login", None, {"username": "nobody", "password": "x"}, extra=["Origin: http://evil.example"]),
    request("GET", "/console/session", None, extra=["Cookie: theme=dark; smsgw_session=fuzz-session-cookie"]),
    request("POST", "/v1/groups", None, {"name": "by-cookie"},
            extra=["Cookie: smsgw_session=fuzz-session-cookie", "X-CSRF-Token: fuzz-csrf-token", "Host: 127.0.0.1", "Origin: http://127.0.0.1"]),
    request("POST", "/v1/groups", None, {"name": "no-csrf"}, extra=["Cookie: smsgw_session=fuzz-session-cookie"]),
    request("POST", "/console/logout", None, {"everywhere": True},
            extra=["Cookie: smsgw_session=fuzz-session-cookie", "X-CSRF-Token: fuzz-csrf-token"]),
    request("GET", "/v1/users", None, extra=["Cookie: smsgw_session=\"unknown\"; smsgw_session=x"]),
    request("DELETE", "/v1/users/li.admin/sessions", "admin"),
    request("GET", "/v1/audit?actor=li.admin&action=console.&object=user:li.admin&since=2026-01-01T00:00:00Z&limit=5", "admin"),
    request("GET", "/v1/audit?cursor=3&until=2030-01-01T00:00:00%2B08:00", "admin"),
    request("GET", "/console"), request("GET", "/console/"), request("GET", "/console/app.js", extra=['If-None-Match: "x"']),
    request("GET", "/console/..%2Fsmsgw.toml"),
]


def write(harness, items):
    folder = OUT / harness
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for i, item in enumerate(items):
        data = item if isinstance(item, bytes) else item.encode("utf-8")
        (folder / f"seed-{i:03d}").write_bytes(data)


def main():
    write("fuzz_phone", PHONES)
    write("fuzz_time", TIMES)
    write("fuzz_duration", DURATIONS)
    write("fuzz_quiet_hours", QUIET)
    write("fuzz_cron", CRONS)
    write("fuzz_when", WHENS)
    write("fuzz_template", TEMPLATES)
    fixtures = [text("tests/fixtures/" + f) for f in
                ("recipients-utf8.csv", "recipients-utf8-bom.csv", "recipients-gbk.csv")]
    fixtures.append(text("config/sample-recipients.csv"))
    csv = []
    for i, body in enumerate(CSVS + fixtures):
        csv.append(CSV_LABELS[i % len(CSV_LABELS)].encode() + b"\n" + body)
    csv += [b"gbk\n" + fixtures[2], b"*\n" + fixtures[2], b"utf-8\n" + fixtures[2]]
    write("fuzz_csv", csv)
    write("fuzz_send_json", [json.dumps(b, ensure_ascii=False) for b in SEND_BODIES])
    write("fuzz_schedule_spec", [json.dumps(b, ensure_ascii=False) for b in SCHEDULE_BODIES])
    write("fuzz_callback", [json.dumps(b) for b in CALLBACKS] + ["{not json", ""])
    write("fuzz_api_json", [bytes([r]) + json.dumps(b, ensure_ascii=False).encode() for r, b in API_JSON]
          + [bytes([r]) + b"{not json" for r in range(13)] + [bytes([r]) + b"[]" for r in (0, 8, 12)])
    write("fuzz_router", ROUTER)
    write("fuzz_route", [
        "/v1/messages?status=queued&limit=10\nBearer send-secret",
        "/v1/templates/meeting/preview\nbearer    abc-DEF._~+/==  ",
        "/v1/schedules/12/next?count=%31%30\nBearer a=b", "/v1/schedules//history\nBasic dXNlcjpwYXNz",
        "/v1/recipients/import?dry_run=true&&=&x\nBearer\t x", "/v1/calendar/day/2026-10-01?%\nBEARER t",
        "/v1/callbacks/generic\nBearer ", "/metrics?\n", "/v1/tokens/ops?a=%e4%b8%ad\nBearer 中文",
        "/v1/templates/preview\nBearer ==", "/v1/groups/staff/\nBearer x y",
        "/v1/messages/18446744073709551616\nBearer 1", "/v1/batches/-1\n", "%2Fv1%2Fmessages\n",
    ])
    write("fuzz_config_toml", raw_strings("tests/unit/config_test.cpp") + [
        text("config/smsgw.example.toml").decode(), text("config/smsgw.toml").decode(),
        "[daemon]\ntimezone = \"../../etc/passwd\"\n", "[api]\nlisten = \"[::1]:0\"\n[[api.tokens]]\nname = \"a\"\nsha256 = \"00\"\nscopes = [\"root\"]\n",
        "[sms]\nquiet_hours = \"22:00-08:00\"\nsignature = \"【区纪委】\\n\"\n", "[limits]\nmax_body = \"1MiB\"\nmax_recipients_per_request = 0\n",
        "[[schedules]]\nname = \"s\"\nwhen = \"cron 0 9 * * 1\"\ngroups = [\"a\"]\ntemplate = \"t\"\n",
        "[retry]\nbackoff = \"1s\"\nmax_attempts = -1\n", "= 1", "a = \"\\u0000\"\n", "\"a\nb\" = 1\n",
    ])
    write("fuzz_template_file", [text("templates/" + f).decode() for f in
                                 ("holiday-integrity-reminder.toml", "meeting-notice.toml", "monthly-work-briefing.toml")] + [
        'name = "x"\nbody = "{{a}}"\nparams = ["a", "a"]\n', 'name = "X Y"\nbody = 5\nparams = "a"\n',
        'name = "x"\nbody = """\n{{ a | upper }}\n"""\n', 'name = "x"\ndescription = 1\nbody = ""\nextra = true\n',
        'body = "{{name}}"\n', 'name = "x"\nbody = "{{holiday.name}}"\nparams = ["holiday"]\n', "name = \n",
    ])
    write("fuzz_calendar_file", raw_strings("tests/unit/calendar_test.cpp") + [
        text("config/calendar/" + f).decode() for f in ("2024.toml", "2025.toml", "2026.toml")] + [
        "year = 1900\n[[holidays]]\n", "year = 2026\nholidays = 1\n", "year = \"2026\"\nsource = 5\n",
        "year = 2026\n[[holidays]]\nname = \"春节\"\nfestivals = [\"xmas\"]\nstart = 2026-02-23\nend = 2026-02-15\n",
        "year = 2026\n[[holidays]]\nname = \"国庆节\"\nstart = 2026-10-01\nend = 2026-10-07\nmakeup_workdays = [2026-10-03, 2025-01-01]\n",
    ])


if __name__ == "__main__":
    main()
