"""The sandbox mailbox: messages kept per second, and what the console's list and one opened message cost.

    .venv/bin/python bench/bench_mailbox.py [--messages 1000]

`python -m core mailbox` runs in its own process (as `./start` runs it); this process sends it product-built
messages (core.messaging.email.build_message, ~8 KB of Korean HTML and text each) over one reused SMTP
connection (core.messaging.email.SmtpSession), as the dispatcher does. Each accepted message is one fsync'ed
`.eml` file, so the figure says how much the mailbox slows a sandbox send run. Then the console's reads run
over that folder: the list of the newest 200 (core.console.mailbox.letters) and one message opened.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()

    from core.console import mailbox as views
    from core.messaging.email import SmtpSession, SmtpSettings, build_message
    from core.messaging.templates import RenderedEmail
    from core.sandbox import mailbox
    from core.store import Store

    work = Path(tempfile.mkdtemp(prefix="bench-mailbox-"))
    store = Store(work / "console.duckdb", role="bench")
    store.migrate()
    folder = mailbox.directory_for(store.path)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CONSOLE_DB": str(store.path)}
    server = subprocess.Popen([sys.executable, "-m", "core", "mailbox", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None and f":{port}" in server.stdout.readline()
        paragraph = "<p>회원님만을 위한 소식과 혜택을 가장 먼저 전해 드릴게요.</p>"
        html = f"<table width=\"600\"><tr><td>{paragraph * 60}" \
               "<a href=\"http://127.0.0.1:8625/c/x\">쇼핑하기</a></td></tr></table>"
        now = dt.datetime.now(dt.UTC)
        messages = [build_message(to=f"m{n}@example.com", from_name="샌드박스 쇼핑몰",
                                  from_email="hello@sandbox-shop.example",
                                  rendered=RenderedEmail(subject=f"(광고) 회원 {n}님, 환영해요", preheader="",
                                                         html=html, text="환영해요 " * 100),
                                  message_id=f"bench-{n:06d}", date=now,
                                  list_unsubscribe_url=f"http://127.0.0.1:8625/u/{n}")
                    for n in range(args.messages)]
        started = time.perf_counter()
        with SmtpSession(SmtpSettings(host="127.0.0.1", port=port, security="none")) as session:
            for m in messages:
                session.send(m)
        took = time.perf_counter() - started
        kept = len(mailbox.names(folder))
        assert kept == args.messages, f"{kept} kept of {args.messages} sent"
        size = len(messages[0].data)
        print(f"{args.messages:,} messages of {size / 1024:.1f} KB kept in {took:.2f} s: "
              f"{args.messages / took:,.0f}/s ({took / args.messages * 1000:.2f} ms each, one connection)")

        lists = []
        for _ in range(5):
            t0 = time.perf_counter()
            shown = views.letters(store)
            lists.append(time.perf_counter() - t0)
        opens = []
        for letter in shown[:20]:
            t0 = time.perf_counter()
            views.opened(store, letter["name"])
            opens.append(time.perf_counter() - t0)
        print(f"console list of the newest {len(shown)} of {kept:,}: median {statistics.median(lists) * 1000:.0f} ms; "
              f"one message opened: median {statistics.median(opens) * 1000:.1f} ms")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
