"""The public resolver: consumer pages for scanned codes, GS1 Digital Link and linksets."""

from consumer.front import install as install_front
from consumer.views import bp

__all__ = ["bp", "install_front"]
