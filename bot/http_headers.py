"""Security headers on every response the server sends, whatever route (or no route) answered it.

The web chat (``bot.channels.web``) and the console (``bot.console.auth``) set their own, stricter or more
fitting headers (a page's ``frame-ancestors``, the console's ``Referrer-Policy: same-origin``); this signal runs
after theirs and only fills in what is still missing, so theirs are kept. It covers ``/healthz``, the Telegram
webhook, 404/405 and the 500 that aiohttp makes of an uncaught exception: aiohttp prepares every one of those
responses, and preparing sends ``on_response_prepare``. (A request that aiohttp cannot even parse is answered
by its protocol before any route is matched; that 400 carries no app headers.)

``Permissions-Policy`` switches off the powerful browser features that nothing of ours uses, so a script that
got in anyway (or a page that frames us) cannot ask a pupil for their camera, microphone or location.
"""

from __future__ import annotations

from aiohttp import web

__all__ = ["DEFAULT_CSP", "PERMISSIONS_POLICY", "setup"]

DEFAULT_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
)
DEFAULTS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Content-Security-Policy": DEFAULT_CSP,
}


def setup(app: web.Application) -> None:
    """Wire the headers; call after every part that sets its own (signals run in the order they were added)."""
    app.on_response_prepare.append(_fill_in)


async def _fill_in(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in DEFAULTS.items():
        response.headers.setdefault(name, value)
