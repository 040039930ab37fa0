"""Static files storage of production: hashed names, compressed copies, and ES module imports rewritten."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ClinicStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Whitenoise's hashed and compressed files, with every relative ES module import pointing at a hashed file.

    Without the rewrite, static/js/booking/main.<hash>.js would import "../lib/api.js", the
    unhashed name: served with a far-future cache header, a deploy would then mix the new
    page script with last release's modules (or the other way round) in a returning browser.
    """

    support_js_module_import_aggregation = True
