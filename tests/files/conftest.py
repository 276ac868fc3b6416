"""Fixtures of the file store tests: a second host on the same database, an S3 server."""

import io
import os
import socket

import pytest
from PIL import Image

from core.config import TestConfig
from core.extensions import db
from core.factory import create_app

BUCKET = "htx-files"


def jpeg(colour=(40, 120, 60), size=(1600, 1200)) -> bytes:
    """A photo as a phone would send it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def upload_image(client, headers, product_id: int, data: bytes):
    """PUT a product's image through the API; the response."""
    return client.put(
        f"/api/v1/products/{product_id}/image",
        data={"image": (io.BytesIO(data), "ca-phe.jpg")},
        headers=headers,
        content_type="multipart/form-data",
    )


@pytest.fixture
def make_host(app, tmp_path):
    """Factory: another app (another host) with an instance folder of its own, on the same
    database as ``app``; disposed of after the test."""
    made = []

    def make(name: str, **overrides):
        config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
        config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"]
        config["INSTANCE_DIR"] = tmp_path / name
        config.update(overrides)
        host = create_app(config)
        made.append(host)
        return host

    yield make
    for host in made:
        with host.app_context():
            db.session.remove()
            db.engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on a free local port (no network), with credentials it accepts."""
    from moto.server import ThreadedMotoServer

    saved = {key: os.environ.get(key) for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ["AWS_ACCESS_KEY_ID"] = "testing"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def s3(s3_server):
    """An empty bucket on the S3 server, and the settings that point a host at it."""
    import boto3

    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings = {
        "FILES_URL": f"s3://{BUCKET}/htx",
        "FILES_S3_ENDPOINT_URL": s3_server,
        "FILES_S3_REGION": "us-east-1",
    }
    yield client, settings
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)
