"""The CLI prints warnings and absl log records as `warning: ...`, one line each."""

import logging
import warnings

from keras_recipes.cli import log_lines


def test_warnings_and_absl_records_are_one_formatted_line(monkeypatch, capsys):
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    absl = logging.getLogger("absl")
    monkeypatch.setattr(absl, "handlers", list(absl.handlers))
    monkeypatch.setattr(absl, "propagate", absl.propagate)
    log_lines.install()
    log_lines.install()  # twice: still one line per record
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("skipped 2 unreadable image files in data/:\n a.png, b.png", UserWarning)
    absl.warning("Variant folder /x/cifar10/3.0.2 has no dataset_info.json")
    err = capsys.readouterr().err.splitlines()
    assert err == ["warning: skipped 2 unreadable image files in data/: a.png, b.png",
                   "warning: Variant folder /x/cifar10/3.0.2 has no dataset_info.json"]
