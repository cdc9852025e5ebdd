"""The public server's limits and edges, over real sockets: sizes, malformed lengths, HEAD, a busy store,
starting on a free port and stopping cleanly."""
from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import httpx
import pytest

from core import clock
from core.public import app as public_app
from core.public import tracking, unsubscribe
from core.public.app import MAX_BODY_BYTES, PublicServer, start_in_thread
from core.store import Store, StoreBusy

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def server(store: Store) -> Iterator[PublicServer]:
    srv = start_in_thread(store, "127.0.0.1", 0)
    try:
        yield srv
    finally:
        srv.stop()


def raw(server: PublicServer, request: bytes) -> tuple[int, bytes]:
    """Send `request` as bytes and read the answer: (status, whole answer)."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                    break
    answer = b"".join(chunks)
    return int(answer.split(b" ", 2)[1]), answer


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def _post_head(path: str, *headers: str) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(f"{h}\r\n" for h in headers)
            + "\r\n").encode("latin-1")


@pytest.mark.parametrize("length", ["abc", "-5", "5, 6", "+5", "0x10"])
def test_a_malformed_content_length_is_400_never_500_or_zero(store: Store, server: PublicServer,
                                                            length: str) -> None:
    path = unsubscribe.unsubscribe_url("haru", "m1")[len(tracking.public_base_url()):]
    status, _ = raw(server, _post_head(path, f"Content-Length: {length}", "Connection: close")
                    + b"List-Unsubscribe=One-Click")
    assert status == 400
    assert not unsubscribe.is_unsubscribed(store, "haru", "m1")


def test_a_body_too_large_is_413_by_its_length_or_while_chunked(store: Store, server: PublicServer) -> None:
    path = unsubscribe.unsubscribe_url("haru", "m1")[len(tracking.public_base_url()):]
    status, answer = raw(server, _post_head(path, f"Content-Length: {MAX_BODY_BYTES + 1}"))  # no body sent
    assert status == 413 and "요청이 너무 큽니다".encode() in answer
    chunk = b"x" * 16384
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5)) + b"0\r\n\r\n"
    status, _ = raw(server, _post_head(path, "Transfer-Encoding: chunked", "Connection: close") + body)
    assert status == 413
    assert not unsubscribe.is_unsubscribed(store, "haru", "m1")
    # At the limit, it is read.
    with httpx.Client(base_url=server.url, timeout=10) as client:
        answer_ok = client.post(path, content=b"List-Unsubscribe=One-Click&pad=" + b"x" * (MAX_BODY_BYTES - 40),
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer_ok.status_code == 200


def test_a_uri_too_long_is_414_and_headers_too_large_are_431(server: PublicServer) -> None:
    status, answer = raw(server, b"GET /o/m.gif?s=" + b"A" * (64 * 1024) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 414 and "주소가 너무 깁니다".encode() in answer
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/o/m.gif", headers={"X-Big": "b" * (64 * 1024)}).status_code == 431
        many = {f"X-H{n}": "1" for n in range(120)}
        assert client.get("/o/m.gif", headers=many).status_code == 431
        answer = client.get("/o/m.gif?s=x")
        assert answer.status_code == 400 and answer.headers["x-content-type-options"] == "nosniff"


def test_head_answers_wherever_get_does(server: PublicServer) -> None:
    pixel = httpx.URL(tracking.open_pixel_url("m-head"))
    with httpx.Client(base_url=server.url, timeout=10) as client:
        head = client.head(f"{pixel.path}?{pixel.query.decode()}")
        assert head.status_code == 200 and head.headers["content-type"] == "image/gif" and head.content == b""
        assert client.head("/w/Zm9yZ2VkLWNlcnRpZmljYXRl").status_code == 404
        assert client.head("/nothing").status_code == 404
        token = unsubscribe.unsubscribe_token("haru", "m1")
        assert client.head(f"/u/{token}").status_code == 200
        wrong = client.put(f"/u/{token}")
        assert wrong.status_code == 405 and wrong.headers["allow"] == "GET, POST"


def test_a_busy_store_is_503_with_retry_after(store: Store, server: PublicServer,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def busy(*args: object, **kwargs: object) -> None:
        raise StoreBusy("held past the bounded wait", key="store.busy")

    monkeypatch.setattr(store, "unit", busy)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        answer = client.get(unsubscribe.unsubscribe_url("haru", "m1")[len(tracking.public_base_url()):])
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert "잠시 후 다시 시도해 주세요" in answer.text


def test_a_fault_is_a_plain_500_without_the_path_in_the_log(store: Store, server: PublicServer,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(public_app, "_shop_name", broken)
    token = unsubscribe.unsubscribe_token("haru", "m1")
    with caplog.at_level("ERROR", logger="core.public.app"), httpx.Client(base_url=server.url, timeout=10) as c:
        answer = c.get(f"/u/{token}")
    assert answer.status_code == 500 and "요청을 처리하지 못했습니다" in answer.text
    assert token not in caplog.text and "RuntimeError" in caplog.text


def test_port_zero_binds_a_free_port_and_stop_releases_it(store: Store) -> None:
    srv = start_in_thread(store, "127.0.0.1", 0)
    port = srv.port
    assert port > 0 and srv.url == f"http://127.0.0.1:{port}"
    assert httpx.get(f"{srv.url}/", timeout=5).status_code == 404      # accepting as soon as it returns
    srv.stop()
    assert not srv.thread.is_alive()
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))
    # A taken port fails in the caller, not in a thread.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            start_in_thread(store, "127.0.0.1", taken.getsockname()[1])


def test_handlers_pass_the_clock_they_read(store: Store, server: PublicServer, fixed_clock: clock.FixedClock) -> None:
    link = tracking.click_url("m-now", "https://haru-shop.example/")
    with httpx.Client(timeout=10) as client:
        assert client.get(server.url + link[len(tracking.public_base_url()):]).status_code == 302
    with store.unit() as con:
        assert con.execute("SELECT occurred_at FROM tracking_events").fetchone()[0] == fixed_clock.now()
