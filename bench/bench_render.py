"""Messages rendered and accepted by a local SMTP server per second (the aim: 500/s or more).

    /tmp/venv/bin/python bench/bench_render.py [--messages 3000] [--pipelining]

Each message goes the dispatcher's way: signed links (core.public.links.tracking_context),
the cart starter template rendered for one member (Jinja2 sandbox, CSS inlined, links
tracked, advertising footer), a multipart message built (core.channels.email.build_message)
and handed over one reused SMTP connection (core.channels.email.SmtpSession). The SMTP
server is aiosmtpd in its own process (so it does not share this one's GIL), counting
what it accepted; the figure is only trusted if its count matches.

aiosmtpd does not offer PIPELINING (RFC 2920) in its EHLO reply, so by default every message costs
four round trips (MAIL, RCPT, DATA, the message). With --pipelining the bench server offers it, as
Postfix, Exim, Gmail and SES do, and the session sends MAIL+RCPT+DATA in one write (two round trips).
aiosmtpd reads commands line by line from its stream, so pipelined commands are answered in order.
bench_dispatch.py runs this server too (`--serve PORT_FILE [--pipelining]`).

It also prices the render limits (core/messaging/render_limits.py): the HTML part's Jinja render with
the limits' hooks against Jinja's plain sandbox, and the alternative they were chosen over, rendering in
a worker process that a timeout could kill (the template and merge data pickled over a pipe, the
rendered e-mail back), started once and reused.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def serve(port_file: str, pipelining: bool = False) -> None:
    """The SMTP server process: accept everything, count it, print the count on SIGTERM."""
    from aiosmtpd.controller import Controller

    class Counter:
        accepted = 0
        octets = 0

        if pipelining:
            async def handle_EHLO(self, server, session, envelope, hostname, responses):
                session.host_name = hostname  # what aiosmtpd does itself when no handler answers EHLO
                return responses[:-1] + ["250-PIPELINING", responses[-1]]

        async def handle_DATA(self, server, session, envelope):
            Counter.accepted += 1
            Counter.octets += len(envelope.original_content or b"")
            return "250 OK"

    class Loopback(Controller):
        def _trigger_server(self) -> None:
            self.port = self.server.sockets[0].getsockname()[1]
            super()._trigger_server()

    controller = Loopback(Counter(), hostname="127.0.0.1", port=0, data_size_limit=0)
    controller.start()
    Path(port_file).write_text(str(controller.port))
    def stop(*_: object) -> None:
        controller.stop()
        print(f"{Counter.accepted} {Counter.octets}", flush=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    while True:
        time.sleep(1)


def _worker(conn) -> None:  # noqa: ANN001 (a multiprocessing Connection)
    """The worker-process alternative: render what arrives until None does."""
    from core.messaging import templates
    while (job := conn.recv()) is not None:
        template, context, sender = job
        conn.send(templates.render_email(template, context, advertising=True, sender=sender))


def limits_cost(starter: dict, base: dict, sender: dict, n: int) -> None:
    """Print what the limits cost per message, and what a worker process would."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from core.messaging import templates

    class PlainMerge(ImmutableSandboxedEnvironment):
        getattr = templates._MergeEnvironment.getattr  # the same key-first dot access, no limits

    plain_env = PlainMerge(undefined=StrictUndefined, autoescape=True, keep_trailing_newline=True, trim_blocks=True,
                           lstrip_blocks=True)
    plain_env.filters.update(won=templates._won, date=templates._date)
    plain = plain_env.from_string(starter["html"])
    contexts = [{**base, "member": {"name": f"회원{i}", "email": f"m{i}@example.com", "member_key": f"m{i}"}}
                for i in range(n)]

    def timed(render) -> float:  # noqa: ANN001
        """CPU µs a message, the best of five rounds (the machine is shared: CPU time, not wall time)."""
        for c in contexts[:50]:
            render(c)
        best = float("inf")
        for _ in range(5):
            t0 = time.process_time()
            for c in contexts:
                render(c)
            best = min(best, (time.process_time() - t0) / n * 1e6)
        return best

    limited_us = timed(lambda c: templates._render("html", starter["html"], c, templates._HTML_ENV))
    plain_us = timed(lambda c: plain.render(c))
    print(f"HTML part, Jinja only:     limited {limited_us:.0f} µs, plain sandbox {plain_us:.0f} µs CPU "
          f"(the limits add {limited_us - plain_us:.0f} µs a message)")

    whole_us = timed(lambda c: templates.render_email(starter, c, advertising=True, sender=sender))
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    t0 = time.perf_counter()
    worker = ctx.Process(target=_worker, args=(child,), daemon=True)
    worker.start()
    clean = [{k: v for k, v in c.items() if not callable(v)} for c in contexts]  # `tracked` cannot cross a pipe
    for c in clean[:50]:
        parent.send((starter, c, sender))
        parent.recv()
    started_ms = (time.perf_counter() - t0) * 1000
    assert worker.pid is not None
    t0, c0, w0 = time.perf_counter(), time.process_time(), cpu_of(worker.pid)
    for c in clean:
        parent.send((starter, c, sender))
        parent.recv()
    wall_us = (time.perf_counter() - t0) / n * 1e6
    worker_cpu_us = ((time.process_time() - c0) + (cpu_of(worker.pid) - w0)) / n * 1e6
    parent.send(None)
    worker.join(10)
    print(f"whole render (4 parts):    in process {whole_us:.0f} µs CPU; in a worker process {worker_cpu_us:.0f} µs "
          f"CPU (both processes) and {wall_us:.0f} µs wall a message, +{worker_cpu_us - whole_us:.0f} µs CPU, and "
          f"{started_ms:.0f} ms to start a worker")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--pipelining", action="store_true", help="the server offers PIPELINING (RFC 2920)")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.pipelining)
        return

    work = Path(tempfile.mkdtemp(prefix="bench_render_"))
    os.environ["CONSOLE_SECRETS"] = str(work / "secrets.json")   # the link-signing key lives here
    from core import clock
    from core.messaging import templates
    from core.messaging.email import SmtpSession, SmtpSettings, build_message
    from core.public import signing
    from core.public.links import tracking_context

    port_file = work / "port"
    server, port = start_server(port_file, args.pipelining)

    sender = templates.SAMPLE_SENDER
    starter = templates.starter_template("cart_abandoned")
    base = templates.sample_context("cart_abandoned")
    signing.signing_key()  # created once, as in a running scheduler

    def message(n: int):
        member_key = f"member{n:06d}"
        links = tracking_context(f"msg{n:08d}", "haru", member_key)
        context = {**base, **links, "member": {"name": f"회원{n}", "email": f"{member_key}@example.com",
                                              "member_key": member_key}}
        rendered = templates.render_email(starter, context, advertising=True, sender=sender)
        return build_message(to=f"{member_key}@example.com", from_name=sender["sender_name"],
                             from_email=sender["sender_email"], rendered=rendered, message_id=f"msg{n:08d}",
                             date=clock.now(), list_unsubscribe_url=links["unsubscribe_url"])

    for n in range(50):  # warm up: Jinja compiles, css-inline, the code paths
        message(n)

    limits_cost(starter, base, sender, min(args.messages, 2000))

    # Rendering alone (what the dispatcher does with the store closed, before SMTP).
    t0, c0 = time.perf_counter(), time.process_time()
    for n in range(args.messages):
        message(n)
    render_s, render_cpu = time.perf_counter() - t0, time.process_time() - c0

    # Rendered and handed to the server over one reused connection, as the dispatcher does per shop.
    settings = SmtpSettings("127.0.0.1", port, "none", timeout=30)
    per_message = []
    server_cpu_before = cpu_of(server.pid)
    t0, c0 = time.perf_counter(), time.process_time()
    with SmtpSession(settings) as session:
        for n in range(args.messages):
            t1 = time.perf_counter()
            session.send(message(n))
            per_message.append(time.perf_counter() - t1)
        offered = session._smtp is not None and session._smtp.has_extn("pipelining")
    total_s, client_cpu = time.perf_counter() - t0, time.process_time() - c0
    server_cpu = cpu_of(server.pid) - server_cpu_before

    accepted, octets = stop_server(server)
    shutil.rmtree(work, ignore_errors=True)
    if accepted != args.messages:
        raise SystemExit(f"the server accepted {accepted} of {args.messages} messages")

    per_message.sort()
    print(f"messages:                  {args.messages} (cart starter, advertising, {octets // accepted:,} bytes each)")
    print(f"rendered only:             {args.messages / render_s:,.0f} messages/s "
          f"({render_s / args.messages * 1000:.2f} ms each)")
    print(f"rendered + accepted (SMTP): {args.messages / total_s:,.0f} messages/s over 1 connection, "
          f"{'PIPELINING (2 round trips a message)' if offered else 'no PIPELINING (4 round trips a message)'} "
          f"(median {statistics.median(per_message) * 1000:.2f} ms, "
          f"p99 {per_message[int(len(per_message) * 0.99)] * 1000:.2f} ms)")
    print(f"server accepted:           {accepted} messages, {octets / 1e6:.1f} MB")
    # The machine is shared: CPU seconds say what one free core would do.
    print(f"per CPU-second:            rendering {args.messages / render_cpu:,.0f}/s; rendered + accepted "
          f"{args.messages / (client_cpu + server_cpu):,.0f}/s (client {client_cpu / args.messages * 1000:.2f} ms "
          f"+ SMTP server {server_cpu / args.messages * 1000:.2f} ms CPU per message)")
    print(f"load average:              {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")


def start_server(port_file: Path, pipelining: bool) -> tuple[subprocess.Popen, int]:
    """This script's SMTP server in its own process: (process, port)."""
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file)]
                              + (["--pipelining"] if pipelining else []), stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not port_file.exists() or not port_file.read_text():
        if time.monotonic() > deadline or server.poll() is not None:
            raise SystemExit("the SMTP server process did not start")
        time.sleep(0.05)
    return server, int(port_file.read_text())


def stop_server(server: subprocess.Popen) -> tuple[int, int]:
    """Stop it; (messages accepted, octets)."""
    server.send_signal(signal.SIGTERM)
    out, _ = server.communicate(timeout=20)
    accepted, octets = (int(x) for x in out.split())
    return accepted, octets


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a running process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
