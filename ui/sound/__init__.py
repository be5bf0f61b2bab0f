"""The alarm sound, played by a child process the dashboard supervises (issue 14).

``supervisor`` (no Qt) starts, feeds and watches the child (``process``: one
running child and its pipes); ``adapter`` gives the dashboard the ``AlarmSound``
interface over it and sends the display heartbeat; ``child`` is the process
itself (``player`` repeats the bursts, ``qt_output`` and ``outputs`` play them,
``watchdog`` judges the display); ``protocol`` is what the two sides say to each
other. Nothing is imported here, so ``main`` can read ``protocol`` without Qt.
"""
