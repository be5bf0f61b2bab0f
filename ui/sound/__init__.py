"""The alarm sound, played by a child process the dashboard supervises (issue 14).

``supervisor`` (no Qt) starts, feeds and watches the child; ``adapter`` gives the
dashboard the ``AlarmSound`` interface over it and sends the display heartbeat;
``child`` is the process itself (``player`` repeats the bursts, ``qt_output`` and
``outputs`` play them); ``protocol`` is what the two sides say to each other.
Nothing is imported here, so ``main`` can read ``protocol`` without loading Qt.
"""
