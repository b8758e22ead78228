"""The demo's "production": moto's S3 server in a thread on a free 127.0.0.1 port."""

from __future__ import annotations

import json
import logging
import mimetypes
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

# The embedded server accepts any credentials; these match settings.DEMO_CREDENTIALS.
ACCESS_KEY = "demo"
SECRET_KEY = "demo"
REGION = "us-east-1"


class EmbeddedS3:
    """Start and stop the server, and seed a bucket on it."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        # Werkzeug would log every photo request of every page view to the demo's console.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = ThreadedMotoServer(ip_address=host, port=0, verbose=False)
        self.url = ""

    def start(self) -> EmbeddedS3:
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self.server.stop()

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def create_bucket(self, bucket: str) -> BucketWriter:
        """Create a bucket whose objects anyone may read, like media behind a public CDN."""
        client = self.client()
        client.create_bucket(Bucket=bucket)
        # Without this the browser's unsigned GETs would get 403: objects are private by default.
        client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(public_read_policy(bucket)))
        return BucketWriter(client, bucket)


def public_read_policy(bucket: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicReadForTheDemoPage",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


class BucketWriter:
    """``put(key, data)``: what the seeding needs, with a Content-Type so browsers render the photos."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def put(self, key: str, data: bytes) -> None:
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        # The ACL as well as the bucket policy: moto answers an anonymous HEAD (the HTTP layer's probe)
        # only for an object that is public-read itself; AWS S3 follows the policy for both.
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, ACL="public-read")
