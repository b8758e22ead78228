"""The real S3 endpoint the tests talk to, and helpers to seed and inspect its buckets."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"


S3RVER = Path(__file__).resolve().parent.parent / "node_modules" / ".bin" / "s3rver"


class MotoEndpoint:
    """moto's S3 server in a thread on 127.0.0.1, on a free port."""

    kind = "moto"
    access_key = ACCESS_KEY
    secret_key = SECRET_KEY

    def __init__(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)

    def start(self) -> str:
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self.url

    def stop(self) -> None:
        self.server.stop()


class S3rverEndpoint:
    """The independent ``s3rver`` npm server (it checks signatures and pages listings like S3)."""

    kind = "s3rver"
    access_key = "S3RVER"
    secret_key = "S3RVER"

    def start(self) -> str:
        if not S3RVER.exists():
            raise RuntimeError(f"s3rver is not installed at {S3RVER}: run `npm ci` (`make test` does it).")
        self.directory = tempfile.mkdtemp(prefix="s3rver-")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.process = subprocess.Popen(
            [str(S3RVER), "-d", self.directory, "-a", "127.0.0.1", "-p", str(port), "--silent"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"s3rver exited: {self.process.stderr.read().decode() if self.process.stderr else ''}"
                )
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("s3rver did not start listening within 30 seconds")
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)


SERVERS = {"moto": MotoEndpoint, "s3rver": S3rverEndpoint}


def admin_client(endpoint_url: str, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY) -> Any:
    """A boto3 client for seeding and inspecting buckets behind the hybrid's back."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=REGION,
    )


def s3_keys(client: Any, bucket: str) -> dict[str, str]:
    """Return ``{key: etag}`` for every object of ``bucket``."""
    objects: dict[str, str] = {}
    for page in client.get_paginator("list_objects").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            objects[entry["Key"]] = entry["ETag"]
    return objects


def snapshot(client: Any) -> dict[str, dict[str, str]]:
    """Return ``{bucket: {key: etag}}`` for every bucket on the endpoint."""
    return {bucket["Name"]: s3_keys(client, bucket["Name"]) for bucket in client.list_buckets().get("Buckets", [])}


@dataclass
class Bucket:
    """A bucket that stands in for production (or staging); seeded only through ``put()``."""

    client: Any
    endpoint_url: str
    name: str = field(default_factory=lambda: f"prod-{uuid.uuid4().hex[:12]}")
    location: str = ""
    seeded: dict[str, str] = field(default_factory=dict)
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY

    def create(self) -> Bucket:
        self.client.create_bucket(Bucket=self.name)
        return self

    def destroy(self) -> None:
        keys = list(s3_keys(self.client, self.name))
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.name, Delete={"Objects": batch, "Quiet": True})
        self.client.delete_bucket(Bucket=self.name)

    def key(self, name: str) -> str:
        return f"{self.location}/{name}" if self.location else name

    def put(self, name: str, data: bytes = b"production bytes") -> None:
        response = self.client.put_object(Bucket=self.name, Key=self.key(name), Body=data)
        self.seeded[self.key(name)] = response["ETag"]

    def put_many(self, names: list[str], data: bytes = b"") -> None:
        """Seed many objects at once (a thread pool: one request per object is unavoidable)."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda name: self.put(name, data), names))

    def get(self, name: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=self.key(name))["Body"].read()  # type: ignore[no-any-return]

    def options(self, **overrides: Any) -> dict[str, Any]:
        """OPTIONS for django-storages' ``S3Storage`` pointed at this bucket."""
        return {
            "bucket_name": self.name,
            "location": self.location,
            "endpoint_url": self.endpoint_url,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "region_name": REGION,
            "querystring_auth": False,
            **overrides,
        }

    def config(self, **overrides: Any) -> dict[str, Any]:
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": self.options(**overrides)}
