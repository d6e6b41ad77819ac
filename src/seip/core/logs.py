"""One JSON object per log line, for log shippers in production (``SEIP_LOG_FORMAT=json``).

Only the record's own fields are written: time, level, logger, message and, when there is
one, the traceback. No request data is added, because request paths and bodies can carry
personal data; messages themselves must never contain it.
"""

import datetime as dt
import json
import logging


class JsonFormatter(logging.Formatter):
    """Formats a record as a single-line JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # json.dumps escapes newlines, so a traceback stays on one line.
        return json.dumps(entry, ensure_ascii=False, default=str)
