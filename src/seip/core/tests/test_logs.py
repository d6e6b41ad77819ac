"""The JSON log formatter selected by ``SEIP_LOG_FORMAT=json``."""

import json
import logging
import sys

from seip.core.logs import JsonFormatter


def test_json_formatter_writes_one_json_object_per_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "seip.test", logging.ERROR, __file__, 1, "import %s failed", ("42",), sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "seip.test"
    assert entry["message"] == "import 42 failed"
    assert entry["time"].endswith("+00:00")
    assert "ValueError: boom" in entry["exception"]
