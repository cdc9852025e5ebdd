"""A fake NHN Cloud KakaoTalk Bizmessage (알림톡) API on loopback, with fault switches.

It answers `POST /alimtalk/v2.3/appkeys/{appkey}/messages` the way NHN's "알림톡 API v2.3 Guide" and its
error-code page describe (see core/messaging/alimtalk.py): the X-Secret-Key header, senderKey,
templateCode, recipientList[{recipientNo, templateParameter, resendParameter, recipientGroupingKey}],
and a `{"header": {resultCode, resultMessage, isSuccessful}, "message": {requestId, sendResults}}` answer.
It checks what the real service checks — app key (-1000), secret key (-1001), sender key (-2017),
template (-3003), every #{variable} of the template filled (-3004 per recipient), an SMS sender number
when fallback is asked (-1003), the idempotency key seen within 10 minutes (-1005) — and records every
request so a test can read what was sent. `GET` on the same path is the guide's "메시지 리스트 조회": the
messages it holds, filtered by `recipientGroupingKey` and the request dates (both required, at most 30 days
apart), as `{"header", "messageSearchResultResponse": {"messages": [...], "totalCount"}}`.

Faults: `fail_next(n, status)` answers HTTP `status` n times; `refuse_next(n, code)` answers
isSuccessful=false with `code` n times; `hang_next(n, seconds)` accepts the request and answers late;
`drop_next(n)` takes the request's idempotency key and fails (HTTP 500) before anything is sent, so a retry
within 10 minutes is refused with -1005 though nothing went out; `expire_keys()` lets 10 minutes pass.
"""
from __future__ import annotations

import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

ERRORS = {
    -1000: "Invalid appKey.", -1001: "Invalid secretKey.", -1003: "Invalid Sms Sendno",
    -1005: "The same 'X-NC-API-IDEMPOTENCY-KEY' was used within the last 10 minute.",
    -2017: "Not exist plus friend.", -3003: "Template does not exist.", -3004: "Please check template parameter.",
    -2000: "The 'recipientNo' must be at less than or equal to 15.", 4: "Parameter validation failed.",
}
_VAR = re.compile(r"#\{([^}]+)\}")


