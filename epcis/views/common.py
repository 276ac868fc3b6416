"""The EPCIS pages' blueprint, ``epcis``, under ``/trace`` beside the trace's own pages."""

from trace.views.common import trace_blueprint

bp = trace_blueprint("epcis", __name__)
