"""The alarm sound, played by a child process the dashboard supervises (issue 14).

``supervisor`` (no Qt) starts, feeds and watches the child (``process``: one
running child and its pipes); ``annunciator`` (no Qt) plays on it the highest
priority of the beds it follows, chosen on the beds' threads, and hands its
reports to them; ``adapter`` sends the display heartbeat from the GUI thread;
``child`` is the process itself (``player`` repeats the bursts, ``qt_output`` and
``outputs`` play them, ``watchdog`` judges the display); ``protocol`` is what the
two sides say to each other. Nothing is imported here, so ``main`` can read ``protocol`` without Qt.
"""
