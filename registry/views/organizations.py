"""HTML views of organizations and their member households."""

from flask import Blueprint

bp = Blueprint("registry", __name__, url_prefix="/registry")
