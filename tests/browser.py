"""A real headless Chromium for the tests, driven over the DevTools protocol on a pipe.

Chromium is started with ``--remote-debugging-pipe``: it reads protocol commands from file
descriptor 3 and writes answers and events to file descriptor 4, each a JSON text ended by a
NUL byte. That needs no WebSocket library and no open port. One browser serves a test module;
each page is a fresh target with its own session, so pages do not share state.

When Chromium is missing the tests fail loudly, saying how to install it (the Makefile
installs Debian's ``chromium`` when it runs as root): set ``COLLABREL_SKIP_BROWSER=1`` to skip
them instead.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SKIP_ENV = "COLLABREL_SKIP_BROWSER"
"""Set to a non-empty value other than 0 to skip the browser tests."""

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)
"""How the browser is started (a fresh ``--user-data-dir`` is added each time)."""

# Puts the two pipe ends on descriptors 3 and 4, then becomes Chromium. The ends are first
# moved above 9, so that neither can be overwritten by the other's dup2.
_EXEC = (
    "import fcntl, os, sys\n"
    "r = fcntl.fcntl(int(sys.argv[1]), fcntl.F_DUPFD, 10)\n"
    "w = fcntl.fcntl(int(sys.argv[2]), fcntl.F_DUPFD, 10)\n"
    "os.dup2(r, 3); os.dup2(w, 4)\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)


class BrowserError(RuntimeError):
    """The browser answered a command with an error, or did not answer in time."""


def skip_browser() -> bool:
    """Whether the environment asks to skip the browser tests."""
    return os.environ.get(SKIP_ENV, "") not in {"", "0"}


def executable() -> str:
    """The Chromium program.

    Raises:
        BrowserError: when there is none, saying how to install it or skip the tests.
    """
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    msg = (
        "no Chromium found: install it (Debian: apt-get install -y chromium), or set "
        f"{SKIP_ENV}=1 to skip the browser tests"
    )
    raise BrowserError(msg)


class Browser:
    """A running headless Chromium and its protocol pipe."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="collabrel-chromium-")
        commands_r, self._commands = os.pipe()
        self._answers, answers_w = os.pipe()
        args = [executable(), *FLAGS, f"--user-data-dir={self.profile}", "about:blank"]
        self.process = subprocess.Popen(  # noqa: S603 - a fixed program and our own flags
            [sys.executable, "-c", _EXEC, str(commands_r), str(answers_w), *args],
            pass_fds=(commands_r, answers_w),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(commands_r)
        os.close(answers_w)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []
        self.send("Browser.getVersion")

    # ------------------------------------------------------------------- protocol

    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("the browser did not answer in time")
            ready, _, _ = select.select([self._answers], [], [], left)
            if ready:
                chunk = os.read(self._answers, 1 << 20)
                if not chunk:
                    raise BrowserError("the browser closed its pipe (it exited)")
                self._buffer += chunk
        text, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(text)
        return message

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:  # fmt: skip
        """Send a command and return its result; events seen meanwhile are kept."""
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._message(deadline)
            if answer.get("id") != self._next:
                self.events.append(answer)
                continue
            if "error" in answer:
                raise BrowserError(f"{method}: {answer['error']}")
            result: dict[str, Any] = answer.get("result", {})
            return result

    def wait_for(self, method: str, session: str) -> dict[str, Any]:
        """Wait for the event *method* of *session* (or take it if it came already)."""
        deadline = time.monotonic() + self.timeout
        while True:
            for event in self.events:
                if event.get("method") == method and event.get("sessionId") == session:
                    self.events.remove(event)
                    return event
            self.events.append(self._message(deadline))

    def open(self, url: str, *, width: int = 1280, height: int = 900) -> Page:
        """Open *url* in a new page of *width* CSS pixels and wait until it has loaded."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            self.send(domain, session=session)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                  session)  # fmt: skip
        self.send("Page.navigate", {"url": url}, session)
        self.wait_for("Page.loadEventFired", session)
        return Page(self, target, session)

    def close(self) -> None:
        """Stop the browser and remove its profile."""
        with contextlib.suppress(BrowserError, OSError):
            self.send("Browser.close")
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        for fd in (self._commands, self._answers):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """A page of the browser: evaluate script, take screenshots, print, read errors."""

    def __init__(self, browser: Browser, target: str, session: str) -> None:
        self.browser = browser
        self.target = target
        self.session = session

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self.browser.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, self.session
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} raised {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        """Save what the viewport shows as a PNG file."""
        data = self.browser.send("Page.captureScreenshot", {"format": "png"}, self.session)
        path.write_bytes(base64.b64decode(data["data"]))
        return path

    def pdf(self) -> bytes:
        """Print the page as the browser would, with the page size the style sheet asks for."""
        data = self.browser.send(
            "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True},
            self.session,
        )  # fmt: skip
        return base64.b64decode(data["data"])

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries of this page so far."""
        out = []
        for event in self.browser.events:
            if event.get("sessionId") != self.session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                out.append(str(params.get("exceptionDetails")))
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                out.append(str(params.get("args")))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                out.append(str(params["entry"].get("text")))
        return out

    def close(self) -> None:
        """Close the page."""
        self.browser.send("Target.closeTarget", {"targetId": self.target})