class FakeAlimtalk:
    def __init__(self, app_key: str = "fake-appkey", secret_key: str = "fake-secret",
                 sender_key: str = "s" * 40, templates: dict[str, str] | None = None) -> None:
        self.app_key, self.secret_key, self.sender_key = app_key, secret_key, sender_key
        self.templates = templates or {}
        self.requests: list[dict[str, Any]] = []   # every request: path, headers, body (parsed)
        self.accepted: list[dict[str, Any]] = []   # recipients accepted: recipient entry + templateCode
        self.lookups: list[dict[str, str]] = []    # the message list queries asked
        self._faults: list[tuple[str, int]] = []
        self._idempotency: dict[str, float] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # ---- fault switches
    def fail_next(self, n: int = 1, status: int = 500) -> None:
        with self._lock:
            self._faults += [("http", status)] * n

    def hang_next(self, n: int = 1, seconds: float = 2.0) -> None:
        """Take the request, then answer only after `seconds` (a client with a shorter timeout hears nothing)."""
        with self._lock:
            self._faults += [("hang", seconds)] * n

    def refuse_next(self, n: int = 1, code: int = -1001) -> None:
        with self._lock:
            self._faults += [("refuse", code)] * n

    def drop_next(self, n: int = 1) -> None:
        with self._lock:
            self._faults += [("drop", 0)] * n

    def expire_keys(self) -> None:
        with self._lock:
            self._idempotency.clear()

    # ---- the server
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeAlimtalk:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, body = fake.handle(self.path, {k.lower(): v for k, v in self.headers.items()}, raw)
                data = json.dumps(body, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (hang_next)
                    pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                status, body = fake.lookup(self.path, {k.lower(): v for k, v in self.headers.items()})
                data = json.dumps(body, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="fake-alimtalk", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeAlimtalk:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- the API
    @staticmethod
    def _header(code: int, message: str | None = None) -> dict[str, Any]:
        return {"resultCode": code, "resultMessage": message or ERRORS.get(code, "SUCCESS" if code == 0 else "error"),
                "isSuccessful": code == 0}

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        with self._lock:
            self.requests.append({"path": path, "headers": headers, "body": body})
            fault = self._faults.pop(0) if self._faults else None
        if fault and fault[0] == "hang":
            time.sleep(fault[1])
            fault = None
        if fault and fault[0] == "http":
            return fault[1], {"header": self._header(-9999, "Internal Server Error")}
        if fault and fault[0] == "refuse":
            return 200, {"header": self._header(fault[1])}
        if fault and fault[0] == "drop":
            key = headers.get("x-nc-api-idempotency-key")
            if key:
                with self._lock:
                    self._idempotency[key] = time.monotonic()
            return 500, {"header": self._header(-9999, "Internal Server Error")}
        match = re.fullmatch(r"/alimtalk/v2\.3/appkeys/([^/]+)/messages", path)
        if not match:
            return 404, {"header": self._header(-9998, "Not Found")}
        if match.group(1) != self.app_key:
            return 200, {"header": self._header(-1000)}
        if headers.get("x-secret-key") != self.secret_key:
            return 200, {"header": self._header(-1001)}
        if not isinstance(body, dict) or not isinstance(body.get("recipientList"), list) \
                or not 1 <= len(body["recipientList"]) <= 1000:
            return 200, {"header": self._header(4)}
        if body.get("senderKey") != self.sender_key:
            return 200, {"header": self._header(-2017)}
        template = self.templates.get(body.get("templateCode"))
        if template is None:
            return 200, {"header": self._header(-3003)}
        key = headers.get("x-nc-api-idempotency-key")
        now = time.monotonic()
        with self._lock:
            if key and key in self._idempotency and now - self._idempotency[key] < 600:
                return 200, {"header": self._header(-1005)}
            if key:
                self._idempotency[key] = now
        results = []
        request_id = uuid.uuid4().hex
        for seq, r in enumerate(body["recipientList"], 1):
            code = 0
            number = str(r.get("recipientNo") or "")
            params = r.get("templateParameter") or {}
            resend = r.get("resendParameter") or {}
            if not number or len(number) > 15 or not number.isdigit():
                code = -2000
            elif any(v not in params for v in _VAR.findall(template)):
                code = -3004
            elif resend.get("isResend") and not resend.get("resendSendNo"):
                code = -1003
            if code == 0:
                with self._lock:
                    self.accepted.append({**r, "templateCode": body["templateCode"], "requestId": request_id,
                                          "recipientSeq": seq, "requestDate": time.strftime("%Y-%m-%d %H:%M"),
                                          "content": _VAR.sub(lambda m, params=params: str(params.get(m.group(1))),
                                                              template)})
            results.append({"recipientSeq": seq, "recipientNo": number, "resultCode": code,
                            "resultMessage": ERRORS.get(code, "SUCCESS"),
                            "recipientGroupingKey": r.get("recipientGroupingKey")})
        return 200, {"header": self._header(0),
                     "message": {"requestId": request_id, "senderGroupingKey": body.get("senderGroupingKey"),
                                 "sendResults": results}}

    def lookup(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """메시지 리스트 조회: the accepted messages, filtered by recipientGroupingKey."""
        parsed = urlparse(path)
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        with self._lock:
            self.lookups.append(query)
        match = re.fullmatch(r"/alimtalk/v2\.3/appkeys/([^/]+)/messages", parsed.path)
        if not match:
            return 404, {"header": self._header(-9998, "Not Found")}
        if match.group(1) != self.app_key:
            return 200, {"header": self._header(-1000)}
        if headers.get("x-secret-key") != self.secret_key:
            return 200, {"header": self._header(-1001)}
        if "requestId" not in query and not (query.get("startRequestDate") and query.get("endRequestDate")):
            return 200, {"header": self._header(4)}
        key = query.get("recipientGroupingKey")
        with self._lock:
            found = [{"requestId": a["requestId"], "recipientSeq": a["recipientSeq"], "senderKey": self.sender_key,
                      "templateCode": a["templateCode"], "recipientNo": a["recipientNo"], "content": a["content"],
                      "requestDate": a["requestDate"], "createDate": a["requestDate"], "resendStatus": "RSC01",
                      "resendStatusName": "대체 발송 미요청", "messageStatus": "COMPLETED", "resultCode": "MRC01",
                      "resultCodeName": "성공", "recipientGroupingKey": a.get("recipientGroupingKey")}
                     for a in self.accepted if key is None or a.get("recipientGroupingKey") == key]
        return 200, {"header": self._header(0),
                     "messageSearchResultResponse": {"messages": found, "totalCount": len(found)}}
