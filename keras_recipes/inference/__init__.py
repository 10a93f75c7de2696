"""Using a finished run: loading it (``run``), the data and inputs it is fed
(``data``, ``inputs``), ``evaluate``, ``predict``, ``export`` (classifiers:
``export``; other tasks: ``export_task``) and ``sample``."""
