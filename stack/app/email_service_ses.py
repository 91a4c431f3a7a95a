"""Contact-form email through AWS SES (boto3 `ses` client, SendEmail v1 API).

SES_ENDPOINT_URL, when set, points both clients at a local SES (LocalStack,
aws-ses-v2-local); otherwise the regional AWS endpoint and the default
credential chain (instance role) are used when AWS_ACCESS_KEY_ID is empty.

Health check: SES v2 GetAccount (the v2 form of `get_send_quota`, returns the
quota and whether sending is enabled), read with a 2 s timeout and no retries.
  - answered with a quota: healthy (unhealthy if SendingEnabled is false);
  - the endpoint answered but refused the call for a reason other than our
    credentials (operation not supported by a local SES, account not set up,
    AccessDenied for a send-only IAM policy): healthy, with a `note` - the
    endpoint is reachable and accepts our credentials;
  - the endpoint rejects the credentials (InvalidClientTokenId,
    SignatureDoesNotMatch, ...) or cannot be reached / times out: unhealthy.
GetAccount is used rather than v1 GetSendQuota because aws-ses-v2-local never
answers GetSendQuota (the request hangs), while it does answer GetAccount.

Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY when set. Otherwise, with
SES_ENDPOINT_URL set, placeholder keys (a local SES accepts any); without an
endpoint, boto3's default chain (the EC2 instance role in production).
"""
from __future__ import annotations

import logging

import boto3
import botocore.exceptions
from botocore.config import Config

from errors import DependencyUnavailable, EmailError, short_reason
from settings import Settings, load_settings

log = logging.getLogger("app.email")

CREDENTIAL_ERRORS = {
    "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException",
    "ExpiredToken", "ExpiredTokenException", "InvalidSignatureException",
    "MissingAuthenticationToken", "IncompleteSignature", "AuthFailure",
}
ACCESS_DENIED = {"AccessDenied", "AccessDeniedException"}


def classify_client_error(exc: botocore.exceptions.ClientError) -> tuple[str, str, str]:
    """Return (code, kind, reason) for an SES ClientError."""
    err = exc.response.get("Error", {})
    code = str(err.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or "Error")
    message = " ".join(str(err.get("Message") or "").split())[:300]
    if code in CREDENTIAL_ERRORS:
        kind = "credentials"
    elif code in ACCESS_DENIED:
        kind = "access_denied"
    elif code in ("Throttling", "ThrottlingException", "TooManyRequestsException"):
        kind = "throttled"
    elif code in ("MessageRejected", "MailFromDomainNotVerifiedException", "AccountSendingPausedException",
                  "ConfigurationSetDoesNotExist", "SendingPausedException"):
        kind = "rejected"
    else:
        kind = "error"
    return code, kind, (f"{code}: {message}" if message else code)


class SESEmailService:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or load_settings()
        s = self.settings
        session = boto3.session.Session()
        access_key, secret_key = s.aws_access_key_id or None, s.aws_secret_access_key or None
        self.placeholder_credentials = False
        if s.ses_endpoint_url and not (access_key and secret_key):
            # A local SES (LocalStack, aws-ses-v2-local) accepts any signature; the
            # credential chain would only probe the EC2 metadata address.
            access_key, secret_key = "local-ses", "local-ses"
            self.placeholder_credentials = True
        common = dict(
            region_name=s.aws_region,
            endpoint_url=s.ses_endpoint_url or None,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
        )
        self._client = session.client(
            "ses",
            config=Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"}),
            **common,
        )
        self._probe_client = session.client(
            "sesv2",
            config=Config(connect_timeout=2, read_timeout=2, retries={"max_attempts": 1, "mode": "standard"}),
            **common,
        )
        self.endpoint = s.ses_endpoint_url or f"ses.{s.aws_region}.amazonaws.com"

    def send_contact_email(self, contact_id: str, name: str, email: str, message: str) -> str:
        """Send the notification for one contact message; return the SES MessageId."""
        s = self.settings
        body = (
            f"New contact-form message {contact_id}\n\n"
            f"From: {name} <{email}>\n\n"
            f"{message}\n"
        )
        try:
            resp = self._client.send_email(
                Source=s.ses_from,
                Destination={"ToAddresses": [s.contact_to]},
                ReplyToAddresses=[email],
                Message={
                    "Subject": {"Data": f"Contact form: {name}"[:200], "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
                },
            )
        except botocore.exceptions.ClientError as exc:
            _, kind, reason = classify_client_error(exc)
            raise EmailError(f"SES send_email refused: {reason}", kind=kind) from None
        except (botocore.exceptions.ConnectTimeoutError, botocore.exceptions.ReadTimeoutError) as exc:
            raise EmailError(f"SES send_email connection timeout ({self.endpoint}): {short_reason(exc)}",
                             kind="timeout") from None
        except botocore.exceptions.NoCredentialsError:
            raise EmailError("SES send_email: no AWS credentials configured", kind="credentials") from None
        except botocore.exceptions.BotoCoreError as exc:
            raise EmailError(f"SES send_email failed ({self.endpoint}): {short_reason(exc)}",
                             kind="connection") from None
        return resp.get("MessageId", "")

    def check(self) -> dict:
        """Cheap SES probe for /health (see module docstring for the decision table)."""
        try:
            account = self._probe_client.get_account()
        except botocore.exceptions.ClientError as exc:
            code, _, reason = classify_client_error(exc)
            if code in CREDENTIAL_ERRORS:
                raise DependencyUnavailable("email", f"SES rejected credentials: {reason}") from None
            return {"endpoint": self.endpoint, "note": f"endpoint reachable; quota not readable ({reason})"}
        except botocore.exceptions.NoCredentialsError:
            raise DependencyUnavailable("email", "no AWS credentials configured") from None
        except botocore.exceptions.BotoCoreError as exc:
            raise DependencyUnavailable("email", f"{self.endpoint}: {short_reason(exc)}") from None
        quota = account.get("SendQuota") or {}
        result = {
            "endpoint": self.endpoint,
            "sending_enabled": account.get("SendingEnabled"),
            "max_24h_send": quota.get("Max24HourSend"),
            "sent_last_24h": quota.get("SentLast24Hours"),
        }
        if account.get("SendingEnabled") is False:
            raise DependencyUnavailable("email", "SES sending is disabled for the account")
        return result
