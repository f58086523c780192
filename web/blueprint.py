"""The one blueprint every view module registers its routes on (endpoints are ``web.<name>``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__)
