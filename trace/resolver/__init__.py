"""The public resolver: consumer pages for scanned codes, GS1 Digital Link and linksets."""

from trace.resolver.front import install as install_front
from trace.resolver.views import bp

__all__ = ["bp", "install_front"]
