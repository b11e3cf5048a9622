#!/usr/bin/env python3
"""smtp_sink.py FOLDER - a real SMTP server (aiosmtpd) for vmr_mail_test.

Listens on 127.0.0.1 on a free port it picks itself, prints "PORT <n>" once it accepts
connections, and saves each message it accepts as FOLDER/<n>.eml (the bytes received,
dot-unstuffed) and FOLDER/<n>.json: the envelope, and the message as Python's email
package parses it (decoded headers, each leaf part's type, charset, transfer encoding and
decoded text, and every defect the parser found), written last so it marks completion.
Recipients whose local part starts with "reject" get 550; "slow" makes RCPT take 1 s
(after creating FOLDER/slow.started); "stall" makes it take 5 s.
Exits when its stdin closes, so it never outlives the test.
"""
import asyncio
import json
import os
import socket
import sys
import threading
from email import policy
from email.parser import BytesParser

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: no such user here" % address
        if local.startswith("slow"):
            open(os.path.join(self.folder, "slow.started"), "w").close()
            await asyncio.sleep(1)
        if local.startswith("stall"):
            await asyncio.sleep(5)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.folder, "%d" % self.count)
        raw = envelope.original_content
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        defects = [str(d) for d in msg.defects]
        headers = []
        for name, value in msg.items():
            headers.append([name, str(value)])
            defects += [str(d) for d in getattr(value, "defects", [])]
        parts = []
        for part in msg.walk():
            defects += [str(d) for d in part.defects]
            if part.is_multipart():
                continue
            parts.append({
                "type": part.get_content_type(),
                "charset": part.get_content_charset(),
                "cte": part.get("Content-Transfer-Encoding"),
                "text": part.get_content(),
            })
        info = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "content_type": msg.get_content_type(),
            "headers": headers,
            "parts": parts,
            "defects": defects,
        }
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(info, f, ensure_ascii=False)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 Ok: queued as %d" % self.count


def main():
    folder = sys.argv[1]
    # Die with the test: stdin is a pipe from it.
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    handler = Sink(folder)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(handler, hostname="sink.test"), sock=sock))
    print("PORT %d" % sock.getsockname()[1], flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
