"""Run the clueextract CLI with a Python audit hook that counts every network attempt.

Usage: python tests/tools/count_network.py COUNT_FILE clueextract-args...
       python tests/tools/count_network.py COUNT_FILE -c CODE   (runs CODE instead: the hook's own test)
Every socket connect/bind to a non-local family, name lookup, urllib request or
http.client connection raises an audit event; each is counted (and written to
COUNT_FILE as JSON when the process exits), so a test can assert zero attempts
rather than only "it worked without a network".
"""
import atexit
import json
import sys

EVENTS = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
          "socket.sendto", "socket.sendmsg", "urllib.Request", "http.client.connect", "ftplib.connect",
          "smtplib.connect", "webbrowser.open"}
seen = []


def hook(event, args):
    if event in EVENTS:
        if event == "socket.connect" and args and getattr(args[0], "family", None) == 1:  # AF_UNIX: local IPC
            return
        seen.append([event, repr(args)[:200]])


out = sys.argv[1]
atexit.register(lambda: open(out, "w").write(json.dumps(seen)))
sys.addaudithook(hook)
if sys.argv[2:3] == ["-c"]:
    exec(sys.argv[3])
else:
    sys.argv = ["clueextract", *sys.argv[2:]]
    from clueextract.cli import app  # noqa: E402

    app()
