"""Object storage (MinIO, or any S3 API) through boto3 with path-style addressing.

The bucket is never created here: an init job creates it (`mc mb`), so a bucket
deleted by a fault stays deleted and uploads answer 503 naming storage until the
runbook (section 5 step 3) recreates it.
"""
from __future__ import annotations

import logging

import boto3
import botocore.exceptions
from botocore.config import Config

from errors import DependencyUnavailable, ObjectNotFound, short_reason
from settings import Settings, load_settings

log = logging.getLogger("app.storage")

_BUCKET_MISSING = {"NoSuchBucket", "404", "NotFound"}
_KEY_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3StorageService:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or load_settings()
        s = self.settings
        self.bucket = s.s3_bucket
        session = boto3.session.Session()
        access_key, secret_key = s.s3_access_key, s.s3_secret_key
        if not (access_key and secret_key):
            access_key, secret_key = s.aws_access_key_id, s.aws_secret_access_key
        # Against a custom endpoint (MinIO) the AWS credential chain is useless and
        # would probe the EC2 metadata address: refuse clearly instead.
        self.missing_credentials = bool(s.s3_endpoint_url) and not (access_key and secret_key)
        common = dict(
            service_name="s3",
            endpoint_url=s.s3_endpoint_url or None,
            region_name=s.s3_region,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
        )
        s3_opts = {"addressing_style": "path"}
        self._client = session.client(
            config=Config(
                signature_version="s3v4",
                s3=s3_opts,
                connect_timeout=3,
                read_timeout=30,
                retries={"max_attempts": 2, "mode": "standard"},
            ),
            **common,
        )
        # Health checks must answer within ~2 s: no retries, short timeouts.
        self._probe_client = session.client(
            config=Config(
                signature_version="s3v4",
                s3=s3_opts,
                connect_timeout=2,
                read_timeout=2,
                retries={"max_attempts": 1, "mode": "standard"},
            ),
            **common,
        )

    def _unavailable(self, exc: Exception) -> DependencyUnavailable:
        if isinstance(exc, botocore.exceptions.ClientError):
            err = exc.response.get("Error", {})
            code = str(err.get("Code", ""))
            if code in _BUCKET_MISSING:
                return DependencyUnavailable("storage", f"bucket '{self.bucket}' does not exist")
            message = err.get("Message") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            return DependencyUnavailable("storage", f"{code}: {message}")
        if isinstance(exc, botocore.exceptions.EndpointConnectionError):
            return DependencyUnavailable("storage", f"cannot connect to {self.settings.s3_endpoint_url}")
        return DependencyUnavailable("storage", short_reason(exc))

    def _require_credentials(self):
        if self.missing_credentials:
            raise DependencyUnavailable("storage", "no credentials configured (S3_ACCESS_KEY / S3_SECRET_KEY)")

    def check(self) -> dict:
        """HEAD the bucket (health check)."""
        self._require_credentials()
        try:
            self._probe_client.head_bucket(Bucket=self.bucket)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self._unavailable(exc) from None
        return {"bucket": self.bucket}

    def put_object(self, key: str, data: bytes, content_type: str) -> None:
        self._require_credentials()
        try:
            self._client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self._unavailable(exc) from None

    def get_object(self, key: str) -> tuple[bytes, str | None]:
        self._require_credentials()
        try:
            obj = self._client.get_object(Bucket=self.bucket, Key=key)
            return obj["Body"].read(), obj.get("ContentType")
        except botocore.exceptions.ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code == "NoSuchBucket":
                raise self._unavailable(exc) from None
            if code in _KEY_MISSING:
                # A 404 on GET may also mean the bucket is gone: tell the two apart.
                try:
                    self._probe_client.head_bucket(Bucket=self.bucket)
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc2:
                    raise self._unavailable(exc2) from None
                raise ObjectNotFound(key) from None
            raise self._unavailable(exc) from None
        except botocore.exceptions.BotoCoreError as exc:
            raise self._unavailable(exc) from None

    def delete_object(self, key: str) -> None:
        self._require_credentials()
        try:
            self._client.delete_object(Bucket=self.bucket, Key=key)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self._unavailable(exc) from None

    def count_objects(self, prefix: str = "documents/") -> int:
        self._require_credentials()
        try:
            paginator = self._client.get_paginator("list_objects_v2")
            return sum(page.get("KeyCount", len(page.get("Contents", [])))
                       for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix))
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self._unavailable(exc) from None
