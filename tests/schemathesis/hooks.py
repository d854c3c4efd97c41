"""Schemathesis hooks for securehands.

A real client sends a fresh Idempotency-Key with every distinct write. A generated
key that happens to be reused with a different request is (rightly) refused with
422, which says nothing about the operation under test; so every well-formed key is
made unique just before the call. Malformed keys are left alone: they test the 400.
"""

import re
import uuid

import schemathesis

KEY = re.compile(r"^[!-~]{1,255}$")


def _probes_authorization(case):
    """True for the cases that deliberately leave out or spoil the bearer token:
    touching their headers would make schemathesis add the token back."""
    data = getattr(getattr(getattr(case, "meta", None), "phase", None), "data", None)
    parameter = getattr(data, "parameter", None)
    return isinstance(parameter, str) and parameter.lower() == "authorization"


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    headers = case.headers
    if not headers or _probes_authorization(case):
        return
    for name in list(headers):
        if name.lower() == "idempotency-key":
            value = headers[name]
            if isinstance(value, str) and KEY.match(value):
                headers[name] = str(uuid.uuid4())
