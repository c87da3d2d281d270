"""The `make run` entry point as a real process on free ports, for tests that drive it
as a developer (or a browser) would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3

from local.run import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REGION = "eu-west-1"
T = TypeVar("T")
# The local stack's organisers (make run takes them from the environment).
PUBLISHER, EDITOR = "pia@example.org", "ed@example.org"
ORGANISER_PASSWORD = "Festival-organiser-2026"


def poll(check: Callable[[], T | None], what: str, timeout: float = 60) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@dataclass
class Stack:
    process: subprocess.Popen[str]
    api: str
    endpoint: str
    bucket: str
    ports: tuple[int, int]
    env: dict[str, str]
    output: Path

    def get(self, path: str) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(self.api + path, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def sign_in(self, email: str) -> str:
        """An organiser's token from POST /sessions."""
        request = urllib.request.Request(
            self.api + "/sessions",
            data=json.dumps({"email": email, "password": ORGANISER_PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            token: str = json.loads(response.read())["token"]
        return token

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def aws(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "aws"), "--endpoint-url", self.endpoint, *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )


@contextmanager
def running_stack(workdir: Path) -> Iterator[Stack]:
    """Start `python -m local.run`, wait until it is ready, and stop it with SIGINT."""
    port, aws_port = free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        PORT=str(port),
        LOCAL_AWS_PORT=str(aws_port),
        SCHEDULE_BUCKET="festival-test-local",
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        ORGANISER_EMAIL=PUBLISHER,
        ORGANISER_PASSWORD=ORGANISER_PASSWORD,
        EDITOR_EMAIL=EDITOR,
        EDITOR_PASSWORD=ORGANISER_PASSWORD,
    )
    output = workdir / "output.txt"
    with output.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "local.run"], cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, text=True
        )
    stack = Stack(
        process,
        f"http://127.0.0.1:{port}",
        f"http://127.0.0.1:{aws_port}",
        "festival-test-local",
        (port, aws_port),
        env,
        output,
    )
    try:
        poll(
            lambda: "Ctrl-C stops everything" in output.read_text() or process.poll() is not None,
            "the local stack to start",
            timeout=120,
        )
        assert process.poll() is None, output.read_text()
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
