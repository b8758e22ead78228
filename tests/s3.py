"""The real S3 endpoint the tests talk to, and helpers to seed and inspect its buckets."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"


class MotoEndpoint:
    """moto's S3 server in a thread on 127.0.0.1, on a free port."""

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


def admin_client(endpoint_url: str) -> Any:
    """A boto3 client for seeding and inspecting buckets behind the hybrid's back."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )


def s3_keys(client: Any, bucket: str) -> dict[str, str]:
    """Return ``{key: etag}`` for every object of ``bucket``."""
    objects: dict[str, str] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
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

    def create(self) -> Bucket:
        self.client.create_bucket(Bucket=self.name)
        return self

    def destroy(self) -> None:
        for key in list(s3_keys(self.client, self.name)):
            self.client.delete_object(Bucket=self.name, Key=key)
        self.client.delete_bucket(Bucket=self.name)

    def key(self, name: str) -> str:
        return f"{self.location}/{name}" if self.location else name

    def put(self, name: str, data: bytes = b"production bytes") -> None:
        response = self.client.put_object(Bucket=self.name, Key=self.key(name), Body=data)
        self.seeded[self.key(name)] = response["ETag"]

    def get(self, name: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=self.key(name))["Body"].read()  # type: ignore[no-any-return]

    def options(self, **overrides: Any) -> dict[str, Any]:
        """OPTIONS for django-storages' ``S3Storage`` pointed at this bucket."""
        return {
            "bucket_name": self.name,
            "location": self.location,
            "endpoint_url": self.endpoint_url,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "region_name": REGION,
            "querystring_auth": False,
            **overrides,
        }

    def config(self, **overrides: Any) -> dict[str, Any]:
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": self.options(**overrides)}
