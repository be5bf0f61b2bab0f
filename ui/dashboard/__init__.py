"""The bedside dashboard: header, alarm bar, numeric tiles, session trend and controls.

``DashboardWindow`` (window.py) is what the app builds; ``ConnectionDialog``
(connection_dialog.py) chooses the monitor. Widgets display models and emit
signals; they hold no protocol, session or alarm logic.
"""
