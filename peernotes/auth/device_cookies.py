"""Device cookies: a browser that has signed in to an account before keeps working when its
address is locked out (OWASP, "Slow Down Online Guessing Attacks with Device Cookies").

Many people at a clinic share one client address. Without this, 30 wrong passwords typed from
there (by one person, or one attacker) lock everyone there out for the window. With it, each
successful sign-in leaves a signed, long-lived cookie naming that account and a random nonce.
A sign-in attempt for that account that presents it is judged by the cookie's own budget of
failures (`peernotes.auth.throttle`), not by the address's or the account's, which someone
else can spend. An attempt without a valid cookie for the account it names stays under both.

The cookie holds no email: only an HMAC of the normalised email under the app's secret, so a
shared computer's cookie does not say who has used it. It is signed (itsdangerous, the app's
secret, its own salt), so it cannot be made or edited by hand; a forged, tampered, expired or
other account's cookie simply gives no exemption. One browser may hold entries for a few
accounts (a shared clinic computer), newest first.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from flask import Response, after_this_request, current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer

from config import Config

#: `__Host-` where cookies are Secure (production): the browser then refuses it from any
#: other host or path, as for the session cookie.
COOKIE_NAME = "peernotes_device"
SECURE_COOKIE_NAME = "__Host-peernotes_device"
_SALT = "peernotes.device-cookie"
#: How many accounts one browser remembers (the newest win): enough for a shared computer.
MAX_ACCOUNTS = 8
_G_KEY = "peernotes_trusted_device"


@dataclass(frozen=True)
class DeviceEntry:
    #: HMAC of the normalised email (`account_tag`), never the email itself.
    account: str
    #: Random: names this cookie in the lockout counters.
    nonce: str
    #: When it was issued (Unix seconds); it expires `device_cookie_days` later.
    issued: int


def _config() -> Config:
    config: Config = current_app.config["PEERNOTES"]
    return config


def cookie_name() -> str:
    return SECURE_COOKIE_NAME if _config().secure_cookies else COOKIE_NAME


def normalise_email(email: str) -> str:
    # The same normalisation as sign-in and the per-account limit.
    return email.strip().lower()


def account_tag(email: str) -> str:
    key = hashlib.sha256(("device-account:" + _config().secret_key).encode()).digest()
    mac = hmac.new(key, normalise_email(email).encode("utf-8"), hashlib.sha256)
    return mac.hexdigest()[:32]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(_config().secret_key, salt=_SALT)


def _read_entries() -> list[DeviceEntry]:
    """The entries of this request's cookie; none when it is missing, forged or malformed."""
    raw = request.cookies.get(cookie_name())
    if not raw or len(raw) > 4096:
        return []
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return []
    if not isinstance(data, list):
        return []
    entries = []
    for item in data[:MAX_ACCOUNTS]:
        if (
            isinstance(item, list)
            and len(item) == 3
            and isinstance(item[0], str)
            and isinstance(item[1], str)
            and isinstance(item[2], int)
        ):
            entries.append(DeviceEntry(item[0], item[1], item[2]))
    return entries


def trusted_device(email: str | None) -> str | None:
    """The nonce of this request's valid, unexpired device cookie for the account `email`
    names, or None: then the attempt is from an untrusted device. Judged once a request."""
    cached: dict[str, str | None] = g.setdefault(_G_KEY, {})
    email = normalise_email(email or "")
    if email in cached:
        return cached[email]
    found = None
    if email:
        tag = account_tag(email)
        oldest = int(time.time()) - _config().device_cookie_days * 86400
        for entry in _read_entries():
            if hmac.compare_digest(entry.account, tag) and entry.issued > oldest:
                found = entry.nonce
                break
    cached[email] = found
    return found


def remember_device(email: str) -> None:
    """After a successful sign-in: give this browser a fresh device cookie for the account
    (a new nonce, so an old copy's lockout does not follow it), keeping its other accounts."""
    tag = account_tag(email)
    fresh = DeviceEntry(tag, secrets.token_urlsafe(16), int(time.time()))
    kept = [e for e in _read_entries() if e.account != tag][: MAX_ACCOUNTS - 1]
    value = _serializer().dumps([[e.account, e.nonce, e.issued] for e in [fresh, *kept]])
    config = _config()

    @after_this_request
    def _set_cookie(response: Response) -> Response:
        response.set_cookie(
            cookie_name(),
            value,
            max_age=config.device_cookie_days * 86400,
            path="/",
            secure=config.secure_cookies or request.is_secure,
            httponly=True,
            samesite="Lax",
        )
        return response
